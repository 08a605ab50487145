import { createTokenEndpoint, type TokenEndpointOptions, type Tokens } from './token-endpoint.ts';

/** Options of {@link createTokenManager}. @see RFC 6749 §4.4 */
export interface TokenManagerOptions extends TokenEndpointOptions {
  /** Scope of the client-credentials grant: `client:admin` for a Partner; omit for a Data Recipient. */
  scope?: string;
  /** Seconds before `expires_in` runs out at which a cached token counts as expired; default 30. */
  skewSeconds?: number;
  /** Clock in epoch milliseconds. */
  now?: () => number;
}

/** A client-credentials access token cache, see {@link createTokenManager}. */
export interface TokenManager {
  readonly clientId: string;
  /**
   * A valid access token: the cached one, or a new one. Pass the token an API just refused as `rejected` to drop it
   * (only if it is still the cached one) and get another. Concurrent callers share one token request.
   */
  getAccessToken(options?: { rejected?: string }): Promise<string>;
  /** Drops the cached token, so the next call requests a new one. */
  clear(): void;
}

/** Lifetime assumed for a token answered without `expires_in`. */
const DEFAULT_LIFETIME_SECONDS = 60;

/**
 * Creates a client-credentials token manager (a Partner's `client:admin` or a Data Recipient's token): it caches the
 * token until `expires_in` minus a skew, keeps one token request in flight at a time, and drops a token an API refused.
 * @see RFC 6749 §4.4
 */
export function createTokenManager(options: TokenManagerOptions): TokenManager {
  const now = options.now ?? Date.now;
  const endpoint = createTokenEndpoint(options, now);
  const skew = options.skewSeconds ?? 30;
  if (!Number.isFinite(skew) || skew < 0) throw new TypeError('skewSeconds must be a number ≥ 0.');
  if (options.scope !== undefined && typeof options.scope !== 'string')
    throw new TypeError('scope must be a string.');

  let cached: { token: string; valid_until: number } | undefined;
  let inflight: Promise<Tokens> | undefined;

  const request = (): Promise<Tokens> => {
    inflight ??= endpoint.clientCredentials(options.scope).finally(() => {
      inflight = undefined;
    });
    return inflight;
  };

  return {
    clientId: endpoint.clientId,
    async getAccessToken({ rejected } = {}) {
      if (rejected !== undefined && cached?.token === rejected) cached = undefined;
      if (cached && now() < cached.valid_until) return cached.token;
      const tokens = await request();
      const lifetime = tokens.expires_in ?? DEFAULT_LIFETIME_SECONDS;
      // A token shorter-lived than the skew is still used once rather than re-requested in a loop.
      const usable = Math.max(lifetime - skew, Math.min(lifetime, 1));
      cached = { token: tokens.access_token, valid_until: now() + usable * 1000 };
      return tokens.access_token;
    },
    clear() {
      cached = undefined;
    },
  };
}
