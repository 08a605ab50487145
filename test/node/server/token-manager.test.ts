import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { createTokenManager, isFlinksServerError } from '../../../core/server/index.ts';
import { SANDBOX_PARTNER, type Sandbox, startSandbox } from '../../sandbox/index.ts';
import { countingFetch, recipient } from './_sandbox.ts';

let sandbox: Sandbox;
const data = recipient();
before(async () => {
  sandbox = await startSandbox({ clients: [data] });
});
after(() => sandbox.close());

const TOKEN_PATH = '/api/v1/token';

function partner(overrides: { now?: () => number; fetch?: typeof fetch; clientSecret?: string } = {}) {
  return createTokenManager({
    tokenUrl: sandbox.tokenUrl,
    clientId: SANDBOX_PARTNER.client_id,
    clientSecret: SANDBOX_PARTNER.client_secret,
    scope: 'client:admin',
    ...overrides,
  });
}

/** True when the sandbox accepts `token` on an admin call. */
async function accepted(token: string): Promise<boolean> {
  const response = await fetch(`${sandbox.url}/api/v1/providers`, {
    headers: { Authorization: `Bearer ${token}` },
  });
  await response.arrayBuffer();
  return response.ok;
}

describe('createTokenManager against the sandbox', () => {
  it('makes exactly one token request for many concurrent callers', async () => {
    const counter = countingFetch();
    const manager = partner({ fetch: counter.fetch });
    const tokens = await Promise.all(Array.from({ length: 25 }, () => manager.getAccessToken()));
    assert.equal(counter.count(TOKEN_PATH), 1);
    assert.equal(new Set(tokens).size, 1);
    assert.ok(await accepted(tokens[0] as string));
  });

  it('reuses the token until expires_in minus the skew, then requests a new one', async () => {
    const counter = countingFetch();
    let clock = Date.now();
    const manager = partner({ fetch: counter.fetch, now: () => clock });
    const first = await manager.getAccessToken();
    clock += 200_000; // the sandbox's tokens live 299 s; 30 s skew
    assert.equal(await manager.getAccessToken(), first);
    assert.equal(counter.count(TOKEN_PATH), 1);
    clock += 70_000; // 270 s: inside the skew
    const second = await manager.getAccessToken();
    assert.notEqual(second, first);
    assert.equal(counter.count(TOKEN_PATH), 2);
  });

  it('drops a rejected token once, even when many callers report it at the same time', async () => {
    const counter = countingFetch();
    const manager = partner({ fetch: counter.fetch });
    const first = await manager.getAccessToken();
    const next = await Promise.all(
      Array.from({ length: 10 }, () => manager.getAccessToken({ rejected: first })),
    );
    assert.equal(new Set(next).size, 1);
    assert.notEqual(next[0], first);
    assert.equal(counter.count(TOKEN_PATH), 2);
    // A stale rejection (of a token already replaced) does not cost another request.
    assert.equal(await manager.getAccessToken({ rejected: first }), next[0]);
    assert.equal(counter.count(TOKEN_PATH), 2);
  });

  it('gets a data recipient token without a scope', async () => {
    const manager = createTokenManager({
      tokenUrl: sandbox.tokenUrl,
      clientId: data.client_id,
      clientSecret: data.client_secret,
      clientAuth: 'client_secret_basic',
      bodyFormat: 'json',
    });
    const token = await manager.getAccessToken();
    const response = await fetch(`${sandbox.url}/api/v1/providers`, {
      headers: { Authorization: `Bearer ${token}` },
    });
    assert.equal(response.status, 200);
    assert.deepEqual(
      ((await response.json()) as { provider_id: number }[]).map((p) => p.provider_id),
      [1000],
    );
  });

  it('throws TOKEN_REQUEST_FAILED invalid_client for a wrong secret, and a later call can succeed', async () => {
    const manager = partner({ clientSecret: 'not-the-secret' });
    await assert.rejects(manager.getAccessToken(), (error) => {
      assert.ok(isFlinksServerError(error, 'TOKEN_REQUEST_FAILED'));
      assert.equal(error.oauth_error, 'invalid_client');
      assert.ok(!`${error.message}${JSON.stringify(error)}`.includes('not-the-secret'));
      return true;
    });
    // A failed request is not cached: the in-flight slot is free again.
    await assert.rejects(manager.getAccessToken(), /invalid_client/);
  });
});
