import { FlinksServerError, ServerErrorCode } from './errors.ts';
import { checkEndpointUrl, redactedCause } from './token-endpoint.ts';

/** Runtime knobs shared by the kit's API clients (FDX, admin). All optional. */
export interface HttpOptions {
  fetch?: typeof fetch;
  /** Time limit of each HTTP attempt; default 30 000 ms. */
  timeoutMs?: number;
  /**
   * Retries after an answer that says "try again": 429 and 503, FDX 1207 (too many requests, which one Flinks table
   * sends as 422), and 500/502 for reads and other idempotent calls (not a POST, which may have happened); default 3.
   */
  retries?: number;
  /** A `Retry-After` longer than this is not waited for (the error is thrown); default 60 000 ms. */
  maxRetryDelayMs?: number;
  /** First backoff delay when there is no `Retry-After`, doubled each retry; default 500 ms. */
  retryBaseDelayMs?: number;
  /** Waits between retries; a parameter so tests need not wait. */
  sleep?: (ms: number) => Promise<void>;
  /** Clock in epoch milliseconds (reads HTTP-date `Retry-After`). */
  now?: () => number;
}

/** Where the access token of a call comes from. `rejected` is the token Flinks just refused: do not return it again. */
export type AccessTokenSource = (options: { rejected?: string }) => string | Promise<string>;

/** @internal */
export interface HttpResult {
  response: Response;
  text: string;
  json: unknown;
}

/** Flinks' hosts (production and pre-production): a `links.next.href` on one of them may be followed. */
export const FLINKS_ORIGINS: ReadonlySet<string> = new Set([
  'https://ob.flinksapp.com',
  'https://ob-preprod.flinksapp.dev',
]);

const IDEMPOTENT = new Set(['GET', 'HEAD', 'PUT', 'DELETE', 'OPTIONS']);

/** Whether an answer means "not done, try again later". */
function isRetryable(method: string, status: number, json: unknown): boolean {
  if (status === 429 || status === 503) return true;
  if (status === 500 || status === 502) return IDEMPOTENT.has(method);
  // FDX 1207 "too many requests": 429 in one Flinks table, 422 in another.
  const code = (json as { code?: unknown } | null | undefined)?.code;
  return status === 422 && String(code) === '1207';
}

function parseJson(text: string): unknown {
  try {
    return text ? JSON.parse(text) : undefined;
  } catch {
    return undefined;
  }
}

/**
 * An id made safe to put in a URL path as one segment: percent-encoded, and refused (TypeError) when it could change
 * which endpoint is called. `.` and `..` are kept as dot segments by encodeURIComponent and walk up the path
 * (`rotateSecret('..')` would POST to `/api/v1/secret`); control characters, and ids longer than 256 characters,
 * are no id Flinks issues.
 */
export function pathSegment(name: string, value: unknown): string {
  if (typeof value === 'number' && Number.isSafeInteger(value) && value >= 0) return String(value);
  if (typeof value !== 'string' || value.length === 0) {
    throw new TypeError(`${name} must be a non-empty string (the id Flinks gave you).`);
  }
  if (value === '.' || value === '..') {
    throw new TypeError(
      `${name} "${value}" is not an id: "." and ".." would change the API path it is put in.`,
    );
  }
  if (value.length > 256 || [...value].some((c) => c < ' ' || c === '\u007f')) {
    throw new TypeError(
      `${name} must be an id of at most 256 characters without control characters (the id Flinks gave you).`,
    );
  }
  return encodeURIComponent(value);
}

/** Reads `Retry-After` (seconds or an HTTP date) in milliseconds. @see RFC 9110 §10.2.3 */
export function parseRetryAfter(value: string | null, now: number): number | undefined {
  if (value === null) return undefined;
  const trimmed = value.trim();
  if (/^\d+$/.test(trimmed)) return Number(trimmed) * 1000;
  const date = Date.parse(trimmed);
  return Number.isNaN(date) ? undefined : Math.max(0, date - now);
}

const defaultSleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** @internal One JSON API client's transport: timeout per attempt, retries with backoff (see `retries`). */
export function createHttp(baseUrl: string, options: HttpOptions = {}) {
  const base = checkEndpointUrl('baseUrl', baseUrl);
  const doFetch = options.fetch ?? globalThis.fetch;
  if (typeof doFetch !== 'function') throw new TypeError('fetch must be a function.');
  const timeout = options.timeoutMs ?? 30_000;
  const retries = options.retries ?? 3;
  const maxDelay = options.maxRetryDelayMs ?? 60_000;
  const baseDelay = options.retryBaseDelayMs ?? 500;
  const sleep = options.sleep ?? defaultSleep;
  const now = options.now ?? Date.now;
  if (!Number.isFinite(timeout) || timeout <= 0) throw new TypeError('timeoutMs must be a positive number.');
  if (!Number.isInteger(retries) || retries < 0) throw new TypeError('retries must be a whole number ≥ 0.');
  const basePath = base.pathname.replace(/\/+$/, '');

  /** Whether an absolute URL (a `links.next.href`) may be called: on the base's origin or a documented Flinks host. */
  const mayFollow = (target: URL): boolean =>
    target.origin === base.origin || FLINKS_ORIGINS.has(target.origin);

  /**
   * Resolves `path` under the base URL. A URL from an answer (a `links.next.href`) must be on the base's origin or a
   * documented Flinks host and, once its dot segments are resolved, under the base path: provider data cannot send
   * the bearer token to another host or to another API of the same host.
   */
  const url = (path: string, query?: Record<string, string | number | undefined>): URL => {
    const target = /^https?:\/\//i.test(path)
      ? new URL(path)
      : path.startsWith(`${basePath}/`)
        ? new URL(path, base.origin)
        : new URL(`${basePath}${path.startsWith('/') ? '' : '/'}${path}`, base.origin);
    if (!mayFollow(target)) {
      throw new FlinksServerError(
        ServerErrorCode.INVALID_RESPONSE,
        `Refusing to follow ${target.origin}: it is neither the API's origin ${base.origin} nor a Flinks host.`,
      );
    }
    if (basePath !== '' && target.pathname !== basePath && !target.pathname.startsWith(`${basePath}/`)) {
      throw new FlinksServerError(
        ServerErrorCode.INVALID_RESPONSE,
        `Refusing to follow ${target.pathname.slice(0, 200)}: it is not under the API's path ${basePath}.`,
      );
    }
    for (const [name, value] of Object.entries(query ?? {})) {
      if (value !== undefined && value !== '') target.searchParams.set(name, String(value));
    }
    return target;
  };

  const send = async (
    target: URL,
    init: { method?: string; headers?: Record<string, string>; body?: string; signal?: AbortSignal },
  ): Promise<HttpResult> => {
    for (let attempt = 0; ; attempt++) {
      const timer = AbortSignal.timeout(timeout);
      const signal = init.signal ? AbortSignal.any([init.signal, timer]) : timer;
      let response: Response;
      let text: string;
      try {
        response = await doFetch(target, {
          method: init.method ?? 'GET',
          headers: { Accept: 'application/json', ...init.headers },
          ...(init.body === undefined ? {} : { body: init.body }),
          redirect: 'manual',
          signal,
        });
        text = await response.text();
      } catch (error) {
        if (timer.aborted) {
          throw new FlinksServerError(
            ServerErrorCode.TIMEOUT,
            `${target.origin}${target.pathname} did not answer within ${Math.round(timeout / 1000)} s.`,
            { cause: redactedCause(error) },
          );
        }
        if (init.signal?.aborted) throw error;
        throw new FlinksServerError(
          ServerErrorCode.NETWORK_ERROR,
          `${target.origin}${target.pathname} could not be reached.`,
          { cause: redactedCause(error) },
        );
      }
      const json = parseJson(text);
      if (isRetryable(init.method ?? 'GET', response.status, json) && attempt < retries) {
        const after = parseRetryAfter(response.headers.get('retry-after'), now());
        const delay = after ?? baseDelay * 2 ** attempt * (0.75 + Math.random() * 0.5);
        if (delay <= maxDelay) {
          await sleep(delay);
          continue;
        }
      }
      return { response, text, json };
    }
  };

  /**
   * The one authorised-request path of the kit's clients: sends with a Bearer token from `getToken`, and when the
   * answer says that token was refused ({@link isTokenRejected}), asks `getToken` for another (passing `rejected`) and
   * sends once more if it got a different one. `sent` lists the tokens sent, for redacting the answer.
   */
  const sendAuthorized = async (
    target: URL,
    init: { method?: string; headers?: Record<string, string>; body?: string; signal?: AbortSignal },
    getToken: AccessTokenSource,
  ): Promise<HttpResult & { sent: string[] }> => {
    const withToken = (token: string) => ({
      ...init,
      headers: { ...init.headers, Authorization: `Bearer ${token}` },
    });
    const token = await getToken({});
    // Every token sent for this call, to redact from the answer: the retry's answer may quote the refused one.
    const sent = [token];
    const result = await send(target, withToken(token));
    if (!isTokenRejected(result)) return { ...result, sent };
    const next = await getToken({ rejected: token });
    if (next === token) return { ...result, sent };
    sent.push(next);
    return { ...(await send(target, withToken(next))), sent };
  };

  return { base, url, send, sendAuthorized, mayFollow };
}

/**
 * True when the answer may mean the access token was refused (expired or invalid) rather than the request: Flinks
 * documents HTTP 400 for that (FDX code 401, "invalid input", the same as a bad parameter), OAuth resource servers
 * answer 401 `invalid_token` (RFC 6750 §3.1). FDX 602 (no consent) and an OAuth error other than `invalid_token` are
 * not token problems.
 */
export function isTokenRejected(result: Pick<HttpResult, 'response' | 'json'>): boolean {
  const { response, json } = result;
  if (response.status !== 400 && response.status !== 401) return false;
  if (/invalid_token/i.test(response.headers.get('www-authenticate') ?? '')) return true;
  const body = (typeof json === 'object' && json !== null ? json : {}) as { error?: unknown; code?: unknown };
  if (typeof body.error === 'string') return body.error === 'invalid_token';
  const code = body.code === undefined ? undefined : Number(body.code);
  return code === undefined || code === 401;
}

/** @internal Turns an `accessToken | getAccessToken` pair into one {@link AccessTokenSource}. */
export function tokenSource(options: {
  accessToken?: string;
  getAccessToken?: AccessTokenSource;
}): AccessTokenSource {
  if (typeof options.getAccessToken === 'function') return options.getAccessToken;
  const token = options.accessToken;
  if (typeof token !== 'string' || token.length === 0) {
    throw new TypeError('Give accessToken (a string) or getAccessToken (a function).');
  }
  return () => token;
}
