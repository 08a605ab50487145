/** The Node figures: sizes against their budgets and the speed of the hot paths (ops/s). */
import { readFileSync } from 'node:fs';
import { brotliCompressSync, constants, gzipSync } from 'node:zlib';
import { createExchangeHandler } from '../../core/server/index.ts';
import {
  buildExchangeBody,
  createAuthorizationRequest,
  createMemoryFlowStore,
  validateCallback,
} from '../../core/src/index.ts';

/** [file, brotli-11 budget, gzip-9 budget]: DESIGN.md's 16 KB brotli, and 18 KB for servers that only gzip. */
const BUDGETS: [string, number, number][] = [['dist/widget/flinks-connect.js', 16 * 1024, 18 * 1024]];

export interface Sizes {
  raw: number;
  gzip: number;
  brotli: number;
}

export function sizesOf(bytes: Buffer): Sizes {
  return {
    raw: bytes.length,
    gzip: gzipSync(bytes, { level: 9 }).length,
    brotli: brotliCompressSync(bytes, { params: { [constants.BROTLI_PARAM_QUALITY]: 11 } }).length,
  };
}

export interface NodeBench {
  overBudget: boolean;
  sizes: Record<string, Sizes & { budget: number; gzipBudget: number }>;
  rates: { name: string; opsPerSecond: number; microsPerOp: number }[];
}

export async function runNodeBench(log: (line: string) => void): Promise<NodeBench> {
  const result: NodeBench = { overBudget: false, sizes: {}, rates: [] };

  async function rate(name: string, fn: () => Promise<unknown>, ms = 1500): Promise<void> {
    for (let i = 0; i < 50; i++) await fn(); // warm up
    let n = 0;
    const start = performance.now();
    while (performance.now() - start < ms) {
      await fn();
      n++;
    }
    const elapsed = performance.now() - start;
    const opsPerSecond = (n / elapsed) * 1000;
    const microsPerOp = (elapsed / n) * 1000;
    result.rates.push({ name, opsPerSecond, microsPerOp });
    log(
      `${name.padEnd(48)} ${Math.round(opsPerSecond).toLocaleString('en').padStart(10)} ops/s  ${microsPerOp.toFixed(1).padStart(8)} µs/op`,
    );
  }

  log('Sizes (gzip -9, brotli -11)');
  for (const [path, budget, gzipBudget] of BUDGETS) {
    const sizes = sizesOf(readFileSync(new URL(`../../${path}`, import.meta.url)));
    const ok = sizes.brotli <= budget && sizes.gzip <= gzipBudget;
    result.overBudget ||= !ok;
    result.sizes[path] = { ...sizes, budget, gzipBudget };
    log(
      `${path.padEnd(48)} ${sizes.raw.toLocaleString('en').padStart(10)} B raw  ${sizes.gzip.toLocaleString('en').padStart(8)} B gzip (budget ${gzipBudget.toLocaleString('en')})  ${sizes.brotli.toLocaleString('en').padStart(8)} B brotli (budget ${budget.toLocaleString('en')}) ${ok ? 'ok' : 'OVER'}`,
    );
  }

  log('\nHot paths');
  const config = {
    client_id: 'dc-bench',
    authorize_url: 'https://ob.flinksapp.com/api/v1/authorize',
    redirect_uri: 'https://partner.example/cb',
    provider_id: '1000',
    issuer: 'https://ob.flinksapp.com',
  };
  await rate('createAuthorizationRequest (PKCE + URL)', () => createAuthorizationRequest(config));
  const store = createMemoryFlowStore();
  const { flow } = await createAuthorizationRequest(config);
  await rate('validateCallback (state + iss)', async () => {
    store.save(flow);
    await validateCallback(`?code=c&state=${flow.state}&iss=${encodeURIComponent(config.issuer)}`, store);
  });

  // The exchange handler's own cost: the token endpoint answers at once, in-process.
  const tokenResponse = JSON.stringify({
    access_token: 'a',
    token_type: 'Bearer',
    expires_in: 299,
    refresh_token: 'r',
  });
  const handler = createExchangeHandler({
    tokenUrl: 'https://ob.flinksapp.com/api/v1/token',
    clientId: 'dc-bench',
    clientSecret: 'bench-secret',
    redirectUris: [config.redirect_uri],
    fetch: async () => new Response(tokenResponse, { headers: { 'Content-Type': 'application/json' } }),
    onTokens: () => ({ connected: true }),
    checkRequest: () => {},
  });
  const body = JSON.stringify(buildExchangeBody(flow, 'code'));
  await rate('createExchangeHandler: one exchange request', async () => {
    const response = await handler(
      new Request('https://partner.example/api/flinks/exchange', {
        method: 'POST',
        headers: { 'Content-Type': 'application/json' },
        body,
      }),
    );
    if (response.status !== 200)
      throw new Error(`exchange answered ${response.status}: ${await response.text()}`);
  });
  return result;
}
