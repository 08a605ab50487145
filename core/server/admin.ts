import { FlinksServerError, ServerErrorCode } from './errors.ts';
import { createHttp, type HttpOptions, type HttpResult, pathSegment } from './http.ts';
import { createRedactor, type Redactor, redactDeep } from './redact.ts';
import type { TokenEndpointOptions } from './token-endpoint.ts';
import { createTokenManager, type TokenManager } from './token-manager.ts';

/** `GET /api/v1/providers` item. */
export interface Provider {
  provider_id: number;
  name: string;
  [field: string]: unknown;
}

/** `GET /api/v1/providers/{provider_id}`. */
export interface ProviderDetails extends Provider {
  country?: string;
  provider_url?: string;
  scopes?: string[];
  data_inventory?: Record<string, unknown>;
}

/** Registration lifecycle at Flinks: `PENDING_APPROVAL` → `PENDING_ACTIVATION` → `ACTIVE`. */
export type RegistrationStatus = 'PENDING_APPROVAL' | 'PENDING_ACTIVATION' | 'ACTIVE' | (string & {});

/** One registration of a recipient with a provider. */
export interface Registration {
  client_id: string;
  client_name?: string;
  provider_id: number;
  provider_name?: string;
  country?: string;
  registration_status: RegistrationStatus;
  requested_on?: string;
  [field: string]: unknown;
}

/** A Data Recipient managed by the Partner. `client_secret` only comes back on create and rotate. */
export interface Recipient {
  client_id: string;
  client_secret?: string;
  name?: string;
  client_name?: string;
  redirect_uris?: string[];
  scope?: string[] | string;
  [field: string]: unknown;
}

/** Options of {@link createAdminClient}: the API host and either a token manager or the Partner's credentials. */
export interface AdminClientOptions extends HttpOptions {
  /** Flinks' API host, e.g. `https://ob.flinksapp.com`; paths under `/api/v1` are added. */
  base_url: string;
  /** A token manager to share; otherwise one is made from the credentials below with scope `client:admin`. */
  tokens?: TokenManager;
  /** Default `<base_url>/api/v1/token`. */
  token_url?: string;
  client_id?: string;
  client_secret?: string;
  client_auth?: TokenEndpointOptions['client_auth'];
  body_format?: TokenEndpointOptions['body_format'];
  issuer?: string;
  /** Default `client:admin`. */
  scope?: string;
}

/** Options of {@link AdminClient.waitForActive}. */
export interface WaitForActiveOptions {
  provider_ids: number[];
  /** The recipient whose registrations to watch; default this client. */
  client_id?: string;
  /** Default 10 minutes. */
  timeout_ms?: number;
  /** Poll interval; default 5 s. */
  interval_ms?: number;
  /** Called with the registrations of `provider_ids` after each poll. */
  onStatus?: (registrations: Registration[]) => void;
  signal?: AbortSignal;
}

/** The Partner administration client returned by {@link createAdminClient}. */
export interface AdminClient {
  readonly client_id: string;
  /** Providers: all of them for a Partner token, the ACTIVE ones for a Recipient token. */
  providers(): Promise<Provider[]>;
  /** `GET /api/v2/providers`: the richer list with registration status. */
  providersV2(params?: { country?: string }): Promise<Provider[]>;
  provider(provider_id: number | string): Promise<ProviderDetails>;
  /**
   * Asks Flinks to register recipients with providers. `form: 'path'` (default) uses
   * `POST /recipients/providers/requests/{recipient_ids}/{provider_ids}`; `'body'` the older form with ids in the body.
   */
  requestRegistration(params: {
    provider_ids: number[];
    /** Default `[this client_id]`. */
    recipient_ids?: string[];
    form?: 'path' | 'body';
  }): Promise<unknown>;
  /** Registration statuses of one recipient (default this client), or of all recipients with `all: true`. */
  registrations(params?: { client_id?: string; all?: boolean }): Promise<Registration[]>;
  /** Polls until every provider in `provider_ids` is `ACTIVE`; throws `WAIT_TIMEOUT` when time runs out. */
  waitForActive(options: WaitForActiveOptions): Promise<Registration[]>;
  createRecipient(params: { name: string; scope?: string[]; redirect_uris?: string[] }): Promise<Recipient>;
  recipients(): Promise<Recipient[]>;
  recipient(client_id: string): Promise<Recipient>;
  /** Replaces the recipient's redirect URIs. */
  setRedirectUris(client_id: string, redirect_uris: string[]): Promise<Recipient>;
  /** Issues a new secret for the recipient; the answer holds it (once). */
  rotateSecret(client_id: string): Promise<Recipient>;
}

/** The upstream's own explanation of an error answer, redacted (it may echo the request's bearer token). */
function describe(result: HttpResult, redact: Redactor): string {
  const body = (typeof result.json === 'object' && result.json !== null ? result.json : {}) as Record<
    string,
    unknown
  >;
  const text = [body.error_description, body.message, body.error].find((v) => typeof v === 'string' && v);
  return typeof text === 'string' ? `: ${redact(text.slice(0, 300)).replace(/\s+/g, ' ')}` : '';
}

const segment = (name: string, value: string | number): string => pathSegment(name, value);

function providerIds(ids: unknown): number[] {
  if (!Array.isArray(ids) || ids.length === 0 || !ids.every((id) => Number.isInteger(id) && id > 0)) {
    throw new TypeError(
      'provider_ids must be a non-empty list of provider ids (whole numbers such as 1000).',
    );
  }
  return ids;
}

/** Unwraps a list answer that may be a bare array or an object holding one. */
function list<T>(json: unknown, key: string): T[] {
  if (Array.isArray(json)) return json as T[];
  const value = (json as Record<string, unknown> | null)?.[key];
  if (Array.isArray(value)) return value as T[];
  throw new FlinksServerError(ServerErrorCode.INVALID_RESPONSE, `Expected a list of ${key} in the answer.`);
}

const sleep = (ms: number, signal?: AbortSignal) =>
  new Promise<void>((resolve, reject) => {
    const timer = setTimeout(resolve, ms);
    signal?.addEventListener(
      'abort',
      () => {
        clearTimeout(timer);
        reject(signal.reason);
      },
      { once: true },
    );
  });

/**
 * Creates the Partner's administration client (scope `client:admin`): providers, registration with providers and
 * its statuses, and Data Recipients (create, list, redirect URIs, secret rotation). A token Flinks refuses (400/401)
 * is dropped and the call retried once with a new one.
 */
export function createAdminClient(options: AdminClientOptions): AdminClient {
  if (typeof options !== 'object' || options === null) throw new TypeError('options must be an object.');
  const http = createHttp(options.base_url, options);
  const tokens =
    options.tokens ??
    createTokenManager({
      token_url: options.token_url ?? new URL('/api/v1/token', http.base).href,
      client_id: options.client_id as string,
      client_secret: options.client_secret as string,
      scope: options.scope ?? 'client:admin',
      ...(options.client_auth ? { client_auth: options.client_auth } : {}),
      ...(options.body_format ? { body_format: options.body_format } : {}),
      ...(options.issuer ? { issuer: options.issuer } : {}),
      ...(options.fetch ? { fetch: options.fetch } : {}),
      ...(options.timeout_ms ? { timeout_ms: options.timeout_ms } : {}),
      ...(options.now ? { now: options.now } : {}),
    });
  const root = http.base.pathname.replace(/\/+$/, '');
  const now = options.now ?? Date.now;

  const call = async <T>(
    method: string,
    path: string,
    what: string,
    body?: unknown,
    query?: Record<string, string | undefined>,
  ): Promise<T> => {
    const target = http.url(`${root}${path}`, query);
    const init = (token: string) => ({
      method,
      headers: {
        Authorization: `Bearer ${token}`,
        ...(body === undefined ? {} : { 'Content-Type': 'application/json' }),
      },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    let token = await tokens.getAccessToken();
    const sent = [token];
    let result = await http.send(target, init(token));
    if (result.response.status === 400 || result.response.status === 401) {
      // Flinks answers 400 to an expired or invalid token: drop it and try once more with a new one.
      token = await tokens.getAccessToken({ rejected: token });
      sent.push(token);
      result = await http.send(target, init(token));
    }
    if (!result.response.ok) {
      // Both tokens: the answer to the retry may quote the refused one.
      const redact = createRedactor(sent);
      throw new FlinksServerError(
        ServerErrorCode.HTTP_ERROR,
        `${what} failed with HTTP ${result.response.status}${describe(result, redact)}.`,
        {
          status: result.response.status,
          cause: { status: result.response.status, body: redactDeep(result.json ?? null, redact) },
        },
      );
    }
    if (result.text !== '' && result.json === undefined) {
      throw new FlinksServerError(
        ServerErrorCode.INVALID_RESPONSE,
        `${what} answered a body that is not JSON.`,
        {
          status: result.response.status,
        },
      );
    }
    return result.json as T;
  };

  const client: AdminClient = {
    client_id: tokens.client_id,
    providers: async () =>
      list<Provider>(await call('GET', '/api/v1/providers', 'GET /providers'), 'providers'),
    providersV2: async (params = {}) =>
      list<Provider>(
        await call('GET', '/api/v2/providers', 'GET /v2/providers', undefined, { country: params.country }),
        'providers',
      ),
    provider: (provider_id) =>
      call<ProviderDetails>(
        'GET',
        `/api/v1/providers/${segment('provider_id', provider_id)}`,
        'GET /providers/{id}',
      ),
    requestRegistration: ({ provider_ids, recipient_ids, form = 'path' }) => {
      const providers = providerIds(provider_ids);
      const recipients = recipient_ids ?? [tokens.client_id];
      if (!Array.isArray(recipients) || recipients.length === 0) {
        throw new TypeError('recipient_ids must be a non-empty list of client ids.');
      }
      if (form === 'body') {
        return call('POST', '/api/v1/recipients/providers/requests', 'POST /recipients/providers/requests', {
          recipient_ids: recipients,
          provider_ids: providers,
        });
      }
      const path = `/api/v1/recipients/providers/requests/${recipients.map((r) => segment('recipient_id', r)).join(',')}/${providers.join(',')}`;
      return call('POST', path, 'POST /recipients/providers/requests/{recipients}/{providers}');
    },
    registrations: async ({ client_id, all } = {}) => {
      const path = all
        ? '/api/v1/recipients/providers/requests'
        : `/api/v1/recipients/${segment('client_id', client_id ?? tokens.client_id)}/providers/requests`;
      return list<Registration>(await call('GET', path, `GET ${path}`), 'requests');
    },
    async waitForActive({
      provider_ids,
      client_id,
      timeout_ms = 600_000,
      interval_ms = 5_000,
      onStatus,
      signal,
    }) {
      const wanted = providerIds(provider_ids);
      const deadline = now() + timeout_ms;
      for (;;) {
        const current = (await client.registrations(client_id ? { client_id } : {})).filter((r) =>
          wanted.includes(Number(r.provider_id)),
        );
        onStatus?.(current);
        const active = wanted.every((id) =>
          current.some((r) => Number(r.provider_id) === id && r.registration_status === 'ACTIVE'),
        );
        if (active) return current;
        if (now() + interval_ms > deadline) {
          const pending = wanted
            .map(
              (id) =>
                `${id}: ${current.find((r) => Number(r.provider_id) === id)?.registration_status ?? 'not requested'}`,
            )
            .join(', ');
          throw new FlinksServerError(
            ServerErrorCode.WAIT_TIMEOUT,
            `Registrations are not all ACTIVE after ${Math.round(timeout_ms / 1000)} s (${pending}).`,
          );
        }
        await sleep(interval_ms, signal);
      }
    },
    createRecipient: ({ name, scope, redirect_uris }) => {
      if (typeof name !== 'string' || name.length === 0 || name.length > 256) {
        throw new TypeError('name must be 1 to 256 characters.');
      }
      return call<Recipient>('POST', '/api/v1/recipients', 'POST /recipients', {
        name,
        ...(scope ? { scope } : {}),
        ...(redirect_uris ? { redirect_uris } : {}),
      });
    },
    recipients: async () =>
      list<Recipient>(await call('GET', '/api/v1/recipients', 'GET /recipients'), 'recipients'),
    recipient: (client_id) =>
      call<Recipient>(
        'GET',
        `/api/v1/recipients/${segment('client_id', client_id)}`,
        'GET /recipients/{client_id}',
      ),
    setRedirectUris: (client_id, redirect_uris) => {
      if (
        !Array.isArray(redirect_uris) ||
        !redirect_uris.every((u) => typeof u === 'string' && URL.canParse(u))
      ) {
        throw new TypeError('redirect_uris must be a list of absolute URLs.');
      }
      return call<Recipient>(
        'PUT',
        `/api/v1/recipients/${segment('client_id', client_id)}`,
        'PUT /recipients/{client_id}',
        {
          redirect_uris,
        },
      );
    },
    rotateSecret: (client_id) =>
      call<Recipient>(
        'POST',
        `/api/v1/recipients/${segment('client_id', client_id)}/secret`,
        'POST /recipients/{client_id}/secret',
      ),
  };
  return client;
}
