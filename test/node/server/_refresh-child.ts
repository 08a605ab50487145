/**
 * One server process of the two-process refresh test: waits for START_AT, asks for connection CONNECTION_ID's access
 * token through a PostgreSQL token store, and prints it. Not a test file.
 */
import pg from 'pg';
import { createConnections, createPostgresTokenStore } from '../../../core/server/index.ts';

const env = process.env as Record<string, string>;
const pool = new pg.Pool({ connectionString: env.DATABASE_URL });
const connections = createConnections({
  tokenUrl: env.TOKEN_URL,
  clientId: 'refresh-test',
  clientSecret: 'refresh-test-secret',
  store: createPostgresTokenStore({ pool, table: env.TABLE }),
});
await new Promise((resolve) => setTimeout(resolve, Math.max(0, Number(env.START_AT) - Date.now())));
try {
  process.stdout.write(`${await connections.getAccessToken(env.CONNECTION_ID)}\n`);
} finally {
  await pool.end();
}
