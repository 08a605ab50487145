import type { ExchangeRequestBody } from '../src/exchange.ts';
import { FlinksServerError, ServerErrorCode } from './errors.ts';
import type { RateLimiter } from './rate-limit.ts';
import { createRedactor } from './redact.ts';
import { createTokenEndpoint, type TokenEndpointOptions, type Tokens } from './token-endpoint.ts';

/** The JSON body `<flinks-connect>` POSTs to the exchange endpoint (the public contract). */
export type ExchangeRequest = ExchangeRequestBody;

/** What `onTokens` receives: the fresh tokens and who they are for. */
export interface ExchangeContext {
  /** Store these server-side (see `TokenStore`); they never go to the browser unless you return them. */
  tokens: Tokens;
  provider_id: string;
  correlation_id: string;
  /** The browser's request, e.g. to read the partner's session cookie. Its body is already consumed. */
  request: Request;
}

/** Where the kit writes its log lines; `console` by default. Give yours (pino, winston, …) or a no-op. */
export interface Logger {
  warn(message: string): void;
}

/** Options of {@link createExchangeHandler}: the token endpoint and client credentials, plus what is accepted. */
export interface ExchangeHandlerOptions extends TokenEndpointOptions {
  /** Allow-list of redirect URIs this endpoint accepts, each exactly as registered with Flinks. */
  redirectUris: string[];
  /**
   * Stores the tokens. Its return value is the JSON answered to the browser (`{ connected: true }` when it returns
   * `undefined`); an answer that contains a token is refused.
   */
  onTokens: (context: ExchangeContext) => unknown | Promise<unknown>;
  /**
   * Same-origin / CSRF check, run before the body is read; throw to refuse (403). Default {@link checkSameOrigin}.
   * The message of what it throws names the refusal in the 403's `message` (the client secret removed) and in the
   * log line: say which check refused, never put a secret in it.
   */
  checkRequest?: (request: Request) => void | Promise<void>;
  /**
   * Limits how often a client may call the endpoint (each call costs a token request with your secret): refused
   * requests are answered 429 `RATE_LIMITED` with `Retry-After`, before the body is read. Runs after `checkRequest`.
   * Use {@link createRateLimiter} or your own function. Default: no limit.
   */
  rateLimit?: RateLimiter;
  /** Largest accepted body; default 8 KiB. */
  maxBodyBytes?: number;
  /**
   * Called with every error the handler answers (already free of secrets and tokens), e.g. to count them.
   * Logging does not depend on it: see `logger`.
   */
  onError?: (error: FlinksServerError, request: Request) => void;
  /**
   * Gets one `warn` line per error answered: each refusal (4xx: which check refused, the method and URL path) and each
   * failure (5xx). Lines hold no secret, code, verifier or token. Default `console`.
   */
  logger?: Logger;
}

/** Default `maxBodyBytes`: the widget's exchange request is well under 2 KiB. */
export const DEFAULT_MAX_BODY_BYTES = 8 * 1024;

/** Field limits of the exchange request: generous for any real value, small enough to refuse junk early. */
const FIELDS = {
  code: { max: 2048, pattern: /^[\x21-\x7e]+$/ },
  // RFC 7636 §4.1: 43–128 unreserved characters.
  code_verifier: { max: 128, pattern: /^[A-Za-z0-9._~-]{43,128}$/ },
  redirect_uri: { max: 2048, pattern: /^\S+$/ },
  state: { max: 512, pattern: /^[\x21-\x7e]+$/ },
  provider_id: { max: 12, pattern: /^\d+$/ },
  correlation_id: { max: 128, pattern: /^[\x21-\x7e]+$/ },
} as const;

/** A request header's value as a refusal message may quote it: one line, at most 100 characters. */
function quote(value: string): string {
  const line = value.replace(/[^\x20-\x7e]/g, '?');
  return line.length > 100 ? `${line.slice(0, 100)}…` : line;
}

/**
 * Refuses requests a browser marks as cross-site (`Sec-Fetch-Site: cross-site`) or whose `Origin` is another
 * site's. Requiring `application/json` already forces a CORS preflight on cross-origin requests; this is the
 * second line. Compose it with your own CSRF-token check in `checkRequest`. The error names the check that refused
 * (`cross-site request (Sec-Fetch-Site: cross-site)`, `cross-origin Origin https://x`).
 */
export function checkSameOrigin(request: Request): void {
  const site = request.headers.get('sec-fetch-site');
  if (site === 'cross-site' || site === 'same-site') {
    throw new Error(`${site} request (Sec-Fetch-Site: ${site}); only same-origin requests are accepted`);
  }
  const origin = request.headers.get('origin');
  if (origin && site !== 'same-origin' && origin !== new URL(request.url).origin) {
    // The origin this endpoint sees goes to the log line only: behind a proxy it may be an internal host.
    throw new Error(`cross-origin Origin ${quote(origin)}`);
  }
}

/**
 * A `checkRequest` that accepts this site's own requests (as {@link checkSameOrigin}) and those whose `Origin` is
 * one of `origins` — e.g. your companion extension's `chrome-extension://<id>` or `moz-extension://<uuid>`.
 */
export function allowOrigins(origins: readonly string[]): (request: Request) => void {
  for (const origin of origins) {
    // Not URL#origin: it is "null" for chrome-extension: and moz-extension: URLs.
    if (!/^[a-z][a-z0-9+.-]*:\/\/[^/?#\s]+$/i.test(origin)) {
      throw new TypeError(
        `allowOrigins: "${origin}" is not an origin (scheme://host[:port], no path or slash).`,
      );
    }
  }
  const allowed = new Set(origins);
  return (request) => {
    const origin = request.headers.get('origin');
    if (origin && allowed.has(origin)) return;
    checkSameOrigin(request);
  };
}

function jsonResponse(status: number, body: unknown, headers?: Record<string, string>): Response {
  return new Response(JSON.stringify(body), {
    status,
    headers: {
      'Content-Type': 'application/json; charset=utf-8',
      'Cache-Control': 'no-store',
      'X-Content-Type-Options': 'nosniff',
      ...headers,
    },
  });
}

function httpError(
  status: number,
  code: ServerErrorCode,
  message: string,
  cause?: unknown,
): FlinksServerError {
  return new FlinksServerError(code, message, { status, cause });
}

/** Reads at most `limit` bytes of the body; more is a 413 without reading the rest. */
async function readBody(request: Request, limit: number): Promise<string> {
  const length = request.headers.get('content-length');
  if (length !== null && Number(length) > limit) {
    throw httpError(413, ServerErrorCode.BODY_TOO_LARGE, `The request body is larger than ${limit} bytes.`);
  }
  if (!request.body) return '';
  const reader = request.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > limit) {
      await reader.cancel().catch(() => {});
      throw httpError(413, ServerErrorCode.BODY_TOO_LARGE, `The request body is larger than ${limit} bytes.`);
    }
    chunks.push(value);
  }
  const all = new Uint8Array(size);
  let offset = 0;
  for (const chunk of chunks) {
    all.set(chunk, offset);
    offset += chunk.byteLength;
  }
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(all);
  } catch (cause) {
    throw httpError(400, ServerErrorCode.INVALID_REQUEST, 'The request body is not UTF-8.', cause);
  }
}

/** Parses and checks the exchange request body; the message names the field to fix, never its value. */
export function parseExchangeRequest(text: string): ExchangeRequest {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (cause) {
    throw httpError(400, ServerErrorCode.INVALID_REQUEST, 'The request body is not valid JSON.', cause);
  }
  if (typeof json !== 'object' || json === null || Array.isArray(json)) {
    throw httpError(400, ServerErrorCode.INVALID_REQUEST, 'The request body must be a JSON object.');
  }
  const body = json as Record<string, unknown>;
  const result: Record<string, string> = {};
  for (const [name, rule] of Object.entries(FIELDS)) {
    const value = body[name];
    if (value === undefined || value === null || value === '') {
      throw httpError(400, ServerErrorCode.INVALID_REQUEST, `"${name}" is missing from the request body.`);
    }
    if (typeof value !== 'string') {
      throw httpError(400, ServerErrorCode.INVALID_REQUEST, `"${name}" must be a string.`);
    }
    if (value.length > rule.max) {
      throw httpError(
        400,
        ServerErrorCode.INVALID_REQUEST,
        `"${name}" is longer than ${rule.max} characters.`,
      );
    }
    if (!rule.pattern.test(value)) {
      throw httpError(
        400,
        ServerErrorCode.INVALID_REQUEST,
        `"${name}" has characters or a length it cannot have.`,
      );
    }
    result[name] = value;
  }
  return result as unknown as ExchangeRequest;
}

const STATUS_OF: Partial<Record<ServerErrorCode, number>> = {
  [ServerErrorCode.TOKEN_REQUEST_FAILED]: 502,
  [ServerErrorCode.INVALID_TOKEN_RESPONSE]: 502,
  [ServerErrorCode.NETWORK_ERROR]: 502,
  [ServerErrorCode.TIMEOUT]: 504,
};

/** True when the serialized answer contains any token or the secret: the handler then refuses to send it. */
function leaks(serialized: string, secrets: string[]): boolean {
  return secrets.some((secret) => secret.length >= 8 && serialized.includes(secret));
}

/**
 * What the browser is told for an error that came from upstream: a fixed sentence per code (and the OAuth error
 * code in `flinks_error`), never the upstream's own text, which could echo the request (secret, code_verifier).
 */
function browserMessage(error: FlinksServerError): string {
  switch (error.code) {
    case ServerErrorCode.TOKEN_REQUEST_FAILED: {
      if (error.oauth_error) {
        return `Flinks refused the authorization code (${error.oauth_error}): start the connection again.`;
      }
      // No OAuth error in the answer (an error page, a proxy's 404): its status says where to look, its text is not sent.
      const upstream = (error.cause as { status?: unknown } | undefined)?.status;
      return typeof upstream === 'number'
        ? `Flinks' token endpoint answered HTTP ${upstream} without an OAuth error: check tokenUrl.`
        : 'Flinks refused the authorization code: start the connection again.';
    }
    case ServerErrorCode.INVALID_TOKEN_RESPONSE:
      return "Flinks' token endpoint answered something that is not a token response; try again later.";
    case ServerErrorCode.NETWORK_ERROR:
      return "Flinks' token endpoint could not be reached; try again later.";
    case ServerErrorCode.TIMEOUT:
      return "Flinks' token endpoint did not answer in time; try again later.";
    default:
      return error.message;
  }
}

/** The log line of an answered error: refusals name the check, the method and the path; failures the code. */
function logLine(error: FlinksServerError, status: number, request: Request): string {
  if (status >= 500) return `[flinks-connect] exchange failed: ${error.code}: ${error.message}`;
  const url = new URL(request.url);
  return `[flinks-connect] exchange refused: ${status} ${error.code}: ${error.message} (${request.method} ${url.origin}${url.pathname})`;
}

/**
 * Creates the partner's exchange endpoint: a fetch-standard handler that validates the widget's exchange request,
 * trades the code for tokens at Flinks with the client secret, hands them to `onTokens` and answers only what
 * `onTokens` returns. Errors are answered as `{ error, message }` with a stable code.
 * @see RFC 6749 §4.1.3 and RFC 7636 §4.5
 */
export function createExchangeHandler(
  options: ExchangeHandlerOptions,
): (request: Request) => Promise<Response> {
  const endpoint = createTokenEndpoint(options);
  if (!Array.isArray(options.redirectUris) || options.redirectUris.length === 0) {
    throw new TypeError('redirectUris must list at least one redirect URI registered with Flinks.');
  }
  for (const uri of options.redirectUris) {
    if (typeof uri !== 'string' || !URL.canParse(uri)) {
      throw new TypeError(`redirectUris has "${uri}", which is not an absolute URL.`);
    }
  }
  const allowed = new Set(options.redirectUris);
  if (typeof options.onTokens !== 'function')
    throw new TypeError('onTokens must be a function that stores the tokens.');
  const checkRequest = options.checkRequest ?? checkSameOrigin;
  if (typeof checkRequest !== 'function') throw new TypeError('checkRequest must be a function.');
  const rateLimit = options.rateLimit;
  if (rateLimit !== undefined && typeof rateLimit !== 'function') {
    throw new TypeError(
      'rateLimit must be a function of the request, e.g. createRateLimiter({ windowMs, max }).',
    );
  }
  const maxBodyBytes = options.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES;
  if (!Number.isInteger(maxBodyBytes) || maxBodyBytes <= 0) {
    throw new TypeError('maxBodyBytes must be a positive whole number.');
  }
  const onError = options.onError;
  if (onError !== undefined && typeof onError !== 'function')
    throw new TypeError('onError must be a function.');
  const logger = options.logger ?? console;
  if (typeof logger?.warn !== 'function') throw new TypeError('logger must have a warn(message) method.');
  const secret = options.clientSecret;
  /** A refusal's own words, as `checkRequest` threw them, without the client secret. */
  const refusal = (cause: unknown): string => {
    const text = cause instanceof Error ? cause.message.trim().replace(/\.$/, '') : '';
    if (!text) return 'checkRequest refused it';
    const clean = createRedactor([secret])(text).replace(/\s+/g, ' ');
    return clean.length > 300 ? `${clean.slice(0, 300)}…` : clean;
  };

  const handle = async (request: Request): Promise<Response> => {
    if (request.method !== 'POST') {
      throw httpError(
        405,
        ServerErrorCode.METHOD_NOT_ALLOWED,
        `Use POST to send the authorization code (not ${quote(request.method)}).`,
      );
    }
    try {
      await checkRequest(request);
    } catch (cause) {
      throw httpError(
        403,
        ServerErrorCode.REQUEST_REFUSED,
        `The request was refused: ${refusal(cause)}.`,
        cause,
      );
    }
    if (rateLimit) {
      let decision: Awaited<ReturnType<RateLimiter>>;
      try {
        decision = await rateLimit(request);
      } catch (cause) {
        throw httpError(500, ServerErrorCode.CALLBACK_FAILED, 'The rate limiter failed.', cause);
      }
      if (decision?.allowed !== true) {
        const seconds = Math.max(1, Math.ceil(Number(decision?.retryAfterSeconds) || 60));
        throw new FlinksServerError(
          ServerErrorCode.RATE_LIMITED,
          `Too many exchange requests: try again in ${seconds} s.`,
          { status: 429, cause: { retry_after_seconds: seconds } },
        );
      }
    }
    const type = request.headers.get('content-type') ?? '';
    if (!/^application\/json\s*(;|$)/i.test(type)) {
      throw httpError(
        415,
        ServerErrorCode.UNSUPPORTED_MEDIA_TYPE,
        `Send the request body as application/json (${type ? `Content-Type was ${quote(type)}` : 'missing Content-Type'}).`,
      );
    }
    const body = parseExchangeRequest(await readBody(request, maxBodyBytes));
    if (!allowed.has(body.redirect_uri)) {
      throw httpError(
        400,
        ServerErrorCode.REDIRECT_URI_NOT_ALLOWED,
        `redirect_uri ${quote(body.redirect_uri)} is not one of the redirectUris this endpoint accepts.`,
      );
    }
    let tokens: Tokens;
    try {
      tokens = await endpoint.authorizationCode(body);
    } catch (error) {
      if (error instanceof FlinksServerError) {
        throw new FlinksServerError(error.code, error.message, {
          status: STATUS_OF[error.code] ?? 502,
          cause: error,
          ...(error.oauth_error ? { oauth_error: error.oauth_error } : {}),
        });
      }
      throw error;
    }
    let answer: unknown;
    try {
      answer = await options.onTokens({
        tokens,
        provider_id: body.provider_id,
        correlation_id: body.correlation_id,
        request,
      });
    } catch (cause) {
      throw httpError(500, ServerErrorCode.CALLBACK_FAILED, 'The connection could not be saved.', cause);
    }
    let serialized: string;
    try {
      serialized = JSON.stringify(answer === undefined ? { connected: true } : answer);
    } catch (cause) {
      throw httpError(
        500,
        ServerErrorCode.CALLBACK_FAILED,
        'onTokens returned a value that is not JSON.',
        cause,
      );
    }
    if (
      serialized === undefined ||
      leaks(serialized, [tokens.access_token, tokens.refresh_token ?? '', secret])
    ) {
      throw httpError(
        500,
        ServerErrorCode.CALLBACK_FAILED,
        'onTokens returned a token or a secret; the exchange endpoint never sends them to the browser.',
      );
    }
    return new Response(serialized, {
      status: 200,
      headers: {
        'Content-Type': 'application/json; charset=utf-8',
        'Cache-Control': 'no-store',
        'X-Content-Type-Options': 'nosniff',
      },
    });
  };

  return async (request) => {
    try {
      return await handle(request);
    } catch (thrown) {
      const error =
        thrown instanceof FlinksServerError
          ? thrown
          : httpError(500, ServerErrorCode.CALLBACK_FAILED, 'The exchange failed unexpectedly.', thrown);
      const status = error.status ?? 500;
      try {
        logger.warn(logLine(error, status, request));
      } catch {
        // A failing logger must not change the answer.
      }
      try {
        onError?.(error, request);
      } catch {
        // Nor a failing onError.
      }
      const body: Record<string, unknown> = { error: error.code, message: browserMessage(error) };
      if (error.oauth_error) body.flinks_error = error.oauth_error;
      const headers: Record<string, string> = {};
      if (status === 405) headers.Allow = 'POST';
      if (error.code === ServerErrorCode.RATE_LIMITED) {
        headers['Retry-After'] = String((error.cause as { retry_after_seconds: number }).retry_after_seconds);
      }
      return jsonResponse(status, body, headers);
    }
  };
}
