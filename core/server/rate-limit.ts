/** A rate limiter's verdict on one request: let it through, or refuse it for `retryAfterSeconds`. */
export type RateLimitDecision = { allowed: true } | { allowed: false; retryAfterSeconds: number };

/** A rate limiter as the exchange handler's `rateLimit` option takes it: any function of the request will do. */
export type RateLimiter = (request: Request) => RateLimitDecision | Promise<RateLimitDecision>;

/** Options of {@link createRateLimiter}. */
export interface RateLimiterOptions {
  /** Length of one counting window, in milliseconds; e.g. `60_000`. */
  windowMs: number;
  /** Requests allowed per key in one window; the next ones are refused until the window ends. */
  max: number;
  /**
   * The key requests are counted under, e.g. the partner's session id from a cookie, or the client address your
   * proxy puts in a header you trust. Default: one key for every request (a cap on the whole endpoint).
   */
  key?: (request: Request) => string | Promise<string>;
  /** Most keys remembered at once; past it the oldest window is forgotten. Default 10 000. */
  maxKeys?: number;
  /** Clock in epoch milliseconds. */
  now?: () => number;
}

/**
 * Creates a fixed-window, in-memory rate limiter for the exchange handler's `rateLimit` option: at most `max`
 * requests per key in each `windowMs`. It counts per process; with several instances, use a shared store (Redis,
 * your database) behind the same {@link RateLimiter} signature.
 */
export function createRateLimiter(options: RateLimiterOptions): RateLimiter {
  if (typeof options !== 'object' || options === null) throw new TypeError('options must be an object.');
  const { windowMs, max } = options;
  if (!Number.isFinite(windowMs) || windowMs <= 0) {
    throw new TypeError('windowMs must be a positive number of milliseconds, e.g. 60_000.');
  }
  if (!Number.isInteger(max) || max <= 0) throw new TypeError('max must be a positive whole number.');
  const maxKeys = options.maxKeys ?? 10_000;
  if (!Number.isInteger(maxKeys) || maxKeys <= 0)
    throw new TypeError('maxKeys must be a positive whole number.');
  const keyOf = options.key ?? (() => '*');
  if (typeof keyOf !== 'function') throw new TypeError('key must be a function of the request.');
  const now = options.now ?? Date.now;
  const windows = new Map<string, { start: number; count: number }>();

  return async (request) => {
    const key = String(await keyOf(request));
    const at = now();
    let window = windows.get(key);
    if (!window || at - window.start >= windowMs) {
      windows.delete(key);
      if (windows.size >= maxKeys) {
        // Forget the oldest windows first (Map keeps insertion order).
        for (const [old] of windows) {
          windows.delete(old);
          if (windows.size < maxKeys) break;
        }
      }
      window = { start: at, count: 0 };
      windows.set(key, window);
    }
    window.count++;
    if (window.count <= max) return { allowed: true };
    return {
      allowed: false,
      retryAfterSeconds: Math.max(1, Math.ceil((window.start + windowMs - at) / 1000)),
    };
  };
}
