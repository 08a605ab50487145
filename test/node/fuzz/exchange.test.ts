/**
 * Property-based fuzzing of the exchange handler's request validation: for any request a browser, a script or an
 * attacker can send, the handler answers (never throws), never 5xx unless Flinks failed, never accepts what the
 * contract refuses, and sends Flinks exactly the fields it was given. Then any answer from upstream.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { createExchangeHandler, ServerErrorCode } from '../../../core/server/index.ts';
import { ACCESS, fakeTokenFetch, REDIRECT, REFRESH, SECRET, VERIFIER } from '../server/_fake-token.ts';

const RUNS = 2000;
/** Each upstream case builds a handler and runs oauth4webapi's response checks: fewer, to stay within seconds. */
const UPSTREAM_RUNS = 1000;
const SITE = 'https://partner.example';
const OTHER_REDIRECT = 'http://localhost:5999/callback';

/** The documented answers (README table): status by error code. */
const STATUS: Record<string, number[]> = {
  INVALID_REQUEST: [400],
  REDIRECT_URI_NOT_ALLOWED: [400],
  REQUEST_REFUSED: [403],
  METHOD_NOT_ALLOWED: [405],
  BODY_TOO_LARGE: [413],
  UNSUPPORTED_MEDIA_TYPE: [415],
  CALLBACK_FAILED: [500],
  TOKEN_REQUEST_FAILED: [502],
  INVALID_TOKEN_RESPONSE: [502],
  NETWORK_ERROR: [502],
  TIMEOUT: [504],
  RATE_LIMITED: [429],
};

/** Values around each field's rule, plus anything JSON can hold. */
const fieldValue = (good: fc.Arbitrary<string>) =>
  fc.oneof(
    { weight: 30, arbitrary: good },
    { weight: 1, arbitrary: fc.string({ maxLength: 140 }) },
    { weight: 1, arbitrary: fc.string({ unit: 'grapheme', maxLength: 20 }) },
    {
      weight: 1,
      arbitrary: fc.constantFrom('', ' ', 'a b', 'x\u0000', 'é', '\ud800', 'a'.repeat(3000), '1000\n'),
    },
    {
      weight: 1,
      arbitrary: fc.oneof(
        fc.integer(),
        fc.boolean(),
        fc.constant(null),
        fc.array(fc.string(), { maxLength: 2 }),
      ),
    },
    { weight: 1, arbitrary: fc.constant(undefined) },
  );

const body = fc.record(
  {
    code: fieldValue(fc.stringMatching(/^[\x21-\x7e]{1,60}$/)),
    code_verifier: fieldValue(fc.stringMatching(/^[A-Za-z0-9._~-]{40,130}$/)),
    redirect_uri: fieldValue(
      fc.constantFrom(REDIRECT, OTHER_REDIRECT, `${REDIRECT}/`, `${REDIRECT}?x=1`, 'https://evil.example/cb'),
    ),
    state: fieldValue(fc.stringMatching(/^[\x21-\x7e]{1,40}$/)),
    provider_id: fieldValue(fc.stringMatching(/^\d{1,14}$/)),
    correlation_id: fieldValue(fc.uuid().map(String)),
    extra: fc.option(fc.jsonValue({ maxDepth: 2 }), { nil: undefined }),
  },
  // A missing field comes from fieldValue's undefined, which JSON.stringify leaves out.
  { requiredKeys: ['code', 'code_verifier', 'redirect_uri', 'state', 'provider_id', 'correlation_id'] },
);

/** The body text: the object as JSON (sometimes with prototype keys), or raw text. */
const bodyText = fc.oneof(
  { weight: 8, arbitrary: body.map((b) => JSON.stringify(b)) },
  {
    weight: 1,
    arbitrary: body.map((b) =>
      JSON.stringify(b).replace(/^\{/, '{"__proto__":{"code":"x"},"constructor":1,'),
    ),
  },
  { weight: 1, arbitrary: fc.string({ maxLength: 200 }) },
  { weight: 1, arbitrary: fc.jsonValue({ maxDepth: 3 }).map((v) => JSON.stringify(v)) },
  { weight: 1, arbitrary: fc.constantFrom('', '{', 'null', '[]', '{"code":', `{"a":"${'x'.repeat(9000)}"}`) },
);

const request = fc.record({
  method: fc.oneof(
    { weight: 8, arbitrary: fc.constant('POST') },
    fc.constantFrom('GET', 'PUT', 'DELETE', 'OPTIONS', 'PATCH'),
  ),
  contentType: fc.oneof(
    {
      weight: 8,
      arbitrary: fc.constantFrom('application/json', 'application/json; charset=utf-8', 'Application/JSON'),
    },
    fc.constantFrom(
      undefined,
      '',
      'text/plain',
      'application/jsonp',
      'application/x-www-form-urlencoded',
      'multipart/form-data',
    ),
  ),
  origin: fc.oneof(
    { weight: 6, arbitrary: fc.constantFrom(undefined, SITE) },
    fc.constantFrom('https://evil.example', 'null', 'http://partner.example', `${SITE}:443`),
  ),
  site: fc.oneof(
    { weight: 6, arbitrary: fc.constantFrom(undefined, 'same-origin') },
    fc.constantFrom('same-site', 'cross-site', 'none', 'junk'),
  ),
  body: bodyText,
});

/** The oracle: what the contract accepts, written from the README, not from the handler's code. */
function shouldAccept(r: Req): boolean {
  if (r.method !== 'POST') return false;
  if (!/^application\/json\s*(;|$)/i.test(r.contentType ?? '')) return false;
  if (r.site === 'cross-site' || r.site === 'same-site') return false;
  if (r.origin !== undefined && r.site !== 'same-origin' && r.origin !== SITE) return false;
  if (new TextEncoder().encode(r.body).byteLength > 8192) return false;
  let json: unknown;
  try {
    json = JSON.parse(r.body);
  } catch {
    return false;
  }
  if (typeof json !== 'object' || json === null || Array.isArray(json)) return false;
  const b = json as Record<string, unknown>;
  const text = (v: unknown, max: number, re: RegExp) =>
    typeof v === 'string' && v.length <= max && re.test(v);
  return (
    text(b.code, 2048, /^[\x21-\x7e]+$/) &&
    text(b.code_verifier, 128, /^[A-Za-z0-9._~-]{43,128}$/) &&
    text(b.state, 512, /^[\x21-\x7e]+$/) &&
    text(b.provider_id, 12, /^\d+$/) &&
    text(b.correlation_id, 128, /^[\x21-\x7e]+$/) &&
    (b.redirect_uri === REDIRECT || b.redirect_uri === OTHER_REDIRECT)
  );
}

type Req = {
  method: string;
  contentType: string | undefined;
  origin: string | undefined;
  site: string | undefined;
  body: string;
};

function build(r: Req): Request {
  const headers = new Headers();
  if (r.contentType !== undefined) headers.set('content-type', r.contentType);
  if (r.origin !== undefined) headers.set('origin', r.origin);
  if (r.site !== undefined) headers.set('sec-fetch-site', r.site);
  return new Request(`${SITE}/api/flinks/exchange`, {
    method: r.method,
    headers,
    ...(r.method === 'GET' ? {} : { body: r.body }),
  });
}

describe('fuzz: the exchange handler', () => {
  it(`answers every request with a documented status, accepts only what the contract accepts (${RUNS} cases)`, async () => {
    const fake = fakeTokenFetch(() => ({
      status: 200,
      body: { access_token: ACCESS, token_type: 'Bearer', expires_in: 300, refresh_token: REFRESH },
    }));
    let stored: Record<string, unknown> | undefined;
    const handle = createExchangeHandler({
      tokenUrl: 'https://flinks.example/api/v1/token',
      clientId: 'partner',
      clientSecret: SECRET,
      redirectUris: [REDIRECT, OTHER_REDIRECT],
      onTokens: (ctx) => {
        stored = { provider_id: ctx.provider_id, correlation_id: ctx.correlation_id };
        return { ok: 1 };
      },
      fetch: fake.fetch,
      onError: () => {},
    });
    let accepted = 0;
    await fc.assert(
      fc.asyncProperty(request, async (r: Req) => {
        const before = fake.seen.length;
        stored = undefined;
        const response = await handle(build(r));
        const text = await response.text();
        const json = JSON.parse(text) as Record<string, unknown>;
        assert.ok(!text.includes(SECRET) && !text.includes(ACCESS) && !text.includes(VERIFIER.slice(0, 20)));
        const expected = shouldAccept(r);
        if (response.status === 200) {
          assert.ok(expected, `accepted what the contract refuses: ${JSON.stringify(r).slice(0, 300)}`);
          accepted++;
          assert.deepEqual(json, { ok: 1 });
          // Flinks got exactly one token request, with exactly the browser's values, once each.
          assert.equal(fake.seen.length, before + 1);
          // The token request's body is JSON, the kit's default (as Flinks documents it).
          const sent = JSON.parse(String(fake.seen.at(-1)?.body)) as Record<string, unknown>;
          const b = JSON.parse(r.body);
          for (const name of ['code', 'code_verifier', 'redirect_uri'] as const) {
            assert.equal(sent[name], b[name]);
          }
          assert.equal(sent.client_secret, SECRET);
          assert.deepEqual(stored, { provider_id: b.provider_id, correlation_id: b.correlation_id });
        } else {
          assert.ok(
            !expected,
            `refused (${response.status} ${text}) what the contract accepts: ${JSON.stringify(r).slice(0, 300)}`,
          );
          assert.equal(fake.seen.length, before, 'a refused request must not reach Flinks');
          assert.ok(response.status < 500, `5xx without an upstream failure: ${response.status} ${text}`);
          assert.ok(
            STATUS[String(json.error)]?.includes(response.status),
            `${response.status} ${json.error}`,
          );
          assert.equal(typeof json.message, 'string');
        }
      }),
      { numRuns: RUNS },
    );
    assert.ok(
      accepted > RUNS / 20,
      `only ${accepted} of ${RUNS} requests were valid: the fuzz must reach both sides`,
    );
  });

  it(`answers 502/504 (never another 5xx, never a leak) to anything upstream answers (${UPSTREAM_RUNS} cases)`, async () => {
    const upstream = fc.record({
      status: fc.oneof(
        fc.constantFrom(200, 400, 401, 403, 429, 500, 502, 503),
        fc.integer({ min: 200, max: 599 }),
      ),
      contentType: fc.constantFrom('application/json', 'application/json; charset=utf-8', 'text/html', ''),
      wwwAuthenticate: fc.option(
        fc.oneof(
          fc.string({ maxLength: 60 }),
          fc.constantFrom('Bearer error="invalid_token"', `Basic error="${SECRET}"`),
        ),
      ),
      body: fc.oneof(
        fc.jsonValue({ maxDepth: 3 }),
        fc.record(
          {
            access_token: fc.oneof(fc.string({ maxLength: 20 }), fc.integer(), fc.constant(ACCESS)),
            token_type: fc.oneof(
              fc.constantFrom('Bearer', 'bearer', 'DPoP', 'mac'),
              fc.string({ maxLength: 8 }),
            ),
            expires_in: fc.oneof(fc.integer(), fc.double(), fc.string({ maxLength: 4 })),
            refresh_token: fc.oneof(fc.string({ maxLength: 20 }), fc.constant(REFRESH), fc.integer()),
            scope: fc.oneof(fc.string({ maxLength: 20 }), fc.integer()),
            error: fc.oneof(
              fc.constantFrom('invalid_grant', 'server_error', SECRET, `bad ${SECRET}`),
              fc.string({ maxLength: 20 }),
            ),
            error_description: fc.oneof(
              fc.string({ maxLength: 40 }),
              fc.constantFrom(`client_secret=${SECRET}&code_verifier=${VERIFIER}`),
            ),
          },
          { requiredKeys: [] },
        ),
      ),
    });
    await fc.assert(
      fc.asyncProperty(upstream, async (u) => {
        const headers: Record<string, string> = {};
        if (u.wwwAuthenticate !== null)
          headers['WWW-Authenticate'] = u.wwwAuthenticate.replace(/[\r\n]/g, '');
        const fetchImpl = (async () =>
          new Response(JSON.stringify(u.body), {
            status: u.status,
            headers: { 'Content-Type': u.contentType, ...headers },
          })) as typeof fetch;
        const logged: unknown[] = [];
        const handle = createExchangeHandler({
          tokenUrl: 'https://flinks.example/api/v1/token',
          clientId: 'partner',
          clientSecret: SECRET,
          redirectUris: [REDIRECT],
          onTokens: () => undefined,
          fetch: fetchImpl,
          onError: (error) => logged.push(error),
        });
        const response = await handle(
          new Request(`${SITE}/x`, {
            method: 'POST',
            headers: { 'Content-Type': 'application/json' },
            body: JSON.stringify({
              code: 'code-123456',
              code_verifier: VERIFIER,
              redirect_uri: REDIRECT,
              state: 's',
              provider_id: '1000',
              correlation_id: 'c',
            }),
          }),
        );
        const text = await response.text();
        const json = JSON.parse(text) as Record<string, unknown>;
        assert.ok([200, 500, 502, 504].includes(response.status), `${response.status} ${text}`);
        if (response.status === 500) {
          // Only a valid token response reaches onTokens; a 500 is its answer being refused (a token in it).
          assert.equal(json.error, ServerErrorCode.CALLBACK_FAILED);
        }
        for (const secret of [SECRET, VERIFIER, 'code-123456']) {
          assert.ok(!text.includes(secret), `the answer leaks ${secret}: ${text}`);
          for (const error of logged) {
            const seen = `${(error as Error).message} ${JSON.stringify(error)} ${JSON.stringify((error as Error).cause ?? null)}`;
            assert.ok(!seen.includes(secret), `onError gets ${secret}: ${seen}`);
          }
        }
        if (json.flinks_error !== undefined) assert.match(String(json.flinks_error), /^[\w.-]{1,64}$/);
      }),
      { numRuns: UPSTREAM_RUNS },
    );
  });
});
