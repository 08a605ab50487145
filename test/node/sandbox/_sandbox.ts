/** Helpers of the sandbox tests (not tests themselves). */
import * as oauth from 'oauth4webapi';
import { type DriveOptions, driveAuthorize } from '../../sandbox/drive.ts';
import { type Sandbox, type SandboxClient, type SandboxOptions, startSandbox } from '../../sandbox/index.ts';

export const RECIPIENT: SandboxClient = {
  client_id: 'dc-0b6f2a43-5a55-4b7e-9b1c-2f3c4d5e6f70',
  client_secret: 'recipient-test-secret',
  kind: 'recipient',
  name: 'Test Budget App',
  redirect_uris: ['http://localhost:8080/callback', 'https://partner.example/flinks/callback'],
};
export const REDIRECT_URI = 'http://localhost:8080/callback';

/** Starts a sandbox (with RECIPIENT) on a free port, runs `fn`, closes it. */
export async function _withSandbox<T>(
  fn: (sb: Sandbox) => Promise<T>,
  options: SandboxOptions = {},
): Promise<T> {
  const sb = await startSandbox({
    asOf: '2026-11-01',
    ...options,
    clients: [RECIPIENT, ...(options.clients ?? [])],
  });
  try {
    return await fn(sb);
  } finally {
    await sb.close();
  }
}

export interface Pkce {
  verifier: string;
  challenge: string;
}

export async function _pkce(): Promise<Pkce> {
  const verifier = oauth.generateRandomCodeVerifier();
  return { verifier, challenge: await oauth.calculatePKCECodeChallenge(verifier) };
}

/** An /authorize URL for RECIPIENT with sensible defaults; `undefined` values drop a parameter. */
export function _authorizeUrl(
  sb: Sandbox,
  params: Record<string, string | undefined> = {},
  base = sb.authorizeUrl,
) {
  const url = new URL(base);
  const all: Record<string, string | undefined> = {
    response_type: 'code',
    client_id: RECIPIENT.client_id,
    redirect_uri: REDIRECT_URI,
    scope: 'ACCOUNT_BASIC ACCOUNT_DETAILED TRANSACTIONS',
    state: oauth.generateRandomState(),
    provider_id: '1000',
    correlation_id: '3f1c7e1e-2b1a-4c55-8d0e-6a7b8c9d0e1f',
    ...params,
  };
  for (const [k, v] of Object.entries(all)) if (v !== undefined) url.searchParams.set(k, v);
  return url;
}

/** POSTs the token endpoint: form (default) or JSON, client_secret_post (default) or _basic. */
export async function _token(
  sb: Sandbox,
  fields: Record<string, string>,
  {
    json = false,
    basic = false,
    client = RECIPIENT,
    url = sb.tokenUrl,
    headers = {},
  }: {
    json?: boolean;
    basic?: boolean;
    client?: { client_id: string; client_secret: string } | null;
    url?: string;
    headers?: Record<string, string>;
  } = {},
): Promise<{ status: number; body: Record<string, unknown>; headers: Headers }> {
  const all: Record<string, string> = { ...fields };
  const h: Record<string, string> = { ...headers };
  if (client && basic) {
    const enc = (s: string) => encodeURIComponent(s);
    h.authorization = `Basic ${Buffer.from(`${enc(client.client_id)}:${enc(client.client_secret)}`).toString('base64')}`;
  } else if (client) {
    all.client_id = client.client_id;
    all.client_secret = client.client_secret;
  }
  h['content-type'] = json ? 'application/json' : 'application/x-www-form-urlencoded';
  const res = await fetch(url, {
    method: 'POST',
    headers: h,
    body: json ? JSON.stringify(all) : new URLSearchParams(all).toString(),
  });
  return { status: res.status, body: (await res.json()) as Record<string, unknown>, headers: res.headers };
}

/** Runs the whole authorize flow for RECIPIENT and exchanges the code; returns the token response. */
export async function _connect(
  sb: Sandbox,
  params: Record<string, string | undefined> = {},
  drive: Partial<DriveOptions> = {},
): Promise<{ access_token: string; refresh_token: string; scope: string }> {
  const pkce = await _pkce();
  const url = _authorizeUrl(sb, { code_challenge: pkce.challenge, code_challenge_method: 'S256', ...params });
  const final = await driveAuthorize(url.href, {
    username: 'greatday',
    password: 'everyday',
    decision: 'allow',
    ...drive,
  });
  const code = final.searchParams.get('code');
  if (!code) throw new Error(`no code in ${final.href}`);
  const { status, body } = await _token(sb, {
    grant_type: 'authorization_code',
    code,
    redirect_uri: params.redirect_uri ?? REDIRECT_URI,
    code_verifier: pkce.verifier,
  });
  if (status !== 200) throw new Error(`exchange failed: ${status} ${JSON.stringify(body)}`);
  return body as { access_token: string; refresh_token: string; scope: string };
}

/** GETs an FDX path (relative to /api/fdx/5/, or from the origin when it starts with '/') with a bearer token. */
export async function _fdx(sb: Sandbox, path: string, token?: string, headers: Record<string, string> = {}) {
  const target = /^https?:/.test(path)
    ? path
    : path.startsWith('/')
      ? `${sb.url}${path}`
      : `${sb.fdxUrl}/${path}`;
  const res = await fetch(target, {
    headers: { ...(token ? { authorization: `Bearer ${token}` } : {}), ...headers },
  });
  const text = await res.text();
  return {
    status: res.status,
    // biome-ignore lint/suspicious/noExplicitAny: tests walk the JSON answers freely and assert on every step
    body: (text ? JSON.parse(text) : undefined) as Record<string, any>,
    headers: res.headers,
  };
}
