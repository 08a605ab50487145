/** Request flooding at the exchange endpoint: each well-formed POST costs a token request with the secret. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  createExchangeHandler,
  createRateLimiter,
  type ExchangeHandlerOptions,
} from '../../../core/server/index.ts';
import { exchangeBody, fakeTokenFetch, post, REDIRECT, SECRET } from './_fake-token.ts';

function handler(overrides: Partial<ExchangeHandlerOptions>) {
  const fake = fakeTokenFetch(() => ({
    status: 200,
    body: { access_token: 'access-123456789', token_type: 'Bearer' },
  }));
  const handle = createExchangeHandler({
    tokenUrl: 'https://flinks.example/api/v1/token',
    clientId: 'c',
    clientSecret: SECRET,
    redirectUris: [REDIRECT],
    onTokens: () => undefined,
    fetch: fake.fetch,
    onError: () => {},
    ...overrides,
  });
  return { handle, seen: fake.seen };
}

const session = (id: string) => ({ Cookie: `sid=${id}` });
const bySession = (request: Request) =>
  /sid=(\w+)/.exec(request.headers.get('cookie') ?? '')?.[1] ?? 'anonymous';

describe('the exchange handler with a rate limiter', () => {
  it('answers 429 RATE_LIMITED with Retry-After past max per key, without calling Flinks', async () => {
    let clock = 1_000_000;
    const { handle, seen } = handler({
      rateLimit: createRateLimiter({ windowMs: 60_000, max: 3, key: bySession, now: () => clock }),
    });
    for (let i = 0; i < 3; i++)
      assert.equal((await handle(post(exchangeBody(), session('alice')))).status, 200);
    clock += 20_000;
    const refused = await handle(post(exchangeBody(), session('alice')));
    assert.equal(refused.status, 429);
    assert.equal(refused.headers.get('retry-after'), '40');
    assert.equal(refused.headers.get('content-type'), 'application/json; charset=utf-8');
    const body = await refused.json();
    assert.equal(body.error, 'RATE_LIMITED');
    assert.match(body.message, /Too many exchange requests: try again in 40 s/);
    assert.equal(seen.length, 3, 'the refused request cost no token request');
    // Another key has its own budget, and the window ends.
    assert.equal((await handle(post(exchangeBody(), session('bob')))).status, 200);
    clock += 40_000;
    assert.equal((await handle(post(exchangeBody(), session('alice')))).status, 200);
  });

  it('refuses a flood of 200 concurrent requests down to max token requests', async () => {
    const { handle, seen } = handler({ rateLimit: createRateLimiter({ windowMs: 60_000, max: 5 }) });
    const statuses = await Promise.all(
      Array.from({ length: 200 }, async () => (await handle(post(exchangeBody()))).status),
    );
    assert.equal(statuses.filter((s) => s === 200).length, 5);
    assert.equal(statuses.filter((s) => s === 429).length, 195);
    assert.equal(seen.length, 5);
  });

  it('counts only requests that passed checkRequest: cross-site ones do not use the site budget', async () => {
    const { handle } = handler({ rateLimit: createRateLimiter({ windowMs: 60_000, max: 1 }) });
    for (let i = 0; i < 5; i++) {
      assert.equal((await handle(post(exchangeBody(), { 'Sec-Fetch-Site': 'cross-site' }))).status, 403);
    }
    assert.equal((await handle(post(exchangeBody()))).status, 200);
  });

  it('takes any function: a custom limiter refusing with its own Retry-After', async () => {
    const { handle } = handler({ rateLimit: () => ({ allowed: false, retryAfterSeconds: 7.2 }) });
    const response = await handle(post(exchangeBody()));
    assert.equal(response.status, 429);
    assert.equal(response.headers.get('retry-after'), '8');
  });

  it('answers 500 and calls nobody when the limiter throws (fails closed)', async () => {
    const { handle, seen } = handler({
      rateLimit: () => {
        throw new Error('redis down');
      },
    });
    const response = await handle(post(exchangeBody()));
    assert.equal(response.status, 500);
    assert.equal((await response.json()).error, 'CALLBACK_FAILED');
    assert.equal(seen.length, 0);
  });

  it('forgets the oldest keys past maxKeys instead of growing without end', async () => {
    let clock = 0;
    const limit = createRateLimiter({
      windowMs: 60_000,
      max: 1,
      maxKeys: 2,
      key: (r) => r.headers.get('x-k') ?? '',
      now: () => clock,
    });
    const req = (k: string) => new Request('https://p.example/', { headers: { 'x-k': k } });
    assert.deepEqual(await limit(req('a')), { allowed: true });
    assert.equal((await limit(req('a'))).allowed, false);
    clock++;
    await limit(req('b'));
    await limit(req('c')); // evicts a
    assert.deepEqual(await limit(req('a')), { allowed: true });
  });

  it('rejects bad options with a TypeError', () => {
    assert.throws(() => createRateLimiter({ windowMs: 0, max: 1 }), TypeError);
    assert.throws(() => createRateLimiter({ windowMs: 1000, max: 0 }), TypeError);
    assert.throws(() => createRateLimiter({ windowMs: 1000, max: 1.5 }), TypeError);
    assert.throws(() => handler({ rateLimit: 5 as never }), TypeError);
  });
});
