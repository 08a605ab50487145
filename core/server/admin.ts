import { FlinksServerError, isFlinksServerError, ServerErrorCode } from './errors.ts';
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

/** A provider's state for the caller in `/api/v2/providers`. */
export type ProviderStatus = 'Activated' | 'Available' | 'PendingActivation' | 'Suspended' | (string & {});

/** `GET /api/v2/providers` item. */
export interface ProviderV2 extends Provider {
  country?: string;
  /** `Activated` when the caller can send customers to it. */
  status?: ProviderStatus;
  connectorName?: string;
  /** FDX account types the bank holds, e.g. `['CHECKING', 'SAVINGS']`. */
  availableAccountTypes?: string[];
}

/** `GET /api/v1/providers/{provider_id}`. */
export interface ProviderDetails extends Provider {
  country?: string;
  provider_url?: string;
  scopes?: string[];
  /**
   * FDX field paths the bank fills, per kind of data, e.g. `{ lightweight_accounts: ['depositAccount.accountId', …] }`.
   */
  data_inventory?: Partial<
    Record<
      'account' | 'customers' | 'detailed_accounts' | 'lightweight_accounts' | 'payments' | 'transactions',
      string[]
    >
  >;
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

/** A Data Recipient managed by the Partner, as Flinks answers it. `client_secret` only comes back on create and rotate. */
export interface Recipient extends RecipientFields {
  client_id: string;
  client_secret?: string;
  /** Space-delimited data clusters, e.g. `"ACCOUNT_BASIC TRANSACTIONS"`. */
  scope?: string;
  [field: string]: unknown;
}

/** The fields of a Data Recipient a Partner sets (Flinks' recipient management API). */
export interface RecipientFields {
  /** At most 256 characters: shown to the customer on the bank's consent page. */
  name?: string;
  redirect_uris?: string[];
  logo_uri?: string;
  /** At most 512 characters. */
  description?: string;
  terms_uri?: string;
  client_uri?: string;
  /** ISO 3166 alpha-2, e.g. `CA`. */
  country?: string;
  /** E-mail addresses of the recipient's contacts. */
  contacts?: string[];
}

/** What {@link AdminClient.createRecipient} and {@link AdminClient.updateRecipient} send. */
export interface RecipientInput extends RecipientFields {
  /** Data clusters: a list or a space-delimited string; sent as a space-delimited string. */
  scope?: string[] | string;
}

/** Options of {@link createAdminClient}: the API host and either a token manager or the Partner's credentials. */
export interface AdminClientOptions extends HttpOptions {
  /** Flinks' API host, e.g. `https://ob.flinksapp.com`; paths under `/api/v1` are added. */
  baseUrl: string;
  /** A token manager to share; otherwise one is made from the credentials below with scope `client:admin`. */
  tokens?: TokenManager;
  /** Default `<baseUrl>/api/v1/token`. */
  tokenUrl?: string;
  clientId?: string;
  clientSecret?: string;
  clientAuth?: TokenEndpointOptions['clientAuth'];
  bodyFormat?: TokenEndpointOptions['bodyFormat'];
  issuer?: string;
  /**
   * Whose credentials these are, which sets the token's scope: `partner` (default) asks for `client:admin`, which
   * Flinks grants only to a Partner (all providers, recipients, registrations); `recipient` asks for no scope, as a
   * Data Recipient must (Flinks refuses it `client:admin` with `invalid_scope`): its token reads the providers it
   * is ACTIVE with.
   */
  role?: 'partner' | 'recipient';
  /** The client-credentials scope, overriding the one `role` sets. */
  scope?: string;
}

/** Options of {@link AdminClient.waitForActive}. */
export interface WaitForActiveOptions {
  providerIds: number[];
  /** The recipient whose registrations to watch; default this client. */
  clientId?: string;
  /** Default 10 minutes. */
  timeoutMs?: number;
  /** Poll interval; default 5 s. */
  intervalMs?: number;
  /** Called with the registrations of `providerIds` after each poll. */
  onStatus?: (registrations: Registration[]) => void;
  signal?: AbortSignal;
}

/** The Partner administration client returned by {@link createAdminClient}. */
export interface AdminClient {
  readonly clientId: string;
  /** Providers: all of them for a Partner token, the ACTIVE ones for a Recipient token. */
  providers(): Promise<Provider[]>;
  /**
   * `GET /api/v2/providers`: the richer list, with each provider's `status` for this client. `isEnabledForClient:
   * true` keeps the ones it can use.
   */
  providersV2(params?: { country?: string; isEnabledForClient?: boolean }): Promise<ProviderV2[]>;
  provider(providerId: number | string): Promise<ProviderDetails>;
  /**
   * Asks Flinks to register recipients with providers. `form: 'path'` (default) uses
   * `POST /recipients/providers/requests/{recipient_ids}/{provider_ids}`; `'body'` the older form with ids in the body.
   */
  requestRegistration(params: {
    providerIds: number[];
    /** Default `[this clientId]`. */
    recipientIds?: string[];
    form?: 'path' | 'body';
  }): Promise<unknown>;
  /** Registration statuses of one recipient (default this client), or of all recipients with `all: true`. */
  registrations(params?: { clientId?: string; all?: boolean }): Promise<Registration[]>;
  /** Polls until every provider in `providerIds` is `ACTIVE`; throws `WAIT_TIMEOUT` when time runs out. */
  waitForActive(options: WaitForActiveOptions): Promise<Registration[]>;
  createRecipient(params: RecipientInput & { name: string }): Promise<Recipient>;
  /** `PUT /recipients/{client_id}`: replaces the fields given, keeps the others. */
  updateRecipient(clientId: string, fields: RecipientInput): Promise<Recipient>;
  recipients(): Promise<Recipient[]>;
  recipient(clientId: string): Promise<Recipient>;
  /** Replaces the recipient's redirect URIs. */
  setRedirectUris(clientId: string, redirectUris: string[]): Promise<Recipient>;
  /** Issues a new secret for the recipient; the answer holds it (once). */
  rotateSecret(clientId: string): Promise<Recipient>;
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
    throw new TypeError('providerIds must be a non-empty list of provider ids (whole numbers such as 1000).');
  }
  return ids;
}

/** Checks recipient fields and builds the JSON body Flinks takes (scope as a space-delimited string). */
function recipientBody(fields: RecipientInput): Record<string, unknown> {
  if (typeof fields !== 'object' || fields === null)
    throw new TypeError('recipient fields must be an object.');
  const { scope, description, name } = fields;
  if (name !== undefined && (typeof name !== 'string' || name.length === 0 || name.length > 256)) {
    throw new TypeError('name must be 1 to 256 characters.');
  }
  if (description !== undefined && (typeof description !== 'string' || description.length > 512)) {
    throw new TypeError('description must be at most 512 characters.');
  }
  const body: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(fields)) if (value !== undefined) body[key] = value;
  if (scope !== undefined) body.scope = Array.isArray(scope) ? scope.join(' ') : scope;
  return body;
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

/** The client-credentials scope of a role: `client:admin` for a Partner, none for a Data Recipient. */
function scopeOf(role: AdminClientOptions['role']): string | undefined {
  if (role === undefined || role === 'partner') return 'client:admin';
  if (role === 'recipient') return undefined;
  throw new TypeError('role must be "partner" or "recipient".');
}

/**
 * Creates the Partner's administration client (scope `client:admin`): providers, registration with providers and
 * its statuses, and Data Recipients (create, list, redirect URIs, secret rotation). A token Flinks refuses (400/401)
 * is dropped and the call retried once with a new one.
 */
export function createAdminClient(options: AdminClientOptions): AdminClient {
  if (typeof options !== 'object' || options === null) throw new TypeError('options must be an object.');
  const http = createHttp(options.baseUrl, options);
  const tokens =
    options.tokens ??
    createTokenManager({
      tokenUrl: options.tokenUrl ?? new URL('/api/v1/token', http.base).href,
      clientId: options.clientId as string,
      clientSecret: options.clientSecret as string,
      scope: options.scope ?? scopeOf(options.role),
      ...(options.clientAuth ? { clientAuth: options.clientAuth } : {}),
      ...(options.bodyFormat ? { bodyFormat: options.bodyFormat } : {}),
      ...(options.issuer ? { issuer: options.issuer } : {}),
      ...(options.fetch ? { fetch: options.fetch } : {}),
      ...(options.timeoutMs ? { timeoutMs: options.timeoutMs } : {}),
      ...(options.now ? { now: options.now } : {}),
    });
  const root = http.base.pathname.replace(/\/+$/, '');
  /** A Data Recipient's credentials asked for `client:admin`: say which option fixes it. */
  const explainScope = (error: unknown): never => {
    if (
      isFlinksServerError(error, ServerErrorCode.TOKEN_REQUEST_FAILED) &&
      error.oauth_error === 'invalid_scope' &&
      !options.tokens &&
      options.scope === undefined &&
      options.role !== 'recipient'
    ) {
      throw new FlinksServerError(
        ServerErrorCode.TOKEN_REQUEST_FAILED,
        `${error.message} These look like a Data Recipient's credentials, which Flinks refuses client:admin: pass role: 'recipient'.`,
        { cause: error, ...(error.status ? { status: error.status } : {}), oauth_error: 'invalid_scope' },
      );
    }
    throw error;
  };
  const now = options.now ?? Date.now;

  const call = async <T>(
    method: string,
    path: string,
    what: string,
    body?: unknown,
    query?: Record<string, string | undefined>,
  ): Promise<T> => {
    const target = http.url(`${root}${path}`, query);
    const result = await http.sendAuthorized(
      target,
      {
        method,
        ...(body === undefined
          ? {}
          : { headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(body) }),
      },
      (options) => tokens.getAccessToken(options).catch(explainScope),
    );
    const { sent } = result;
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
    clientId: tokens.clientId,
    providers: async () =>
      list<Provider>(await call('GET', '/api/v1/providers', 'GET /providers'), 'providers'),
    providersV2: async (params = {}) =>
      list<ProviderV2>(
        await call('GET', '/api/v2/providers', 'GET /v2/providers', undefined, {
          country: params.country,
          isEnabledForClient:
            params.isEnabledForClient === undefined ? undefined : String(params.isEnabledForClient),
        }),
        'providers',
      ),
    provider: (providerId) =>
      call<ProviderDetails>(
        'GET',
        `/api/v1/providers/${segment('provider_id', providerId)}`,
        'GET /providers/{id}',
      ),
    requestRegistration: ({ providerIds: ids, recipientIds, form = 'path' }) => {
      const providers = providerIds(ids);
      const recipients = recipientIds ?? [tokens.clientId];
      if (!Array.isArray(recipients) || recipients.length === 0) {
        throw new TypeError('recipientIds must be a non-empty list of client ids.');
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
    registrations: async ({ clientId, all } = {}) => {
      const path = all
        ? '/api/v1/recipients/providers/requests'
        : `/api/v1/recipients/${segment('client_id', clientId ?? tokens.clientId)}/providers/requests`;
      return list<Registration>(await call('GET', path, `GET ${path}`), 'requests');
    },
    async waitForActive({
      providerIds: ids,
      clientId,
      timeoutMs = 600_000,
      intervalMs = 5_000,
      onStatus,
      signal,
    }) {
      const wanted = providerIds(ids);
      const deadline = now() + timeoutMs;
      for (;;) {
        const current = (await client.registrations(clientId ? { clientId } : {})).filter((r) =>
          wanted.includes(Number(r.provider_id)),
        );
        onStatus?.(current);
        const active = wanted.every((id) =>
          current.some((r) => Number(r.provider_id) === id && r.registration_status === 'ACTIVE'),
        );
        if (active) return current;
        if (now() + intervalMs > deadline) {
          const pending = wanted
            .map(
              (id) =>
                `${id}: ${current.find((r) => Number(r.provider_id) === id)?.registration_status ?? 'not requested'}`,
            )
            .join(', ');
          throw new FlinksServerError(
            ServerErrorCode.WAIT_TIMEOUT,
            `Registrations are not all ACTIVE after ${Math.round(timeoutMs / 1000)} s (${pending}).`,
          );
        }
        await sleep(intervalMs, signal);
      }
    },
    createRecipient: (params) => {
      const { name } = params ?? {};
      if (typeof name !== 'string' || name.length === 0 || name.length > 256) {
        throw new TypeError('name must be 1 to 256 characters.');
      }
      return call<Recipient>('POST', '/api/v1/recipients', 'POST /recipients', recipientBody(params));
    },
    updateRecipient: (clientId, fields) =>
      call<Recipient>(
        'PUT',
        `/api/v1/recipients/${segment('client_id', clientId)}`,
        'PUT /recipients/{client_id}',
        recipientBody(fields),
      ),
    recipients: async () =>
      list<Recipient>(await call('GET', '/api/v1/recipients', 'GET /recipients'), 'recipients'),
    recipient: (clientId) =>
      call<Recipient>(
        'GET',
        `/api/v1/recipients/${segment('client_id', clientId)}`,
        'GET /recipients/{client_id}',
      ),
    setRedirectUris: (clientId, redirectUris) => {
      if (
        !Array.isArray(redirectUris) ||
        !redirectUris.every((u) => typeof u === 'string' && URL.canParse(u))
      ) {
        throw new TypeError('redirectUris must be a list of absolute URLs.');
      }
      return call<Recipient>(
        'PUT',
        `/api/v1/recipients/${segment('client_id', clientId)}`,
        'PUT /recipients/{client_id}',
        {
          redirect_uris: redirectUris,
        },
      );
    },
    rotateSecret: (clientId) =>
      call<Recipient>(
        'POST',
        `/api/v1/recipients/${segment('client_id', clientId)}/secret`,
        'POST /recipients/{client_id}/secret',
      ),
  };
  return client;
}
