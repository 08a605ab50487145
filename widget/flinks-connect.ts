import { html, LitElement, nothing, type PropertyValues, type TemplateResult } from 'lit';
import {
  type AuthorizationRequest,
  type BaseDetail,
  baseDetail,
  buildExchangeBody,
  type CallbackResult,
  type ConnectConfig,
  type ConnectMode,
  createAuthorizationRequest,
  createStorageFlowStore,
  DEFAULT_EXCHANGE_TIMEOUT_MS,
  ErrorCode,
  type EventDetails,
  exchangeCode,
  FlinksConnectError,
  type FlowStore,
  isCallback,
  isRefusal,
  validateCallback,
  validateConfig,
  validateUrl,
} from '../core/src/index.ts';
import { styles } from './flinks-connect.styles.ts';
import { PickerController, type Provider } from './picker.ts';
import { CALLBACK_CHANNEL, isCallbackMessage, redirectSession, TAKEN_MESSAGE, wasRelayed } from './relay.ts';
import { resolveLang, type Strings, stringsFor } from './strings.ts';

/** What `connect()` of a {@link FlowDriver} ends with. */
export type FlowDriverResult =
  | { type: 'success'; result: unknown }
  | { type: 'exit'; reason: string; error?: string; error_description?: string }
  | { type: 'error'; code: string; message: string };

/**
 * Runs the authorization somewhere else (the companion extension's background worker) while the element keeps
 * its UI, states and events. Set as the `driver` property.
 */
export interface FlowDriver {
  connect(request: {
    provider_id: string;
    provider_name?: string;
    session_id: string;
  }): Promise<FlowDriverResult>;
}

/** Where the element is in a flow; reflected as the `state` attribute for styling. */
export type ConnectState = 'idle' | 'choosing' | 'authorizing' | 'exchanging' | 'connected' | 'error';

/** Event details as the element sends them: the bank's `error`/`error_description` ride along on errors too. */
export interface FlinksEventDetails extends Omit<EventDetails, 'flinks-error' | 'flinks-event'> {
  'flinks-error': EventDetails['flinks-error'] & { error?: string; error_description?: string };
  /** Also `name: 'flinks-stalled'`, sent on this event only: see {@link StalledReason}. */
  'flinks-event': Omit<EventDetails['flinks-event'], 'name'> & {
    name: EventDetails['flinks-event']['name'] | 'flinks-stalled';
  };
}

/**
 * Why an attempt stalled: its window's handle read closed within `timings.severed` of loading the bank (closed
 * at once, or severed by Cross-Origin-Opener-Policy), or no callback came within `timings.stalled`.
 */
export type StalledReason = 'window_lost' | 'no_callback';
type Name = Exclude<keyof FlinksEventDetails, 'flinks-event'>;
type Extra<N extends Name> = Omit<FlinksEventDetails[N], keyof BaseDetail>;

export type ExchangeHeaders =
  | Record<string, string>
  | (() => Record<string, string> | Promise<Record<string, string>>);

export type { Provider } from './picker.ts';

/** Resolves once the page's deferred and module scripts have run (DOMContentLoaded, or load if that passed). */
function pageScriptsRan(): Promise<void> {
  if (document.readyState === 'complete') return Promise.resolve();
  return new Promise((resolve) => {
    for (const type of ['DOMContentLoaded', 'load']) addEventListener(type, () => resolve(), { once: true });
  });
}

interface Prepared {
  provider_id: string;
  promise: Promise<AuthorizationRequest>;
  /** Set once the promise has resolved: a click can then open the popup on the bank's URL at once. */
  ready?: AuthorizationRequest;
}

/** One attempt, from the click to its end. */
interface Attempt {
  session_id: string;
  mode: ConnectMode;
  provider_id: string;
  /** Set once the flow is saved and the bank's page is on its way. */
  state?: string;
  popup?: Window | null;
  navigated_at?: number;
  /** Set when the bank's window is lost or its page never sent the customer back: reopen or cancel is offered. */
  stalled?: boolean;
  abort: AbortController;
}

const CONFIG_KEYS = ['clientId', 'authorizeUrl', 'redirectUri', 'scope', 'providerId', 'issuer'] as const;
const CALLBACK_PARAMS = ['code', 'state', 'iss', 'error', 'error_description', 'error_uri'];
/** Knows no flow: what a response that cannot be this attempt's is checked against. */
const NO_FLOWS = { take() {} } as Partial<FlowStore> as FlowStore;
const POPUP_FEATURES = 'popup,width=480,height=720';

let resumedOnce = false;

/**
 * Connects a customer's bank account through Flinks Outbound: PKCE `/authorize` in a popup (or a full-page
 * redirect), the callback validated in this browser, the code handed to the partner's exchange endpoint.
 *
 * @summary One button that connects a bank account through Flinks Outbound.
 *
 * @slot - The button's label. Default "Connect your bank" / "Connecter votre banque".
 *
 * @event flinks-open - The customer started an attempt.
 * @event flinks-select-provider - A bank was chosen in the picker. Adds `provider_id`, `provider_name`.
 * @event flinks-authorize - Navigation to the bank's /authorize began. Adds `url`, `provider_id`, `mode`.
 * @event flinks-consent - A valid code came back. Adds `code`, `code_verifier`, `redirect_uri`, `state`,
 *   `provider_id`, `correlation_id`.
 * @event flinks-success - The exchange endpoint answered 2xx JSON. Adds `result`, `provider_id`.
 * @event flinks-exit - The customer or the bank ended it. Adds `reason`, and `error`, `error_description`.
 * @event flinks-error - Something failed. Adds `code` (stable constant) and `message`.
 * @event flinks-event - Every one of the above, with `name`.
 *
 * @csspart button - The main connect button.
 * @csspart status - The live status line (progress, success, errors).
 * @csspart retry - The main button after an error, labelled "Try again" (also part `button`).
 * @csspart cancel - The cancel button: in the picker, and while the bank's window is open.
 * @csspart reopen - The button that reopens the bank's window, shown when the attempt stalled.
 * @csspart dialog - The bank picker: a modal `<dialog>` (a full-height sheet on narrow screens).
 * @csspart picker - The same dialog, by its older name.
 * @csspart search - The picker's search field.
 * @csspart item - One bank in the picker's list.
 * @csspart logo - A bank's logo, or its monogram (initials on a colour derived from its name).
 *
 * @cssproperty --flinks-connect-accent - Button and highlight colour.
 * @cssproperty --flinks-connect-on-accent - Text colour on the accent.
 * @cssproperty --flinks-connect-background - Background of the picker and the status line.
 * @cssproperty --flinks-connect-backdrop - What covers the page behind the picker.
 * @cssproperty --flinks-connect-foreground - Text colour.
 * @cssproperty --flinks-connect-muted - Secondary text colour.
 * @cssproperty --flinks-connect-border - Border colour.
 * @cssproperty --flinks-connect-error - Error text colour.
 * @cssproperty --flinks-connect-success - Success text colour.
 * @cssproperty --flinks-connect-focus-ring - Focus outline colour.
 * @cssproperty --flinks-connect-radius - Corner radius.
 * @cssproperty --flinks-connect-font - Font family.
 */
export class FlinksConnect extends LitElement {
  static override styles = styles;

  static override properties = {
    clientId: { attribute: 'client-id' },
    authorizeUrl: { attribute: 'authorize-url' },
    redirectUri: { attribute: 'redirect-uri' },
    scope: {},
    providerId: { attribute: 'provider-id' },
    providersUrl: { attribute: 'providers-url' },
    exchangeUrl: { attribute: 'exchange-url' },
    issuer: {},
    mode: {},
    exchangeTimeout: { attribute: 'exchange-timeout', type: Number },
    exchangeCredentials: { attribute: 'exchange-credentials' },
    noRedirectFallback: { attribute: 'no-redirect-fallback', type: Boolean },
    hideWhenConnected: { attribute: 'hide-when-connected', type: Boolean },
    exchangeHeaders: { attribute: false },
    driver: { attribute: false },
    // `lang` stays the native global attribute; this only makes a change of it re-render.
    _lang: { attribute: 'lang' },
    _state: { state: true },
    _code: { state: true },
  };

  /** Timings of the popup watch, in ms (tests shorten them). */
  static timings = { poll: 500, severed: 3000, grace: 1500, stalled: 60_000 };

  // private state
  declare private _lang: string | undefined;
  declare private _state: ConnectState;
  /** The error code on show, or EXIT after an exit: what the status line says. */
  declare private _code: string | undefined;
  /** The `reason` of the last `flinks-exit`: a refusal at the bank reads differently from a cancel. */
  #exitReason = '';
  #picker = new PickerController(this, {
    select: (provider) => this.#select(provider),
    cancel: () => this._state === 'choosing' && this.close(),
    retry: () => this.#onRetryProviders(),
  });
  #prepared: Prepared | undefined;
  #attempt: Attempt | undefined;
  #store: FlowStore | undefined;
  #channel: BroadcastChannel | undefined;
  #watch: ReturnType<typeof setInterval> | undefined;
  #exited = false;
  /** The ended attempt's session id, for the events that report how it ended. */
  #lastSession = '';

  // public properties
  /** `client-id`: the client_id Flinks gave you. Required. */
  declare clientId: string | undefined;
  /** `authorize-url`: the bank-side /authorize endpoint, used as given. Required. */
  declare authorizeUrl: string | undefined;
  /** `redirect-uri`: registered with Flinks; its page loads this bundle. Required. */
  declare redirectUri: string | undefined;
  /** `scope`: space-separated FDX data clusters. Default `ACCOUNT_BASIC`. */
  declare scope: string | undefined;
  /** `provider-id`: skip the picker and go straight to this bank. */
  declare providerId: string | undefined;
  /** `providers-url`: JSON `[{provider_id, name, logo_url?}]` for the picker. */
  declare providersUrl: string | undefined;
  /** `exchange-url`: where the code is POSTed. Without it, `flinks-consent` hands the code to the page. */
  declare exchangeUrl: string | undefined;
  /** `issuer`: expected `iss` of the authorization response (RFC 9207). */
  declare issuer: string | undefined;
  /** `mode`: `popup` (default) or `redirect`. */
  declare mode: ConnectMode;
  /** `exchange-timeout`: ms before the exchange gives up. Default 30000. */
  declare exchangeTimeout: number | undefined;
  /** `exchange-credentials`: `same-origin` (default) or `include`. */
  declare exchangeCredentials: string | undefined;
  /** `no-redirect-fallback`: when the popup is blocked, do not fall back to a full-page redirect. */
  declare noRedirectFallback: boolean;
  /** `hide-when-connected`: once a bank is connected, hide the button instead of offering "Connect another bank". */
  declare hideWhenConnected: boolean;
  /** Extra headers for the exchange request (e.g. a CSRF token), or a function returning them. */
  declare exchangeHeaders: ExchangeHeaders | undefined;
  /** Runs the flow elsewhere (the companion extension); the element keeps its UI and events. */
  declare driver: FlowDriver | undefined;
  /** Called with each `flinks-success` detail. */
  declare onSuccess: ((detail: FlinksEventDetails['flinks-success']) => void) | undefined;
  /** Called with each `flinks-exit` detail. */
  declare onExit: ((detail: FlinksEventDetails['flinks-exit']) => void) | undefined;
  /** Called with each `flinks-error` detail. */
  declare onError: ((detail: FlinksEventDetails['flinks-error']) => void) | undefined;
  /** Called with each `flinks-consent` detail. */
  declare onConsent: ((detail: FlinksEventDetails['flinks-consent']) => void) | undefined;
  /** Called with every event's detail and its `name`. */
  declare onEvent: ((detail: FlinksEventDetails['flinks-event']) => void) | undefined;

  constructor() {
    super();
    this.mode = 'popup';
    this.noRedirectFallback = false;
    this.hideWhenConnected = false;
    this._state = 'idle';
    this.addEventListener('flinks-exit', (event) => {
      this.#exitReason = event.detail.reason;
    });
  }

  /** Where the element is in a flow: idle, choosing, authorizing, exchanging, connected or error. */
  get state(): ConnectState {
    return this._state;
  }

  // lifecycle
  override connectedCallback(): void {
    super.connectedCallback();
    this.#reflectState();
    window.addEventListener('message', this.#onMessage);
    if (typeof BroadcastChannel !== 'undefined') {
      this.#channel = new BroadcastChannel(CALLBACK_CHANNEL);
      this.#channel.addEventListener('message', this.#onBroadcast);
    }
    const here = new URL(location.href);
    if (
      !resumedOnce &&
      !wasRelayed() &&
      isCallback(here) &&
      this.#atRedirectUri(here) &&
      (this.mode === 'redirect' || redirectSession(window, here))
    ) {
      resumedOnce = true;
      void this.#resume(here);
    }
  }

  override disconnectedCallback(): void {
    super.disconnectedCallback();
    window.removeEventListener('message', this.#onMessage);
    this.#channel?.close();
    this.#channel = undefined;
    this.#stopWatch();
    this.#abortExchange();
    // Removed for good, not just moved: the attempt ends, and its flow with it.
    queueMicrotask(() => this.isConnected || this.#endAttempt());
  }

  protected override willUpdate(changed: PropertyValues<this>): void {
    // The language goes to the bank as ui_locales: a new one needs a new prepared request.
    const relang = (changed as Map<PropertyKey, unknown>).has('_lang');
    if (!this.hasUpdated || relang || CONFIG_KEYS.some((key) => changed.has(key))) this.#prepare();
  }

  /**
   * Starts an attempt, as a click on the button does. Call it from a user gesture in popup mode: the popup is
   * opened synchronously here, before anything awaits.
   */
  open(): void {
    const current = this.#attempt;
    if (current && this._state === 'exchanging') return;
    if (current && this._state === 'choosing') {
      this.#focus('input');
      return;
    }
    if (current && this._state === 'authorizing') {
      // Never a second flow while the bank's window is open: bring it to the front instead.
      if (!current.popup?.closed) {
        current.popup?.focus();
        return;
      }
      // Its window is gone (or its handle severed by COOP): that attempt cannot come back to the front.
      this.#endAttempt();
      this.#exit({ reason: 'closed' });
    }
    // Plain http off localhost has no Web Crypto: no PKCE, so no flow — say so instead of throwing.
    if (!isSecureContext) {
      this.#fail(
        new FlinksConnectError(ErrorCode.INVALID_CONFIG, 'Serve this page over https (or from localhost).'),
      );
      return;
    }
    this.#begin();
    let provider_id: string | undefined;
    try {
      provider_id = this.driver ? this.providerId?.trim() : this.#checkConfig().provider_id;
      if (!provider_id && !this.providersUrl) {
        throw new FlinksConnectError(
          ErrorCode.INVALID_CONFIG,
          'Set provider-id (a Flinks bank id, e.g. 1000), or providers-url for a bank picker.',
        );
      }
    } catch (error) {
      this.#fail(error);
      return;
    }
    if (provider_id) this.#go(provider_id);
    else this.#choose();
  }

  /** Ends the current attempt (closing its popup, aborting its exchange) with `flinks-exit` reason `cancelled`. */
  close(): void {
    if (this._state === 'exchanging') {
      this.#abortExchange();
      return;
    }
    const choosing = this._state === 'choosing';
    if (!choosing && this._state !== 'authorizing') return;
    this.#endAttempt();
    this.#exit({ reason: 'cancelled' });
    // Focus goes back where it came from when the picker closes.
    if (choosing) void this.updateComplete.then(() => this.#focus('[part~="button"]'));
  }

  /**
   * Back to idle with the status cleared. An exchange in flight is aborted and reported as `EXCHANGE_ABORTED`
   * (the partner's server may or may not have used the code); anything else ends without an event.
   */
  reset(): void {
    this.#abortExchange();
    this.#endAttempt();
    this._code = undefined;
    this.#setState('idle');
    this.#prepare();
  }

  // private handlers
  /** The element's language: its `lang`, then `<html lang>`, then the browser's. Also sent as `ui_locales`. */
  #lang(): string {
    return resolveLang(this._lang ?? this.getAttribute('lang'));
  }

  #t(): Strings {
    return stringsFor(this.#lang());
  }

  #flowStore(): FlowStore {
    this.#store ??= createStorageFlowStore();
    return this.#store;
  }

  #setState(state: ConnectState): void {
    this._state = state;
    this.#reflectState();
  }

  #reflectState(): void {
    if (this.getAttribute('state') !== this._state) this.setAttribute('state', this._state);
  }

  /** The attributes as core reads them: core trims, and takes empty optional ones as absent. */
  #config(): ConnectConfig {
    return {
      client_id: this.clientId ?? '',
      authorize_url: this.authorizeUrl ?? '',
      redirect_uri: this.redirectUri ?? '',
      scope: this.scope,
      provider_id: this.providerId,
      issuer: this.issuer,
    };
  }

  /** Core's checks plus the element's own attributes; throws INVALID_CONFIG saying what to fix. */
  #checkConfig(): ConnectConfig {
    const invalid = (message: string) => new FlinksConnectError(ErrorCode.INVALID_CONFIG, message);
    if (this.mode !== 'popup' && this.mode !== 'redirect') {
      throw invalid(`mode "${this.mode}" must be "popup" or "redirect".`);
    }
    // The code goes there: never to a data: or javascript: URL, nor over plain http off loopback.
    if (this.exchangeUrl) validateUrl('exchange-url', this.exchangeUrl, location.href);
    const credentials = this.exchangeCredentials;
    if (credentials && credentials !== 'same-origin' && credentials !== 'include') {
      throw invalid(`exchange-credentials "${credentials}" must be "same-origin" or "include".`);
    }
    const timeout = this.exchangeTimeout;
    if (timeout !== undefined && timeout !== null && !(Number.isFinite(timeout) && timeout > 0)) {
      throw invalid('exchange-timeout must be a positive number of milliseconds, e.g. 30000.');
    }
    return validateConfig(this.#config(), location.href);
  }

  /**
   * Prepares the PKCE request ahead, so a click can open the popup on it with nothing awaited before; in a task
   * of its own, off the first render and off the click.
   */
  #prepare(): void {
    this.#prepared = undefined;
    setTimeout(() => {
      if (typeof window === 'undefined' || this.driver) return;
      let config: ConnectConfig;
      try {
        config = this.#checkConfig();
      } catch {
        return; // reported on click, when someone is there to read it
      }
      if (!config.provider_id) return;
      const promise = createAuthorizationRequest(config, { base: location.href, uiLocales: this.#lang() });
      const prepared: Prepared = { provider_id: config.provider_id, promise };
      promise
        .then((request) => {
          prepared.ready = request;
          // The first use of sessionStorage loads it, a synchronous round trip to the browser: here, not in
          // the click. (Storage denied, e.g. in a sandboxed frame: the click reports it.)
          return sessionStorage.length;
        })
        .catch(() => undefined);
      this.#prepared = prepared;
    });
  }

  /** The prepared request for this bank (used once): itself once ready, else its promise; or a fresh one. */
  #request(provider_id: string): AuthorizationRequest | Promise<AuthorizationRequest> {
    const prepared = this.#prepared;
    this.#prepared = undefined;
    if (prepared && prepared.provider_id === provider_id) return prepared.ready ?? prepared.promise;
    return createAuthorizationRequest(
      { ...this.#config(), provider_id },
      { base: location.href, uiLocales: this.#lang() },
    );
  }

  #begin(): void {
    this.#endAttempt();
    this._code = undefined;
    this.#exited = false;
    this.#attempt = {
      session_id: crypto.randomUUID(),
      mode: this.mode,
      provider_id: '',
      abort: new AbortController(),
    };
    this.#emit('flinks-open', {});
  }

  /** Straight to the bank: through the driver when there is one, else popup or redirect. */
  #go(provider_id: string, provider_name?: string): void {
    if (this.driver) void this.#drive(provider_id, provider_name);
    else this.#authorize(provider_id);
  }

  // The picker: a modal dialog with a combobox over a listbox; its behaviour lives in PickerController.
  #choose(): void {
    this.#picker.reset();
    this.#setState('choosing');
    void this.#loadProviders();
    void this.updateComplete.then(() => this.#focus('input'));
  }

  async #loadProviders(): Promise<void> {
    const attempt = this.#attempt;
    const url = this.providersUrl ?? '';
    try {
      await this.#picker.load(validateUrl('providers-url', url, location.href), attempt?.abort.signal);
    } catch (cause) {
      if (this.#attempt !== attempt || this._state !== 'choosing') return;
      const reason = cause instanceof Error ? ` (${cause.message})` : '';
      // Reported, but the picker stays open with a retry: the customer may still get through.
      this.#emit('flinks-error', {
        code: ErrorCode.PROVIDERS_FAILED,
        message: `providers-url ${url} must answer a JSON array of {provider_id, name}${reason}.`,
      });
    }
  }

  #select(provider: Provider): void {
    this.#emit('flinks-select-provider', { provider_id: provider.provider_id, provider_name: provider.name });
    this.#go(provider.provider_id, provider.name);
    void this.updateComplete.then(() => this.#focus('[part~="button"]'));
  }

  #focus(selector: string): void {
    this.renderRoot.querySelector<HTMLElement>(selector)?.focus();
  }

  #onRetryProviders(): void {
    void this.#loadProviders().then(() => this.#focus('input'));
  }

  #authorize(provider_id: string): void {
    const attempt = this.#attempt;
    if (!attempt) return;
    attempt.provider_id = provider_id;
    const request = this.#request(provider_id);
    if (attempt.mode === 'popup') {
      // With the request ready, the popup opens straight on the bank's URL (its flow is saved in this same
      // task, by #navigateTo, before the bank's page can load); else it opens blank and is sent on once ready.
      // No await before this line: popup blockers only allow window.open within the click's own task.
      // A name of its own: another element's (or an earlier attempt's) window must never be reused for this one.
      let popup: Window | null = null;
      try {
        popup = window.open(
          request instanceof Promise ? '' : request.url.href,
          `flinks-connect-${attempt.session_id}`,
          POPUP_FEATURES,
        );
      } catch {
        // Firefox throws InvalidAccessError (a frame sandboxed without allow-popups) where others return null.
      }
      if (!popup) {
        this.#fail(
          new FlinksConnectError(
            ErrorCode.POPUP_BLOCKED,
            'The browser blocked the popup window. Allow pop-ups for this site, or use mode="redirect".',
          ),
        );
        if (!this.noRedirectFallback) {
          attempt.mode = 'redirect';
          this.#setState('authorizing');
          this.#navigateTo(attempt, request);
        }
        return;
      }
      attempt.popup = popup;
    }
    this.#setState('authorizing');
    this.#navigateTo(attempt, request);
  }

  /** Saves the flow and leaves for the bank (a popup opened on a ready request is already on its way). */
  #navigateTo(attempt: Attempt, request: AuthorizationRequest | Promise<AuthorizationRequest>): void {
    const { provider_id } = attempt;
    Promise.resolve(request)
      .then(({ url, flow }) => {
        this.#prepare();
        if (this.#attempt !== attempt) return;
        const popup = attempt.mode === 'popup' ? attempt.popup : undefined;
        // A tab leaving for the bank keeps its session id with the flow, for the events on its return: the
        // flow's one use and expiry cover it, and it marks the flow as this tab's own (see relay.ts).
        this.#flowStore().save(popup ? flow : Object.assign({ session_id: attempt.session_id }, flow));
        attempt.state = flow.state;
        this.#emit('flinks-authorize', { url: url.href, provider_id, mode: attempt.mode });
        if (popup) {
          if (request instanceof Promise) popup.location.href = url.href;
          attempt.navigated_at = Date.now();
          this.#startWatch(attempt);
        } else {
          location.assign(url.href);
        }
      })
      // Also what throws above, e.g. storage denied to a third-party frame: an error, never a silent hang.
      .catch((error: unknown) => {
        if (this.#attempt !== attempt) return;
        attempt.popup?.close();
        this.#fail(error);
      });
  }

  /**
   * Watches the popup. A handle that reports `closed` right after the bank's page loaded is most likely severed
   * by Cross-Origin-Opener-Policy, not closed: then the BroadcastChannel stays the way back. Otherwise, after a
   * grace period for a callback already on its way, the customer closed it.
   */
  #startWatch(attempt: Attempt): void {
    this.#stopWatch();
    const { poll, severed, grace, stalled } = FlinksConnect.timings;
    this.#watch = setInterval(() => {
      const popup = attempt.popup;
      if (this.#attempt !== attempt || this._state !== 'authorizing' || !popup) {
        this.#stopWatch();
        return;
      }
      const age = Date.now() - (attempt.navigated_at ?? 0);
      // Still open, but no callback yet: the bank may be showing its own error page (unknown client id,
      // unregistered redirect URI, bank down), which never sends the customer back.
      if (!popup.closed) {
        if (age >= stalled) this.#stall(attempt, 'no_callback');
        return;
      }
      this.#stopWatch();
      // Closed this soon: severed by COOP, or closed at once. The channel stays the way back, and the customer
      // is offered to reopen the bank's window or cancel.
      if (age < severed) {
        this.#stall(attempt, 'window_lost');
        return;
      }
      setTimeout(() => {
        if (this.#attempt !== attempt || this._state !== 'authorizing') return;
        this.#endAttempt();
        this.#exit({ reason: 'closed' });
      }, grace);
    }, poll);
  }

  /** Offers the customer a way on (reopen, cancel) and tells the partner, once per attempt. */
  #stall(attempt: Attempt, reason: StalledReason): void {
    if (attempt.stalled) return;
    attempt.stalled = true;
    this.requestUpdate();
    this.#analytics({ ...baseDetail(attempt.session_id), name: 'flinks-stalled', reason });
  }

  /** Ends the stalled attempt (closing its window) as `closed`, and starts another at the same bank. */
  #reopen = (): void => {
    const attempt = this.#attempt;
    if (!attempt) return;
    this.#endAttempt();
    this.#exit({ reason: 'closed' });
    this.#begin();
    this.#authorize(attempt.provider_id);
  };

  #stopWatch(): void {
    if (this.#watch !== undefined) clearInterval(this.#watch);
    this.#watch = undefined;
  }

  #onMessage = (event: MessageEvent): void => {
    // Only this origin's callback page may answer: anything else could inject a code.
    if (event.origin !== location.origin) return;
    this.#receive(event.data, event.source);
  };

  #onBroadcast = (event: MessageEvent): void => {
    this.#receive(event.data, null);
  };

  #receive(data: unknown, source: MessageEventSource | null): void {
    if (!isCallbackMessage(data)) return;
    const attempt = this.#attempt;
    if (attempt?.mode !== 'popup' || !attempt.state || this._state !== 'authorizing') return;
    if (!URL.canParse(data.url)) return;
    const url = new URL(data.url);
    if (url.origin !== location.origin) return;
    if (url.searchParams.get('state') !== attempt.state) {
      // Another element's, another tab's or the partner's other OAuth popup's: that window is not ours to close,
      // answer or fail on. Only from our own popup (or this page itself) is a state we never issued a forgery.
      if ([attempt.popup, window].includes(source as Window)) {
        attempt.popup?.close();
        void this.#complete(attempt, url, NO_FLOWS);
      }
      return;
    }
    this.#stopWatch();
    attempt.popup?.close();
    // Tells the callback page it may close (through a handle severed by COOP, close() above cannot).
    this.#channel?.postMessage({ type: TAKEN_MESSAGE, url: data.url });
    void this.#complete(attempt, url);
  }

  /** True on this element's `redirect-uri` page (origin and path): the partner's other callbacks are not ours. */
  #atRedirectUri(here: URL): boolean {
    const uri = this.redirectUri ?? '';
    const at = (url: URL) => url.origin + url.pathname;
    return !!uri && URL.canParse(uri, here) && at(new URL(uri, here)) === at(here);
  }

  /** The redirect-uri page in redirect mode: take the callback from the address bar, once. */
  async #resume(url: URL): Promise<void> {
    const clean = new URL(url);
    for (const name of CALLBACK_PARAMS) clean.searchParams.delete(name);
    // Scrubbed before anything else: a reload or a shared link must not carry the code again.
    history.replaceState(history.state, '', clean.href);
    const state = url.searchParams.get('state') ?? '';
    const session_id = redirectSession(window, url) ?? crypto.randomUUID();
    const attempt: Attempt = {
      session_id,
      mode: 'redirect',
      provider_id: '',
      state,
      abort: new AbortController(),
    };
    this.#attempt = attempt;
    this.#setState('authorizing');
    // The page's own scripts may load after this bundle: let them attach their listeners first.
    await pageScriptsRan();
    await this.#complete(attempt, url);
  }

  async #complete(attempt: Attempt, url: URL, store = this.#flowStore()): Promise<void> {
    let result: CallbackResult;
    try {
      result = await validateCallback(url, store);
    } catch (error) {
      if (this.#attempt === attempt) this.#fail(error);
      return;
    }
    if (this.#attempt !== attempt) return;
    const { flow } = result;
    attempt.provider_id = flow.provider_id;
    if (result.type === 'error') {
      const { type: _type, flow: _flow, ...bank } = result;
      if (isRefusal(result.error)) {
        this.#exit({ reason: result.error === 'access_denied' ? 'access_denied' : 'bank_refused', ...bank });
      } else {
        const described = result.error_description ? `: ${result.error_description}` : '';
        this.#fail(
          new FlinksConnectError(
            ErrorCode.AUTHORIZATION_FAILED,
            `The bank could not authorize the connection (${result.error}${described}).`,
          ),
          bank,
        );
      }
      return;
    }
    const body = buildExchangeBody(flow, result.code);
    this.#emit('flinks-consent', body);
    if (!this.exchangeUrl) {
      this.#setState('connected');
      return;
    }
    this.#setState('exchanging');
    try {
      const headers =
        typeof this.exchangeHeaders === 'function' ? await this.exchangeHeaders() : this.exchangeHeaders;
      const answer = await exchangeCode(body, {
        // Checked again here: the attribute may have changed since the click.
        exchange_url: validateUrl('exchange-url', this.exchangeUrl, location.href).href,
        timeout_ms: this.exchangeTimeout || DEFAULT_EXCHANGE_TIMEOUT_MS,
        credentials: this.exchangeCredentials === 'include' ? 'include' : 'same-origin',
        ...(headers ? { headers } : {}),
        signal: attempt.abort.signal,
      });
      if (this.#attempt !== attempt) return;
      this.#setState('connected');
      this.#emit('flinks-success', { result: answer, provider_id: flow.provider_id });
    } catch (error) {
      if (this.#attempt !== attempt) return;
      this.#fail(error);
    }
  }

  async #drive(provider_id: string, provider_name?: string): Promise<void> {
    const attempt = this.#attempt;
    const driver = this.driver;
    if (!attempt || !driver) return;
    attempt.provider_id = provider_id;
    this.#setState('authorizing');
    let outcome: FlowDriverResult;
    try {
      const request = { provider_id, session_id: attempt.session_id };
      outcome = await driver.connect(provider_name ? { ...request, provider_name } : request);
    } catch (error) {
      if (this.#attempt === attempt) this.#fail(error);
      return;
    }
    if (this.#attempt !== attempt) return;
    if (outcome.type === 'success') {
      this.#setState('connected');
      this.#emit('flinks-success', { result: outcome.result, provider_id });
    } else if (outcome.type === 'exit') {
      const { type: _type, ...exit } = outcome;
      this.#exit(exit as Extra<'flinks-exit'>);
    } else {
      this.#fail(new FlinksConnectError(outcome.code as ErrorCode, outcome.message));
    }
  }

  #abortExchange(): void {
    if (this._state !== 'exchanging') return;
    this.#endAttempt();
    this.#fail(
      new FlinksConnectError(
        ErrorCode.EXCHANGE_ABORTED,
        'The page cancelled the exchange before its endpoint answered.',
      ),
    );
  }

  /** Closes the attempt's popup, stops its watch, aborts its exchange and forgets its flow. */
  #endAttempt(): void {
    const attempt = this.#attempt;
    if (!attempt) return;
    this.#forget();
    this.#stopWatch();
    attempt.abort.abort();
    if (attempt.popup && !attempt.popup.closed) attempt.popup.close();
    this.#attempt = undefined;
    this.#lastSession = attempt.session_id;
  }

  /** An attempt that ended, for whatever reason, leaves no flow behind that a late callback could use. */
  #forget(attempt = this.#attempt): void {
    if (attempt?.state) void this.#flowStore().take(attempt.state);
  }

  #session(): string {
    return this.#attempt?.session_id ?? this.#lastSession;
  }

  #exit(detail: Extra<'flinks-exit'>): void {
    if (this.#exited) return;
    this.#exited = true;
    this._code = 'EXIT';
    this.#setState('idle');
    this.#emit('flinks-exit', detail);
  }

  #fail(error: unknown, bank?: { error: string; error_description?: string }): void {
    const failure =
      error instanceof FlinksConnectError
        ? error
        : new FlinksConnectError(
            ErrorCode.AUTHORIZATION_FAILED,
            `Unexpected failure: ${error instanceof Error ? error.message : String(error)}`,
            { cause: error },
          );
    this.#forget();
    const detail: Extra<'flinks-error'> = { code: failure.code, message: failure.message, ...bank };
    if (failure.status !== undefined) detail.status = failure.status;
    // State first: a listener reading `state` sees where the element ended up.
    this._code = failure.code;
    this.#setState('error');
    this.#emit('flinks-error', detail);
  }

  #emit<N extends Name>(name: N, extra: Extra<N>): void {
    const detail = { ...baseDetail(this.#session()), ...extra } as FlinksEventDetails[N];
    this.dispatchEvent(new CustomEvent(name, { detail, bubbles: true, composed: true }));
    const callback = {
      'flinks-success': this.onSuccess,
      'flinks-exit': this.onExit,
      'flinks-error': this.onError,
      'flinks-consent': this.onConsent,
    }[name as string] as ((detail: unknown) => void) | undefined;
    this.#call(callback, detail);
    // Analytics tools log everything: what could finish a flow (code, verifier, state) stays on flinks-consent.
    const event = { ...detail, name } as FlinksEventDetails['flinks-event'];
    if (name === 'flinks-consent') delete event.code;
    delete event.code_verifier;
    delete event.state;
    // And the authorize URL's state parameter (URLSearchParams.set left exactly one).
    if (name === 'flinks-authorize') event.url = (event.url as string).replace(/[?&]state=[^&]*/, '');
    this.#analytics(event);
  }

  #analytics(event: FlinksEventDetails['flinks-event']): void {
    this.dispatchEvent(new CustomEvent('flinks-event', { detail: event, bubbles: true, composed: true }));
    this.#call(this.onEvent as ((detail: unknown) => void) | undefined, event);
  }

  /** A partner callback that throws must not break the flow; the error still reaches the console. */
  #call(callback: ((detail: unknown) => void) | undefined, detail: unknown): void {
    if (typeof callback !== 'function') return;
    try {
      callback.call(this, detail);
    } catch (error) {
      globalThis.reportError?.(error);
    }
  }

  #status(t: Strings): TemplateResult | string {
    const bank = this.#picker.name(this.#attempt?.provider_id);
    switch (this._state) {
      case 'authorizing':
        return this.#attempt?.stalled
          ? t.stalled
          : html`<span class="spinner" aria-hidden="true"></span> ${t.connecting(bank)}`;
      case 'exchanging':
        return html`<span class="spinner" aria-hidden="true"></span> ${t.exchanging}`;
      case 'connected':
        return html`<span class="check" aria-hidden="true"></span> ${t.connected(bank)}`;
      case 'error':
        // A code from a driver that the catalogue does not know reads as the bank's failure.
        return t.errors[this._code as ErrorCode] || t.errors.AUTHORIZATION_FAILED;
      default:
        if (this._code !== 'EXIT') return '';
        return this.#exitReason === 'access_denied' || this.#exitReason === 'bank_refused'
          ? t.refused(bank)
          : t.exited;
    }
  }

  /**
   * The main button, always the one next step: connect; after an error, try again (a bad configuration gets no
   * retry, its message is for the partner's console: the button works again once the attribute is fixed);
   * once connected, connect another bank, or nothing with `hide-when-connected`. One element throughout, so
   * keyboard focus stays on it from one state to the next.
   */
  #renderButton(t: Strings): TemplateResult | typeof nothing {
    const state = this._state;
    const busy = state === 'exchanging';
    const connected = state === 'connected';
    const retry = state === 'error' && this._code !== ErrorCode.INVALID_CONFIG;
    if (connected && this.hideWhenConnected) return nothing;
    const label = retry ? t.retry : connected ? t.connectAnother : html`<slot>${t.connect}</slot>`;
    return html`<button
      part=${retry ? 'button retry' : 'button'}
      ?disabled=${busy}
      aria-busy=${busy}
      @click=${this.open}
    >${label}</button>`;
  }

  override render(): TemplateResult {
    const t = this.#t();
    const attempt = this.#attempt;
    const authorizing = this._state === 'authorizing' && attempt?.mode === 'popup';
    return html`
      ${this.#renderButton(t)}
      <div class="row">
        <div part="status" role="status">${this.#status(t)}</div>
        ${authorizing && attempt.stalled ? html`<button part="reopen" @click=${this.#reopen}>${t.reopen}</button>` : nothing}
        ${authorizing ? html`<button part="cancel" @click=${this.close}>${t.cancel}</button>` : nothing}
      </div>
      ${this._state === 'choosing' ? this.#picker.render(t) : nothing}
    `;
  }
}

declare global {
  interface HTMLElementTagNameMap {
    'flinks-connect': FlinksConnect;
  }
  interface GlobalEventHandlersEventMap {
    'flinks-open': CustomEvent<FlinksEventDetails['flinks-open']>;
    'flinks-select-provider': CustomEvent<FlinksEventDetails['flinks-select-provider']>;
    'flinks-authorize': CustomEvent<FlinksEventDetails['flinks-authorize']>;
    'flinks-consent': CustomEvent<FlinksEventDetails['flinks-consent']>;
    'flinks-success': CustomEvent<FlinksEventDetails['flinks-success']>;
    'flinks-exit': CustomEvent<FlinksEventDetails['flinks-exit']>;
    'flinks-error': CustomEvent<FlinksEventDetails['flinks-error']>;
    'flinks-event': CustomEvent<FlinksEventDetails['flinks-event']>;
  }
}
