/**
 * The sandbox: a local emulator of Flinks Outbound (see `test/sandbox/README.md`). oidc-provider is the
 * authorization server (authorize, token, PKCE, refresh); the sandbox adds the bank's pages, the Flinks admin
 * API (providers, recipients, registrations), the FDX v5 data API and fault injection, on one node:http server.
 */
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Readable } from 'node:stream';
import Provider, { type AdapterPayload, errors, interactionPolicy, type KoaContext } from 'oidc-provider';
import { createAdmin } from './admin.ts';
import { DATA_CLUSTERS, type DataCluster, findProvider, PROVIDERS, TEST_USERS } from './data.ts';
import { Faults } from './faults.ts';
import { createFdx } from './fdx.ts';
import { decodeInput, HttpError, readBody, sendHtml, sendJson } from './http.ts';
import { createInteractions, type Lang, parseSubject } from './interactions.ts';
import { createAccessTokenSigner } from './jwt.ts';
import { errorPage } from './pages.ts';
import { SandboxState, type StoredClient } from './state.ts';

export interface SandboxClient {
  client_id: string;
  client_secret: string;
  redirect_uris: string[];
  kind: 'partner' | 'recipient';
  name?: string;
  /** Providers the client's registration is ACTIVE with; default [1000]. */
  active_providers?: number[];
}

export interface SandboxOptions {
  /** Default 0: a free port. */
  port?: number;
  /** Default 127.0.0.1. */
  host?: string;
  /** Seed of the generated bank data; same seed, same data. Default 'flinks-sandbox'. */
  seed?: string;
  /** Access-token lifetime in seconds (authorization_code, refresh and client_credentials). Default 299. */
  accessTokenTtl?: number;
  /** Refresh-token idle expiry in seconds. Default 30 days. */
  refreshTokenIdleTtl?: number;
  /** Clients known at start, besides the built-in partner (SANDBOX_PARTNER). */
  clients?: SandboxClient[];
  /** A JSON file holding the state, read at start and written on each change. Default: memory only. */
  dataFile?: string;
  /** Log each request to stderr. */
  log?: boolean;
  /** The day the generated data ends (24 months of history before it). Default: today (UTC). */
  asOf?: string | Date;
  /**
   * When set, registration requests advance one status every this many milliseconds by themselves
   * (PENDING_APPROVAL → PENDING_ACTIVATION → ACTIVE). Default: only the admin call advances them.
   */
  registrationAdvanceMs?: number;
}

export interface Sandbox {
  /** Origin, e.g. http://127.0.0.1:41234 */
  url: string;
  /** The `iss` of authorization responses; equal to `url`. */
  issuer: string;
  authorizeUrl: string;
  tokenUrl: string;
  /** Base URL of the FDX v5 API: `${url}/api/fdx/5`. */
  fdxUrl: string;
  addClient(c: SandboxClient): void;
  close(): Promise<void>;
}

/** The built-in partner (scope client:admin): it creates recipients and registers them with providers. */
export const SANDBOX_PARTNER: SandboxClient = Object.freeze({
  client_id: 'partner-sandbox',
  client_secret: 'partner-sandbox-secret',
  kind: 'partner',
  name: 'Sandbox Partner',
  redirect_uris: [],
  active_providers: [1000],
}) as SandboxClient;

/** The documented test users; each signs in at every sandbox bank. */
export const SANDBOX_TEST_USERS: readonly { username: string; password: string; description: string }[] =
  TEST_USERS.map(({ username, password, description }) => ({ username, password, description }));

/** The sandbox's banks (provider_id, name, country, data inventory). */
export const SANDBOX_PROVIDERS = PROVIDERS;

export { DriveError, type DriveOptions, driveAuthorize } from './drive.ts';

const REFRESH_IDLE_DEFAULT = 30 * 24 * 3600;
const LONG = 10 * 365 * 24 * 3600;

function fail(message: string): never {
  throw new TypeError(`startSandbox: ${message}`);
}

function checkClient(c: SandboxClient): void {
  if (!c || typeof c !== 'object') fail('a client must be an object');
  if (typeof c.client_id !== 'string' || !/^[\w.:-]{1,128}$/.test(c.client_id)) {
    fail(`client_id ${JSON.stringify(c.client_id)} must be 1–128 letters, digits, '-', '_', '.' or ':'`);
  }
  if (typeof c.client_secret !== 'string' || c.client_secret.length < 8) {
    fail(`client ${c.client_id}: client_secret must be a string of at least 8 characters`);
  }
  if (c.kind !== 'partner' && c.kind !== 'recipient')
    fail(`client ${c.client_id}: kind must be partner or recipient`);
  if (!Array.isArray(c.redirect_uris)) fail(`client ${c.client_id}: redirect_uris must be an array`);
  for (const uri of c.redirect_uris) {
    const problem = redirectUriProblem(uri);
    if (problem) fail(`client ${c.client_id}: ${problem}`);
  }
  for (const id of c.active_providers ?? []) {
    if (!findProvider(id)) fail(`client ${c.client_id}: active provider ${id} is not a sandbox provider`);
  }
}

/** Why a redirect URI cannot be registered, or undefined when it can. */
export function redirectUriProblem(uri: unknown): string | undefined {
  if (typeof uri !== 'string') return 'a redirect URI must be a string';
  let url: URL;
  try {
    url = new URL(uri);
  } catch {
    return `redirect URI ${JSON.stringify(uri)} is not an absolute URL`;
  }
  if (url.hash) return `redirect URI ${uri} must not have a fragment`;
  if (url.protocol !== 'https:' && url.protocol !== 'http:')
    return `redirect URI ${uri} must be http or https`;
  return undefined;
}

/** The client metadata oidc-provider sees for a stored client. */
function clientMetadata(c: StoredClient): AdapterPayload {
  const canAuthorize = c.redirect_uris.length > 0;
  return {
    client_id: c.client_id,
    client_secret: c.client_secret,
    client_name: c.client_name,
    redirect_uris: c.redirect_uris,
    grant_types: canAuthorize
      ? ['authorization_code', 'refresh_token', 'client_credentials']
      : ['client_credentials'],
    response_types: canAuthorize ? ['code'] : [],
    // The sandbox accepts client_secret_basic too: it moves Basic credentials into the body before
    // oidc-provider sees the request (one registered method per client is all oidc-provider allows).
    token_endpoint_auth_method: 'client_secret_post',
    scope: [...(c.kind === 'partner' ? ['client:admin'] : []), ...c.scope].join(' '),
  };
}

function storedClient(c: SandboxClient, previous?: StoredClient): StoredClient {
  return {
    client_id: c.client_id,
    client_secret: c.client_secret,
    client_name: c.name ?? previous?.client_name ?? c.client_id,
    kind: c.kind,
    redirect_uris: [...c.redirect_uris],
    scope: previous?.scope ?? [...DATA_CLUSTERS],
    created_at: previous?.created_at ?? new Date().toISOString(),
    ...(previous?.created_by ? { created_by: previous.created_by } : {}),
  };
}

/** The canonical spelling of a path: known words lower-cased, the seed's short forms under /api. */
const WORDS = new Set([
  'api',
  'v1',
  'v2',
  'fdx',
  '5',
  'token',
  'authorize',
  'revoke',
  'providers',
  'recipients',
  'requests',
  'secret',
  'accounts',
  'transactions',
  'payment-networks',
  'customers',
  'current',
  'sandbox',
]);
export function canonicalPath(path: string): string {
  // Empty segments (`//`, a trailing `/`) name nothing: oidc-provider's router fails on an empty path.
  const segments = `/${path.split('/').filter(Boolean).join('/')}`
    .split('/')
    .map((s) => (WORDS.has(s.toLowerCase()) ? s.toLowerCase() : s));
  let out = segments.join('/');
  const first = segments[1] ?? '';
  if (['token', 'authorize', 'revoke', 'providers', 'recipients'].includes(first)) out = `/api/v1${out}`;
  else if (['accounts', 'customers'].includes(first)) out = `/api/fdx/5${out}`;
  return out.length > 1 ? out.replace(/\/+$/, '') : out;
}

export function parseLang(value: string | undefined | null): Lang | undefined {
  if (!value) return undefined;
  for (const part of value.split(/[ ,]/)) {
    const tag = part.split(';')[0]?.trim().toLowerCase() ?? '';
    if (tag.startsWith('fr')) return 'fr';
    if (tag.startsWith('en')) return 'en';
  }
  return undefined;
}

/** Starts a sandbox on its own HTTP server. */
export async function startSandbox(options: SandboxOptions = {}): Promise<Sandbox> {
  if (!options || typeof options !== 'object') fail('options must be an object');
  const port = options.port ?? 0;
  if (!Number.isInteger(port) || port < 0 || port > 65535) fail(`port ${port} is not a port number`);
  const host = options.host ?? '127.0.0.1';
  const seed = options.seed ?? 'flinks-sandbox';
  if (typeof seed !== 'string' || !seed) fail('seed must be a non-empty string');
  const accessTokenTtl = options.accessTokenTtl ?? 299;
  if (!Number.isInteger(accessTokenTtl) || accessTokenTtl < 1)
    fail('accessTokenTtl must be a positive integer');
  const refreshIdle = options.refreshTokenIdleTtl ?? REFRESH_IDLE_DEFAULT;
  if (!Number.isInteger(refreshIdle) || refreshIdle < 1)
    fail('refreshTokenIdleTtl must be a positive integer');
  const asOf = (() => {
    if (options.asOf === undefined) {
      const now = new Date();
      return new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate()));
    }
    const d = new Date(options.asOf);
    if (Number.isNaN(d.getTime())) fail(`asOf ${String(options.asOf)} is not a date`);
    return new Date(Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), d.getUTCDate()));
  })();
  const clients = [SANDBOX_PARTNER, ...(options.clients ?? [])];
  for (const c of clients) checkClient(c);

  const state = new SandboxState(options.dataFile);
  const faults = new Faults();

  const addClient = (c: SandboxClient) => {
    checkClient(c);
    state.putClient(storedClient(c, state.client(c.client_id)));
    for (const id of c.active_providers ?? [1000]) {
      const { registration } = state.requestRegistration(c.client_id, id, 'ACTIVE');
      registration.registration_status = 'ACTIVE';
    }
    state.changed();
  };
  for (const c of clients) addClient(c);

  const server = createServer();
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const address = server.address() as AddressInfo;
  // Listening on every interface is fine, but a browser cannot go to 0.0.0.0: the URL names the loopback.
  const shown = host === '0.0.0.0' ? '127.0.0.1' : host === '::' ? '::1' : host;
  const url = `http://${shown.includes(':') ? `[${shown}]` : shown}:${address.port}`;

  const policy = interactionPolicy.base();
  // A bank asks for the customer's credentials on each authorization, whatever session the browser has.
  policy
    .get('login')
    ?.checks.add(
      new interactionPolicy.Check(
        'bank_sign_in',
        'the customer signs in at the bank for each authorization',
        (ctx) =>
          ctx.oidc.result?.login
            ? interactionPolicy.Check.NO_NEED_TO_PROMPT
            : interactionPolicy.Check.REQUEST_PROMPT,
      ),
    );

  // One signing key for the JWKS and the JWT access tokens, kept in the data file so tokens outlive a restart.
  state.data.signing_key ??= generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey.export({
    format: 'jwk',
  });
  state.changed();
  const signingKey = state.data.signing_key;
  const signer = createAccessTokenSigner(signingKey);
  const provider = new Provider(url, {
    adapter: state.adapterFor(refreshIdle, clientMetadata),
    clients: [],
    clientDefaults: {
      grant_types: ['authorization_code'],
      id_token_signed_response_alg: 'ES256',
      response_types: ['code'],
      token_endpoint_auth_method: 'client_secret_post',
    },
    jwks: { keys: [{ ...signingKey, use: 'sig', alg: 'ES256', kid: 'sandbox' } as never] },
    cookies: { keys: [randomBytes(32).toString('base64url')] },
    scopes: ['client:admin', ...DATA_CLUSTERS],
    claims: { openid: ['sub'] },
    responseTypes: ['code'],
    features: {
      devInteractions: { enabled: false },
      clientCredentials: { enabled: true },
      revocation: { enabled: false },
      introspection: { enabled: false },
      userinfo: { enabled: false },
      rpInitiatedLogout: { enabled: false },
    },
    extraParams: {
      provider_id: async (ctx: KoaContext, value: string | undefined, client: { clientId: string }) => {
        // Flinks requires state; oidc-provider does not, so the sandbox checks it here (after client and
        // redirect_uri are known, so the error goes back to the redirect_uri like Flinks' own).
        if (!ctx.oidc.params?.state) throw new errors.InvalidRequest('missing required parameter state');
        const scopes = (ctx.oidc.params?.scope ?? '').split(' ').filter(Boolean);
        const unknown = scopes.filter((s) => !(DATA_CLUSTERS as readonly string[]).includes(s));
        if (unknown.length) throw new errors.InvalidScope(`unknown data cluster(s): ${unknown.join(', ')}`);
        if (!scopes.includes('ACCOUNT_BASIC')) {
          throw new errors.InvalidScope('scope must include ACCOUNT_BASIC', 'ACCOUNT_BASIC');
        }
        if (!value) throw new errors.InvalidRequest('missing required parameter provider_id');
        const bank = findProvider(value);
        if (!bank) throw new errors.InvalidRequest(`provider_id ${value} is not a known provider`);
        if (!state.isActive(client.clientId, bank.provider_id)) {
          throw new errors.UnauthorizedClient(
            `the client's registration with provider ${bank.provider_id} is not ACTIVE`,
          );
        }
        const lacking = scopes.filter((s) => !bank.scopes.includes(s as DataCluster));
        if (lacking.length) {
          throw new errors.InvalidScope(`provider ${bank.provider_id} does not share ${lacking.join(', ')}`);
        }
      },
      correlation_id: async (_ctx: KoaContext, value: string | undefined) => {
        if (
          value !== undefined &&
          !/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(value)
        ) {
          throw new errors.InvalidRequest('correlation_id must be a UUID');
        }
      },
      lang: undefined,
    },
    pkce: { required: () => false },
    ttl: {
      AccessToken: accessTokenTtl,
      ClientCredentials: accessTokenTtl,
      AuthorizationCode: 60,
      // Idle expiry is enforced by the adapter (each use restarts it); this is only an upper bound.
      RefreshToken: LONG,
      Grant: LONG,
      Interaction: 3600,
      Session: 3600,
    },
    issueRefreshToken: async (
      _ctx: unknown,
      client: { grantTypeAllowed(g: string): boolean },
      code: { kind: string },
    ) => client.grantTypeAllowed('refresh_token') && code.kind === 'AuthorizationCode',
    rotateRefreshToken: false,
    expiresWithSession: async () => false,
    // Consent is asked on every authorization (the customer picks accounts each time): only the grant the
    // consent page just created counts.
    loadExistingGrant: async (ctx: KoaContext) => {
      const id = ctx.oidc.result?.consent?.grantId;
      return id ? ctx.oidc.provider.Grant.find(id) : undefined;
    },
    findAccount: async (_ctx: unknown, sub: string) => ({ accountId: sub, claims: async () => ({ sub }) }),
    interactions: {
      policy,
      url: (_ctx: unknown, interaction: { uid: string }) => `/interaction/${interaction.uid}`,
    },
    renderError: async (ctx: KoaContext & { type: string }, out: Record<string, string>) => {
      const lang = parseLang(ctx.get('accept-language')) ?? 'en';
      ctx.type = 'html';
      ctx.body = errorPage(lang, out.error ?? 'error', out.error_description ?? '');
    },
    routes: {
      authorization: '/api/v1/authorize',
      token: '/api/v1/token',
      jwks: '/api/v1/jwks',
      challenge: '/api/v1/challenge',
      pushed_authorization_request: '/api/v1/par',
    },
  });

  provider.use(async (ctx, next) => {
    await next();
    if (ctx.path === '/api/v1/token' && ctx.status === 401) {
      // Flinks documents 400 for every RFC 6749 token error, invalid_client included; oidc-provider answers
      // invalid_client with 401 and a WWW-Authenticate challenge, so the sandbox rewrites it.
      ctx.status = 400;
      ctx.remove('www-authenticate');
    }
    const body = ctx.body as
      | { error?: string; error_description?: string; access_token?: string; token_type?: string }
      | undefined;
    if (ctx.path === '/api/v1/token' && ctx.status === 200 && typeof body?.access_token === 'string') {
      body.access_token = await accessTokenJwt(body.access_token);
    }
    if (
      ctx.path === '/api/v1/token' &&
      body?.error === 'invalid_request' &&
      body.error_description === 'requested grant type is not allowed for this client'
    ) {
      // RFC 6749 §5.2 names this case unauthorized_client; oidc-provider calls it invalid_request.
      ctx.body = { ...body, error: 'unauthorized_client' };
    }
  });

  /** Flinks' access tokens are JWTs: the opaque token oidc-provider issued becomes the `jti` of a signed one. */
  const accessTokenJwt = async (opaque: string): Promise<string> => {
    const at = await provider.AccessToken.find(opaque);
    const token = at ?? (await provider.ClientCredentials.find(opaque));
    if (!token) return opaque;
    const subject = at?.accountId ? parseSubject(at.accountId) : undefined;
    return signer.sign({
      iss: url,
      sub: subject ? fdx.customerIdOf(subject.providerId, subject.username) : token.clientId,
      client_id: token.clientId,
      exp: token.exp ?? Math.floor(Date.now() / 1000) + accessTokenTtl,
      iat: token.iat ?? Math.floor(Date.now() / 1000),
      scope: [...token.scopes].join(' '),
      jti: opaque,
    });
  };

  const oidcCallback = provider.callback();
  const interactions = createInteractions({ provider, state, seed, asOf, parseLang });
  const fdx = createFdx({ provider, state, seed, asOf, faults, url, tokenId: signer.tokenId });
  const admin = createAdmin({
    provider,
    state,
    faults,
    url,
    registrationAdvanceMs: options.registrationAdvanceMs,
    redirectUriProblem,
    tokenId: signer.tokenId,
  });

  /** Hands a request to oidc-provider with a body the sandbox already read (and possibly rewrote). */
  const forward = (req: IncomingMessage, res: ServerResponse, body?: Buffer) => {
    if (body === undefined) return oidcCallback(req, res);
    const clone = Readable.from([body]) as unknown as IncomingMessage;
    Object.assign(clone, {
      headers: { ...req.headers, 'content-length': String(body.length) },
      rawHeaders: req.rawHeaders,
      method: req.method,
      url: req.url,
      httpVersion: req.httpVersion,
      httpVersionMajor: req.httpVersionMajor,
      httpVersionMinor: req.httpVersionMinor,
      socket: req.socket,
      connection: req.socket,
      complete: true,
    });
    return oidcCallback(clone, res);
  };

  const handleToken = async (req: IncomingMessage, res: ServerResponse) => {
    const raw = await readBody(req);
    const type = (req.headers['content-type'] ?? '').split(';')[0]?.trim().toLowerCase() ?? '';
    let fields: URLSearchParams;
    if (type === 'application/json') {
      let json: unknown;
      try {
        json = JSON.parse(raw.toString('utf8'));
      } catch {
        throw new HttpError(400, {
          error: 'invalid_request',
          error_description: 'the JSON body could not be parsed',
        });
      }
      if (!json || typeof json !== 'object' || Array.isArray(json)) {
        throw new HttpError(400, {
          error: 'invalid_request',
          error_description: 'the JSON body must be an object',
        });
      }
      fields = new URLSearchParams();
      for (const [k, v] of Object.entries(json)) {
        if (typeof v === 'string' || typeof v === 'number') fields.set(k, String(v));
        else {
          throw new HttpError(400, {
            error: 'invalid_request',
            error_description: `parameter ${k} must be a string`,
          });
        }
      }
    } else if (type === 'application/x-www-form-urlencoded') {
      fields = new URLSearchParams(raw.toString('utf8'));
    } else {
      throw new HttpError(400, {
        error: 'invalid_request',
        error_description: 'send the token request as application/x-www-form-urlencoded or application/json',
      });
    }
    const basic = /^Basic\s+([A-Za-z0-9+/=]+)\s*$/i.exec(req.headers.authorization ?? '');
    if (basic) {
      if (fields.has('client_secret')) {
        throw new HttpError(400, {
          error: 'invalid_request',
          error_description: 'client authentication must use only one method (Basic header or body)',
        });
      }
      const decoded = Buffer.from(basic[1] as string, 'base64').toString('utf8');
      const colon = decoded.indexOf(':');
      if (colon < 0) {
        throw new HttpError(400, {
          error: 'invalid_request',
          error_description: 'malformed Basic credentials',
        });
      }
      // RFC 6749 §2.3.1: both halves are form-urlencoded before base64.
      const id = decodeInput(decoded.slice(0, colon).replace(/\+/g, ' '), 'the Basic client_id');
      const secret = decodeInput(decoded.slice(colon + 1).replace(/\+/g, ' '), 'the Basic client_secret');
      if (fields.has('client_id') && fields.get('client_id') !== id) {
        throw new HttpError(400, {
          error: 'invalid_request',
          error_description: 'client_id in the body differs from the Basic credentials',
        });
      }
      fields.set('client_id', id);
      fields.set('client_secret', secret);
      delete req.headers.authorization;
    }
    const fault = faults.take('token', req.headers['x-sandbox-fault']);
    if (fault && (await faults.apply(fault, res, 'oauth'))) return;
    req.headers['content-type'] = 'application/x-www-form-urlencoded';
    return forward(req, res, Buffer.from(fields.toString()));
  };

  server.on('request', async (req: IncomingMessage, res: ServerResponse) => {
    const started = Date.now();
    const original = req.url ?? '/';
    try {
      // A target such as `//host/…` is a path here, not a scheme-relative URL naming another (or a bad) host.
      let parsed: URL;
      try {
        parsed = new URL(original.startsWith('/') ? url + original : original, url);
      } catch {
        throw new HttpError(400, {
          error: 'invalid_request',
          error_description: 'the request target is not a valid URL path',
        });
      }
      const path = canonicalPath(parsed.pathname);
      req.url = path + parsed.search;
      if (options.log) {
        res.on('finish', () =>
          console.error(
            `[sandbox] ${req.method} ${original} → ${res.statusCode} (${Date.now() - started} ms)`,
          ),
        );
      }
      if (path === '/api/v1/token' && req.method === 'POST') return await handleToken(req, res);
      if (path === '/api/v1/authorize' && req.method === 'GET') {
        const fault = faults.take('authorize', req.headers['x-sandbox-fault']);
        if (fault && fault.kind !== 'slow') {
          // RFC 6749 §4.1.2.1: once client and redirect_uri check out, the error goes back to the client.
          const client = state.client(parsed.searchParams.get('client_id') ?? '');
          const redirect = parsed.searchParams.get('redirect_uri') ?? '';
          if (client?.redirect_uris.includes(redirect)) {
            const back = new URL(redirect);
            const unavailable = fault.kind === 'temporarily_unavailable' || fault.kind === 'fdx_503';
            back.searchParams.set('error', unavailable ? 'temporarily_unavailable' : 'server_error');
            back.searchParams.set('error_description', 'the bank could not take the request (sandbox fault)');
            const st = parsed.searchParams.get('state');
            if (st) back.searchParams.set('state', st);
            back.searchParams.set('iss', url);
            res.writeHead(303, { location: back.href, 'cache-control': 'no-store' });
            res.end();
            return;
          }
        }
        if (fault && (await faults.apply(fault, res, 'oauth'))) return;
      }
      if (await interactions.handle(req, res, path, parsed)) return;
      if (await admin.handle(req, res, path, parsed)) return;
      if (await fdx.handle(req, res, path, parsed)) return;
      if (path === '/' && req.method === 'GET') {
        return sendJson(res, 200, {
          name: 'Flinks Outbound sandbox',
          issuer: url,
          authorize: `${url}/api/v1/authorize`,
          token: `${url}/api/v1/token`,
          fdx: `${url}/api/fdx/5`,
          providers: PROVIDERS.map((p) => ({ provider_id: p.provider_id, name: p.name })),
          test_users: SANDBOX_TEST_USERS,
        });
      }
      return forward(req, res);
    } catch (error) {
      if (res.headersSent) {
        res.destroy();
        return;
      }
      if (error instanceof HttpError) return sendJson(res, error.status, error.body, error.headers);
      console.error('[sandbox] unexpected error', error);
      if (req.headers.accept?.includes('text/html')) {
        return sendHtml(res, 500, errorPage('en', 'server_error', (error as Error).message));
      }
      return sendJson(res, 500, { error: 'server_error', error_description: (error as Error).message });
    }
  });

  const sockets = new Set<import('node:net').Socket>();
  server.on('connection', (s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });

  return {
    url,
    issuer: url,
    authorizeUrl: `${url}/api/v1/authorize`,
    tokenUrl: `${url}/api/v1/token`,
    fdxUrl: `${url}/api/fdx/5`,
    addClient,
    close: async () => {
      admin.stop();
      faults.clear();
      state.flush();
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeIdleConnections();
        for (const s of sockets) s.destroy();
      });
    },
  };
}
