/** Helpers for the server kit's tests against the sandbox over HTTP. Not a test file. */
import { createAuthorizationRequest } from '../../../core/src/authorize.ts';
import { buildExchangeBody, type ExchangeRequestBody } from '../../../core/src/exchange.ts';
import { driveAuthorize } from '../../sandbox/drive.ts';
import type { Sandbox, SandboxClient } from '../../sandbox/index.ts';

export const REDIRECT_URI = 'http://localhost:5999/callback';

export function recipient(overrides: Partial<SandboxClient> = {}): SandboxClient {
  const id = `kit-${crypto.randomUUID().slice(0, 8)}`;
  return {
    client_id: id,
    client_secret: `${id}-secret-value`,
    redirect_uris: [REDIRECT_URI],
    kind: 'recipient',
    active_providers: [1000],
    ...overrides,
  };
}

/**
 * Runs /authorize at the sandbox like a customer (greatday, allow) and returns the exchange body the widget would
 * POST: a real code with its verifier.
 */
export async function authorize(
  sandbox: Sandbox,
  client: SandboxClient,
  options: { scope?: string; redirect_uri?: string } = {},
): Promise<ExchangeRequestBody> {
  const { url, flow } = await createAuthorizationRequest({
    client_id: client.client_id,
    authorize_url: sandbox.authorizeUrl,
    redirect_uri: options.redirect_uri ?? client.redirect_uris[0] ?? REDIRECT_URI,
    scope: options.scope ?? 'ACCOUNT_BASIC ACCOUNT_DETAILED TRANSACTIONS ACCOUNT_PAYMENTS CUSTOMER_CONTACT',
    provider_id: '1000',
    issuer: sandbox.issuer,
  });
  const callback = await driveAuthorize(url.href, {
    username: 'greatday',
    password: 'everyday',
    decision: 'allow',
  });
  const code = callback.searchParams.get('code');
  if (!code) throw new Error(`no code in ${callback.href}`);
  if (callback.searchParams.get('state') !== flow.state) throw new Error('state mismatch');
  return buildExchangeBody(flow, code);
}

/** A fetch that counts the requests made through it, by path. */
export function countingFetch(): { fetch: typeof fetch; count(path: string): number } {
  const seen: string[] = [];
  return {
    fetch: ((input: RequestInfo | URL, init?: RequestInit) => {
      const url = new URL(input instanceof Request ? input.url : String(input));
      seen.push(url.pathname);
      return globalThis.fetch(input, init);
    }) as typeof fetch,
    count: (path) => seen.filter((p) => p === path).length,
  };
}

export function postJson(
  url: string,
  body: unknown,
  headers: Record<string, string> = {},
): Promise<Response> {
  return fetch(url, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', ...headers },
    body: JSON.stringify(body),
  });
}

/** Trades a fresh code for tokens through the kit's own exchange handler (as a partner's endpoint would). */
export async function connect(
  sandbox: Sandbox,
  client: SandboxClient,
  options: { scope?: string } = {},
): Promise<import('../../../core/server/index.ts').Tokens> {
  const { createExchangeHandler } = await import('../../../core/server/index.ts');
  const body = await authorize(sandbox, client, options);
  let tokens: import('../../../core/server/index.ts').Tokens | undefined;
  const handle = createExchangeHandler({
    tokenUrl: sandbox.tokenUrl,
    clientId: client.client_id,
    clientSecret: client.client_secret,
    redirectUris: client.redirect_uris,
    onTokens: (ctx) => {
      tokens = ctx.tokens;
    },
  });
  const response = await handle(
    new Request('http://localhost:5999/api/flinks/exchange', {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify(body),
    }),
  );
  if (!response.ok || !tokens)
    throw new Error(`exchange failed: ${response.status} ${await response.text()}`);
  return tokens;
}

/** Calls a sandbox-only control under /sandbox (faults, token expiry, consent revocation). */
export async function control(sandbox: Sandbox, path: string, body: unknown): Promise<void> {
  const response = await fetch(`${sandbox.url}/sandbox/${path}`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify(body),
  });
  if (!response.ok) throw new Error(`/sandbox/${path}: ${response.status} ${await response.text()}`);
}
