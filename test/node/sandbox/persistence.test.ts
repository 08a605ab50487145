import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { startSandbox } from '../../sandbox/index.ts';
import { _connect, _fdx, _token, RECIPIENT } from './_sandbox.ts';

describe('sandbox state', () => {
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
