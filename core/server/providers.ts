import { type AdminClient, type AdminClientOptions, createAdminClient, type ProviderV2 } from './admin.ts';
import { FlinksServerError, isFlinksServerError, ServerErrorCode } from './errors.ts';

/** One bank of the picker, as `<flinks-connect providers-url>` reads it. */
export interface PickerProvider {
  provider_id: number;
  name: string;
  logo_url?: string;
}

/** Options of {@link createProvidersHandler}: the admin client's (or one to share), plus the cache and a country. */
export interface ProvidersHandlerOptions extends Partial<AdminClientOptions> {
  /** An admin client to share; otherwise one is made from the other options. */
  admin?: AdminClient;
  /** Only the providers of this country (ISO 3166 alpha-2, e.g. `CA`). */
  country?: string;
  /** How long Flinks' list is reused, in milliseconds; default 5 minutes. A failed read is not kept. */
  cacheMs?: number;
  /** Clock in epoch milliseconds. */
  now?: () => number;
}

/** The logo URL of a provider item, if it has an absolute http(s) one (Flinks' field name is not documented). */
function logoOf(item: ProviderV2): string | undefined {
  for (const key of ['logo_url', 'logoUrl', 'logo_uri', 'logoUri', 'logo']) {
    const value = item[key];
    if (typeof value === 'string' && URL.canParse(value) && /^https?:$/.test(new URL(value).protocol)) {
      return value;
    }
  }
  return undefined;
}

/** Turns Flinks' `/api/v2/providers` items into the picker's list: only `Activated` banks, names and logos. */
export function toPickerProviders(items: readonly ProviderV2[]): PickerProvider[] {
  return items
    .filter((item) => item.status === 'Activated' && typeof item.name === 'string')
    .map((item) => {
      const logo = logoOf(item);
      return { provider_id: Number(item.provider_id), name: item.name, ...(logo ? { logo_url: logo } : {}) };
    })
    .filter((item) => Number.isInteger(item.provider_id));
}

function json(status: number, body: unknown, headers: Record<string, string> = {}): Response {
  return new Response(JSON.stringify(body), {
    status,
    headers: { 'Content-Type': 'application/json', 'Cache-Control': 'no-store', ...headers },
  });
}

/**
 * Creates the endpoint that serves `<flinks-connect providers-url>`: `GET` answers `[{provider_id, name, logo_url?}]`,
 * the banks Flinks' `/api/v2/providers` marks `Activated` for these credentials, read with the kit's own
 * client-credentials token and kept `cacheMs`. Data Recipient credentials by default (`role: 'recipient'`, no scope);
 * a Partner's work too. Mount it like the exchange handler (on Node, `toNodeHandler` from `flinks-connect/server/node`).
 */
export function createProvidersHandler(
  options: ProvidersHandlerOptions,
): (request: Request) => Promise<Response> {
  if (typeof options !== 'object' || options === null) throw new TypeError('options must be an object.');
  const cacheMs = options.cacheMs ?? 5 * 60_000;
  if (!Number.isFinite(cacheMs) || cacheMs < 0) throw new TypeError('cacheMs must be a number ≥ 0.');
  if (options.country !== undefined && !/^[A-Za-z]{2}$/.test(options.country)) {
    throw new TypeError('country must be an ISO 3166 alpha-2 code such as CA.');
  }
  const now = options.now ?? Date.now;
  const admin =
    options.admin ??
    createAdminClient({
      ...(options as AdminClientOptions),
      baseUrl: options.baseUrl as string,
      role: options.role ?? 'recipient',
    });

  let cached: { until: number; list: Promise<PickerProvider[]> } | undefined;
  const read = (): Promise<PickerProvider[]> => {
    if (cached && now() < cached.until) return cached.list;
    const list = admin
      .providersV2({ ...(options.country ? { country: options.country } : {}), isEnabledForClient: true })
      .then(toPickerProviders);
    // Concurrent requests share the one read; the answer is kept only once it came.
    cached = { until: Number.POSITIVE_INFINITY, list };
    list.then(
      () => {
        if (cached?.list === list) cached.until = now() + cacheMs;
      },
      () => {
        if (cached?.list === list) cached = undefined;
      },
    );
    return list;
  };

  return async (request) => {
    if (request.method !== 'GET' && request.method !== 'HEAD') {
      return json(
        405,
        { error: ServerErrorCode.METHOD_NOT_ALLOWED, message: 'Use GET.' },
        { Allow: 'GET, HEAD' },
      );
    }
    try {
      const list = await read();
      return json(200, list, { 'Cache-Control': `private, max-age=${Math.floor(cacheMs / 1000)}` });
    } catch (error) {
      const code = isFlinksServerError(error) ? error.code : ServerErrorCode.HTTP_ERROR;
      const status = code === ServerErrorCode.TIMEOUT ? 504 : 502;
      // The message names what failed at Flinks; it never holds the secret or a token.
      const message = error instanceof FlinksServerError ? error.message : 'Flinks could not be reached.';
      return json(status, { error: code, message: `The providers list could not be read: ${message}` });
    }
  };
}
