import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtemp, open, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { after, before, describe, it } from 'node:test';
import pg from 'pg';
import {
  type Connection,
  createConnections,
  createMemoryTokenStore,
  createPostgresTokenStore,
  parseRetryAfter,
  type TokenStore,
} from '../../../core/server/index.ts';
import { createFileTokenStore } from '../../../core/server/node/index.ts';
import { record } from './_connection.ts';
import { type Postgres, postgresBin, startPostgres } from './_postgres.ts';

const dir = await mkdtemp(join(tmpdir(), 'flinks-store-'));
after(() => rm(dir, { recursive: true, force: true }));

// A real PostgreSQL server (Debian's postgresql) that this test run starts and stops.
// `npm test` installs it when it is missing; run alone without it, these tests fail saying what to install.
if (!postgresBin()) {
  throw new Error(
    "The PostgreSQL token store tests need Debian's PostgreSQL server: apt-get install -y postgresql (npm test installs it).",
  );
}
let postgres: Postgres | undefined;
let pool: pg.Pool | undefined;
before(async () => {
  postgres = await startPostgres();
  pool = new pg.Pool({ connectionString: postgres.url });
  // The server is stopped at the end of the run: an idle connection it terminates then (57P01, "terminating
  // connection due to administrator command") is expected, and must not surface as an uncaught error.
  pool.on('error', (error: Error & { code?: string }) => {
    if (error.code !== '57P01') throw error;
  });
});
after(async () => {
  await pool?.end();
  await postgres?.stop();
});
const table = () => `connections_${crypto.randomUUID().slice(0, 8)}`;

for (const [name, make, skip] of [
  ['memory', () => createMemoryTokenStore(), false],
  ['file', () => createFileTokenStore(join(dir, `${Math.random()}.json`)), false],
  ['postgres', () => createPostgresTokenStore({ pool: pool as pg.Pool, table: table() }), false],
] as [string, () => TokenStore & { list(): Connection[] | Promise<Connection[]> }, string | false][]) {
  describe(`${name} token store`, { skip }, () => {
    it('stores, replaces, lists and deletes connections', async () => {
      const store = make();
      assert.equal(await store.get('a'), undefined);
      await store.set(record('a'));
      await store.set(record('b'));
      await store.set(record('a', 'at-a-2'));
      assert.equal((await store.get('a'))?.tokens.access_token, 'at-a-2');
      assert.deepEqual((await store.list()).map((c) => c.id).sort(), ['a', 'b']);
      await store.delete('a');
      assert.equal(await store.get('a'), undefined);
      assert.deepEqual(
        (await store.list()).map((c) => c.id),
        ['b'],
      );
    });

    it('keeps every one of many concurrent writes', async () => {
      const store = make();
      await Promise.all(Array.from({ length: 20 }, (_, i) => store.set(record(`c${i}`))));
      assert.equal((await store.list()).length, 20);
    });

    it('hands out copies, so a caller cannot change what is stored', async () => {
      const store = make();
      await store.set(record('a'));
      const copy = await store.get('a');
      assert.ok(copy);
      copy.tokens.access_token = 'changed';
      assert.equal((await store.get('a'))?.tokens.access_token, 'at-a');
    });
  });
}

describe('postgres token store across processes', () => {
  it('lets one of two processes refresh an expired connection while the other waits and reads its tokens', async () => {
    let refreshes = 0;
    const tokenServer = createServer((req, res) => {
      refreshes++;
      req.resume();
      // Slow enough that the second process asks while the first is still refreshing.
      setTimeout(() => {
        res.writeHead(200, { 'Content-Type': 'application/json' });
        res.end(
          JSON.stringify({ access_token: `fresh-${refreshes}`, token_type: 'Bearer', expires_in: 300 }),
        );
      }, 600);
    });
    await new Promise<void>((resolve) => tokenServer.listen(0, '127.0.0.1', resolve));
    try {
      const name = table();
      const store = createPostgresTokenStore({ pool: pool as pg.Pool, table: name });
      await store.set({
        ...record('shared', 'expired'),
        tokens: { ...record('shared').tokens, expires_at: 1 },
      });
      const env = {
        PATH: process.env.PATH,
        NODE_NO_WARNINGS: '1',
        DATABASE_URL: (postgres as Postgres).url,
        TABLE: name,
        CONNECTION_ID: 'shared',
        TOKEN_URL: `http://127.0.0.1:${(tokenServer.address() as AddressInfo).port}/api/v1/token`,
        START_AT: String(Date.now() + 4000),
      };
      const child = new URL('./_refresh-child.ts', import.meta.url).pathname;
      const run = () =>
        new Promise<string>((resolve, reject) => {
          const process_ = spawn(process.execPath, ['--import', 'tsx', child], {
            env,
            stdio: ['ignore', 'pipe', 'pipe'],
          });
          let out = '';
          let err = '';
          process_.stdout.on('data', (c) => {
            out += c;
          });
          process_.stderr.on('data', (c) => {
            err += c;
          });
          process_.on('close', (code) => (code === 0 ? resolve(out.trim()) : reject(new Error(err))));
        });
      const tokens = await Promise.all([run(), run()]);
      assert.deepEqual(tokens, ['fresh-1', 'fresh-1'], 'both processes use the one refreshed token');
      assert.equal(refreshes, 1, 'Flinks saw one refresh');
      assert.equal((await store.get('shared'))?.tokens.access_token, 'fresh-1');
      // The same connections API in this process reads the stored token without refreshing.
      const connections = createConnections({
        tokenUrl: env.TOKEN_URL,
        clientId: 'refresh-test',
        clientSecret: 'refresh-test-secret',
        store,
      });
      assert.equal(await connections.getAccessToken('shared'), 'fresh-1');
      assert.equal(refreshes, 1);
    } finally {
      tokenServer.close();
    }
  });
});

describe('file token store', () => {
  it('writes a file only its owner can read, that a new store reads back', async () => {
    const path = join(dir, 'owner.json');
    await createFileTokenStore(path).set(record('x'));
    assert.equal((await stat(path)).mode & 0o777, 0o600);
    assert.equal((await createFileTokenStore(path).get('x'))?.tokens.refresh_token, 'rt-x');
    assert.ok(JSON.parse(await readFile(path, 'utf8')).x);
  });
});

describe('parseRetryAfter', () => {
  it('reads seconds and HTTP dates, and ignores junk', () => {
    const now = Date.parse('2026-01-01T00:00:00Z');
    assert.equal(parseRetryAfter('3', now), 3000);
    assert.equal(parseRetryAfter('Thu, 01 Jan 2026 00:00:10 GMT', now), 10_000);
    assert.equal(parseRetryAfter('Wed, 31 Dec 2025 00:00:10 GMT', now), 0);
    assert.equal(parseRetryAfter('soon', now), undefined);
    assert.equal(parseRetryAfter(null, now), undefined);
  });
});

describe('file token store under attack and accident', () => {
  it('keeps all 80 writes of two instances on one file, each writing 40 at once', async () => {
    const path = join(dir, 'shared.json');
    // The same file under two spellings: the write queue is per file, not per string.
    const first = createFileTokenStore(path);
    const second = createFileTokenStore(relative(process.cwd(), path));
    await Promise.all([
      ...Array.from({ length: 40 }, (_, i) => first.set(record(`a${i}`))),
      ...Array.from({ length: 40 }, (_, i) => second.set(record(`b${i}`))),
    ]);
    const onDisk = JSON.parse(await readFile(path, 'utf8'));
    assert.equal(Object.keys(onDisk).length, 80);
    assert.equal((await createFileTokenStore(path).list()).length, 80);
    assert.deepEqual(
      (await readdir(dir)).filter((name) => name.startsWith('shared.json.')),
      [],
      'no temporary file is left behind',
    );
  });

  it('answers undefined for ids that are Object.prototype names', async () => {
    const store = createFileTokenStore(join(dir, 'proto-get.json'));
    await store.set(record('a'));
    for (const id of ['constructor', '__proto__', 'toString', 'hasOwnProperty', 'valueOf']) {
      assert.equal(await store.get(id), undefined, id);
    }
  });

  it('stores and reads back a connection whose id is __proto__ or constructor', async () => {
    const path = join(dir, 'proto-set.json');
    const store = createFileTokenStore(path);
    await store.set(record('__proto__'));
    await store.set(record('constructor'));
    assert.equal((await store.get('__proto__'))?.tokens.access_token, 'at-__proto__');
    assert.equal(
      (await createFileTokenStore(path).get('constructor'))?.tokens.access_token,
      'at-constructor',
    );
    assert.deepEqual((await store.list()).map((c) => c.id).sort(), ['__proto__', 'constructor']);
    await store.delete('__proto__');
    assert.equal(await store.get('__proto__'), undefined);
    assert.equal((await store.list()).length, 1);
  });

  it('refuses to read or overwrite a corrupt file, says how to recover, and leaves it as it was', async () => {
    const path = join(dir, 'corrupt.json');
    const store = createFileTokenStore(path);
    await store.set(record('a'));
    const damaged = (await readFile(path, 'utf8')).slice(0, 30);
    await writeFile(path, damaged);
    const refusal = { code: 'STORE_CORRUPT', message: /corrupt\.json.*not a JSON object.*restore it/is };
    await assert.rejects(async () => store.get('a'), refusal);
    await assert.rejects(async () => store.set(record('b')), refusal);
    await assert.rejects(async () => store.delete('a'), refusal);
    assert.equal(await readFile(path, 'utf8'), damaged, 'the damaged file is kept for recovery');
  });
});

describe('file token store loaded twice in one process', () => {
  it('keeps every write when two copies of the module write one file at once', async () => {
    // A second copy of the module, as when an app bundles the kit twice or has two versions installed: the write
    // queue is the process's, not the module's, so neither copy replaces the file with a version that lacks the
    // other's last write.
    const specifier = `../../../core/server/node/file-store.ts?copy=${Math.random()}`;
    const copy = (await import(specifier)) as typeof import('../../../core/server/node/file-store.ts');
    const path = join(dir, 'two-copies.json');
    const first = createFileTokenStore(path);
    const second = copy.createFileTokenStore(path);
    await Promise.all(
      Array.from({ length: 40 }, (_, i) => [first.set(record(`a${i}`)), second.set(record(`b${i}`))]).flat(),
    );
    assert.equal(Object.keys(JSON.parse(await readFile(path, 'utf8'))).length, 80);
    assert.equal((await second.list()).length, 80);
  });
});

describe('file token store written by two processes', () => {
  const stringsOf = (env: object) =>
    Object.fromEntries(Object.entries(env).map(([name, value]) => [name, String(value)]));
  /** Runs _file-store-child.ts on `file`; `ready` resolves once its store is made, `done` when it has written. */
  const writer = (file: string, env: { PREFIX: string; COUNT: number; IDS: number; PAD: number }) => {
    const child = spawn(
      process.execPath,
      ['--import', 'tsx', new URL('./_file-store-child.ts', import.meta.url).pathname],
      {
        env: { PATH: process.env.PATH, NODE_NO_WARNINGS: '1', FILE: file, ...stringsOf(env) },
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    let err = '';
    child.stderr.on('data', (chunk) => {
      err += chunk;
    });
    const ready = new Promise<void>((resolve) => child.stdout.once('data', () => resolve()));
    const done = new Promise<void>((resolve, reject) =>
      child.on('close', (code) =>
        code === 0 ? resolve() : reject(new Error(`writer exited ${code}: ${err}`)),
      ),
    );
    return { ready: Promise.race([ready, done]), done };
  };

  it('shows a reader a whole version of the file at every moment of a write, never a partial one', async (t) => {
    // The writer is another process, so no queue keeps the reader out: what it sees is what any reader, or a
    // crash at that instant, would find on disk.
    const path = join(dir, 'whole.json');
    const big = 'x'.repeat(64 * 1024);
    const reader = createFileTokenStore(path);
    for (let i = 0; i < 8; i++) await reader.set(record(`r${i}`, big));
    // Opened before the writes: a store that wrote into the file in place would change what it reads.
    const version = await readFile(path, 'utf8');
    const opened = await open(path);
    t.after(() => opened.close());
    const other = writer(path, { PREFIX: 'r', COUNT: 60, IDS: 8, PAD: 64 * 1024 });
    await other.ready;
    let writing = true;
    const written = other.done.finally(() => {
      writing = false;
    });
    let reads = 0;
    while (writing) {
      const records = await reader.list();
      assert.deepEqual(records.map((c) => c.id).sort(), ['r0', 'r1', 'r2', 'r3', 'r4', 'r5', 'r6', 'r7']);
      reads++;
    }
    await written;
    assert.ok(reads > 10, `the reader ran alongside the writes (${reads} reads)`);
    assert.equal((await reader.get('r3'))?.tokens.access_token, `${big}59`, 'the last write is on disk');
    assert.equal(
      await opened.readFile('utf8'),
      version,
      'each version is a new file: none is written in place',
    );
  });

  it('never fails a write nor leaves a partial record or a temporary file when two processes write at once', async () => {
    // Across processes there is no queue: one may replace the file with a version read before the other's write
    // (documented), but every write succeeds and the file is always one whole version.
    const path = join(dir, 'two-processes.json');
    const mine = createFileTokenStore(path);
    const other = writer(path, { PREFIX: 'b', COUNT: 40, IDS: 40, PAD: 1024 });
    await other.ready;
    for (let i = 0; i < 40; i++) await mine.set(record(`a${i}`, `${'x'.repeat(1024)}${i}`));
    await other.done;
    const onDisk = JSON.parse(await readFile(path, 'utf8')) as Record<string, Connection>;
    assert.ok(Object.keys(onDisk).length > 0);
    for (const [id, connection] of Object.entries(onDisk)) {
      const i = Number(id.slice(1));
      assert.ok(/^[ab]\d+$/.test(id) && i < 40, `only ids written: ${id}`);
      assert.deepEqual(connection, record(id, `${'x'.repeat(1024)}${i}`), `record ${id} is whole`);
    }
    assert.deepEqual(
      (await readdir(dir)).filter((name) => name.startsWith('two-processes.json.')),
      [],
      'no temporary file is left behind',
    );
  });
});
