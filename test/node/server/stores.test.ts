import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
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
