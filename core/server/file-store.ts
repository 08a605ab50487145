import type { Connection, TokenStore } from './connections.ts';

/**
 * A {@link TokenStore} in one JSON file (mode 0600), for the demo and local tools. Not for production: it holds
 * tokens in clear and serializes writes within one process only. Loads `node:fs` lazily, so importing the kit
 * stays free of Node APIs.
 */
export function createFileTokenStore(path: string): TokenStore & { list(): Promise<Connection[]> } {
  if (typeof path !== 'string' || path.length === 0) throw new TypeError('path must be a file path.');
  let queue: Promise<unknown> = Promise.resolve();
  // A specifier in a variable: bundlers for Workers or browsers leave it alone instead of failing on node:fs.
  const fsModule = 'node:fs/promises';
  const loadFs = (): Promise<typeof import('node:fs/promises')> => import(/* @vite-ignore */ fsModule);

  const read = async (): Promise<Record<string, Connection>> => {
    const fs = await loadFs();
    try {
      const json = JSON.parse(await fs.readFile(path, 'utf8'));
      return typeof json === 'object' && json !== null ? json : {};
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return {};
      throw error;
    }
  };
  const write = async (records: Record<string, Connection>): Promise<void> => {
    const fs = await loadFs();
    const temporary = `${path}.${process.pid}.tmp`;
    await fs.writeFile(temporary, JSON.stringify(records, null, 2), { mode: 0o600 });
    await fs.rename(temporary, path);
  };
  /** Runs read-modify-write steps one after another. */
  const serial = <T>(step: () => Promise<T>): Promise<T> => {
    const next = queue.then(step, step);
    queue = next.catch(() => {});
    return next;
  };

  return {
    get: (id) => serial(async () => (await read())[id]),
    set: (connection) =>
      serial(async () => {
        const records = await read();
        records[connection.id] = connection;
        await write(records);
      }),
    delete: (id) =>
      serial(async () => {
        const records = await read();
        delete records[id];
        await write(records);
      }),
    list: () => serial(async () => Object.values(await read())),
  };
}
