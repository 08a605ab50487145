import { html, LitElement, nothing, type PropertyValues, type TemplateResult } from 'lit';
import {
  type AuthorizationRequest,
  analyticsDetail,
  type BaseDetail,
  baseDetail,
  type ConnectConfig,
  type ConnectMode,
  type ConnectSession,
  createAuthorizationRequest,
  createConnectSession,
  createStorageFlowStore,
  DEFAULT_EXCHANGE_TIMEOUT_MS,
  ErrorCode,
  type ExitReason,
  FlinksConnectError,
  type FlinksEventDetails,
  type FlowEnd,
  type FlowOutcome,
  failureOutcome,
  type StalledReason,
  validateConfig,
  validateUrl,
} from '../core/src/index.ts';
import { styles } from './flinks-connect.styles.ts';
import { PickerController, type Provider, spinner } from './picker.ts';
import { PopupController, type PopupTimings } from './popup-controller.ts';
import { RedirectController } from './redirect-controller.ts';
import { resolveLang, type Strings, stringsFor } from './strings.ts';

export type { FlinksEventDetails, StalledReason };

/** What `connect()` of a {@link FlowDriver} ends with: core's outcome, with the driver's own error codes. */
export type FlowDriverResult = FlowEnd<string>;

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

/** One attempt, from the click to its end: core's session plus what the element shows of it. */
interface Attempt {
  session: ConnectSession;
  mode: ConnectMode;
  provider_id: string;
  /** Set when the bank's window is lost or its page never sent the customer back: reopen or cancel is offered. */
  stalled?: boolean;
}

/** What the prepared request is built from; the language goes to the bank as `ui_locales`. */
const REQUEST_KEYS = ['clientId', 'authorizeUrl', 'redirectUri', 'scope', 'providerId', 'issuer', '_lang'];

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
    // `lang` stays the native global attribute; this only makes a change of it re-render.
    _lang: { attribute: 'lang' },
  };

  /** Timings of the popup watch, in ms (tests shorten them). */
  static timings: PopupTimings = { poll: 500, severed: 3000, grace: 1500, stalled: 60_000 };

  // private state: _state, _code and _exit change together, and #setState renders them.
  declare private _lang: string | undefined;
  declare private _state: ConnectState;
  /** The error code on show: what the status line says. */
  declare private _code: string | undefined;
  /**
   * The `reason` of the `flinks-exit` the last attempt ended with (once per attempt), or '' when it did not: the
   * status line says so, a refusal at the bank differently from a cancel.
   */
  declare private _exit: string;
  #picker = new PickerController(this, {
    select: (provider) => this.#select(provider),
    cancel: () => this._state === 'choosing' && this.close(),
    retry: () => void this.#loadProviders().then(() => this.#focus('input')),
  });
  #prepared: Prepared | undefined;
  #attempt: Attempt | undefined;
  /** sessionStorage, first touched when a flow is saved or taken (denied in some sandboxed frames). */
  #store = createStorageFlowStore();
  /** The ended attempt's session id, for the events that report how it ended. */
  #lastSession = '';
  #popup = new PopupController(
    this,
    {
      onCallback: (url) => {
        const attempt = this.#attempt;
        if (attempt && this._state === 'authorizing') void this.#finish(attempt, url);
      },
      onStalled: (reason) => this.#stall(reason),
      onClosed: () => {
        if (this._state !== 'authorizing') return;
        this.#endAttempt('closed');
      },
    },
    () => FlinksConnect.timings,
  );

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
  /** `providers-url`: JSON `[{provider_id, name, logo_url?}]`, or `{providers: [...], popular: [ids]}`, for the picker. */
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
    this._exit = '';
    new RedirectController(this, {
      redirectUri: () => this.redirectUri,
      mode: () => this.mode,
      onResume: (url, sessionId) => void this.#resume(url, sessionId),
    });
  }

  /** Where the element is in a flow: idle, choosing, authorizing, exchanging, connected or error. */
  get state(): ConnectState {
    return this._state;
  }

  // lifecycle
  override connectedCallback(): void {
    super.connectedCallback();
    this.#setState(this._state);
  }

  override disconnectedCallback(): void {
    super.disconnectedCallback();
    this.#abortExchange();
    // Removed for good, not just moved: the attempt ends, and its flow with it.
    queueMicrotask(() => this.isConnected || this.#endAttempt());
  }

  protected override willUpdate(changed: PropertyValues<this>): void {
    if (!this.hasUpdated || REQUEST_KEYS.some((key) => changed.has(key as keyof FlinksConnect)))
      this.#prepare();
  }

  /**
   * Starts an attempt, as a click on the button does. Call it from a user gesture in popup mode: the popup is
   * opened synchronously here, before anything awaits.
   */
  open(): void {
    const current = this.#attempt;
    const state = current && this._state;
    if (state === 'exchanging') return;
    if (state === 'choosing') {
      this.#focus('input');
      return;
    }
    if (current && state === 'authorizing') {
      // Never a second flow while the bank's window is open: bring it to the front instead.
      const popup = this.#popup.window;
      if (current.mode !== 'popup' || popup) {
        popup?.focus();
        return;
      }
      // Its window is gone (or its handle severed by COOP): that attempt cannot come back to the front.
      this.#endAttempt('closed');
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
        throw new FlinksConnectError(ErrorCode.INVALID_CONFIG, 'Set provider-id or providers-url.');
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
    this.#endAttempt('cancelled');
    // Focus goes back where it came from when the picker closes.
    if (choosing) this.#focus('[part~="button"]');
  }

  /**
   * Back to idle with the status cleared. An exchange in flight is aborted and reported as `EXCHANGE_ABORTED`
   * (the partner's server may or may not have used the code); anything else ends without an event.
   */
  reset(): void {
    this.#abortExchange();
    this.#endAttempt();
    this._code = undefined;
    this._exit = '';
    this.#setState('idle');
    this.#prepare();
  }

  // private handlers
  /** The element's language: its `lang`, then `<html lang>`, then the browser's. Also sent as `ui_locales`. */
  #lang(): string {
    return resolveLang(this._lang);
  }

  #newAttempt(mode: ConnectMode, sessionId?: string): Attempt {
    return { session: createConnectSession({ store: this.#store, sessionId }), mode, provider_id: '' };
  }

  /** The PKCE request for this bank, in the element's language (no session's own: it saves nothing). */
  #prepareRequest(config: ConnectConfig): Promise<AuthorizationRequest> {
    return createAuthorizationRequest(config, { base: location.href, uiLocales: this.#lang() });
  }

  #setState(state: ConnectState): void {
    this._state = state;
    this.requestUpdate();
    if (this.getAttribute('state') !== state) this.setAttribute('state', state);
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
    if (timeout != null && !(timeout > 0 && timeout < 1 / 0)) {
      throw invalid('exchange-timeout must be a positive number of ms.');
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
      if (this.driver) return;
      let config: ConnectConfig;
      try {
        config = this.#checkConfig();
      } catch {
        return; // reported on click, when someone is there to read it (on a server: no `location`)
      }
      if (!config.provider_id) return;
      const promise = this.#prepareRequest(config);
      const prepared: Prepared = { provider_id: config.provider_id, promise };
      promise
        .then((request) => {
          prepared.ready = request;
          // The click's first event (`flinks-open`, sent before the popup opens) carries a timestamp, and a
          // page's first ISO date takes ms in Chromium (2.5 to 4 ms of click → window.open in the bench): the
          // first one is made here instead.
          baseDetail(this.#lastSession);
          // The first use of sessionStorage loads it, a synchronous round trip to the browser: here, not in
          // the click. (Storage denied, e.g. in a sandboxed frame: the click reports it.)
          return sessionStorage.length;
        })
        .catch(() => undefined);
      this.#prepared = prepared;
    });
  }

  /** The prepared request for this bank (used once): itself once ready, else its promise; or a fresh one. */
  #request(attempt: Attempt): AuthorizationRequest | Promise<AuthorizationRequest> {
    const prepared = this.#prepared;
    const { provider_id } = attempt;
    this.#prepared = undefined;
    if (prepared && prepared.provider_id === provider_id) return prepared.ready ?? prepared.promise;
    return this.#prepareRequest({ ...this.#config(), provider_id });
  }

  #begin(): void {
    this.#endAttempt();
    this._code = undefined;
    this._exit = '';
    this.#attempt = this.#newAttempt(this.mode);
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
    this.#focus('input');
  }

  async #loadProviders(): Promise<void> {
    const attempt = this.#attempt;
    const url = this.providersUrl ?? '';
    try {
      await this.#picker.load(validateUrl('providers-url', url, location.href), attempt?.session.signal);
    } catch (cause) {
      if (this.#attempt !== attempt || this._state !== 'choosing') return;
      const reason = cause instanceof Error ? ` (${cause.message})` : '';
      // Reported, but the picker stays open with a retry: the customer may still get through.
      this.#emit('flinks-error', {
        code: ErrorCode.PROVIDERS_FAILED,
        message: `providers-url ${url} failed${reason}.`,
      });
    }
  }

  #select(provider: Provider): void {
    this.#emit('flinks-select-provider', { provider_id: provider.provider_id, provider_name: provider.name });
    this.#go(provider.provider_id, provider.name);
    this.#focus('[part~="button"]');
  }

  /** Focuses `selector` once the element has rendered. */
  #focus(selector: string): void {
    void this.updateComplete.then(() => this.renderRoot.querySelector<HTMLElement>(selector)?.focus());
  }

  #authorize(provider_id: string): void {
    const attempt = this.#attempt;
    if (!attempt) return;
    attempt.provider_id = provider_id;
    const request = this.#request(attempt);
    // With the request ready, the popup opens straight on the bank's URL (its flow is saved in this same task,
    // by #navigateTo, before the bank's page can load); else it opens blank and is sent on once ready.
    // No await before this line: popup blockers only allow window.open within the click's own task.
    if (
      attempt.mode === 'popup' &&
      !this.#popup.open(
        request instanceof Promise ? '' : request.url.href,
        `flinks-connect-${attempt.session.id}`,
      )
    ) {
      this.#fail(
        new FlinksConnectError(
          ErrorCode.POPUP_BLOCKED,
          'Popup blocked: allow pop-ups, or use mode="redirect".',
        ),
      );
      if (this.noRedirectFallback) return;
      attempt.mode = 'redirect';
    }
    this.#setState('authorizing');
    this.#navigateTo(attempt, request);
  }

  /** Starts the session (its flow saved) and leaves for the bank (a popup opened on a ready request already is). */
  #navigateTo(attempt: Attempt, request: AuthorizationRequest | Promise<AuthorizationRequest>): void {
    const { provider_id, mode, session } = attempt;
    Promise.resolve(request)
      .then(async ({ url, flow }) => {
        this.#prepare();
        if (this.#attempt !== attempt) return;
        // A tab leaving for the bank keeps its session id with the flow, for the events on its return: the
        // flow's one use and expiry cover it, and it marks the flow as this tab's own (see relay.ts).
        await session.start(flow, { saveSessionId: mode === 'redirect' });
        if (this.#attempt !== attempt) return;
        this.#emit('flinks-authorize', { url: url.href, provider_id, mode });
        if (mode === 'popup')
          this.#popup.watch(flow.state, request instanceof Promise ? url.href : undefined);
        else location.assign(url.href);
      })
      // Also what throws above, e.g. storage denied to a third-party frame: an error, never a silent hang.
      .catch((error: unknown) => {
        if (this.#attempt !== attempt) return;
        this.#popup.close();
        this.#fail(error);
      });
  }

  /** Offers the customer a way on (reopen, cancel) and tells the partner, once per attempt. */
  #stall(reason: StalledReason): void {
    const attempt = this.#attempt;
    if (!attempt || this._state !== 'authorizing') return;
    attempt.stalled = true;
    this.requestUpdate();
    this.#dispatch(
      'flinks-event',
      { ...baseDetail(attempt.session.id), name: 'flinks-stalled', reason },
      this.onEvent,
    );
  }

  /** Ends the stalled attempt (closing its window) as `closed`, and starts another at the same bank. */
  #reopen = (): void => {
    const attempt = this.#attempt;
    if (!attempt) return;
    this.#endAttempt('closed');
    this.#begin();
    this.#authorize(attempt.provider_id);
  };

  /** The redirect-uri page in redirect mode: finish the flow whose response was in the address bar. */
  async #resume(url: URL, sessionId: string | undefined): Promise<void> {
    const attempt = this.#newAttempt('redirect', sessionId);
    this.#attempt = attempt;
    this.#setState('authorizing');
    // The page's own scripts may load after this bundle: let them attach their listeners first.
    await pageScriptsRan();
    await this.#finish(attempt, url);
  }

  /** The data path after the bank: the session validates the response, then exchanges the code. */
  async #finish(attempt: Attempt, url: URL): Promise<void> {
    const received = await attempt.session.receive(url);
    if (this.#attempt !== attempt) return;
    this.#settle(received);
    // A flinks-consent listener may have reset or closed the element: that attempt is over.
    if (received.type !== 'consent' || this.#attempt !== attempt) return;
    if (!this.exchangeUrl) {
      this.#setState('connected');
      return;
    }
    this.#setState('exchanging');
    await this.#settleStep(attempt, async () => {
      const headers =
        typeof this.exchangeHeaders === 'function' ? await this.exchangeHeaders() : this.exchangeHeaders;
      return attempt.session.complete({
        // Checked again here: the attribute may have changed since the click.
        exchange_url: validateUrl('exchange-url', this.exchangeUrl, location.href).href,
        timeout_ms: this.exchangeTimeout || DEFAULT_EXCHANGE_TIMEOUT_MS,
        credentials: this.exchangeCredentials === 'include' ? 'include' : 'same-origin',
        headers,
      });
    });
  }

  async #drive(provider_id: string, provider_name?: string): Promise<void> {
    const attempt = this.#attempt;
    const driver = this.driver;
    if (!attempt || !driver) return;
    attempt.provider_id = provider_id;
    this.#setState('authorizing');
    const request = { provider_id, session_id: attempt.session.id };
    await this.#settleStep(attempt, () =>
      driver.connect(provider_name ? { ...request, provider_name } : request),
    );
  }

  /** Settles how `step` ends (a throw as an error), unless its attempt is over by then. */
  async #settleStep(attempt: Attempt, step: () => Promise<FlowOutcome<string>>): Promise<void> {
    let outcome: FlowOutcome<string>;
    try {
      outcome = await step();
    } catch (error) {
      outcome = failureOutcome(error);
    }
    if (this.#attempt === attempt) this.#settle(outcome);
  }

  /** Shows and reports how a step ended: the one place an outcome becomes a state and an event. */
  #settle(outcome: FlowOutcome<string>): void {
    const { type, ...detail } = outcome;
    if (type === 'consent') {
      if (this.#attempt) this.#attempt.provider_id = outcome.consent.provider_id;
      this.#emit('flinks-consent', outcome.consent);
    } else if (type === 'success') {
      this.#setState('connected');
      this.#emit('flinks-success', { result: outcome.result, provider_id: this.#attempt?.provider_id ?? '' });
    } else if (type === 'exit') {
      this.#exit(detail as Extra<'flinks-exit'>);
    } else if (type === 'error') {
      // A failed attempt leaves no flow behind that a late callback could use (one not started has none).
      if (this.#attempt?.session.state) this.#attempt.session.cancel();
      // State first: a listener reading `state` sees where the element ended up.
      this._code = outcome.code;
      this.#setState('error');
      this.#emit('flinks-error', detail as Extra<'flinks-error'>);
    }
  }

  /** The page cancelled the exchange in flight: reported as the session ends it, EXCHANGE_ABORTED. */
  #abortExchange(): void {
    if (this._state !== 'exchanging' || !this.#attempt) return;
    const end = this.#attempt.session.cancel();
    this.#endAttempt();
    this.#settle(end);
  }

  /**
   * Closes the attempt's popup and ends its session: its flow forgotten, its exchange aborted. With a `reason`,
   * reports the end as `flinks-exit`.
   */
  #endAttempt(reason?: ExitReason): void {
    const attempt = this.#attempt;
    if (attempt) {
      attempt.session.cancel();
      this.#popup.close();
      this.#attempt = undefined;
      this.#lastSession = attempt.session.id;
    }
    if (reason) this.#exit({ reason });
  }

  #exit(detail: Extra<'flinks-exit'>): void {
    if (this._exit) return;
    this._exit = detail.reason;
    this.#setState('idle');
    this.#emit('flinks-exit', detail);
  }

  #fail(error: unknown): void {
    this.#settle(failureOutcome(error));
  }

  #emit<N extends Name>(name: N, extra: Extra<N>): void {
    const detail = {
      ...baseDetail(this.#attempt?.session.id ?? this.#lastSession),
      ...extra,
    } as FlinksEventDetails[N];
    const callback = {
      'flinks-success': this.onSuccess,
      'flinks-exit': this.onExit,
      'flinks-error': this.onError,
      'flinks-consent': this.onConsent,
    }[name as string];
    this.#dispatch(name, detail, callback);
    this.#dispatch('flinks-event', analyticsDetail(name, detail), this.onEvent);
  }

  /**
   * Dispatches one event and calls its `on…` property. A partner callback that throws must not break the flow;
   * the error still reaches the console.
   */
  #dispatch(name: string, detail: unknown, callback: unknown): void {
    this.dispatchEvent(new CustomEvent(name, { detail, bubbles: true, composed: true }));
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
        return this.#attempt?.stalled ? t.stalled : html`${spinner} ${t.connecting(bank)}`;
      case 'exchanging':
        return html`${spinner} ${t.exchanging}`;
      case 'connected':
        return html`<span class="check" aria-hidden="true"></span> ${t.connected(bank)}`;
      case 'error':
        // A code from a driver that the catalogue does not know reads as the bank's failure.
        return t.errors[this._code as ErrorCode] || t.errors.AUTHORIZATION_FAILED;
      default:
        if (!this._exit) return '';
        // access_denied and bank_refused (the bank's refusals) are the reasons with an underscore.
        return this._exit.includes('_') ? t.refused(bank) : t.exited;
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
    const t = stringsFor(this.#lang());
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
