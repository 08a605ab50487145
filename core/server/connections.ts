import { FdxError, FlinksServerError, isFlinksServerError, ServerErrorCode } from './errors.ts';
import { createFdxClient, type FdxClient } from './fdx-client.ts';
import { createHttp, type HttpOptions, type HttpResult } from './http.ts';
import { createRedactor, redactDeep } from './redact.ts';
import {
  checkEndpointUrl,
  createTokenEndpoint,
  type TokenEndpointOptions,
  type Tokens,
} from './token-endpoint.ts';

/** One customer's connection to one bank, as the kit stores it. */
export interface Connection {
  /** The partner's id for the connection (default a random UUID). */
  id: string;
  provider_id: string;
  correlation_id?: string;
  tokens: Tokens;
  /**
   * `reauthorization_required` once the refresh token is refused or every data call answers FDX 602: send the
   * customer through the widget again.
   */
  status: 'active' | 'reauthorization_required';
  /** Epoch milliseconds. */
  created_at: number;
  updated_at: number;
  /** The partner's own data about the connection (its customer id, a label, …): kept across reconnects. */
  metadata?: Record<string, unknown>;
}

/**
 * Where connections live: implement it on your database. Every method may be async. `set` replaces the whole record;
 * records hold tokens, so store them encrypted at rest and never return them to a browser.
 */
export interface TokenStore {
  get(id: string): Connection | undefined | Promise<Connection | undefined>;
  set(connection: Connection): void | Promise<void>;
  delete(id: string): void | Promise<void>;
  /** Optional: lets `list()` work (the CLI and the demo use it). */
  list?(): Connection[] | Promise<Connection[]>;
  /**
   * Optional: runs `run` while holding connection `id`'s lock across every process sharing the store (a database
   * row or advisory lock). With it, only one process refreshes a connection at a time; the others then read the
   * tokens it stored. Without it, refreshes are one at a time within this process only.
   */
  lock?<T>(id: string, run: () => Promise<T>): Promise<T>;
}

/** An in-memory {@link TokenStore}: for tests and single-process demos; everything is lost on restart. */
export function createMemoryTokenStore(): TokenStore & { list(): Connection[] } {
  const records = new Map<string, Connection>();
  const copy = (c: Connection): Connection => ({
    ...c,
    tokens: { ...c.tokens },
    ...(c.metadata ? { metadata: structuredClone(c.metadata) } : {}),
  });
  return {
    get: (id) => {
      const record = records.get(id);
      return record ? copy(record) : undefined;
    },
    set: (connection) => {
      records.set(connection.id, copy(connection));
    },
    delete: (id) => {
      records.delete(id);
    },
    list: () => [...records.values()].map(copy),
  };
}

/** Options of {@link createConnections}: the client credentials (for refresh), a store and the FDX base URL. */
export interface ConnectionsOptions extends TokenEndpointOptions {
  /** Default {@link createMemoryTokenStore}. */
  store?: TokenStore;
  /** FDX base URL for {@link Connections.fdx}, e.g. `https://ob.flinksapp.com/api/fdx/5`. */
  fdxBaseUrl?: string;
  /** Options of the FDX clients {@link Connections.fdx} makes (timeout, retries, …). */
  fdx?: HttpOptions;
  /** Seconds before expiry at which the access token is refreshed; default 30. */
  skewSeconds?: number;
  /** Flinks' revoke endpoint for {@link Connections.revoke}; default `revoke` beside `tokenUrl` (`/api/v1/revoke`). */
  revokeUrl?: string;
  /** Clock in epoch milliseconds. */
  now?: () => number;
  /** Makes connection ids; default `crypto.randomUUID()`. */
  generateId?: () => string;
}

/** Stored connections with refreshing access tokens, see {@link createConnections}. */
export interface Connections {
  readonly store: TokenStore;
  /** Stores fresh tokens (from `onTokens`) as a new active connection and returns it. */
  save(input: {
    tokens: Tokens;
    provider_id: string;
    correlation_id?: string;
    id?: string;
    metadata?: Record<string, unknown>;
  }): Promise<Connection>;
  /**
   * Renews connection `id` with the tokens of a new consent (the `onTokens` context of an exchange for the same
   * bank): it becomes active again and keeps its id, `created_at` and `metadata` (merged with `input.metadata`).
   * Throws `CONNECTION_NOT_FOUND` for an unknown id and `PROVIDER_MISMATCH` when the consent is for another bank.
   * Check first that the customer asking owns `id`.
   */
  reconnect(
    id: string,
    input: {
      tokens: Tokens;
      provider_id: string;
      correlation_id?: string;
      metadata?: Record<string, unknown>;
    },
  ): Promise<Connection>;
  get(id: string): Promise<Connection | undefined>;
  list(): Promise<Connection[]>;
  delete(id: string): Promise<void>;
  /**
   * A valid access token for the connection, refreshed with its refresh token when expired (or when `rejected`,
   * the token an API just refused, is still the stored one). One refresh per connection at a time.
   * Throws `REAUTHORIZATION_REQUIRED` when consent is gone and `CONNECTION_NOT_FOUND` for an unknown id.
   */
  getAccessToken(id: string, options?: { rejected?: string }): Promise<string>;
  /** Marks the connection as needing the customer's consent again and forgets its tokens. */
  markReauthorizationRequired(id: string): Promise<void>;
  /**
   * An FDX client for the connection: refreshes tokens itself. FDX 602 on a call that needs a data cluster the
   * customer did not consent to is thrown as that call's {@link FdxError} (with `missing_scopes`) and the connection
   * stays active; when every data call is refused (602 on the accounts list too) the connection is marked for
   * re-consent and `REAUTHORIZATION_REQUIRED` is thrown.
   */
  fdx(id: string): FdxClient;
  /**
   * Ends the connection at Flinks (`DELETE /api/v1/revoke` with its access token) and deletes it from the store:
   * the customer's "disconnect" button. A connection already needing re-consent is only deleted.
   */
  revoke(id: string): Promise<void>;
}

/**
 * Creates the store-backed manager of customers' connections: saves the tokens of each exchange, refreshes access
 * tokens with the refresh token, and marks a connection for re-consent when the refresh token is refused or every data
 * call is refused (FDX 602).
 * @see RFC 6749 §6
 */
export function createConnections(options: ConnectionsOptions): Connections {
  const now = options.now ?? Date.now;
  const endpoint = createTokenEndpoint(options, now);
  const store = options.store ?? createMemoryTokenStore();
  for (const method of ['get', 'set', 'delete'] as const) {
    if (typeof store[method] !== 'function') throw new TypeError(`store.${method} must be a function.`);
  }
  const skew = options.skewSeconds ?? 30;
  const generateId = options.generateId ?? (() => crypto.randomUUID());
  const refreshing = new Map<string, Promise<string>>();
  const revokeUrl = checkEndpointUrl(
    'revokeUrl',
    options.revokeUrl ?? new URL('revoke', options.tokenUrl).href,
  );
  const revokeHttp = createHttp(revokeUrl.href, {
    ...options.fdx,
    ...(options.fetch ? { fetch: options.fetch } : {}),
  });

  const load = async (id: string): Promise<Connection> => {
    const connection = await store.get(id);
    if (!connection) {
      throw new FlinksServerError(
        ServerErrorCode.CONNECTION_NOT_FOUND,
        `No connection is stored with id ${id}.`,
      );
    }
    return connection;
  };

  const reauthorizationRequired = (id: string, cause?: unknown) =>
    new FlinksServerError(
      ServerErrorCode.REAUTHORIZATION_REQUIRED,
      `The customer's consent for connection ${id} is revoked or expired: connect the bank again.`,
      cause === undefined ? undefined : { cause },
    );

  const markReauthorizationRequired = async (id: string): Promise<void> => {
    const connection = await store.get(id);
    if (!connection) return;
    // The tokens are useless now (FDX 602 says drop the refresh token); keep no copy of them.
    await store.set({
      ...connection,
      status: 'reauthorization_required',
      tokens: { access_token: '', token_type: connection.tokens.token_type },
      updated_at: now(),
    });
  };

  const isFresh = (tokens: Tokens) =>
    Boolean(tokens.access_token) &&
    (tokens.expires_at === undefined || now() / 1000 < tokens.expires_at - skew);

  /** Refreshes the connection's tokens, unless another process did since `stale` was read (under `store.lock`). */
  const refresh = (id: string, stale: string): Promise<string> =>
    typeof store.lock === 'function' ? store.lock(id, () => refreshNow(id, stale)) : refreshNow(id, stale);

  const refreshNow = async (id: string, stale: string): Promise<string> => {
    const connection = await load(id);
    if (connection.status !== 'active') throw reauthorizationRequired(id);
    // Another process holding the lock before us may have stored new tokens already.
    if (connection.tokens.access_token !== stale && isFresh(connection.tokens))
      return connection.tokens.access_token;
    const refreshToken = connection.tokens.refresh_token;
    if (!refreshToken) throw reauthorizationRequired(id);
    let tokens: Tokens;
    try {
      tokens = await endpoint.refresh(refreshToken);
    } catch (error) {
      if (
        isFlinksServerError(error, ServerErrorCode.TOKEN_REQUEST_FAILED) &&
        error.oauth_error === 'invalid_grant'
      ) {
        await markReauthorizationRequired(id);
        throw reauthorizationRequired(id, error);
      }
      throw error;
    }
    // Flinks does not rotate refresh tokens: keep the old one when none comes back.
    await store.set({
      ...connection,
      tokens: { ...tokens, refresh_token: tokens.refresh_token ?? refreshToken },
      updated_at: now(),
    });
    return tokens.access_token;
  };

  const getAccessToken = async (id: string, { rejected }: { rejected?: string } = {}): Promise<string> => {
    const connection = await load(id);
    if (connection.status !== 'active') throw reauthorizationRequired(id);
    const { access_token } = connection.tokens;
    if (isFresh(connection.tokens) && access_token !== rejected) return access_token;
    let pending = refreshing.get(id);
    if (!pending) {
      pending = refresh(id, access_token).finally(() => refreshing.delete(id));
      refreshing.set(id, pending);
    }
    return pending;
  };

  return {
    store,
    async save({ tokens, provider_id, correlation_id, id, metadata }) {
      if (typeof tokens?.access_token !== 'string') throw new TypeError('tokens must be a token response.');
      const at = now();
      const connection: Connection = {
        id: id ?? generateId(),
        provider_id,
        ...(correlation_id === undefined ? {} : { correlation_id }),
        tokens: { ...tokens },
        status: 'active',
        created_at: at,
        updated_at: at,
        ...(metadata === undefined ? {} : { metadata: { ...metadata } }),
      };
      await store.set(connection);
      return connection;
    },
    async reconnect(id, { tokens, provider_id, correlation_id, metadata }) {
      if (typeof tokens?.access_token !== 'string') throw new TypeError('tokens must be a token response.');
      const connection = await load(id);
      if (String(provider_id) !== String(connection.provider_id)) {
        throw new FlinksServerError(
          ServerErrorCode.PROVIDER_MISMATCH,
          `Connection ${id} is with provider ${connection.provider_id}, but the new consent is for provider ${provider_id}: connect that bank as a new connection, or send the customer to provider ${connection.provider_id}.`,
        );
      }
      const merged = metadata === undefined ? connection.metadata : { ...connection.metadata, ...metadata };
      const renewed: Connection = {
        ...connection,
        ...(correlation_id === undefined ? {} : { correlation_id }),
        tokens: { ...tokens },
        status: 'active',
        updated_at: now(),
        ...(merged === undefined ? {} : { metadata: merged }),
      };
      await store.set(renewed);
      return renewed;
    },
    get: async (id) => store.get(id),
    list: async () => {
      if (typeof store.list !== 'function') throw new TypeError('This TokenStore has no list() method.');
      return store.list();
    },
    delete: async (id) => {
      await store.delete(id);
    },
    getAccessToken,
    markReauthorizationRequired,
    async revoke(id) {
      const connection = await load(id);
      if (connection.status === 'active') {
        let result: (HttpResult & { sent: string[] }) | undefined;
        try {
          result = await revokeHttp.sendAuthorized(revokeUrl, { method: 'DELETE' }, (opts) =>
            getAccessToken(id, opts),
          );
        } catch (error) {
          // Consent already gone at Flinks: nothing left to revoke there.
          if (!isFlinksServerError(error, ServerErrorCode.REAUTHORIZATION_REQUIRED)) throw error;
        }
        if (result && !result.response.ok) {
          throw new FlinksServerError(
            ServerErrorCode.HTTP_ERROR,
            `DELETE /revoke failed with HTTP ${result.response.status}; the connection is kept.`,
            {
              status: result.response.status,
              cause: {
                status: result.response.status,
                body: redactDeep(
                  result.json ?? null,
                  createRedactor([
                    ...result.sent,
                    connection.tokens.access_token,
                    connection.tokens.refresh_token,
                  ]),
                ),
              },
            },
          );
        }
      }
      await store.delete(id);
    },
    fdx(id) {
      if (!options.fdxBaseUrl) throw new TypeError('Set fdxBaseUrl to read FDX data of a connection.');
      const base = {
        ...options.fdx,
        baseUrl: options.fdxBaseUrl,
        getAccessToken: (opts: { rejected?: string }) => getAccessToken(id, opts),
      };
      /** FDX 602 on the one call every consent allows (ACCOUNT_BASIC): the consent itself is gone. */
      const consentGone = async (): Promise<boolean> => {
        try {
          await createFdxClient(base).accounts({ limit: 1 });
          return false;
        } catch (error) {
          return error instanceof FdxError && error.fdx_code === 602;
        }
      };
      return createFdxClient({
        ...base,
        onError: async (error: FdxError) => {
          if (error.fdx_code !== 602) return;
          // Flinks answers 602 both when the consent is revoked or expired and when the customer did not consent to
          // this call's data cluster; it says to drop the refresh token only when every data call is refused.
          if (error.missing_scopes && !(await consentGone())) return;
          await markReauthorizationRequired(id);
          throw reauthorizationRequired(id, error);
        },
      });
    },
  };
}
