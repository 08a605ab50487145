import { type AuthorizationRequest, createAuthorizationRequest, type PendingFlow } from './authorize.ts';
import { callbackParams, EXPIRED, isRefusal, UNKNOWN_STATE, validateCallback } from './callback.ts';
import type { ConnectConfig } from './config.ts';
import { ErrorCode, FlinksConnectError } from './errors.ts';
import type { ExitReason } from './events.ts';
import {
  ABORTED,
  buildExchangeBody,
  type ExchangeOptions,
  type ExchangeRequestBody,
  exchangeCode,
} from './exchange.ts';
import { FLOW_TTL_MS, type FlowStore } from './flow-store.ts';

/**
 * What one step of a connect attempt ends with. `consent` is the one outcome that is not an end: a valid code
 * is ready for {@link ConnectSession.complete} (or, without an exchange endpoint, for the page's own JS).
 * `Code` widens the error codes for transports that add their own (the extension's `FLOW_INTERRUPTED`).
 */
export type FlowOutcome<Code extends string = ErrorCode> =
  | { type: 'consent'; consent: ExchangeRequestBody }
  | { type: 'success'; result: unknown }
  | { type: 'exit'; reason: ExitReason; error?: string; error_description?: string }
  | {
      type: 'error';
      code: Code;
      message: string;
      /** HTTP status, for a failure that comes from an HTTP answer. */
      status?: number;
      /** The bank's own error, when it sent one. */
      error?: string;
      error_description?: string;
    };

/** The outcomes that end an attempt. */
export type FlowEnd<Code extends string = ErrorCode> = Exclude<FlowOutcome<Code>, { type: 'consent' }>;

/** Exchange options of {@link ConnectSession.complete}: the session adds its own `signal` and `fetch`. */
export type SessionExchangeOptions = Omit<ExchangeOptions, 'signal' | 'fetch'>;

export interface ConnectSessionOptions {
  /** Where the pending flow waits for its callback (one use per `state`). */
  store: FlowStore;
  /** One per attempt, reported in every event. Default: a random UUID. */
  sessionId?: string;
  /** Epoch milliseconds. Default `Date.now`. */
  now?: () => number;
  /** Default the global `fetch`. */
  fetch?: typeof fetch;
  /** How long the pending flow may wait for its callback. Default {@link FLOW_TTL_MS}. */
  ttlMs?: number;
}

/** One connect attempt, from before the click to its end. Each step returns one {@link FlowOutcome}. */
export interface ConnectSession {
  readonly id: string;
  /** The `state` of the flow {@link start} saved: only a callback carrying it is this attempt's. */
  readonly state: string | undefined;
  /** Aborted when the attempt ends: for what a transport fetches besides the exchange (a providers list). */
  readonly signal: AbortSignal;
  /** Builds the PKCE request (verifier, challenge, state, `/authorize` URL) ahead of the click; saves nothing. */
  prepare(
    config: ConnectConfig,
    options?: { base?: string; uiLocales?: string },
  ): Promise<AuthorizationRequest>;
  /**
   * Saves the pending flow (synchronously with a synchronous store: before the bank's page can load) and makes
   * its `state` this attempt's. `saveSessionId` keeps the session id with it, for a page that comes back to it.
   */
  start(flow: PendingFlow, options?: { saveSessionId?: boolean }): Promise<void>;
  /**
   * Validates an authorization response: `consent` for a valid code, `exit` for a refusal, `error` for anything
   * else (another attempt's or a replayed `state`, wrong `iss`, expired flow, the bank's own error). Accepted
   * once. A session never started (a page resuming a redirect) accepts the store's flow for the response's state.
   */
  receive(callback: URL | URLSearchParams | string): Promise<Exclude<FlowOutcome, { type: 'success' }>>;
  /**
   * Ends a consented attempt: POSTs the code to `exchange.exchange_url` (`success` or `error`), or, without an
   * exchange endpoint, hands the `consent` over as the end.
   */
  complete(exchange: SessionExchangeOptions): Promise<FlowEnd>;
  complete(exchange?: SessionExchangeOptions): Promise<FlowOutcome>;
  /**
   * Ends the attempt: its flow is forgotten, so a late callback is refused. `exit` with `reason`; while the code
   * is being exchanged, the exchange is aborted and the end is `EXCHANGE_ABORTED`.
   */
  cancel(reason?: ExitReason): FlowEnd;
  /** Ends the attempt as `FLOW_EXPIRED`: its flow is forgotten. */
  expire(): FlowEnd;
}

/** The `error` outcome of a thrown error: a {@link FlinksConnectError} keeps its code, anything else is unexpected. */
export function failureOutcome(error: unknown): Extract<FlowOutcome, { type: 'error' }> {
  const failure =
    error instanceof FlinksConnectError
      ? error
      : new FlinksConnectError(
          ErrorCode.AUTHORIZATION_FAILED,
          `Unexpected failure: ${error instanceof Error ? error.message : String(error)}`,
        );
  const outcome: Extract<FlowOutcome, { type: 'error' }> = {
    type: 'error',
    code: failure.code,
    message: failure.message,
  };
  if (failure.status !== undefined) outcome.status = failure.status;
  return outcome;
}

/**
 * Creates a connect session: the whole flow of one attempt, with its storage, clock and fetch as parameters, so
 * the element (popup or redirect) and the extension (`launchWebAuthFlow`) are transports over the same steps.
 * @see https://www.rfc-editor.org/rfc/rfc6749#section-4.1
 */
export function createConnectSession(options: ConnectSessionOptions): ConnectSession {
  const { store } = options;
  const now = options.now ?? Date.now;
  const id = options.sessionId ?? crypto.randomUUID();
  const abort = new AbortController();
  let state: string | undefined;
  let consent: ExchangeRequestBody | undefined;
  let phase: 'open' | 'exchanging' | 'ended' = 'open';

  /** Nothing left behind that a late callback could use. */
  const end = () => {
    if (phase === 'open' && state && !consent) {
      // A store that cannot even be read (storage denied) holds nothing to forget: ending must not throw.
      try {
        Promise.resolve(store.take(state)).catch(() => undefined);
      } catch {}
    }
    phase = 'ended';
    abort.abort();
  };
  const fail = (code: ErrorCode, message: string): Extract<FlowOutcome, { type: 'error' }> => ({
    type: 'error',
    code,
    message,
  });

  return {
    id,
    signal: abort.signal,
    get state() {
      return state;
    },
    prepare: (config, options) => createAuthorizationRequest(config, { ...options, now }),
    async start(flow, { saveSessionId } = {}) {
      state = flow.state;
      // Read back by the page the bank sends the customer to (widget/relay.ts): the flow is this tab's own.
      await store.save(saveSessionId ? Object.assign({ session_id: id }, flow) : flow);
    },
    async receive(callback) {
      const params = callbackParams(callback);
      // Another attempt's (or a replayed) response takes nothing from the store: that flow is not ours to spend.
      if (phase !== 'open' || consent || (state !== undefined && params.get('state') !== state)) {
        return fail(ErrorCode.STATE_MISMATCH, UNKNOWN_STATE);
      }
      let result: Awaited<ReturnType<typeof validateCallback>>;
      try {
        result = await validateCallback(params, store, { now, ttl_ms: options.ttlMs ?? FLOW_TTL_MS });
      } catch (error) {
        phase = 'ended';
        return failureOutcome(error);
      }
      if (result.type === 'code') {
        consent = buildExchangeBody(result.flow, result.code);
        return { type: 'consent', consent };
      }
      phase = 'ended';
      const { error, error_description } = result;
      const bank = error_description ? { error, error_description } : { error };
      if (isRefusal(error)) {
        return {
          type: 'exit',
          reason: error === 'access_denied' ? 'access_denied' : 'bank_refused',
          ...bank,
        };
      }
      return {
        ...fail(
          ErrorCode.AUTHORIZATION_FAILED,
          `The bank could not authorize the connection (${error}${error_description ? `: ${error_description}` : ''}).`,
        ),
        ...bank,
      };
    },
    complete: (async (exchange?: SessionExchangeOptions): Promise<FlowOutcome> => {
      if (!consent || phase !== 'open') throw new TypeError('complete() needs a consent from receive()');
      if (!exchange) {
        phase = 'ended';
        return { type: 'consent', consent };
      }
      phase = 'exchanging';
      try {
        const result = await exchangeCode(consent, {
          fetch: options.fetch,
          ...exchange,
          signal: abort.signal,
        });
        return { type: 'success', result };
      } catch (error) {
        return failureOutcome(error);
      } finally {
        phase = 'ended';
      }
    }) as ConnectSession['complete'],
    cancel(reason = 'cancelled') {
      const exchanging = phase === 'exchanging';
      end();
      return exchanging ? fail(ErrorCode.EXCHANGE_ABORTED, ABORTED) : { type: 'exit', reason };
    },
    expire() {
      end();
      return fail(ErrorCode.FLOW_EXPIRED, EXPIRED);
    },
  };
}
