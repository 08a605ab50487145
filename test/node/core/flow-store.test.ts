import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createAuthorizationRequest, createStorageFlowStore } from '../../../core/src/index.ts';

/** A Web Storage over a Map, as sessionStorage behaves. */
class _MapStorage implements Storage {
  #items = new Map<string, string>();
  get length() {
    return this.#items.size;
  }
  clear() {
    this.#items.clear();
  }
  getItem(key: string) {
    return this.#items.get(key) ?? null;
  }
  key(index: number) {
    return [...this.#items.keys()][index] ?? null;
  }
  removeItem(key: string) {
    this.#items.delete(key);
  }
  setItem(key: string, value: string) {
    this.#items.set(key, String(value));
  }
}

const config = {
  client_id: 'dc-1',
  authorize_url: 'https://ob.flinksapp.com/api/v1/authorize',
  redirect_uri: 'https://partner.example/cb',
  provider_id: '1000',
};

describe('createStorageFlowStore', () => {
  it('gives a saved flow back once, then forgets it', async () => {
    const storage = new _MapStorage();
    const store = createStorageFlowStore(storage);
    const { flow } = await createAuthorizationRequest(config);
    store.save(flow);
    assert.deepEqual(store.take(flow.state), flow);
    assert.equal(store.take(flow.state), undefined);
    assert.equal(storage.length, 0);
  });

  it('drops expired flows when it is next used', async () => {
    const storage = new _MapStorage();
    let now = 0;
    const store = createStorageFlowStore(storage, { ttl_ms: 1000, now: () => now });
    const old = (await createAuthorizationRequest(config, { now: () => 0 })).flow;
    store.save(old);
    now = 5000;
    const fresh = (await createAuthorizationRequest(config, { now: () => now })).flow;
    store.save(fresh);
    assert.equal(storage.length, 1);
    assert.equal(store.take(old.state), undefined);
  });

  it('ignores entries that are not flows', () => {
    const storage = new _MapStorage();
    storage.setItem('flinks-connect:flow:x', '{"state":"x"}');
    storage.setItem('other', 'kept');
    const store = createStorageFlowStore(storage);
    assert.equal(store.take('x'), undefined);
    assert.equal(storage.getItem('other'), 'kept');
  });
});
