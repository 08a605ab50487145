/**
 * The server side of the load bench, in its own process (one event loop, pinned to one core by the parent when
 * `taskset` exists): the sandbox and a partner's exchange endpoint (core/server) in front of it. The parent
 * drives it over loopback and asks it, over IPC, for its memory and to move its clock forward (to let pending
 * interactions, codes, sessions and access tokens expire without waiting an hour).
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createExchangeHandler } from '../../core/server/index.ts';
import { toNodeHandler } from '../../core/server/node/index.ts';
import { DEMO_CLIENT } from '../demo/client.ts';
import { startSandbox } from '../sandbox/index.ts';
import { REDIRECT_URI } from './shared.ts';

export type ChildRequest = { id: number } & ({ type: 'memory' } | { type: 'advance'; ms: number });
export interface ChildReady {
  type: 'ready';
  sandbox: string;
  authorizeUrl: string;
  tokenUrl: string;
  fdxUrl: string;
  issuer: string;
  exchangeUrl: string;
}
export interface ChildMemory {
  heapUsed: number;
  rss: number;
  external: number;
}

const send = (message: unknown) => process.send?.(message);
const realNow = Date.now;
let offset = 0;
Date.now = () => realNow() + offset;

const sandbox = await startSandbox({ clients: [{ ...DEMO_CLIENT, redirect_uris: [REDIRECT_URI] }] });
const exchange = toNodeHandler(
  createExchangeHandler({
    tokenUrl: sandbox.tokenUrl,
    issuer: sandbox.issuer,
    clientId: DEMO_CLIENT.client_id,
    clientSecret: DEMO_CLIENT.client_secret,
    redirectUris: [REDIRECT_URI],
    onTokens: () => ({ connected: true }),
  }),
);
const server = createServer((req, res) => {
  if (req.url === '/exchange') return exchange(req, res);
  res.writeHead(404).end();
});
await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
const ready: ChildReady = {
  type: 'ready',
  sandbox: sandbox.url,
  authorizeUrl: sandbox.authorizeUrl,
  tokenUrl: sandbox.tokenUrl,
  fdxUrl: sandbox.fdxUrl,
  issuer: sandbox.issuer,
  exchangeUrl: `http://127.0.0.1:${(server.address() as AddressInfo).port}/exchange`,
};
send(ready);

process.on('message', async (message: ChildRequest) => {
  if (message.type === 'advance') {
    offset += message.ms;
    send({ id: message.id });
  } else if (message.type === 'memory') {
    const gc = (globalThis as { gc?: () => void }).gc;
    for (let i = 0; i < 3; i++) {
      gc?.();
      await new Promise((resolve) => setImmediate(resolve));
    }
    const { heapUsed, rss, external } = process.memoryUsage();
    send({ id: message.id, memory: { heapUsed, rss, external } satisfies ChildMemory });
  }
});
process.on('disconnect', () => {
  server.close();
  void sandbox.close().then(() => process.exit(0));
});
