/** Ids put into API paths cannot change which endpoint is called (issue 10, finding 7). */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createAdminClient, createFdxClient, type TokenManager } from '../../../core/server/index.ts';

/** A fetch that records each URL asked for and answers `answer(url)` (an empty JSON object by default). */
function recordingFetch(answer: (url: URL) => unknown = () => ({})) {
  const urls: URL[] = [];
  const fetchImpl = (async (input: RequestInfo | URL) => {
    const url = new URL(input instanceof Request ? input.url : String(input));
    urls.push(url);
    return new Response(JSON.stringify(answer(url)), { headers: { 'Content-Type': 'application/json' } });
  }) as typeof fetch;
  return { fetch: fetchImpl, urls };
}

const tokens: TokenManager = { clientId: 'partner', getAccessToken: async () => 'admin-token', clear() {} };
const HOSTILE = ['.', '..'];

async function refused(call: () => unknown, id: string): Promise<void> {
  await assert.rejects(
    async () => call(),
    (error: unknown) => {
      assert.ok(error instanceof TypeError, `a TypeError for ${JSON.stringify(id)}: ${error}`);
      assert.match(error.message, /"\.\.?" is not an id|must be a non-empty string|at most 256 characters/);
      return true;
    },
  );
}

describe('ids in FDX client paths', () => {
  for (const id of [...HOSTILE, '', 'a\u0000b', 'x'.repeat(257)]) {
    it(`refuses accountId ${JSON.stringify(id.slice(0, 8))} with a TypeError and sends nothing`, async () => {
      const recorder = recordingFetch();
      const fdx = createFdxClient({
        baseUrl: 'https://ob.example/api/fdx/5',
        accessToken: 'at',
        fetch: recorder.fetch,
      });
      await refused(() => fdx.account(id), id);
      await refused(() => fdx.transactions(id), id);
      await refused(() => fdx.paymentNetworks(id), id);
      await refused(() => fdx.allTransactions(id).next(), id);
      await refused(() => fdx.transactionPages(id).next(), id);
      assert.deepEqual(recorder.urls, []);
    });
  }

  it('keeps an id with slashes, dots and query characters inside its one path segment', async () => {
    const recorder = recordingFetch();
    const fdx = createFdxClient({
      baseUrl: 'https://ob.example/api/fdx/5',
      accessToken: 'at',
      fetch: recorder.fetch,
    });
    await fdx.account('../a/b?c#d.');
    assert.equal(recorder.urls[0]?.pathname, '/api/fdx/5/accounts/..%2Fa%2Fb%3Fc%23d.');
  });

  it('refuses a next-page link that walks out of the FDX path, before sending the token there', async () => {
    const recorder = recordingFetch((url) =>
      url.pathname.endsWith('/accounts')
        ? { accounts: [], links: { next: { href: '/api/fdx/5/../../v1/recipients/partner/secret' } } }
        : { accounts: [] },
    );
    const fdx = createFdxClient({
      baseUrl: 'https://ob.example/api/fdx/5',
      accessToken: 'at',
      fetch: recorder.fetch,
    });
    await assert.rejects(
      async () => {
        for await (const _ of fdx.allAccounts()) {
          // drain
        }
      },
      { code: 'INVALID_RESPONSE', message: /not under the API's path \/api\/fdx\/5/ },
    );
    assert.deepEqual(
      recorder.urls.map((u) => u.pathname),
      ['/api/fdx/5/accounts'],
    );
  });
  it('refuses a next-page link to another origin, even under the same path', async () => {
    const recorder = recordingFetch((url) =>
      url.hostname === 'ob.example'
        ? { accounts: [], links: { next: { href: 'https://evil.example/api/fdx/5/accounts?offset=2' } } }
        : { accounts: [] },
    );
    const fdx = createFdxClient({
      baseUrl: 'https://ob.example/api/fdx/5',
      accessToken: 'at',
      fetch: recorder.fetch,
    });
    await assert.rejects(
      async () => {
        for await (const _ of fdx.allAccounts()) {
          // drain
        }
      },
      { code: 'INVALID_RESPONSE', message: /neither the API's host nor a Flinks host/ },
    );
    assert.deepEqual(
      recorder.urls.map((u) => u.hostname),
      ['ob.example'],
    );
  });
});

describe('ids in admin client paths', () => {
  for (const id of [...HOSTILE, '', 'a\nb']) {
    it(`refuses id ${JSON.stringify(id)} with a TypeError and sends nothing`, async () => {
      const recorder = recordingFetch();
      const admin = createAdminClient({ baseUrl: 'https://ob.example', tokens, fetch: recorder.fetch });
      await refused(() => admin.rotateSecret(id), id);
      await refused(() => admin.recipient(id), id);
      await refused(() => admin.setRedirectUris(id, ['https://partner.example/cb']), id);
      await refused(() => admin.registrations({ clientId: id }), id);
      await refused(() => admin.provider(id), id);
      await refused(() => admin.requestRegistration({ providerIds: [1000], recipientIds: [id] }), id);
      assert.deepEqual(recorder.urls, []);
    });
  }

  it('calls the recipient endpoint with a legitimate id', async () => {
    const recorder = recordingFetch();
    const admin = createAdminClient({ baseUrl: 'https://ob.example', tokens, fetch: recorder.fetch });
    await admin.rotateSecret('dc-1.2');
    await admin.provider(1000);
    assert.deepEqual(
      recorder.urls.map((u) => u.pathname),
      ['/api/v1/recipients/dc-1.2/secret', '/api/v1/providers/1000'],
    );
  });
});
