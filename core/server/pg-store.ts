import type { Connection, TokenStore } from './connections.ts';

/** The part of a `pg` client this store uses: `query` with `$1` parameters. */
export interface PgQueryable {
  query(text: string, values?: unknown[]): Promise<{ rows: Record<string, unknown>[] }>;
}

/** The part of a `pg.Pool` this store uses: queries, and a dedicated client (held while a lock is). */
export interface PgPool extends PgQueryable {
  connect(): Promise<PgQueryable & { release(error?: Error | boolean): void }>;
}

/** Options of {@link createPostgresTokenStore}. */
export interface PostgresTokenStoreOptions {
  /** A `pg.Pool` (or anything with its `query` and `connect`). The store never ends it. */
  pool: PgPool;
  /** The table, created if missing; default `flinks_connections`. Letters, digits and `_`, optionally `schema.`. */
  table?: string;
}

/** A {@link TokenStore} on PostgreSQL: `list()`, and `lock()` so one process at a time refreshes a connection. */
export type PostgresTokenStore = TokenStore & {
  list(): Promise<Connection[]>;
  lock<T>(id: string, run: () => Promise<T>): Promise<T>;
};

/**
 * Creates a {@link TokenStore} on PostgreSQL through a `pg.Pool` you pass (the kit does not import `pg`). Each
 * connection is one row (`id`, the record as `jsonb`, `updated_at`) in `table`, created on first use. `lock(id)` holds
 * a transaction-level advisory lock on the id, so that with several server processes on one database only one
 * refreshes a connection's tokens at a time and the others then read the new ones. Records hold tokens: encrypt
 * them at rest (the database's, or a store wrapper).
 */
export function createPostgresTokenStore(options: PostgresTokenStoreOptions): PostgresTokenStore {
  const { pool } = options ?? {};
  if (typeof pool?.query !== 'function' || typeof pool.connect !== 'function') {
    throw new TypeError('pool must be a pg.Pool (with query and connect).');
  }
  const table = options.table ?? 'flinks_connections';
  if (!/^([a-z_][a-z0-9_]{0,62}\.)?[a-z_][a-z0-9_]{0,62}$/i.test(table)) {
    throw new TypeError('table must be a name of letters, digits and _ (optionally schema.name).');
  }
  let ready: Promise<unknown> | undefined;
  const ensureTable = () => {
    ready ??= pool
      .query(
        `CREATE TABLE IF NOT EXISTS ${table} (
          id text PRIMARY KEY,
          record jsonb NOT NULL,
          updated_at timestamptz NOT NULL DEFAULT now()
        )`,
      )
      .catch((error) => {
        ready = undefined;
        throw error;
      });
    return ready;
  };
  const query = async (text: string, values?: unknown[]) => {
    await ensureTable();
    return pool.query(text, values);
  };

  return {
    async get(id) {
      const { rows } = await query(`SELECT record FROM ${table} WHERE id = $1`, [id]);
      return rows[0]?.record as Connection | undefined;
    },
    async set(connection) {
      await query(
        `INSERT INTO ${table} (id, record, updated_at) VALUES ($1, $2, now())
         ON CONFLICT (id) DO UPDATE SET record = EXCLUDED.record, updated_at = now()`,
        [connection.id, JSON.stringify(connection)],
      );
    },
    async delete(id) {
      await query(`DELETE FROM ${table} WHERE id = $1`, [id]);
    },
    async list() {
      const { rows } = await query(`SELECT record FROM ${table} ORDER BY id`);
      return rows.map((row) => row.record as Connection);
    },
    async lock(id, run) {
      await ensureTable();
      const client = await pool.connect();
      let broken = false;
      try {
        await client.query('BEGIN');
        // Waits while another process holds this connection's lock; released at COMMIT/ROLLBACK.
        await client.query('SELECT pg_advisory_xact_lock(hashtextextended($1, 0))', [`${table}:${id}`]);
        const result = await run();
        await client.query('COMMIT');
        return result;
      } catch (error) {
        await client.query('ROLLBACK').catch(() => {
          broken = true; // a client that cannot roll back is not given back to the pool
        });
        throw error;
      } finally {
        client.release(broken);
      }
    },
  };
}
