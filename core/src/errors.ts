/**
 * Stable error codes. They are part of the public contract (`flinks-error` `detail.code`): never rename one.
 */
export const ErrorCode = {
  /** An attribute or option is missing or malformed. */
  INVALID_CONFIG: 'INVALID_CONFIG',
  /** The callback's `state` matches no pending flow of this browser (forged, replayed or from another tab). */
  STATE_MISMATCH: 'STATE_MISMATCH',
  /** The callback's `iss` is not the configured issuer (RFC 9207 mix-up defence). */
  ISSUER_MISMATCH: 'ISSUER_MISMATCH',
  /** The callback is not a valid authorization response (no `code`, duplicated parameters, …). */
  INVALID_CALLBACK: 'INVALID_CALLBACK',
  /** The pending flow was older than its time limit. */
  FLOW_EXPIRED: 'FLOW_EXPIRED',
  /** The bank answered with an error other than a refusal (`server_error`, `temporarily_unavailable`, …). */
  AUTHORIZATION_FAILED: 'AUTHORIZATION_FAILED',
  /** The browser blocked the popup window. */
  POPUP_BLOCKED: 'POPUP_BLOCKED',
  /** The exchange endpoint answered with a non-2xx status. */
  EXCHANGE_FAILED: 'EXCHANGE_FAILED',
  /** The exchange endpoint answered 2xx with a body that is not JSON. */
  EXCHANGE_INVALID_RESPONSE: 'EXCHANGE_INVALID_RESPONSE',
  /** The exchange endpoint could not be reached. */
  EXCHANGE_NETWORK_ERROR: 'EXCHANGE_NETWORK_ERROR',
  /** The exchange endpoint did not answer in time. */
  EXCHANGE_TIMEOUT: 'EXCHANGE_TIMEOUT',
  /** The exchange was aborted by the page (reset, close, element removed). */
  EXCHANGE_ABORTED: 'EXCHANGE_ABORTED',
  /** The providers list could not be loaded or is malformed. */
  PROVIDERS_FAILED: 'PROVIDERS_FAILED',
} as const;

export type ErrorCode = (typeof ErrorCode)[keyof typeof ErrorCode];

/** The one error class of the browser-side core; `code` says what happened, `message` says how to fix it. */
export class FlinksConnectError extends Error {
  readonly code: ErrorCode;
  /** HTTP status, for errors that come from an HTTP answer. */
  readonly status?: number;

  constructor(code: ErrorCode, message: string, options?: { cause?: unknown; status?: number }) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.name = this.constructor.name;
    this.code = code;
    if (options?.status !== undefined) this.status = options.status;
  }
}

/** True when `value` is a {@link FlinksConnectError}, optionally with the given code. */
export function isFlinksConnectError(value: unknown, code?: ErrorCode): value is FlinksConnectError {
  return value instanceof FlinksConnectError && (code === undefined || value.code === code);
}
