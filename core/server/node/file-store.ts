import type { Connection, TokenStore } from '../connections.ts';
import { FlinksServerError, ServerErrorCode } from '../errors.ts';

type Fs = typeof import('node:fs/promises');

/**
 * One queue of read-modify-write steps per file (by resolved path) for the whole process: two stores on the same
 * file, made anywhere in the process, never interleave their steps. It is kept on `globalThis` under a registered
 * symbol, so that two copies of this module (an app that bundles the kit twice, or has two versions installed)
 * share it too: with a queue each, one copy's write could replace the file with a version read before the other
 * copy's write, and lose that write.
 */
const QUEUES = Symbol.for('flinks-connect.file-store.queues');
const shared = globalThis as { [QUEUES]?: Map<string, Promise<unknown>> };
shared[QUEUES] ??= new Map();
const queues = shared[QUEUES];

/** Runs `step` after every step queued before it on the same file. */
function serial<T>(file: string, step: () => Promise<T>): Promise<T> {
  const next = (queues.get(file) ?? Promise.resolve()).then(step, step);
  const settled = next.then(
    () => {},
    () => {},
  );
  queues.set(file, settled);
  // Forget an idle file, so a long-running process does not keep one entry per file it ever touched.
  void settled.then(() => {
    if (queues.get(file) === settled) queues.delete(file);
  });
  return next;
}

/**
 * A {@link TokenStore} in one JSON file (mode 0600), for the demo and local tools. Not for production: it holds
 * tokens in clear (wrap it in `createEncryptedTokenStore`) and serializes writes within one process only (two
 * processes writing at once never fail nor leave a partial file, but one may replace the other's write).
 *
 * Every write goes to a new temporary file beside it (unique name, flushed to disk) that is then renamed over the
 * old one, so the file is always a complete version: the last good one survives a crash mid-write. A file that is
 * not a JSON object of connections is never overwritten: every call throws `STORE_CORRUPT` until it is restored or
 * moved away. Loads `node:fs` lazily, so importing the kit stays free of Node APIs.
 */
export function createFileTokenStore(path: string): TokenStore & { list(): Promise<Connection[]> } {
  if (typeof path !== 'string' || path.length === 0) throw new TypeError('path must be a file path.');
  // Specifiers in variables: bundlers for Workers or browsers leave them alone instead of failing on node:fs.
  const fsModule = 'node:fs/promises';
  const pathModule = 'node:path';
  let loaded: Promise<{ fs: Fs; file: string }> | undefined;
  const load = () => {
    loaded ??= Promise.all([
      import(/* @vite-ignore */ fsModule) as Promise<Fs>,
      import(/* @vite-ignore */ pathModule) as Promise<typeof import('node:path')>,
    ]).then(([fs, nodePath]) => ({ fs, file: nodePath.resolve(path) }));
    return loaded;
  };

  const corrupt = (file: string, why: string, cause?: unknown) =>
    new FlinksServerError(
      ServerErrorCode.STORE_CORRUPT,
      `The token store file ${file} is not a JSON object of connections (${why}); it was left as it is. ` +
        'Restore it from a backup, or move it away to start with an empty store.',
      cause === undefined ? undefined : { cause },
    );

  /** The file's records as a Map: own entries only, so `constructor` or `__proto__` are ordinary ids. */
  const read = async (fs: Fs, file: string): Promise<Map<string, Connection>> => {
    let text: string;
    try {
      text = await fs.readFile(file, 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return new Map();
      throw error;
    }
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch (cause) {
      throw corrupt(file, 'it does not parse', cause);
    }
    if (typeof json !== 'object' || json === null || Array.isArray(json)) {
      throw corrupt(file, 'its top level is not an object');
    }
    const records = new Map<string, Connection>();
    for (const [id, value] of Object.entries(json)) {
      if (typeof value !== 'object' || value === null || (value as Connection).id !== id) {
        throw corrupt(file, `the record under "${id.slice(0, 64)}" is not a connection with that id`);
      }
      records.set(id, value as Connection);
    }
    return records;
  };

  const write = async (fs: Fs, file: string, records: Map<string, Connection>): Promise<void> => {
    // Object.fromEntries defines own properties, so an id of "__proto__" is written as data.
    const text = JSON.stringify(Object.fromEntries(records), null, 2);
    const temporary = `${file}.${process.pid}.${crypto.randomUUID()}.tmp`;
    const handle = await fs.open(temporary, 'wx', 0o600);
    try {
      await handle.writeFile(text, 'utf8');
      await handle.sync();
    } catch (error) {
      await handle.close().catch(() => {});
      await fs.rm(temporary, { force: true });
      throw error;
    }
    await handle.close();
    try {
      await fs.rename(temporary, file);
    } catch (error) {
      await fs.rm(temporary, { force: true });
      throw error;
    }
  };

  const withFile = async <T>(step: (fs: Fs, file: string) => Promise<T>): Promise<T> => {
    const { fs, file } = await load();
    return serial(file, () => step(fs, file));
  };

  return {
    get: (id) => withFile(async (fs, file) => (await read(fs, file)).get(id)),
    set: (connection) =>
      withFile(async (fs, file) => {
        if (typeof connection?.id !== 'string' || connection.id.length === 0) {
          throw new TypeError('connection.id must be a non-empty string.');
        }
        const records = await read(fs, file);
        records.set(connection.id, connection);
        await write(fs, file, records);
      }),
    delete: (id) =>
      withFile(async (fs, file) => {
        const records = await read(fs, file);
        if (records.delete(id)) await write(fs, file, records);
      }),
    list: () => withFile(async (fs, file) => [...(await read(fs, file)).values()]),
  };
}
