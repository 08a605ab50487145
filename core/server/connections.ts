import { type FdxError, FlinksServerError, isFlinksServerError, ServerErrorCode } from './errors.ts';
import { createFdxClient, type FdxClient } from './fdx-client.ts';
import { createHttp, type HttpOptions } from './http.ts';
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
  /** `reauthorization_required` after FDX 602 or a refused refresh token: send the customer through the widget. */
  status: 'active' | 'reauthorization_required';
  /** Epoch milliseconds. */
  created_at: number;
  updated_at: number;
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
}

/** An in-memory {@link TokenStore}: for tests and single-process demos; everything is lost on restart. */
export function createMemoryTokenStore(): TokenStore & { list(): Connection[] } {
  const records = new Map<string, Connection>();
  const copy = (c: Connection): Connection => ({ ...c, tokens: { ...c.tokens } });
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
  fdx_base_url?: string;
  /** Options of the FDX clients {@link Connections.fdx} makes (timeout, retries, …). */
  fdx?: HttpOptions;
  /** Seconds before expiry at which the access token is refreshed; default 30. */
  skew_seconds?: number;
  /** Flinks' revoke endpoint for {@link Connections.revoke}; default `revoke` beside `token_url` (`/api/v1/revoke`). */
  revoke_url?: string;
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
  }): Promise<Connection>;
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
  /** An FDX client for the connection: refreshes tokens itself and turns FDX 602 into `REAUTHORIZATION_REQUIRED`. */
  fdx(id: string): FdxClient;
  /**
   * Ends the connection at Flinks (`DELETE /api/v1/revoke` with its access token) and deletes it from the store:
   * the customer's "disconnect" button. A connection already needing re-consent is only deleted.
   */
  revoke(id: string): Promise<void>;
}

/**
 * Creates the store-backed manager of customers' connections: saves the tokens of each exchange, refreshes access
 * tokens with the refresh token, and marks a connection for re-consent on FDX 602 or a refused refresh token.
 * @see RFC 6749 §6
 */
export function createConnections(options: ConnectionsOptions): Connections {
  const now = options.now ?? Date.now;
  const endpoint = createTokenEndpoint(options, now);
  const store = options.store ?? createMemoryTokenStore();
  for (const method of ['get', 'set', 'delete'] as const) {
    if (typeof store[method] !== 'function') throw new TypeError(`store.${method} must be a function.`);
  }
  const skew = options.skew_seconds ?? 30;
  const generateId = options.generateId ?? (() => crypto.randomUUID());
  const refreshing = new Map<string, Promise<string>>();
  const revokeUrl = checkEndpointUrl(
    'revoke_url',
    options.revoke_url ?? new URL('revoke', options.token_url).href,
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

  const refresh = async (id: string): Promise<string> => {
    const connection = await load(id);
    if (connection.status !== 'active') throw reauthorizationRequired(id);
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
    const { access_token, expires_at } = connection.tokens;
    const fresh = expires_at === undefined || now() / 1000 < expires_at - skew;
    if (access_token && fresh && access_token !== rejected) return access_token;
    let pending = refreshing.get(id);
    if (!pending) {
      pending = refresh(id).finally(() => refreshing.delete(id));
      refreshing.set(id, pending);
    }
    return pending;
  };

  return {
    store,
    async save({ tokens, provider_id, correlation_id, id }) {
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
      };
      await store.set(connection);
      return connection;
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
        const send = async (token: string) =>
          revokeHttp.send(revokeUrl, { method: 'DELETE', headers: { Authorization: `Bearer ${token}` } });
        let result: Awaited<ReturnType<typeof send>> | undefined;
        const sent: string[] = [];
        try {
          let token = await getAccessToken(id);
          sent.push(token);
          result = await send(token);
          if (result.response.status === 400 || result.response.status === 401) {
            token = await getAccessToken(id, { rejected: token });
            sent.push(token);
            result = await send(token);
          }
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
                  createRedactor([...sent, connection.tokens.access_token, connection.tokens.refresh_token]),
                ),
              },
            },
          );
        }
      }
      await store.delete(id);
    },
    fdx(id) {
      if (!options.fdx_base_url) throw new TypeError('Set fdx_base_url to read FDX data of a connection.');
      return createFdxClient({
        ...options.fdx,
        base_url: options.fdx_base_url,
        getAccessToken: (opts) => getAccessToken(id, opts),
        onError: async (error: FdxError) => {
          if (error.fdx_code === 602) {
            await markReauthorizationRequired(id);
            throw reauthorizationRequired(id, error);
          }
        },
      });
    },
  };
}
