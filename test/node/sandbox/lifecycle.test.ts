import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { driveAuthorize } from '../../sandbox/drive.ts';
import { type Sandbox, startSandbox } from '../../sandbox/index.ts';
import { _authorizeUrl, _connect, _fdx, _token, _withSandbox, RECIPIENT, REDIRECT_URI } from './_sandbox.ts';

async function _post(sb: Sandbox, path: string, body: unknown, method = 'POST') {
  const res = await fetch(`${sb.url}${path}`, {
    method,
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  const text = await res.text();
  return { status: res.status, body: text ? JSON.parse(text) : undefined };
}

describe('sandbox DELETE /api/v1/revoke', { concurrency: true }, () => {
  it('revokes the connection of a Bearer access token: data calls then give FDX 602 (401), refresh gives invalid_grant', () =>
    _withSandbox(async (sb) => {
      const tokens = await _connect(sb);
      assert.equal((await _fdx(sb, 'accounts', tokens.access_token)).status, 200);
      const res = await fetch(`${sb.url}/api/v1/revoke`, {
        method: 'DELETE',
        headers: { authorization: `Bearer ${tokens.access_token}` },
      });
      assert.equal(res.status, 204);
      assert.equal(await res.text(), '', 'no body on success');
      const after = await _fdx(sb, 'accounts', tokens.access_token);
      assert.equal(after.status, 401);
      assert.equal(after.body.code, '602');
      assert.equal(after.body.message, 'Customer not authorized');
      const refresh = await _token(sb, { grant_type: 'refresh_token', refresh_token: tokens.refresh_token });
      assert.equal(refresh.status, 400);
      assert.equal(refresh.body.error, 'invalid_grant');
    }));

  it('revokes with client credentials and the refresh token; another connection keeps working', () =>
    _withSandbox(async (sb) => {
      const one = await _connect(sb);
      const two = await _connect(sb);
      const res = await fetch(`${sb.url}/api/v1/revoke`, {
        method: 'DELETE',
        headers: {
          authorization: `Basic ${Buffer.from(`${RECIPIENT.client_id}:${RECIPIENT.client_secret}`).toString('base64')}`,
          'content-type': 'application/x-www-form-urlencoded',
        },
        body: new URLSearchParams({ token: one.refresh_token }).toString(),
      });
      assert.equal(res.status, 204);
      assert.equal((await _fdx(sb, 'accounts', one.access_token)).body.code, '602');
      assert.equal((await _fdx(sb, 'accounts', two.access_token)).status, 200);
      const refreshed = await _token(sb, { grant_type: 'refresh_token', refresh_token: two.refresh_token });
      assert.equal(refreshed.status, 200);
    }));

  it('refuses a revoke without valid authentication', () =>
    _withSandbox(async (sb) => {
      const none = await fetch(`${sb.url}/api/v1/revoke`, { method: 'DELETE' });
      assert.equal(none.status, 400);
      assert.equal(((await none.json()) as { error: string }).error, 'invalid_client');
      const badBearer = await fetch(`${sb.url}/api/v1/revoke`, {
        method: 'DELETE',
        headers: { authorization: 'Bearer nope' },
      });
      assert.equal(badBearer.status, 400);
      const wrongSecret = await fetch(`${sb.url}/api/v1/revoke?token=x`, {
        method: 'DELETE',
        headers: { authorization: `Basic ${Buffer.from(`${RECIPIENT.client_id}:wrong`).toString('base64')}` },
      });
      assert.equal(wrongSecret.status, 400);
      const get = await fetch(`${sb.url}/api/v1/revoke`);
      assert.equal(get.status, 405);
    }));
});

describe('sandbox fault controls', { concurrency: true }, () => {
  it('makes the next FDX calls fail with 503 and 1207 (429), counted, then recover', () =>
    _withSandbox(async (sb) => {
      const { access_token } = await _connect(sb);
      assert.equal(
        (await _post(sb, '/sandbox/faults', { target: 'fdx', kind: 'fdx_503', count: 2 })).status,
        201,
      );
      assert.equal((await _post(sb, '/sandbox/faults', { target: 'fdx', kind: 'fdx_1207' })).status, 201);
      const listed = await fetch(`${sb.url}/sandbox/faults`).then((r) => r.json());
      assert.equal((listed as unknown[]).length, 2);
      for (const [status, code] of [
        [503, '503'],
        [503, '503'],
        [429, '1207'],
      ]) {
        const res = await _fdx(sb, 'accounts', access_token);
        assert.equal(res.status, status);
        assert.equal(res.body.code, code);
        assert.ok(res.headers.get('ob-trace-id'));
        assert.ok(res.headers.get('retry-after'));
      }
      assert.equal((await _fdx(sb, 'accounts', access_token)).status, 200);
      const header = await _fdx(sb, 'accounts', access_token, { 'x-sandbox-fault': 'fdx_500' });
      assert.equal(header.status, 500);
      assert.equal(header.body.code, '500');
    }));

  it('slows the next call down by delay_ms, then answers normally', () =>
    _withSandbox(async (sb) => {
      await _post(sb, '/sandbox/faults', { target: 'token', kind: 'slow', delay_ms: 800 });
      const started = Date.now();
      const res = await _token(sb, { grant_type: 'client_credentials' });
      const slow = Date.now() - started;
      assert.equal(res.status, 200);
      assert.ok(slow >= 790, `took ${slow} ms`);
      const left = (await fetch(`${sb.url}/sandbox/faults`).then((r) => r.json())) as unknown[];
      assert.deepEqual(left, [], 'the fault was used up by that one call');
    }));

  it('sends server_error back to the redirect_uri at /authorize, with state and iss', () =>
    _withSandbox(async (sb) => {
      await _post(sb, '/sandbox/faults', { target: 'authorize', kind: 'server_error' });
      const res = await fetch(_authorizeUrl(sb, { state: 'faulty' }), { redirect: 'manual' });
      assert.equal(res.status, 303);
      const back = new URL(res.headers.get('location') as string);
      assert.equal(`${back.origin}${back.pathname}`, REDIRECT_URI);
      assert.equal(back.searchParams.get('error'), 'server_error');
      assert.equal(back.searchParams.get('state'), 'faulty');
      assert.equal(back.searchParams.get('iss'), sb.issuer);
      const next = await driveAuthorize(_authorizeUrl(sb).href, {
        username: 'greatday',
        password: 'everyday',
        decision: 'allow',
      });
      assert.ok(next.searchParams.get('code'));
    }));

  it('fails admin calls with temporarily_unavailable when armed, and clears all faults with DELETE', () =>
    _withSandbox(async (sb) => {
      await _post(sb, '/sandbox/faults', { target: 'admin', kind: 'temporarily_unavailable', count: 5 });
      const cc = await _token(sb, { grant_type: 'client_credentials' });
      const headers = { authorization: `Bearer ${cc.body.access_token}` };
      const failed = await fetch(`${sb.url}/api/v1/providers`, { headers });
      assert.equal(failed.status, 503);
      assert.equal(((await failed.json()) as { error: string }).error, 'temporarily_unavailable');
      assert.equal((await fetch(`${sb.url}/sandbox/faults`, { method: 'DELETE' })).status, 204);
      assert.equal((await fetch(`${sb.url}/api/v1/providers`, { headers })).status, 200);
    }));

  it('rejects malformed fault requests with clear errors', () =>
    _withSandbox(async (sb) => {
      for (const body of [
        { target: 'fdx', kind: 'explode' },
        { target: 'moon', kind: 'slow' },
        { target: 'fdx', kind: 'slow', delay_ms: -1 },
        { target: 'fdx', kind: 'fdx_503', count: 0 },
      ]) {
        const res = await _post(sb, '/sandbox/faults', body);
        assert.equal(res.status, 400, JSON.stringify(body));
        assert.match(res.body.error_description, /kind|target|delay_ms|count/);
      }
    }));

  it('expires an access token on demand (data calls then 400) and a refresh token (invalid_grant)', () =>
    _withSandbox(async (sb) => {
      const tokens = await _connect(sb);
      assert.equal((await _post(sb, '/sandbox/tokens/expire', { token: tokens.access_token })).status, 204);
      const data = await _fdx(sb, 'accounts', tokens.access_token);
      assert.equal(data.status, 400);
      assert.equal(data.body.code, '401');
      const refreshed = await _token(sb, {
        grant_type: 'refresh_token',
        refresh_token: tokens.refresh_token,
      });
      assert.equal(refreshed.status, 200, 'the refresh token still works');
      assert.equal((await _post(sb, '/sandbox/tokens/expire', { token: tokens.refresh_token })).status, 204);
      const dead = await _token(sb, { grant_type: 'refresh_token', refresh_token: tokens.refresh_token });
      assert.equal(dead.status, 400);
      assert.equal(dead.body.error, 'invalid_grant');
      assert.equal((await _post(sb, '/sandbox/tokens/expire', { token: 'unknown' })).status, 404);
    }));

  it('revokes a consent as the bank would (customer revoked it): FDX 602 afterwards', () =>
    _withSandbox(async (sb) => {
      const tokens = await _connect(sb);
      assert.equal(
        (await _post(sb, '/sandbox/connections/revoke', { token: tokens.refresh_token })).status,
        204,
      );
      const res = await _fdx(sb, 'customers/current', tokens.access_token);
      assert.equal(res.status, 401);
      assert.equal(res.body.code, '602');
    }));
});

describe('sandbox state', { concurrency: true }, () => {
  it('keeps recipients, registrations and connections in the data file across a restart', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'flinks-sandbox-'));
    const dataFile = join(dir, 'state.json');
    try {
      const first = await startSandbox({ dataFile, clients: [RECIPIENT], asOf: '2026-11-01' });
      const partner = { client_id: 'partner-sandbox', client_secret: 'partner-sandbox-secret' };
      const admin = await _token(
        first,
        { grant_type: 'client_credentials', scope: 'client:admin' },
        { client: partner },
      );
      const created = await fetch(`${first.url}/api/v1/recipients`, {
        method: 'POST',
        headers: { authorization: `Bearer ${admin.body.access_token}`, 'content-type': 'application/json' },
        body: JSON.stringify({ name: 'Persisted', redirect_uris: ['https://p.example/cb'] }),
      }).then((r) => r.json() as Promise<{ client_id: string; client_secret: string }>);
      const tokens = await _connect(first);
      const before = await _fdx(first, 'accounts', tokens.access_token);
      await first.close();
      assert.ok(JSON.parse(await readFile(dataFile, 'utf8')).clients[created.client_id]);

      const second = await startSandbox({ dataFile, clients: [RECIPIENT], asOf: '2026-11-01' });
      try {
        const cc = await _token(second, { grant_type: 'client_credentials' }, { client: created });
        assert.equal(cc.status, 200, 'the created recipient survived');
        const refreshed = await _token(second, {
          grant_type: 'refresh_token',
          refresh_token: tokens.refresh_token,
        });
        assert.equal(refreshed.status, 200, `the connection survived: ${JSON.stringify(refreshed.body)}`);
        const after = await _fdx(second, 'accounts', refreshed.body.access_token as string);
        assert.deepEqual(after.body, before.body);
      } finally {
        await second.close();
      }
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('keeps nothing between two in-memory sandboxes', async () => {
    const first = await startSandbox({ clients: [RECIPIENT] });
    const tokens = await _connect(first);
    await first.close();
    const second = await startSandbox({ clients: [RECIPIENT] });
    try {
      const refreshed = await _token(second, {
        grant_type: 'refresh_token',
        refresh_token: tokens.refresh_token,
      });
      assert.equal(refreshed.status, 400);
    } finally {
      await second.close();
    }
  });

  it('refuses a data file that is not one of its own, and bad options, with clear errors', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'flinks-sandbox-'));
    try {
      const dataFile = join(dir, 'other.json');
      await writeFile(dataFile, '{"hello":"world"}');
      await assert.rejects(startSandbox({ dataFile }), /not a sandbox data file/);
      await assert.rejects(startSandbox({ port: 70000 }), /port/);
      await assert.rejects(startSandbox({ accessTokenTtl: 0 }), /accessTokenTtl/);
      await assert.rejects(startSandbox({ asOf: 'soon' }), /asOf/);
      await assert.rejects(
        startSandbox({ clients: [{ ...RECIPIENT, redirect_uris: ['/relative'] }] }),
        /not an absolute URL/,
      );
      await assert.rejects(
        startSandbox({ clients: [{ ...RECIPIENT, client_secret: 'short' }] }),
        /client_secret/,
      );
      await assert.rejects(
        startSandbox({ clients: [{ ...RECIPIENT, active_providers: [5] }] }),
        /provider 5/,
      );
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('adds a client at run time with addClient', async () => {
    const sb = await startSandbox();
    try {
      assert.equal((await _token(sb, { grant_type: 'client_credentials' })).status, 400);
      sb.addClient(RECIPIENT);
      assert.equal((await _token(sb, { grant_type: 'client_credentials' })).status, 200);
    } finally {
      await sb.close();
    }
  });
});
