import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createAdminClient, createConnections, createFdxClient } from '../../../core/server/index.ts';

const json = (body: unknown, status = 200) =>
  new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json' } });

/** A fetch that answers API calls with `api(authorization)` and token calls with numbered tokens. */
function _server(api: (authorization: string | null, url: URL) => Response) {
  const seen: string[] = [];
  let issued = 0;
  const fetch = (async (input: RequestInfo | URL, init?: RequestInit) => {
    const url = new URL(String(input));
    if (url.pathname === '/api/v1/token') {
      issued++;
      return json({
        access_token: `token-${issued}`,
        token_type: 'Bearer',
        expires_in: 300,
        refresh_token: 'refresh',
      });
    }
    const authorization = new Headers(init?.headers).get('authorization');
    seen.push(`${init?.method ?? 'GET'} ${url.pathname} ${authorization}`);
    return api(authorization, url);
  }) as typeof globalThis.fetch;
  return { fetch, seen, issued: () => issued };
}

const refusedUnlessFresh = (fresh: string) => (authorization: string | null) =>
  authorization === `Bearer ${fresh}`
    ? json([])
    : json({ error: 'invalid_token', error_description: 'expired' }, 400);

describe('one authorised-request path for the FDX, admin and revoke calls', () => {
  it('retries an admin call once with a new token when Flinks refuses the first (400 invalid_token)', async () => {
    const server = _server(refusedUnlessFresh('token-2'));
    const admin = createAdminClient({
      baseUrl: 'https://ob.flinksapp.com',
      clientId: 'p',
      clientSecret: 'p-secret',
      fetch: server.fetch,
    });
    assert.deepEqual(await admin.recipients(), []);
    assert.deepEqual(server.seen, [
      'GET /api/v1/recipients Bearer token-1',
      'GET /api/v1/recipients Bearer token-2',
    ]);
  });

  it('keeps the token on a 400 that is about the request, not the token', async () => {
    const server = _server(() => json({ error: 'invalid_request', error_description: 'bad name' }, 400));
    const admin = createAdminClient({
      baseUrl: 'https://ob.flinksapp.com',
      clientId: 'p',
      clientSecret: 'p-secret',
      fetch: server.fetch,
    });
    await assert.rejects(admin.createRecipient({ name: 'x' }), /bad name/);
    assert.equal(server.seen.length, 1);
    assert.equal(server.issued(), 1);
  });

  it('refreshes a connection whose token FDX refuses (400, FDX 401), once, but not on FDX 602', async () => {
    let clock = 0;
    const server = _server((authorization, url) => {
      if (url.pathname.endsWith('/transactions'))
        return json({ code: '602', message: 'Customer not authorized' }, 401);
      return authorization === 'Bearer token-1'
        ? json({ page: {}, links: {}, accounts: [] })
        : json({ code: '401', message: 'Invalid input' }, 400);
    });
    const connections = createConnections({
      tokenUrl: 'https://ob.flinksapp.com/api/v1/token',
      clientId: 'r',
      clientSecret: 'r-secret',
      fdxBaseUrl: 'https://ob.flinksapp.com/api/fdx/5',
      fetch: server.fetch,
      fdx: { fetch: server.fetch },
      now: () => clock,
    });
    const { id } = await connections.save({
      tokens: { access_token: 'stale', token_type: 'Bearer', refresh_token: 'refresh' },
      provider_id: '1000',
    });
    assert.deepEqual((await connections.fdx(id).accounts()).accounts, []);
    assert.deepEqual(server.seen, [
      'GET /api/fdx/5/accounts Bearer stale',
      'GET /api/fdx/5/accounts Bearer token-1',
    ]);
    clock = 1;
    await assert.rejects(connections.fdx(id).transactions('acc-1'));
    assert.equal(server.issued(), 1, 'FDX 602 is no reason to refresh the token');
    const fixed = createFdxClient({
      baseUrl: 'https://ob.flinksapp.com/api/fdx/5',
      accessToken: 'x',
      fetch: server.fetch,
    });
    await assert.rejects(fixed.accounts());
    assert.equal(server.seen.filter((s) => s.endsWith('Bearer x')).length, 1, 'a fixed token is sent once');
  });
});
