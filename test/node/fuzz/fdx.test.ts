/**
 * Property-based fuzzing of FDX response parsing (the FDX client over `core/src/fdx.ts`'s types): whatever a
 * provider, or something pretending to be one, answers, every call ends with data or a FlinksServerError (FdxError
 * for FDX error answers) that names a sane FDX code, never another exception and never a hang, and the bearer token
 * goes nowhere but the FDX API.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { createFdxClient, FdxError, FlinksServerError } from '../../../core/server/index.ts';

const RUNS = 1200;
const BASE = 'https://ob.example/api/fdx/5';
const TOKEN = 'fdx-access-token-0123456789';

const anyJson = fc.jsonValue({ maxDepth: 3 });

/** Something shaped like an FDX answer, with any field of any type. */
const fdxish = fc.record(
  {
    accounts: fc.oneof(fc.array(anyJson, { maxLength: 3 }), anyJson),
    transactions: fc.oneof(fc.array(anyJson, { maxLength: 3 }), anyJson),
    paymentNetworks: fc.oneof(fc.array(anyJson, { maxLength: 2 }), anyJson),
    customerId: anyJson,
    code: fc.oneof(fc.constantFrom(602, '602', 401, '401', 701, 1207, '', 'abc', 1.5, -1), anyJson),
    message: fc.oneof(fc.string({ maxLength: 40 }), fc.constant(`token ${TOKEN} refused`), anyJson),
    page: fc.oneof(
      fc.record(
        { nextOffset: fc.oneof(fc.string({ maxLength: 6 }), fc.integer(), anyJson) },
        { requiredKeys: [] },
      ),
      anyJson,
    ),
    links: fc.oneof(
      fc.record({
        next: fc.oneof(
          fc.record({
            href: fc.oneof(
              fc.constantFrom(
                '/api/fdx/5/accounts?offset=2',
                `${BASE}/accounts?offset=3`,
                'https://evil.example/steal',
                'https://evil.example/api/fdx/5/accounts?offset=9',
                '//evil.example/steal',
                '/api/fdx/5/../../v1/recipients',
                '/api/v1/secret',
                'javascript:alert(1)',
                '',
                'accounts?offset=4',
              ),
              fc.string({ maxLength: 20 }),
              anyJson,
            ),
          }),
          anyJson,
        ),
      }),
      anyJson,
    ),
  },
  { requiredKeys: [] },
);

const answer = fc.record({
  status: fc.oneof(
    { weight: 4, arbitrary: fc.constantFrom(200, 200, 400, 401, 403, 404, 405, 429, 500, 501, 503) },
    fc.integer({ min: 200, max: 599 }),
  ),
  contentType: fc.constantFrom(
    'application/json',
    'application/json; charset=utf-8',
    'text/plain',
    'text/html',
    '',
  ),
  body: fc.oneof(
    { weight: 4, arbitrary: fdxish.map((v) => JSON.stringify(v)) },
    anyJson.map((v) => JSON.stringify(v)),
    fc.string({ maxLength: 60 }),
    fc.constantFrom('', '{', 'null', '<html>oops</html>'),
  ),
  retryAfter: fc.option(
    fc.oneof(
      fc.constantFrom('0', '1', '99999', 'soon', 'Wed, 21 Oct 2015 07:28:00 GMT'),
      fc.string({ maxLength: 8 }),
    ),
  ),
  correlation: fc.option(fc.oneof(fc.uuid().map(String), fc.string({ maxLength: 30 }), fc.constant(TOKEN))),
  wwwAuthenticate: fc.option(fc.constantFrom('Bearer error="invalid_token"', 'Bearer', 'junk')),
});

type Answer = {
  status: number;
  contentType: string;
  body: string;
  retryAfter: string | null;
  correlation: string | null;
  wwwAuthenticate: string | null;
};

/** A provider that answers from `answers` in turn (the last one forever), recording where each request went. */
function provider(answers: Answer[]) {
  const seen: { url: URL; authorization: string | null }[] = [];
  const fetchImpl = (async (input: RequestInfo | URL, init?: RequestInit) => {
    const url = new URL(input instanceof Request ? input.url : String(input));
    seen.push({ url, authorization: new Headers(init?.headers).get('authorization') });
    const a = answers[Math.min(seen.length - 1, answers.length - 1)] as Answer;
    const headers: Record<string, string> = { 'Content-Type': a.contentType };
    if (a.retryAfter !== null) headers['Retry-After'] = a.retryAfter;
    if (a.correlation !== null) headers['ob-correlation-id'] = a.correlation;
    if (a.wwwAuthenticate !== null) headers['WWW-Authenticate'] = a.wwwAuthenticate;
    return new Response(a.body, { status: a.status, headers });
  }) as typeof fetch;
  return { fetch: fetchImpl, seen };
}

/** Runs one client call to its end: data, or an error that must be a FlinksServerError with sane fields. */
async function settle(run: () => Promise<unknown>): Promise<unknown> {
  try {
    return await run();
  } catch (error) {
    assert.ok(
      error instanceof FlinksServerError,
      `not a FlinksServerError: ${(error as Error)?.stack ?? error}`,
    );
    assert.ok(!error.message.includes(TOKEN), `the message holds the token: ${error.message}`);
    assert.ok(!JSON.stringify(error.cause ?? null).includes(TOKEN), 'the cause holds the token');
    if (error instanceof FdxError) {
      assert.ok(error.status !== undefined && (error.status < 200 || error.status > 299));
      if (error.fdx_code !== undefined)
        assert.ok(Number.isSafeInteger(error.fdx_code) && error.fdx_code >= 0);
      if (error.correlation_id !== undefined) assert.match(error.correlation_id, /^[\w.:-]{1,128}$/);
    }
    return error;
  }
}

const calls = [
  'accounts',
  'account',
  'transactions',
  'customer',
  'paymentNetworks',
  'allAccounts',
  'allTransactions',
] as const;

async function call(name: (typeof calls)[number], fdx: ReturnType<typeof createFdxClient>): Promise<unknown> {
  switch (name) {
    case 'accounts':
      return fdx.accounts();
    case 'account':
      return fdx.account('acc-1');
    case 'transactions':
      return fdx.transactions('acc-1', { startTime: '2026-01-01' });
    case 'customer':
      return fdx.customer();
    case 'paymentNetworks':
      return fdx.paymentNetworks('acc-1');
    case 'allAccounts': {
      const items: unknown[] = [];
      for await (const item of fdx.allAccounts()) items.push(item);
      return items;
    }
    case 'allTransactions': {
      const items: unknown[] = [];
      for await (const item of fdx.allTransactions('acc-1')) items.push(item);
      return items;
    }
  }
}

describe('fuzz: FDX response parsing', () => {
  it(`ends every call with data or a FlinksServerError, sends the token only to the FDX API (${RUNS} cases)`, async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(answer as fc.Arbitrary<Answer>, { minLength: 1, maxLength: 4 }),
        fc.constantFrom(...calls),
        fc.boolean(),
        async (answers, name, refreshable) => {
          const p = provider(answers);
          let sleeps = 0;
          const fdx = createFdxClient({
            baseUrl: BASE,
            ...(refreshable
              ? { getAccessToken: ({ rejected }) => (rejected ? `${TOKEN}-2` : TOKEN) }
              : { accessToken: TOKEN }),
            fetch: p.fetch,
            retries: 2,
            sleep: async () => {
              sleeps++;
            },
            maxPages: 5,
          });
          const result = await settle(() => call(name, fdx));
          if (!(result instanceof Error)) {
            if (name.startsWith('all')) assert.ok(Array.isArray(result));
            else assert.ok(typeof result === 'object' && result !== null && !Array.isArray(result));
          }
          assert.ok(sleeps <= 2 * (5 + 1), `${sleeps} sleeps`);
          // Requests: at most (1 + retries) × 2 tokens per page, 5 pages.
          assert.ok(p.seen.length <= 3 * 2 * 5, `${p.seen.length} requests`);
          for (const request of p.seen) {
            assert.equal(request.url.origin, 'https://ob.example');
            assert.ok(request.url.pathname.startsWith('/api/fdx/5/'), request.url.pathname);
            assert.match(request.authorization ?? '', new RegExp(`^Bearer ${TOKEN}(-2)?$`));
          }
        },
      ),
      { numRuns: RUNS },
    );
  });

  it('stops a provider that pages without end at maxPages', { timeout: 10_000 }, async () => {
    let offset = 0;
    const fetchImpl = (async () => {
      // A real network turn: without it an endless loop would starve the test's own time limit.
      await new Promise((resolve) => setImmediate(resolve));
      return new Response(JSON.stringify({ accounts: [{}], page: { nextOffset: String(++offset) } }), {
        headers: { 'Content-Type': 'application/json' },
      });
    }) as typeof fetch;
    const fdx = createFdxClient({ baseUrl: BASE, accessToken: TOKEN, fetch: fetchImpl, maxPages: 50 });
    let items = 0;
    await assert.rejects(
      async () => {
        for await (const _ of fdx.allAccounts()) items++;
      },
      { code: 'INVALID_RESPONSE', message: /more than 50 pages/ },
    );
    assert.equal(items, 50);
  });
});
