import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { createProvidersHandler, toPickerProviders } from '../../../core/server/index.ts';
import { SANDBOX_PARTNER, type Sandbox, startSandbox } from '../../sandbox/index.ts';
import { countingFetch, recipient } from './_sandbox.ts';

let sandbox: Sandbox;
const client = recipient({ active_providers: [1000, 1002] });
before(async () => {
  sandbox = await startSandbox({ clients: [client] });
  // A request still under review must not reach the picker.
  const token = await fetch(sandbox.tokenUrl, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({
      grant_type: 'client_credentials',
      scope: 'client:admin',
      client_id: SANDBOX_PARTNER.client_id,
      client_secret: SANDBOX_PARTNER.client_secret,
    }),
  }).then((r) => r.json());
  const requested = await fetch(
    `${sandbox.url}/api/v1/recipients/providers/requests/${client.client_id}/1001`,
    {
      method: 'POST',
      headers: { Authorization: `Bearer ${token.access_token}` },
    },
  );
  assert.equal(requested.status, 201);
});
after(() => sandbox.close());

const get = (handler: (request: Request) => Promise<Response>, method = 'GET') =>
  handler(new Request('https://partner.example/api/flinks/providers', { method }));

describe('createProvidersHandler against the sandbox', () => {
  it("serves the picker's JSON: only the banks Activated for a Data Recipient, with names and logos", async () => {
    const handler = createProvidersHandler({
      baseUrl: sandbox.url,
      clientId: client.client_id,
      clientSecret: client.client_secret,
    });
    const response = await get(handler);
    assert.equal(response.status, 200);
    assert.match(response.headers.get('content-type') ?? '', /^application\/json/);
    const list = (await response.json()) as { provider_id: number; name: string; logo_url?: string }[];
    assert.deepEqual(
      list.map(({ provider_id, name }) => ({ provider_id, name })),
      [
        { provider_id: 1000, name: 'Flinks Capital' },
        { provider_id: 1002, name: 'Northern Prairie Credit Union' },
      ],
    );
    for (const item of list)
      assert.match(item.logo_url ?? '', /^http:\/\/127\.0\.0\.1:\d+\/sandbox\/logos\/\d+\.svg$/);
    assert.equal((await get(handler, 'POST')).status, 405);
  });

  it('reads Flinks once per cacheMs, however many requests come in, and again after it', async () => {
    let clock = 0;
    const counter = countingFetch();
    const handler = createProvidersHandler({
      baseUrl: sandbox.url,
      clientId: client.client_id,
      clientSecret: client.client_secret,
      fetch: counter.fetch,
      cacheMs: 60_000,
      now: () => clock,
    });
    const answers = await Promise.all([get(handler), get(handler), get(handler)]);
    assert.ok(answers.every((a) => a.status === 200));
    assert.match(answers[0]?.headers.get('cache-control') ?? '', /max-age=60/);
    assert.equal(counter.count('/api/v2/providers'), 1);
    assert.equal(counter.count('/api/v1/token'), 1);
    clock = 59_000;
    await get(handler);
    assert.equal(counter.count('/api/v2/providers'), 1);
    clock = 61_000;
    await get(handler);
    assert.equal(counter.count('/api/v2/providers'), 2);
  });

  it('answers 502 without the secret when Flinks refuses the credentials, and does not keep the failure', async () => {
    const secret = 'not-the-secret-at-all';
    const counter = countingFetch();
    const handler = createProvidersHandler({
      baseUrl: sandbox.url,
      clientId: client.client_id,
      clientSecret: secret,
      fetch: counter.fetch,
    });
    for (const attempt of [1, 2]) {
      const refused = await get(handler);
      assert.equal(refused.status, 502);
      const text = await refused.text();
      assert.equal(JSON.parse(text).error, 'TOKEN_REQUEST_FAILED');
      assert.ok(!text.includes(secret));
      assert.equal(counter.count('/api/v1/token'), attempt, 'each request asks Flinks again');
    }
  });

  it('keeps only Activated items with a whole provider_id and an http(s) logo', () => {
    assert.deepEqual(
      toPickerProviders([
        { provider_id: 1, name: 'A', status: 'Activated', logoUrl: 'https://a.example/a.png' },
        { provider_id: 2, name: 'B', status: 'Available' },
        { provider_id: 3, name: 'C', status: 'Suspended' },
        { provider_id: 4, name: 'D', status: 'Activated', logo_url: 'javascript:alert(1)' },
      ]),
      [
        { provider_id: 1, name: 'A', logo_url: 'https://a.example/a.png' },
        { provider_id: 4, name: 'D' },
      ],
    );
  });
});
