import assert from 'node:assert/strict';
import { mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { after, describe, it } from 'node:test';
import {
  type Connection,
  createFileTokenStore,
  createMemoryTokenStore,
  parseRetryAfter,
  type TokenStore,
} from '../../../core/server/index.ts';

const record = (id: string, access_token = `at-${id}`): Connection => ({
  id,
  provider_id: '1000',
  tokens: { access_token, token_type: 'bearer', refresh_token: `rt-${id}`, expires_at: 100 },
  status: 'active',
  created_at: 1,
  updated_at: 1,
});

const dir = await mkdtemp(join(tmpdir(), 'flinks-store-'));
after(() => rm(dir, { recursive: true, force: true }));

for (const [name, make] of [
  ['memory', () => createMemoryTokenStore()],
  ['file', () => createFileTokenStore(join(dir, `${Math.random()}.json`))],
] as [string, () => TokenStore & { list(): Connection[] | Promise<Connection[]> }][]) {
  describe(`${name} token store`, () => {
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
  it('never fails a write nor leaves a file that does not parse when two module copies write at once', async () => {
    // A second copy of the module (as when an app bundles the kit twice) has its own write queue: only the unique
    // temporary files keep the two from writing into, or renaming away, each other's.
    const specifier = `../../../core/server/file-store.ts?copy=${Math.random()}`;
    const copy = (await import(specifier)) as typeof import('../../../core/server/file-store.ts');
    const path = join(dir, 'two-copies.json');
    const first = createFileTokenStore(path);
    const second = copy.createFileTokenStore(path);
    await Promise.all(
      Array.from({ length: 40 }, (_, i) => [first.set(record(`a${i}`)), second.set(record(`b${i}`))]).flat(),
    );
    const onDisk = JSON.parse(await readFile(path, 'utf8'));
    assert.ok(Object.keys(onDisk).length >= 40, 'each write replaced the file with a whole version');
  });

  it('shows a reader a whole version of the file at every moment of a write, never a partial one', async () => {
    // The reader is another module copy, so the write queue does not keep it out: what it sees is what another
    // process, or a crash at that instant, would find on disk.
    const specifier = `../../../core/server/file-store.ts?copy=${Math.random()}`;
    const copy = (await import(specifier)) as typeof import('../../../core/server/file-store.ts');
    const path = join(dir, 'whole.json');
    const writer = createFileTokenStore(path);
    const reader = copy.createFileTokenStore(path);
    const big = 'x'.repeat(64 * 1024);
    for (let i = 0; i < 8; i++) await writer.set(record(`r${i}`, big));
    let writing = true;
    const writes = (async () => {
      for (let i = 0; i < 40; i++) await writer.set(record(`r${i % 8}`, `${big}${i}`));
      writing = false;
    })();
    let reads = 0;
    while (writing) {
      assert.equal((await reader.list()).length, 8);
      reads++;
    }
    await writes;
    assert.ok(reads > 10, `the reader ran alongside the writes (${reads} reads)`);
  });
});
