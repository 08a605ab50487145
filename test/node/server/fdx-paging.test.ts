import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  createAdminClient,
  createFdxClient,
  FlinksServerError,
  isFlinksServerError,
} from '../../../core/server/index.ts';

type Seen = { url: URL; method: string; authorization: string | null };

/** A fetch that answers from `route` and records each request. */
function _scripted(route: (url: URL, method: string) => Response): { fetch: typeof fetch; seen: Seen[] } {
  const seen: Seen[] = [];
  return {
    seen,
    fetch: (async (input: RequestInfo | URL, init?: RequestInit) => {
      const url = new URL(String(input));
      const method = init?.method ?? 'GET';
      seen.push({ url, method, authorization: new Headers(init?.headers).get('authorization') });
      return route(url, method);
    }) as typeof fetch,
  };
}

const json = (body: unknown, status = 200) =>
  new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json' } });

const BASE = 'https://ob-preprod.flinksapp.dev/api/fdx/5';

/** Pages of accounts whose links.next.href points at `nextHost`, with an opaque cursor beside it. */
function _pages(nextHost: string, withCursor = true) {
  return _scripted((url) => {
    const offset = url.searchParams.get('offset');
    if (url.origin !== new URL(BASE).origin)
      return json({ accounts: [{ depositAccount: { accountId: 'stolen' } }] });
    if (offset === null) {
      return json({
        page: withCursor ? { nextOffset: 'opaque-Cursor/2==' } : {},
        links: { next: { href: `${nextHost}/api/fdx/5/accounts?offset=elsewhere` } },
        accounts: [{ depositAccount: { accountId: 'a1' } }],
      });
    }
    return json({ page: {}, links: {}, accounts: [{ depositAccount: { accountId: `after-${offset}` } }] });
  });
}

async function _ids(client: ReturnType<typeof createFdxClient>): Promise<string[]> {
  const ids: string[] = [];
  for await (const account of client.allAccounts()) {
    ids.push((account as { depositAccount: { accountId: string } }).depositAccount.accountId);
  }
  return ids;
}

describe('FDX paging', () => {
  it('follows an absolute links.next.href on the configured host or a Flinks host', async () => {
    for (const host of ['https://ob-preprod.flinksapp.dev', 'https://ob.flinksapp.com']) {
      const { fetch, seen } = _pages(host);
      const ids = await _ids(createFdxClient({ baseUrl: BASE, accessToken: 'tok', fetch }));
      assert.equal(seen[1]?.url.origin, host);
      assert.equal(seen[1]?.url.searchParams.get('offset'), 'elsewhere');
      assert.equal(ids.length, 2);
    }
  });

  it('falls back to the opaque nextOffset, as it came, when links.next.href is on another host', async () => {
    const { fetch, seen } = _pages('https://attacker.example');
    const ids = await _ids(createFdxClient({ baseUrl: BASE, accessToken: 'tok', fetch }));
    assert.deepEqual(ids, ['a1', 'after-opaque-Cursor/2==']);
    assert.ok(
      seen.every((s) => s.url.origin === 'https://ob-preprod.flinksapp.dev'),
      'the token stays home',
    );
    assert.equal(seen[1]?.url.pathname, '/api/fdx/5/accounts');
  });

  it('stops with INVALID_RESPONSE when links.next.href is on another host and there is no nextOffset', async () => {
    const { fetch, seen } = _pages('https://attacker.example', false);
    await assert.rejects(_ids(createFdxClient({ baseUrl: BASE, accessToken: 'tok', fetch })), (error) => {
      assert.ok(isFlinksServerError(error, 'INVALID_RESPONSE'));
      assert.match(error.message, /attacker\.example/);
      return true;
    });
    assert.equal(seen.length, 1);
  });
});

describe("retries of the kit's API clients", () => {
  it('retries 502 on a read but not a 500 on a POST, which may have been done', async () => {
    let reads = 0;
    const { fetch, seen } = _scripted((url, method) => {
      if (url.pathname === '/api/v1/token')
        return json({ access_token: 't', token_type: 'Bearer', expires_in: 300 });
      if (method === 'GET') return ++reads === 1 ? new Response('bad gateway', { status: 502 }) : json([]);
      return json({ error: 'server_error' }, 500);
    });
    const admin = createAdminClient({
      baseUrl: 'https://ob.flinksapp.com',
      clientId: 'partner',
      clientSecret: 'partner-secret',
      fetch,
      sleep: async () => {},
    });
    assert.deepEqual(await admin.recipients(), []);
    assert.equal(reads, 2);
    await assert.rejects(admin.createRecipient({ name: 'Once' }), (error) => {
      assert.ok(error instanceof FlinksServerError);
      assert.equal(error.status, 500);
      return true;
    });
    assert.equal(
      seen.filter((s) => s.method === 'POST' && s.url.pathname === '/api/v1/recipients').length,
      1,
    );
  });
});
