import * as oauth from 'oauth4webapi';
import type { PendingFlow } from './authorize.ts';
import { ErrorCode, FlinksConnectError } from './errors.ts';
import { FLOW_TTL_MS, type FlowStore } from './flow-store.ts';

/** A validated authorization response: a code to exchange, or the bank's error. Either way for a known flow. */
export type CallbackResult =
  | { type: 'code'; code: string; flow: PendingFlow }
  | { type: 'error'; error: string; error_description?: string; flow: PendingFlow };

/** OAuth error codes that mean the customer (or the bank on their behalf) said no: an exit, not a failure. */
export const REFUSAL_ERRORS: readonly string[] = ['access_denied', 'consent_required', 'login_required'];

/** True when an authorization response error is a refusal (`flinks-exit`) rather than a failure (`flinks-error`). */
export function isRefusal(error: string): boolean {
  return REFUSAL_ERRORS.includes(error);
}

/** True when the URL (or query) carries an authorization response: `state` plus `code` or `error`. */
export function isCallback(input: URL | URLSearchParams): boolean {
  const params = input instanceof URL ? input.searchParams : input;
  return params.has('state') && (params.has('code') || params.has('error'));
}

/** The query of an authorization response given as a URL, a URL string or just its query (a copy: safe to edit). */
export function callbackParams(input: URL | URLSearchParams | string): URLSearchParams {
  if (input instanceof URL) return new URLSearchParams(input.search);
  // A string is either a whole callback URL or just its query.
  if (typeof input === 'string' && URL.canParse(input)) return new URL(input).searchParams;
  return new URLSearchParams(input);
}

const NOTHING = 'nothing was exchanged.';
/** The STATE_MISMATCH message: the callback is another attempt's, or replayed. */
export const UNKNOWN_STATE = `The callback's state is unknown, ended or used; ${NOTHING}`;
/** The FLOW_EXPIRED message. */
export const EXPIRED = 'This connection attempt expired. Start again.';

/**
 * Validates an authorization response (a URL, a URL string or a query) against the pending flow its `state` names, taking that flow from the
 * store (one use). Checks `state`, and `iss` when the flow has an issuer (RFC 9207), with oauth4webapi.
 * Throws `STATE_MISMATCH`, `ISSUER_MISMATCH`, `FLOW_EXPIRED` or `INVALID_CALLBACK`; the bank's own error comes
 * back as `{ type: 'error' }`.
 * @see https://www.rfc-editor.org/rfc/rfc6749#section-4.1.2
 * @see https://www.rfc-editor.org/rfc/rfc9207
 */
export async function validateCallback(
  input: URL | URLSearchParams | string,
  store: FlowStore,
  options: { now?: () => number; ttl_ms?: number } = {},
): Promise<CallbackResult> {
  const params = callbackParams(input);
  // RFC 6749 §3.1: a parameter must not be sent more than once. oauth4webapi checks `state` (and `iss`); a second
  // `code` would otherwise be silently dropped, and another reader of the same URL could take the other one.
  const repeated = ['code', 'state', 'iss', 'error'].find((name) => params.getAll(name).length > 1);
  if (repeated) {
    throw new FlinksConnectError(ErrorCode.INVALID_CALLBACK, `The callback repeats ${repeated}; ${NOTHING}`);
  }
  const state = params.get('state');
  if (!state) {
    throw new FlinksConnectError(ErrorCode.INVALID_CALLBACK, 'The callback has no state.');
  }
  const flow = await store.take(state);
  if (!flow) {
    throw new FlinksConnectError(ErrorCode.STATE_MISMATCH, UNKNOWN_STATE);
  }
  if ((options.now ?? Date.now)() - flow.created_at > (options.ttl_ms ?? FLOW_TTL_MS)) {
    throw new FlinksConnectError(ErrorCode.FLOW_EXPIRED, EXPIRED);
  }
  // Without a configured issuer there is nothing to compare `iss` to: it is ignored rather than trusted.
  if (!flow.issuer) params.delete('iss');
  const as: oauth.AuthorizationServer = {
    issuer: flow.issuer ?? new URL(flow.redirect_uri).origin,
    authorization_response_iss_parameter_supported: Boolean(flow.issuer),
  };
  try {
    const valid = oauth.validateAuthResponse(as, { client_id: flow.client_id }, params, flow.state);
    const code = valid.get('code');
    if (!code) throw new FlinksConnectError(ErrorCode.INVALID_CALLBACK, 'The callback has no code.');
    return { type: 'code', code, flow };
  } catch (cause) {
    if (cause instanceof oauth.AuthorizationResponseError) {
      const result: CallbackResult = { type: 'error', error: cause.error, flow };
      if (cause.error_description) result.error_description = cause.error_description;
      return result;
    }
    if (cause instanceof FlinksConnectError) throw cause;
    const message = cause instanceof Error ? cause.message : String(cause);
    if (flow.issuer && message.includes('"iss"')) {
      throw new FlinksConnectError(
        ErrorCode.ISSUER_MISMATCH,
        `The callback is not from issuer ${flow.issuer}; ${NOTHING}`,
        { cause },
      );
    }
    throw new FlinksConnectError(ErrorCode.INVALID_CALLBACK, `The callback is invalid: ${message}`, {
      cause,
    });
  }
}
