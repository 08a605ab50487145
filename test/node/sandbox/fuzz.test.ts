// Hostile input to the sandbox (issue 10, finding 6): malformed percent-encoding answers 400, never 500, and a
// fast-check fuzz of every route family (paths, queries, bodies, headers; with and without valid tokens) never
// gets a 5xx or takes the server down.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import type { Sandbox } from '../../sandbox/index.ts';
import { _connect, _token, _withSandbox } from './_sandbox.ts';

const PARTNER = { client_id: 'partner-sandbox', client_secret: 'partner-sandbox-secret' };
/** Sequences decodeURIComponent refuses: a lone %, a truncated escape, invalid UTF-8. */
const MALFORMED = ['%', '%E0%A4%A', '%C0', '%ZZ', 'a%2'];
const BATCH = 8;

async function _tokens(sb: Sandbox): Promise<{ admin: string; fdx: string }> {
  const cc = await _token(
    sb,
    { grant_type: 'client_credentials', scope: 'client:admin' },
    { client: PARTNER },
  );
  assert.equal(cc.status, 200, JSON.stringify(cc.body));
  const { access_token } = await _connect(sb, {
    scope: 'ACCOUNT_BASIC ACCOUNT_DETAILED TRANSACTIONS STATEMENTS',
  });
  return { admin: cc.body.access_token as string, fdx: access_token };
}

function _basic(id: string, secret: string): string {
  return `Basic ${Buffer.from(`${id}:${secret}`).toString('base64')}`;
}

async function _send(
  sb: Sandbox,
  method: string,
  path: string,
  headers: Record<string, string> = {},
  body?: string,
): Promise<{ status: number; text: string }> {
  const res = await fetch(`${sb.url}${path}`, { method, headers, body, redirect: 'manual' });
  return { status: res.status, text: await res.text() };
}

describe('the sandbox answers malformed percent-encoding with 400', { concurrency: false }, () => {
  it('refuses a malformed path segment or Basic credential with a 400 that says which part is wrong', () =>
    _withSandbox(async (sb) => {
      const { admin, fdx } = await _tokens(sb);
      const accounts = await _send(sb, 'GET', '/api/fdx/5/accounts', { authorization: `Bearer ${fdx}` });
      const accountId = (Object.values(JSON.parse(accounts.text).accounts[0])[0] as { accountId: string })
        .accountId;
      for (const bad of MALFORMED) {
        const cases: [string, string, Record<string, string>, string?, RegExp?][] = [
          [
            'POST',
            '/api/v1/token',
            { authorization: _basic(bad, 'x'), 'content-type': 'application/x-www-form-urlencoded' },
            'grant_type=client_credentials',
            /Basic client_id/,
          ],
          [
            'POST',
            '/api/v1/token',
            {
              authorization: _basic('partner-sandbox', bad),
              'content-type': 'application/x-www-form-urlencoded',
            },
            'grant_type=client_credentials',
            /Basic client_secret/,
          ],
          [
            'DELETE',
            '/api/v1/revoke',
            { authorization: _basic(bad, 'x'), 'content-type': 'application/x-www-form-urlencoded' },
            'token=t',
            /Basic client_id/,
          ],
          [
            'DELETE',
            '/api/v1/revoke',
            {
              authorization: _basic('partner-sandbox', bad),
              'content-type': 'application/x-www-form-urlencoded',
            },
            'token=t',
            /Basic client_secret/,
          ],
          [
            'POST',
            `/api/v1/recipients/providers/requests/${bad}/1000`,
            { authorization: `Bearer ${admin}` },
            undefined,
            /recipient_ids/,
          ],
          [
            'POST',
            `/api/v1/recipients/providers/requests/partner-sandbox/${bad}`,
            { authorization: `Bearer ${admin}` },
            undefined,
            /provider_ids/,
          ],
          [
            'GET',
            `/api/v1/recipients/${bad}`,
            { authorization: `Bearer ${admin}` },
            undefined,
            /recipient id/,
          ],
          [
            'GET',
            `/api/fdx/5/customers/${bad}`,
            { authorization: `Bearer ${fdx}` },
            undefined,
            /customer id/,
          ],
          ['GET', `/api/fdx/5/accounts/${bad}`, { authorization: `Bearer ${fdx}` }, undefined, /account id/],
          [
            'GET',
            `/api/fdx/5/accounts/${accountId}/statements/${bad}`,
            { authorization: `Bearer ${fdx}` },
            undefined,
            /statement id/,
          ],
        ];
        for (const [method, path, headers, body, says] of cases) {
          const { status, text } = await _send(sb, method, path, headers, body);
          assert.equal(status, 400, `${method} ${path} with ${bad}: ${status} ${text}`);
          assert.match(text, /percent-encoding/, `${method} ${path}: ${text}`);
          if (says) assert.match(text, says, `${method} ${path}: ${text}`);
        }
      }
      // FDX errors keep FDX's shape: code 401, "Invalid input".
      const fdxError = await _send(sb, 'GET', '/api/fdx/5/accounts/%E0%A4%A', {
        authorization: `Bearer ${fdx}`,
      });
      assert.equal(JSON.parse(fdxError.text).code, '401');
    }));
});

describe('the sandbox reads a request target that starts with //', () => {
  it('takes it as a path (no other or malformed host), and answers 4xx or the index, never 500', () =>
    _withSandbox(async (sb) => {
      for (const target of [
        '//',
        '//?a=b',
        '//%E0%A4%A/x',
        '//evil.example/api/v1/token',
        '///api/v1/jwks',
      ]) {
        const { status, text } = await _send(sb, 'GET', target);
        assert.ok(status < 500, `GET ${target} → ${status} ${text.slice(0, 200)}`);
      }
      const jwks = await _send(sb, 'GET', '///api/v1/jwks');
      assert.equal(jwks.status, 200);
    }));
});

describe('the sandbox under a fuzz of random requests', { concurrency: false }, () => {
  it('never answers 5xx and keeps serving, whatever the path, query, body and headers', () =>
    _withSandbox(async (sb) => {
      const { admin, fdx } = await _tokens(sb);
      const segment = fc.oneof(
        fc.constantFrom(
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
          'statements',
          'payment-networks',
          'customers',
          'current',
          'sandbox',
          'registrations',
          'advance',
          'faults',
          'interaction',
          'partner-sandbox',
          '1000',
          '..',
          '.',
          '',
          'jwks',
          'par',
          'challenge',
        ),
        fc.constantFrom(...MALFORMED),
        fc.string({ maxLength: 12 }).map((s) => encodeURIComponent(s)),
        fc.string({ unit: 'binary', maxLength: 8 }).map((s) => encodeURIComponent(s)),
      );
      // Random walks over the route words, and the real routes with random (often malformed) ids in them.
      const path = fc.oneof(
        fc.array(segment, { minLength: 1, maxLength: 7 }).map((parts) => `/${parts.join('/')}`),
        fc
          .tuple(
            fc.constantFrom(
              '/api/fdx/5/accounts/$',
              '/api/fdx/5/accounts/$/transactions',
              '/api/fdx/5/accounts/$/statements/$',
              '/api/fdx/5/customers/$',
              '/api/v1/recipients/$',
              '/api/v1/recipients/$/providers/requests',
              '/api/v1/recipients/providers/requests/$/$',
              '/api/v1/providers/$',
              '/interaction/$',
              '/sandbox/faults/$',
            ),
            fc.oneof(fc.constantFrom(...MALFORMED), segment),
            fc.oneof(fc.constantFrom(...MALFORMED), segment),
          )
          .map(([route, a, b]) => route.replace('$', a).replace('$', b)),
      );
      const key = fc.constantFrom(
        'grant_type',
        'code',
        'code_verifier',
        'redirect_uri',
        'client_id',
        'client_secret',
        'scope',
        'state',
        'provider_id',
        'token',
        'offset',
        'limit',
        'startTime',
        'endTime',
        'resultType',
        'accountIds',
        'country',
        'response_type',
        'correlation_id',
        'refresh_token',
        'recipient_ids',
        'provider_ids',
        'redirect_uris',
        'kind',
        'prompt',
      );
      const value = fc.oneof(
        fc.string({ maxLength: 20 }),
        fc.constantFrom(
          ...MALFORMED,
          '-1',
          '0',
          '1e999',
          'NaN',
          '2026-13-45',
          'client_credentials',
          'ACCOUNT_BASIC',
        ),
      );
      const query = fc
        .array(fc.tuple(fc.oneof(key, fc.string({ maxLength: 6 })), value), { maxLength: 5 })
        .map((pairs) => (pairs.length ? `?${new URLSearchParams(pairs)}` : ''));
      const rawQuery = fc.constantFrom('', '?%', '?a=%E0%A4%A', '?token=%ZZ', '?&&==', '?limit=%00');
      const body = fc.oneof(
        fc.constant(undefined),
        fc.string({ maxLength: 200 }),
        fc
          .array(fc.tuple(key, value), { maxLength: 6 })
          .map((pairs) => new URLSearchParams(pairs).toString()),
        fc
          .dictionary(
            key,
            fc.oneof(
              value,
              fc.integer(),
              fc.array(value, { maxLength: 3 }),
              fc.constant(null),
              fc.object({ maxDepth: 2 }),
            ),
            { maxKeys: 6 },
          )
          .map((o) => JSON.stringify(o)),
        fc.constantFrom('{', '[]', 'null', '"x"', '{"__proto__":{"x":1}}', '%E0%A4%A'),
      );
      // Real tokens most often: most routes look at the request only once the caller is known.
      const authorization = fc.oneof(
        { weight: 4, arbitrary: fc.constantFrom(`Bearer ${admin}`, `Bearer ${fdx}`) },
        fc.constant(undefined),
        fc.constantFrom(`Bearer ${admin}`, `Bearer ${fdx}`, 'Bearer ', 'Bearer x y', 'Basic', 'Basic !!!'),
        fc
          .tuple(
            fc.oneof(fc.string({ maxLength: 12 }), fc.constantFrom(...MALFORMED, 'partner-sandbox')),
            fc.oneof(fc.string({ maxLength: 12 }), fc.constantFrom(...MALFORMED)),
          )
          .map(([id, secret]) => _basic(id, secret)),
      );
      const contentType = fc.constantFrom(
        undefined,
        'application/json',
        'application/x-www-form-urlencoded',
        'text/plain',
        'application/jwt',
        'multipart/form-data; boundary=x',
        'application/json; charset=latin1',
        'application/merge-patch+json',
      );
      const accept = fc.constantFrom(
        undefined,
        'application/json',
        'text/html',
        'application/pdf',
        '*/*',
        'x/y',
      );
      const request = fc.record({
        method: fc.oneof(
          { weight: 4, arbitrary: fc.constantFrom('GET', 'POST') },
          fc.constantFrom('PUT', 'DELETE', 'PATCH', 'HEAD', 'OPTIONS'),
        ),
        path,
        query: fc.oneof(query, rawQuery),
        body,
        authorization,
        contentType,
        accept,
        // Only unknown faults: a real one asks for a 5xx (or a 2 s delay) on purpose.
        fault: fc.constantFrom(undefined, 'x', '%E0', 'fdx_9'),
      });
      let runs = 0;
      const statuses = new Map<number, number>();
      await fc.assert(
        // Eight at a time, as concurrent clients would send them.
        fc.asyncProperty(fc.array(request, { minLength: BATCH, maxLength: BATCH }), (batch) =>
          Promise.all(batch.map((r) => _one(r))).then(() => undefined),
        ),
        { numRuns: 2000 / BATCH, seed: 20261130, endOnFailure: true },
      );
      async function _one(r: typeof request extends fc.Arbitrary<infer T> ? T : never): Promise<void> {
        runs++;
        const headers: Record<string, string> = {};
        if (r.authorization) headers.authorization = r.authorization;
        if (r.contentType) headers['content-type'] = r.contentType;
        if (r.accept) headers.accept = r.accept;
        if (r.fault) headers['x-sandbox-fault'] = r.fault;
        const withBody = r.method !== 'GET' && r.method !== 'HEAD' ? r.body : undefined;
        const { status, text } = await _send(sb, r.method, r.path + r.query, headers, withBody);
        statuses.set(status, (statuses.get(status) ?? 0) + 1);
        assert.ok(status < 500, `${r.method} ${r.path}${r.query} → ${status} ${text.slice(0, 300)}`);
      }
      // Still serving after it all.
      const alive = await _send(sb, 'GET', '/');
      assert.equal(alive.status, 200);
      assert.ok(runs >= 2000);
      assert.ok(
        [...statuses.keys()].some((s) => s >= 200 && s < 300),
        'some requests got through',
      );
    }));
});
