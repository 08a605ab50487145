/** Tokens at rest: the encrypting TokenStore wrapper around the memory and file stores. */
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import {
  type Connection,
  createConnections,
  createEncryptedTokenStore,
  createMemoryTokenStore,
  SEALED_TOKEN_TYPE,
  type TokenStore,
} from '../../../core/server/index.ts';
import { createFileTokenStore } from '../../../core/server/node/index.ts';
import { fakeTokenFetch } from './_fake-token.ts';

const KEY_1 = Buffer.alloc(32, 1).toString('base64');
const KEY_2 = new Uint8Array(32).fill(2);
const KEY_1_OTHER = Buffer.alloc(32, 9).toString('base64url');

const ACCESS = 'access-token-at-rest-1234';
const REFRESH = 'refresh-token-at-rest-5678';
const record = (id: string): Connection => ({
  id,
  provider_id: '1000',
  correlation_id: `corr-${id}`,
  tokens: {
    access_token: `${ACCESS}-${id}`,
    token_type: 'Bearer',
    refresh_token: `${REFRESH}-${id}`,
    expires_at: 99,
  },
  status: 'active',
  created_at: 1,
  updated_at: 2,
});

const dir = await mkdtemp(join(tmpdir(), 'flinks-sealed-'));
after(() => rm(dir, { recursive: true, force: true }));

/** The wrapped store's raw record, as your database would hold it. */
async function rawOf(inner: TokenStore, id: string): Promise<Connection> {
  const raw = await inner.get(id);
  assert.ok(raw, `a raw record ${id}`);
  return raw;
}

const DECRYPTION_FAILED = (pattern: RegExp) => ({
  name: 'FlinksServerError',
  code: 'DECRYPTION_FAILED',
  message: pattern,
});

for (const [name, makeInner] of [
  ['memory', () => createMemoryTokenStore()],
  ['file', () => createFileTokenStore(join(dir, `${Math.random()}.json`))],
] as [string, () => TokenStore][]) {
  describe(`encrypted token store around the ${name} store`, () => {
    it('gives back exactly what was stored, and stores no token in clear', async () => {
      const inner = makeInner();
      const store = createEncryptedTokenStore(inner, { keys: { k1: KEY_1 }, currentKeyId: 'k1' });
      await store.set(record('a'));
      await store.set(record('b'));
      assert.deepEqual(await store.get('a'), record('a'));
      assert.deepEqual(
        (await store.list()).sort((x, y) => x.id.localeCompare(y.id)),
        [record('a'), record('b')],
      );
      const raw = await rawOf(inner, 'a');
      assert.equal(raw.tokens.token_type, SEALED_TOKEN_TYPE);
      assert.match(raw.tokens.access_token, /^fcs1\.k1\.[\w-]{16}\.[\w-]+$/);
      assert.equal(raw.provider_id, '1000', 'the other fields stay readable for your queries');
      const everything = JSON.stringify(await inner.list?.());
      assert.ok(!everything.includes(ACCESS) && !everything.includes(REFRESH), everything);
      assert.equal(await store.get('missing'), undefined);
      await store.delete('a');
      assert.equal(await store.get('a'), undefined);
    });

    it('seals the same tokens differently each time (a fresh IV per write)', async () => {
      const inner = makeInner();
      const store = createEncryptedTokenStore(inner, { keys: { k1: KEY_1 }, currentKeyId: 'k1' });
      await store.set(record('a'));
      const first = (await rawOf(inner, 'a')).tokens.access_token;
      await store.set(record('a'));
      assert.notEqual((await rawOf(inner, 'a')).tokens.access_token, first);
    });
  });
}

describe('encrypted token store: key rotation', () => {
  it('reads records sealed with an old key, seals new writes with the current one, and re-seals all on demand', async () => {
    const inner = createMemoryTokenStore();
    const before = createEncryptedTokenStore(inner, { keys: { k1: KEY_1 }, currentKeyId: 'k1' });
    await before.set(record('old-1'));
    await before.set(record('old-2'));

    const rotated = createEncryptedTokenStore(inner, { keys: { k1: KEY_1, k2: KEY_2 }, currentKeyId: 'k2' });
    assert.deepEqual(await rotated.get('old-1'), record('old-1'));
    await rotated.set(record('new'));
    assert.match((await rawOf(inner, 'new')).tokens.access_token, /^fcs1\.k2\./);
    assert.match((await rawOf(inner, 'old-2')).tokens.access_token, /^fcs1\.k1\./);

    assert.equal(await rotated.reencryptAll(), 2);
    assert.equal(await rotated.reencryptAll(), 0);
    const afterwards = createEncryptedTokenStore(inner, { keys: { k2: KEY_2 }, currentKeyId: 'k2' });
    assert.equal((await afterwards.list()).length, 3);
    assert.deepEqual(await afterwards.get('old-2'), record('old-2'));
  });

  it('names the missing key id when a record was sealed with a key not given', async () => {
    const inner = createMemoryTokenStore();
    await createEncryptedTokenStore(inner, { keys: { k1: KEY_1 }, currentKeyId: 'k1' }).set(record('a'));
    const withoutOld = createEncryptedTokenStore(inner, { keys: { k2: KEY_2 }, currentKeyId: 'k2' });
    await assert.rejects(
      withoutOld.get('a'),
      DECRYPTION_FAILED(/connection a were sealed with key "k1", which is not in keys: add it/),
    );
  });
});

describe('encrypted token store: tampering and wrong keys', () => {
  async function sealedStore() {
    const inner = createMemoryTokenStore();
    const store = createEncryptedTokenStore(inner, { keys: { k1: KEY_1 }, currentKeyId: 'k1' });
    await store.set(record('a'));
    await store.set(record('b'));
    return { inner, store };
  }

  it('detects a changed byte of the sealed data', async () => {
    const { inner, store } = await sealedStore();
    const raw = await rawOf(inner, 'a');
    const [format, kid, iv, data] = raw.tokens.access_token.split('.') as [string, string, string, string];
    const bytes = Buffer.from(data, 'base64url');
    for (const index of [0, bytes.length >> 1, bytes.length - 1]) {
      const changed = Buffer.from(bytes);
      changed[index] = (changed[index] as number) ^ 1;
      await inner.set({
        ...raw,
        tokens: { ...raw.tokens, access_token: [format, kid, iv, changed.toString('base64url')].join('.') },
      });
      await assert.rejects(
        store.get('a'),
        DECRYPTION_FAILED(/could not be decrypted with key "k1": the record was changed/),
      );
    }
  });

  it('detects a changed IV and a truncated value', async () => {
    const { inner, store } = await sealedStore();
    const raw = await rawOf(inner, 'a');
    const [format, kid, iv, data] = raw.tokens.access_token.split('.') as [string, string, string, string];
    const otherIv = Buffer.from(iv, 'base64url');
    otherIv[0] = (otherIv[0] as number) ^ 1;
    await inner.set({
      ...raw,
      tokens: { ...raw.tokens, access_token: [format, kid, otherIv.toString('base64url'), data].join('.') },
    });
    await assert.rejects(store.get('a'), DECRYPTION_FAILED(/could not be decrypted/));
    await inner.set({ ...raw, tokens: { ...raw.tokens, access_token: `${format}.${kid}.${iv}` } });
    await assert.rejects(store.get('a'), DECRYPTION_FAILED(/not in the sealed format/));
  });

  it('refuses sealed tokens copied from another connection', async () => {
    const { inner, store } = await sealedStore();
    const a = await rawOf(inner, 'a');
    const b = await rawOf(inner, 'b');
    await inner.set({ ...b, tokens: a.tokens });
    await assert.rejects(store.get('b'), DECRYPTION_FAILED(/copied from another connection/));
    // Nor does renaming the whole record work.
    await inner.set({ ...a, id: 'c' });
    await assert.rejects(store.get('c'), DECRYPTION_FAILED(/connection c could not be decrypted/));
  });

  it('refuses to open with a wrong key under the right id', async () => {
    const { inner } = await sealedStore();
    const wrong = createEncryptedTokenStore(inner, { keys: { k1: KEY_1_OTHER }, currentKeyId: 'k1' });
    await assert.rejects(wrong.get('a'), DECRYPTION_FAILED(/keys\["k1"\] is not the key it was sealed with/));
    await assert.rejects(wrong.list(), { code: 'DECRYPTION_FAILED' });
  });

  it('refuses a record in clear unless acceptPlaintext is set, and then seals it', async () => {
    const inner = createMemoryTokenStore();
    inner.set(record('legacy'));
    const strict = createEncryptedTokenStore(inner, { keys: { k1: KEY_1 }, currentKeyId: 'k1' });
    await assert.rejects(strict.get('legacy'), DECRYPTION_FAILED(/are not encrypted.*acceptPlaintext: true/));
    const migrating = createEncryptedTokenStore(inner, {
      keys: { k1: KEY_1 },
      currentKeyId: 'k1',
      acceptPlaintext: true,
    });
    assert.deepEqual(await migrating.get('legacy'), record('legacy'));
    assert.equal(await migrating.reencryptAll(), 1);
    assert.deepEqual(await strict.get('legacy'), record('legacy'));
  });
});

describe('encrypted token store: options and use', () => {
  it('rejects keys that are not 32 bytes, unknown current key ids and bad key ids with a TypeError', async () => {
    const inner = createMemoryTokenStore();
    const make = (options: Parameters<typeof createEncryptedTokenStore>[1]) => () =>
      createEncryptedTokenStore(inner, options);
    assert.throws(make({ keys: { k1: 'c2hvcnQ=' }, currentKeyId: 'k1' }), {
      name: 'TypeError',
      message: /32 random bytes.*openssl rand -base64 32/,
    });
    assert.throws(make({ keys: { k1: new Uint8Array(16) }, currentKeyId: 'k1' }), TypeError);
    assert.throws(make({ keys: { k1: KEY_1 }, currentKeyId: 'k2' }), {
      name: 'TypeError',
      message: /currentKeyId "k2"/,
    });
    assert.throws(make({ keys: { 'k.1': KEY_1 }, currentKeyId: 'k.1' }), TypeError);
    assert.throws(make({ keys: {}, currentKeyId: 'k1' }), TypeError);
    const aes128 = await crypto.subtle.generateKey({ name: 'AES-GCM', length: 128 }, false, [
      'encrypt',
      'decrypt',
    ]);
    await assert.rejects(
      createEncryptedTokenStore(inner, { keys: { k1: aes128 }, currentKeyId: 'k1' }).set(record('x')),
      TypeError,
    );
  });

  it('takes a CryptoKey, and serves createConnections: refreshed tokens are sealed too', async () => {
    const key = await crypto.subtle.generateKey({ name: 'AES-GCM', length: 256 }, false, [
      'encrypt',
      'decrypt',
    ]);
    const fake = fakeTokenFetch(() => ({
      status: 200,
      body: { access_token: 'refreshed-access-token-42', token_type: 'Bearer', expires_in: 300 },
    }));
    const inner = createMemoryTokenStore();
    const connections = createConnections({
      tokenUrl: 'https://flinks.example/api/v1/token',
      clientId: 'c',
      clientSecret: 'secret',
      fetch: fake.fetch,
      store: createEncryptedTokenStore(inner, { keys: { hsm: key }, currentKeyId: 'hsm' }),
    });
    // expires_at 99 (1970): the first getAccessToken refreshes with the sealed refresh token.
    await connections.save({ id: 'x', provider_id: '1000', tokens: record('x').tokens });
    assert.equal(await connections.getAccessToken('x'), 'refreshed-access-token-42');
    // The token request carries the refresh token in clear (a JSON body, the kit's default): only the store seals it.
    assert.equal(JSON.parse(String(fake.seen[0]?.body)).refresh_token, `${REFRESH}-x`);
    const raw = JSON.stringify(inner.list());
    assert.ok(!raw.includes('refreshed-access-token-42') && !raw.includes(REFRESH), raw);
    assert.equal((await connections.get('x'))?.tokens.refresh_token, `${REFRESH}-x`);
  });
});
