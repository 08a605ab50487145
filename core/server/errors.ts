/**
 * Stable error codes of the server kit. The exchange handler answers them to the browser as `{ error, message }`
 * and every thrown {@link FlinksServerError} carries one: never rename one.
 */
export const ServerErrorCode = {
  /** The exchange request did not use `POST`. */
  METHOD_NOT_ALLOWED: 'METHOD_NOT_ALLOWED',
  /** The exchange request body is not `application/json`. */
  UNSUPPORTED_MEDIA_TYPE: 'UNSUPPORTED_MEDIA_TYPE',
  /** The exchange request body is larger than `maxBodyBytes`. */
  BODY_TOO_LARGE: 'BODY_TOO_LARGE',
  /** The exchange request body is not the contract's JSON object (a field missing, of the wrong type or too long). */
  INVALID_REQUEST: 'INVALID_REQUEST',
  /** The exchange request's `redirect_uri` is not in the handler's allow-list. */
  REDIRECT_URI_NOT_ALLOWED: 'REDIRECT_URI_NOT_ALLOWED',
  /** `checkRequest` refused the request (cross-site request, missing CSRF token, …). */
  REQUEST_REFUSED: 'REQUEST_REFUSED',
  /** `rateLimit` refused the request: too many from this key; the answer's `Retry-After` says when to try again. */
  RATE_LIMITED: 'RATE_LIMITED',
  /** Flinks answered the token request with an OAuth error (`invalid_grant`, `invalid_client`, …): see `oauth_error`. */
  TOKEN_REQUEST_FAILED: 'TOKEN_REQUEST_FAILED',
  /** Flinks answered the token request with something that is not a token response. */
  INVALID_TOKEN_RESPONSE: 'INVALID_TOKEN_RESPONSE',
  /** An HTTP request to Flinks failed: network error or no answer (see `cause`). */
  NETWORK_ERROR: 'NETWORK_ERROR',
  /** An HTTP request to Flinks did not answer within its time limit. */
  TIMEOUT: 'TIMEOUT',
  /** The partner's `onTokens` callback threw, or returned something that cannot be answered. */
  CALLBACK_FAILED: 'CALLBACK_FAILED',
  /** An FDX data request failed; the error is an {@link FdxError} with the FDX `fdx_code`. */
  FDX_ERROR: 'FDX_ERROR',
  /** The customer's consent is revoked or expired (FDX 602, or the refresh token is refused): authorize again. */
  REAUTHORIZATION_REQUIRED: 'REAUTHORIZATION_REQUIRED',
  /** No tokens are stored for this connection id. */
  CONNECTION_NOT_FOUND: 'CONNECTION_NOT_FOUND',
  /** A reconnect's new consent is for another bank than the connection's. */
  PROVIDER_MISMATCH: 'PROVIDER_MISMATCH',
  /** A Flinks API answered with an unexpected HTTP status (see `status`). */
  HTTP_ERROR: 'HTTP_ERROR',
  /** A Flinks API answered 2xx with a body that is not the expected JSON. */
  INVALID_RESPONSE: 'INVALID_RESPONSE',
  /** A wait (e.g. for a registration to become `ACTIVE`) ran out of time. */
  WAIT_TIMEOUT: 'WAIT_TIMEOUT',
  /** A token store's file is not what the store wrote (damaged, edited): it is left untouched for recovery. */
  STORE_CORRUPT: 'STORE_CORRUPT',
  /** Sealed tokens could not be opened: changed, moved from another record, or sealed with a key not given. */
  DECRYPTION_FAILED: 'DECRYPTION_FAILED',
} as const;

/** One of the {@link ServerErrorCode} values. */
export type ServerErrorCode = (typeof ServerErrorCode)[keyof typeof ServerErrorCode];

/** The server kit's error: `code` says what happened, `message` how to fix it; never a secret or token in either. */
export class FlinksServerError extends Error {
  readonly code: ServerErrorCode;
  /** HTTP status: of Flinks' answer, or the one the exchange handler answers with. */
  readonly status?: number;
  /** The OAuth `error` Flinks answered (`invalid_grant`, `invalid_client`, …), when it did. @see RFC 6749 §5.2 */
  readonly oauth_error?: string;

  constructor(
    code: ServerErrorCode,
    message: string,
    options?: { cause?: unknown; status?: number; oauth_error?: string },
  ) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.name = this.constructor.name;
    this.code = code;
    if (options?.status !== undefined) this.status = options.status;
    if (options?.oauth_error !== undefined) this.oauth_error = options.oauth_error;
  }
}

/** An FDX error answer: `fdx_code` is FDX's own code (602 = consent revoked), `status` the HTTP status. */
export class FdxError extends FlinksServerError {
  /** FDX error code from the body (`401`, `602`, `701`, `1207`, …), when the body had one. */
  readonly fdx_code?: number;
  /** The `ob-correlation-id` response header: quote it to Flinks support. */
  readonly correlation_id?: string;
  /** The `ob-trace-id` response header. */
  readonly trace_id?: string;
  /**
   * On FDX 602 or 403 from a call that needs a data cluster: the clusters (scopes) of which the call needs one, e.g.
   * `['TRANSACTIONS']`. Flinks answers 602 when the customer did not consent to that cluster: ask for it the next
   * time the customer connects.
   */
  readonly missing_scopes?: string[];

  constructor(
    message: string,
    options: {
      status: number;
      fdx_code?: number;
      correlation_id?: string;
      trace_id?: string;
      missing_scopes?: string[];
      cause?: unknown;
    },
  ) {
    super(ServerErrorCode.FDX_ERROR, message, { status: options.status, cause: options.cause });
    if (options.fdx_code !== undefined) this.fdx_code = options.fdx_code;
    if (options.missing_scopes !== undefined) this.missing_scopes = options.missing_scopes;
    if (options.correlation_id !== undefined) this.correlation_id = options.correlation_id;
    if (options.trace_id !== undefined) this.trace_id = options.trace_id;
  }
}

/** True when `value` is a {@link FlinksServerError}, optionally with the given code. */
export function isFlinksServerError(value: unknown, code?: ServerErrorCode): value is FlinksServerError {
  return value instanceof FlinksServerError && (code === undefined || value.code === code);
}
