import type { Connection, TokenStore } from './connections.ts';
import { FlinksServerError, ServerErrorCode } from './errors.ts';

/** One encryption key: 32 random bytes, as bytes, as their base64 (or base64url) text, or an AES-GCM CryptoKey. */
export type TokenKey = Uint8Array | string | CryptoKey;

/** Options of {@link createEncryptedTokenStore}. */
export interface EncryptedTokenStoreOptions {
  /**
   * Every key that may have sealed a stored record, by key id (1–32 of `A-Z a-z 0-9 _ -`). Generate a key with
   * `openssl rand -base64 32`; keep keys in your secret manager, never beside the store.
   */
  keys: Record<string, TokenKey>;
  /** The id (in `keys`) of the key new and updated records are sealed with. */
  currentKeyId: string;
  /**
   * Read records whose tokens are not sealed (written before encryption was turned on) as they are; the next `set`
   * of each seals it, `reencryptAll()` seals them all. Default `false`: such a record is an error.
   */
  acceptPlaintext?: boolean;
}

/** A {@link TokenStore} that seals the tokens of every record, see {@link createEncryptedTokenStore}. */
export interface EncryptedTokenStore extends TokenStore {
  get(id: string): Promise<Connection | undefined>;
  set(connection: Connection): Promise<void>;
  delete(id: string): Promise<void>;
  /** Every record, unsealed; throws a TypeError when the wrapped store has no `list()`. */
  list(): Promise<Connection[]>;
  /**
   * Seals again with the current key every record sealed with another key (or not sealed), e.g. after a rotation,
   * so the old key can be dropped. Needs the wrapped store's `list()`. Returns how many records it rewrote.
   */
  reencryptAll(): Promise<number>;
}

/** `token_type` of a sealed record's `tokens`; its `access_token` then holds the sealed text. */
export const SEALED_TOKEN_TYPE = 'flinks-connect-sealed';
const FORMAT = 'fcs1';
const KEY_ID = /^[A-Za-z0-9_-]{1,32}$/;

function base64urlEncode(bytes: Uint8Array): string {
  let text = '';
  for (const byte of bytes) text += String.fromCharCode(byte);
  return btoa(text).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}

function base64Decode(text: string): Uint8Array | undefined {
  if (!/^[A-Za-z0-9+/_-]*={0,2}$/.test(text)) return undefined;
  try {
    const binary = atob(text.replace(/-/g, '+').replace(/_/g, '/'));
    return Uint8Array.from(binary, (c) => c.charCodeAt(0));
  } catch {
    return undefined;
  }
}

/** The 32 bytes of a raw or base64 key; a TypeError saying how to make one otherwise. */
function keyBytes(id: string, key: unknown): Uint8Array {
  const bytes =
    typeof key === 'string' ? base64Decode(key.trim()) : key instanceof Uint8Array ? key : undefined;
  if (bytes?.byteLength !== 32) {
    throw new TypeError(
      `keys["${id}"] must be 32 random bytes (AES-256) as a Uint8Array or base64 text, or an AES-GCM CryptoKey: generate one with \`openssl rand -base64 32\`.`,
    );
  }
  return bytes;
}

function isCryptoKey(key: unknown): key is CryptoKey {
  return typeof CryptoKey !== 'undefined' && key instanceof CryptoKey;
}

async function importKey(id: string, key: TokenKey): Promise<CryptoKey> {
  if (isCryptoKey(key)) {
    const algorithm = key.algorithm as AesKeyAlgorithm;
    if (
      algorithm.name !== 'AES-GCM' ||
      algorithm.length !== 256 ||
      !key.usages.includes('encrypt') ||
      !key.usages.includes('decrypt')
    ) {
      throw new TypeError(
        `keys["${id}"] must be an AES-GCM 256-bit CryptoKey usable to encrypt and decrypt.`,
      );
    }
    return key;
  }
  return crypto.subtle.importKey('raw', keyBytes(id, key) as Uint8Array<ArrayBuffer>, 'AES-GCM', false, [
    'encrypt',
    'decrypt',
  ]);
}

/** Binds sealed tokens to their connection id: a sealed value copied into another record does not open there. */
function additionalData(id: string): Uint8Array<ArrayBuffer> {
  return new TextEncoder().encode(`flinks-connect/tokens/${FORMAT}\u0000${id}`);
}

/**
 * Wraps any {@link TokenStore} (memory, file, your database) so that the tokens of each record are stored sealed
 * with AES-256-GCM (WebCrypto): the wrapped store keeps the record's other fields as they are (id, provider,
 * status, dates) and, in `tokens`, `{ token_type: "flinks-connect-sealed", access_token: "fcs1.<key id>.<iv>.<data>" }`.
 * Each value is bound to its connection id. Keys carry ids so they can rotate: records open with any key in `keys`,
 * and are sealed with `currentKeyId`. A record that was changed, moved, or sealed with a key not given throws
 * `DECRYPTION_FAILED` saying which.
 * @see https://www.w3.org/TR/WebCryptoAPI/#aes-gcm
 */
export function createEncryptedTokenStore(
  store: TokenStore,
  options: EncryptedTokenStoreOptions,
): EncryptedTokenStore {
  for (const method of ['get', 'set', 'delete'] as const) {
    if (typeof store?.[method] !== 'function') throw new TypeError(`store.${method} must be a function.`);
  }
  if (typeof options !== 'object' || options === null) throw new TypeError('options must be an object.');
  const { keys, currentKeyId } = options;
  if (typeof keys !== 'object' || keys === null || Object.keys(keys).length === 0) {
    throw new TypeError('keys must map at least one key id to a key.');
  }
  for (const id of Object.keys(keys)) {
    if (!KEY_ID.test(id)) throw new TypeError(`Key id "${id}" must be 1 to 32 of A-Z a-z 0-9 _ -.`);
  }
  if (typeof currentKeyId !== 'string' || !Object.hasOwn(keys, currentKeyId)) {
    throw new TypeError(
      `currentKeyId "${currentKeyId}" must be one of the ids in keys (${Object.keys(keys).join(', ')}).`,
    );
  }
  // Checked now, so a bad key fails at start-up rather than on the first customer's connection.
  for (const [id, key] of Object.entries(keys)) {
    if (!isCryptoKey(key)) keyBytes(id, key);
  }
  const imported = new Map<string, Promise<CryptoKey>>();
  const keyFor = (id: string): Promise<CryptoKey> => {
    let key = imported.get(id);
    if (!key) {
      key = importKey(id, keys[id] as TokenKey);
      imported.set(id, key);
    }
    return key;
  };
  const acceptPlaintext = options.acceptPlaintext === true;

  const failure = (id: string, message: string, cause?: unknown) =>
    new FlinksServerError(
      ServerErrorCode.DECRYPTION_FAILED,
      `The tokens of connection ${id} ${message}`,
      cause === undefined ? undefined : { cause },
    );

  const seal = async (connection: Connection): Promise<Connection> => {
    if (typeof connection?.id !== 'string' || connection.id.length === 0) {
      throw new TypeError('connection.id must be a non-empty string.');
    }
    const iv = crypto.getRandomValues(new Uint8Array(12));
    const plaintext = new TextEncoder().encode(JSON.stringify(connection.tokens));
    const data = await crypto.subtle.encrypt(
      { name: 'AES-GCM', iv, additionalData: additionalData(connection.id) },
      await keyFor(currentKeyId),
      plaintext,
    );
    const sealed = [FORMAT, currentKeyId, base64urlEncode(iv), base64urlEncode(new Uint8Array(data))].join(
      '.',
    );
    return { ...connection, tokens: { token_type: SEALED_TOKEN_TYPE, access_token: sealed } };
  };

  /** The key id a stored record was sealed with; undefined when it is not sealed. */
  const keyIdOf = (record: Connection): string | undefined =>
    record.tokens?.token_type === SEALED_TOKEN_TYPE
      ? String(record.tokens.access_token).split('.')[1]
      : undefined;

  const open = async (id: string, record: Connection): Promise<Connection> => {
    if (record.tokens?.token_type !== SEALED_TOKEN_TYPE) {
      if (acceptPlaintext) return record;
      throw failure(
        id,
        'are not encrypted. If they were stored before encryption was turned on, pass acceptPlaintext: true until reencryptAll() has sealed them.',
      );
    }
    const parts = String(record.tokens.access_token).split('.');
    const [format, keyId, ivText, dataText] = parts;
    const iv = ivText === undefined ? undefined : base64Decode(ivText);
    const data = dataText === undefined ? undefined : base64Decode(dataText);
    if (
      parts.length !== 4 ||
      format !== FORMAT ||
      !keyId ||
      iv?.byteLength !== 12 ||
      !data ||
      data.byteLength < 16
    ) {
      throw failure(id, 'are not in the sealed format (fcs1.<key id>.<iv>.<data>): the record was changed.');
    }
    if (!Object.hasOwn(keys, keyId)) {
      throw failure(
        id,
        `were sealed with key "${keyId}", which is not in keys: add it (keys may hold old keys, to read records sealed with them).`,
      );
    }
    let plaintext: ArrayBuffer;
    try {
      plaintext = await crypto.subtle.decrypt(
        { name: 'AES-GCM', iv: iv as Uint8Array<ArrayBuffer>, additionalData: additionalData(id) },
        await keyFor(keyId),
        data as Uint8Array<ArrayBuffer>,
      );
    } catch (cause) {
      throw failure(
        id,
        `could not be decrypted with key "${keyId}": the record was changed or copied from another connection, or keys["${keyId}"] is not the key it was sealed with.`,
        cause,
      );
    }
    let tokens: unknown;
    try {
      tokens = JSON.parse(new TextDecoder().decode(plaintext));
    } catch (cause) {
      throw failure(id, 'decrypted to something that is not JSON.', cause);
    }
    return { ...record, tokens: tokens as Connection['tokens'] };
  };

  const list = async (): Promise<Connection[]> => {
    if (typeof store.list !== 'function') throw new TypeError('The wrapped TokenStore has no list() method.');
    return Promise.all((await store.list()).map((record) => open(record.id, record)));
  };

  return {
    async get(id) {
      const record = await store.get(id);
      return record ? open(id, record) : undefined;
    },
    async set(connection) {
      await store.set(await seal(connection));
    },
    async delete(id) {
      await store.delete(id);
    },
    list,
    async reencryptAll() {
      if (typeof store.list !== 'function')
        throw new TypeError('The wrapped TokenStore has no list() method.');
      let count = 0;
      for (const record of await store.list()) {
        if (keyIdOf(record) === currentKeyId) continue;
        await store.set(await seal(await open(record.id, record)));
        count++;
      }
      return count;
    },
  };
}
