/**
 * The server side under load (autocannon, loopback): the exchange endpoint against the sandbox, the sandbox's
 * /token and FDX /accounts, each on one core; then the server process's memory over many whole flows.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import autocannon from 'autocannon';
import { buildExchangeBody, createAuthorizationRequest } from '../../core/src/index.ts';
import { DEMO_CLIENT } from '../demo/client.ts';
import { driveAuthorize } from '../sandbox/drive.ts';
import type { ChildMemory, ChildReady } from './server-child.ts';
import { REDIRECT_URI } from './shared.ts';

export interface LoadResult {
  name: string;
  requests: number;
  rps: number;
  p50: number;
  p99: number;
  non2xx: number;
  errors: number;
}

export interface MemoryPoint {
  flows: number;
  heapUsed: number;
  rss: number;
}

export interface ServerBench {
  pinned: boolean;
  load: LoadResult[];
  memory: { points: MemoryPoint[]; afterExpiry: MemoryPoint; bytesPerFlow: number; retainedPerFlow: number };
}

class Child {
  #child: ChildProcess;
  #next = 1;
  #pending = new Map<number, (value: Record<string, unknown>) => void>();
  readonly ready: Promise<ChildReady>;

  constructor(pinned: boolean) {
    const args = ['--expose-gc', '--import', 'tsx', new URL('server-child.ts', import.meta.url).pathname];
    this.#child = pinned
      ? spawn('taskset', ['-c', '0', process.execPath, ...args], {
          stdio: ['ignore', 'ignore', 'ignore', 'ipc'],
        })
      : spawn(process.execPath, args, { stdio: ['ignore', 'ignore', 'ignore', 'ipc'] });
    this.ready = new Promise((resolve, reject) => {
      this.#child.once('exit', (code) => reject(new Error(`server child exited (${code})`)));
      this.#child.on('message', (message: Record<string, unknown>) => {
        if (message.type === 'ready') resolve(message as unknown as ChildReady);
        const pending = this.#pending.get(message.id as number);
        this.#pending.delete(message.id as number);
        pending?.(message);
      });
    });
  }

  ask(message: { type: 'memory' } | { type: 'advance'; ms: number }): Promise<Record<string, unknown>> {
    const id = this.#next++;
    return new Promise((resolve) => {
      this.#pending.set(id, resolve);
      this.#child.send({ ...message, id });
    });
  }

  async memory(flows: number): Promise<MemoryPoint> {
    const { memory } = (await this.ask({ type: 'memory' })) as { memory: ChildMemory };
    return { flows, heapUsed: memory.heapUsed, rss: memory.rss };
  }

  close(): void {
    this.#child.disconnect();
  }
}

/** Runs `fn` over `items` with `concurrency` at a time. */
async function pool<T, R>(items: T[], concurrency: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const out: R[] = new Array(items.length);
  let next = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < items.length) {
        const i = next++;
        out[i] = await fn(items[i] as T);
      }
    }),
  );
  return out;
}

/** Authorizes at the sandbox as greatday (over HTTP, no browser) and returns the exchange body for the code. */
async function mint(ready: ChildReady): Promise<string> {
  const { url, flow } = await createAuthorizationRequest({
    client_id: DEMO_CLIENT.client_id,
    authorize_url: ready.authorizeUrl,
    redirect_uri: REDIRECT_URI,
    provider_id: '1000',
    issuer: ready.issuer,
  });
  const back = await driveAuthorize(url.href, {
    username: 'greatday',
    password: 'everyday',
    decision: 'allow',
  });
  const code = back.searchParams.get('code');
  if (!code) throw new Error(`no code: ${back.href}`);
  return JSON.stringify(buildExchangeBody(flow, code));
}

function summarize(name: string, result: autocannon.Result): LoadResult {
  return {
    name,
    requests: result.requests.total,
    rps: result.requests.total / (result.duration || 1),
    p50: result.latency.p50,
    p99: result.latency.p99,
    non2xx: result.non2xx,
    errors: result.errors,
  };
}

/** autocannon over a list of request bodies, each sent once. */
function cannon(options: autocannon.Options & { bodies?: string[] }): Promise<autocannon.Result> {
  const { bodies, ...rest } = options;
  let i = 0;
  const requests = bodies
    ? [{ setupRequest: (req: autocannon.Request) => ({ ...req, body: bodies[i++ % bodies.length] }) }]
    : undefined;
  return autocannon({ ...rest, ...(requests ? { requests, amount: bodies?.length } : {}) });
}

/**
 * Loads each server for `seconds` (or over `flows` exchange bodies), then measures the server process's memory
 * after `flows` whole flows (authorize, sign-in, consent, exchange), and again once everything that expires has.
 */
export async function runServerBench(options: {
  seconds: number;
  flows: number;
  log?: (line: string) => void;
}): Promise<ServerBench> {
  const log = options.log ?? (() => {});
  const pinned = existsSync('/usr/bin/taskset');
  const child = new Child(pinned);
  try {
    const ready = await child.ready;
    const load: LoadResult[] = [];
    const connections = 10;

    // /token (client_credentials) and FDX /accounts need no fresh code per request.
    const tokenBody = new URLSearchParams({
      grant_type: 'client_credentials',
      client_id: DEMO_CLIENT.client_id,
      client_secret: DEMO_CLIENT.client_secret,
    }).toString();
    log('  load: sandbox /token');
    load.push(
      summarize(
        'sandbox POST /token (client_credentials)',
        await cannon({
          url: ready.tokenUrl,
          method: 'POST',
          headers: { 'content-type': 'application/x-www-form-urlencoded' },
          body: tokenBody,
          connections,
          duration: options.seconds,
        }),
      ),
    );
    const body = JSON.parse(await mint(ready)) as Record<string, string>;
    const tokens = (await (
      await fetch(ready.tokenUrl, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({
          grant_type: 'authorization_code',
          code: body.code as string,
          code_verifier: body.code_verifier as string,
          redirect_uri: REDIRECT_URI,
          client_id: DEMO_CLIENT.client_id,
          client_secret: DEMO_CLIENT.client_secret,
        }),
      })
    ).json()) as { access_token: string };
    log('  load: sandbox FDX /accounts');
    load.push(
      summarize(
        'sandbox GET /api/fdx/5/accounts',
        await cannon({
          url: `${ready.fdxUrl}/accounts`,
          headers: { authorization: `Bearer ${tokens.access_token}`, accept: 'application/json' },
          connections,
          duration: options.seconds,
        }),
      ),
    );

    // The whole flows: each code is minted over HTTP (sign-in and consent at the sandbox), then all of a
    // batch are exchanged under autocannon (codes live 60 s: a batch of 100 is minted in well under that).
    const points: MemoryPoint[] = [await child.memory(0)];
    const batch = Math.min(100, options.flows);
    const exchange: autocannon.Result[] = [];
    let done = 0;
    const started = performance.now();
    while (done < options.flows) {
      const size = Math.min(batch, options.flows - done);
      const bodies = await pool(Array.from({ length: size }), 8, () => mint(ready));
      exchange.push(
        await cannon({
          url: ready.exchangeUrl,
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          bodies,
          connections,
        }),
      );
      done += size;
      if (done === batch * 2 || done === options.flows || done % 2000 === 0) {
        const point = await child.memory(done);
        points.push(point);
        log(`  memory after ${done} flows: heap ${(point.heapUsed / 2 ** 20).toFixed(1)} MiB`);
      }
      if (done % 1000 === 0 || done === options.flows)
        log(
          `  flows: ${done}/${options.flows} (${Math.round((done / (performance.now() - started)) * 1000)}/s)`,
        );
    }
    const total = exchange.reduce((sum, r) => sum + r.requests.total, 0);
    const seconds = exchange.reduce((sum, r) => sum + r.duration, 0);
    const latencies = exchange.map((r) => r.latency.p99).sort((a, b) => a - b);
    load.unshift({
      name: 'exchange endpoint → sandbox /token (fresh codes)',
      requests: total,
      rps: total / (seconds || 1),
      p50: exchange.map((r) => r.latency.p50).sort((a, b) => a - b)[Math.floor(exchange.length / 2)] ?? 0,
      // The worst batch's p99: autocannon keeps no histogram across runs.
      p99: latencies[latencies.length - 1] ?? 0,
      non2xx: exchange.reduce((sum, r) => sum + r.non2xx, 0),
      errors: exchange.reduce((sum, r) => sum + r.errors, 0),
    });

    // Two hours later: interactions, sessions (1 h), codes (60 s) and access tokens (299 s) have expired.
    await child.ask({ type: 'advance', ms: 2 * 3600 * 1000 });
    await mint(ready); // one more flow, so whatever sweeps on use has had its chance
    const afterExpiry = await child.memory(options.flows + 1);
    const first = points[0] as MemoryPoint;
    const last = points[points.length - 1] as MemoryPoint;
    const span = last.flows - first.flows || 1;
    return {
      pinned,
      load,
      memory: {
        points,
        afterExpiry,
        bytesPerFlow: (last.heapUsed - first.heapUsed) / span,
        retainedPerFlow: (afterExpiry.heapUsed - first.heapUsed) / span,
      },
    };
  } finally {
    child.close();
  }
}
