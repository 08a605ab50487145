import { html, nothing, type ReactiveController, type ReactiveElement, type TemplateResult } from 'lit';
import type { Strings } from './strings.ts';

/** One bank of the picker, as `providers-url` lists it. */
export interface Provider {
  provider_id: string;
  name: string;
  logo_url?: string;
}

export interface PickerHost extends ReactiveElement {
  readonly renderRoot: HTMLElement | DocumentFragment;
}

/** What the picker asks of the element: go on with a bank, end the attempt, load the list again. */
export interface PickerActions {
  select(provider: Provider): void;
  cancel(): void;
  retry(): void;
}

/**
 * Reads `[{provider_id, name, logo_url?}]`, or `{ providers: [...], popular: [provider_id, …] }`; throws on
 * anything else. Logos only from http(s) or the page's own paths: never `javascript:` or `data:`.
 */
function parseProviders(json: unknown): { providers: Provider[]; popular: Provider[] } {
  const body = json as { providers?: unknown; popular?: unknown };
  const list = Array.isArray(json) ? json : body?.providers;
  if (!Array.isArray(list)) throw new TypeError('unexpected JSON');
  const providers = list.map((item: Record<string, unknown>) => {
    const id = item?.provider_id;
    if ((typeof id !== 'number' && typeof id !== 'string') || typeof item?.name !== 'string') {
      throw new TypeError('unexpected JSON');
    }
    const provider: Provider = { provider_id: String(id), name: item.name };
    const logo = item.logo_url;
    if (typeof logo === 'string' && /^(https?:|\/)/.test(logo)) provider.logo_url = logo;
    return provider;
  });
  const popular = Array.isArray(body?.popular) ? body.popular : [];
  return {
    providers,
    popular: popular.flatMap((id) => providers.find((p) => p.provider_id === String(id)) ?? []),
  };
}

/** The progress spinner, one template wherever it shows. */
export const spinner = html`<span class="spinner" aria-hidden="true"></span>`;

/** Case- and accent-insensitive form for search: "Économie" matches "economie". */
function fold(text: string): string {
  return text.normalize('NFD').replace(/\p{M}/gu, '').toLowerCase().trim();
}

/** Up to two capitals of the name ("Banque Nationale" → "BN"), or its first letter. */
function initials(name: string): string {
  return (name.match(/\p{Lu}/gu) ?? [name.trim()[0] ?? '?']).slice(0, 2).join('').toUpperCase();
}

/** A hue derived from the name: the same bank always gets the same colour. */
function hue(name: string): number {
  let hash = 0;
  for (const char of name) hash = (hash * 31 + (char.codePointAt(0) ?? 0)) % 360;
  return hash;
}

/**
 * The bank picker: a modal `<dialog>` (top layer, inert page, Escape, focus return come from the platform) holding
 * a search field that is a combobox over a listbox (WAI-ARIA APG): typing filters (the type-ahead), arrows move
 * the active bank, Enter or a click chooses it. Loads `providers-url` once per URL.
 */
export class PickerController implements ReactiveController {
  providers: Provider[] | undefined;
  /** The banks shown before the customer types, when `providers-url` names some. */
  popular: Provider[] = [];
  loading = false;
  failed = false;
  query = '';
  active = 0;
  #host: PickerHost;
  #from = '';
  #brokenLogos = new Set<string>();
  #actions: PickerActions;

  constructor(host: PickerHost, actions: PickerActions) {
    this.#host = host;
    this.#actions = actions;
    host.addController(this);
  }

  /** Opens the modal once it is rendered: `showModal()` needs the element in the document. */
  hostUpdated(): void {
    const dialog = this.#host.renderRoot.querySelector('dialog');
    if (dialog?.isConnected && !dialog.open) dialog.showModal();
  }

  /** A fresh search, on each opening. */
  reset(): void {
    this.query = '';
    this.active = 0;
  }

  /**
   * Fetches the list from `url` unless it came from there already; throws (and shows the retry) on failure. A load
   * aborted with its attempt (`signal`) leaves the list as it is: a later one owns it.
   */
  async load(url: URL, signal?: AbortSignal): Promise<void> {
    if (this.providers && this.#from === url.href) return;
    this.loading = true;
    this.failed = false;
    this.#host.requestUpdate();
    try {
      const response = await fetch(url, {
        headers: { Accept: 'application/json' },
        credentials: 'same-origin',
        signal: signal ?? null,
      });
      if (!response.ok) throw new Error(`HTTP ${response.status}`);
      const { providers, popular } = parseProviders(await response.json());
      if (signal?.aborted) return;
      this.providers = providers;
      this.popular = popular;
      this.#from = url.href;
    } catch (error) {
      if (signal?.aborted) return;
      this.failed = true;
      throw error;
    } finally {
      if (!signal?.aborted) this.loading = false;
      this.#host.requestUpdate();
    }
  }

  /** The bank's name, when the list knows its id. */
  name(provider_id: string | undefined): string | undefined {
    return this.providers?.find((p) => p.provider_id === provider_id)?.name;
  }

  /** The popular banks before the customer types (when there are any), else the banks matching the search. */
  list(): Provider[] {
    const query = fold(this.query);
    if (!query && this.popular.length) return this.popular;
    return (this.providers ?? []).filter((p) => fold(p.name).includes(query));
  }

  #onSearch = (event: InputEvent): void => {
    this.query = (event.target as HTMLInputElement).value;
    this.active = 0;
    this.#host.requestUpdate();
  };

  #onKey = (event: KeyboardEvent): void => {
    const list = this.list();
    const step = { ArrowDown: 1, ArrowUp: -1 }[event.key];
    if (step) {
      event.preventDefault();
      this.active = Math.max(0, Math.min(this.active + step, list.length - 1));
      this.#host.requestUpdate();
      void this.#host.updateComplete.then(() =>
        this.#host.renderRoot.querySelector('[aria-selected="true"]')?.scrollIntoView({ block: 'nearest' }),
      );
    } else if (event.key === 'Enter') {
      event.preventDefault();
      const provider = list[this.active];
      if (provider) this.#actions.select(provider);
    }
  };

  /** Escape, the backdrop (`closedby="any"`) and Cancel all end here: the attempt is cancelled. */
  #onClose = (): void => this.#actions.cancel();

  /**
   * Escape closes the dialog in every engine: WebKitGTK receives it but does not cancel a modal dialog (macOS
   * Safari does, through cancelOperation:), so it is closed here, the same way everywhere.
   */
  #onDialogKey = (event: KeyboardEvent): void => {
    if (event.key !== 'Escape' || event.defaultPrevented) return;
    event.preventDefault();
    (event.currentTarget as HTMLDialogElement).close();
  };

  #onLogoError(url: string): void {
    this.#brokenLogos.add(url);
    this.#host.requestUpdate();
  }

  #renderItem(provider: Provider, index: number): TemplateResult {
    const logo = provider.logo_url;
    const image = logo && !this.#brokenLogos.has(logo);
    // The monogram's letters are CSS generated content: not part of the option's name or its textContent,
    // which is the bank's name alone (no white space around it either).
    const monogram = `--hue:${hue(provider.name)}`;
    return html`<li
      id=${`bank-${index}`}
      role="option"
      part="item"
      aria-selected=${index === this.active}
      @click=${() => this.#actions.select(provider)}
    ><span part="logo" data-initials=${initials(provider.name)} .style=${monogram}>${
      image ? html`<img src=${logo} alt="" @error=${() => this.#onLogoError(logo)} />` : nothing
    }</span>${provider.name}</li>`;
  }

  #renderBody(t: Strings): TemplateResult {
    if (this.loading) {
      return html`<p class="note" role="status">${spinner} ${t.loadingBanks}</p>`;
    }
    if (this.failed) {
      return html`
        <p class="note" role="alert">${t.errors.PROVIDERS_FAILED}</p>
        <button @click=${this.#actions.retry}>${t.retry}</button>
      `;
    }
    const list = this.list();
    const popular = list === this.popular;
    return html`
      ${popular ? html`<p class="caption" aria-hidden="true">${t.popular}</p>` : nothing}
      <ul id="banks" role="listbox" aria-label=${popular ? t.popular : t.chooseBank}>
        ${list.map((provider, index) => this.#renderItem(provider, index))}
      </ul>
      <p class="count" role="status">${
        list.length ? t.banksCount(list.length) : this.query ? t.noBanks(this.query) : t.none
      }</p>
    `;
  }

  /**
   * The dialog. One scroller holds the search field and the list: the field stays in view (sticky), and the
   * scrolling region has a tab stop (WCAG 2.1.1, axe's scrollable-region-focusable).
   */
  render(t: Strings): TemplateResult {
    const expanded = !this.loading && !this.failed && this.list().length > 0;
    return html`
      <dialog
        part="dialog picker"
        aria-labelledby="picker-title"
        closedby="any"
        @close=${this.#onClose}
        @keydown=${this.#onDialogKey}
      >
        <h2 id="picker-title">${t.chooseBank}</h2>
        <div class="body">
          <label class="caption" for="search">${t.search}</label>
          <input
            id="search"
            part="search"
            type="search"
            role="combobox"
            autofocus
            autocomplete="off"
            spellcheck="false"
            aria-autocomplete="list"
            aria-controls="banks"
            aria-expanded=${expanded}
            aria-activedescendant=${expanded ? `bank-${this.active}` : nothing}
            .value=${this.query}
            @input=${this.#onSearch}
            @keydown=${this.#onKey}
          />
          ${this.#renderBody(t)}
        </div>
        <button part="cancel" @click=${this.#onClose}>${t.cancel}</button>
      </dialog>
    `;
  }
}
