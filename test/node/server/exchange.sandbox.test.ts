import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { inspect } from 'node:util';
import {
  createExchangeHandler,
  createFdxClient,
  type ExchangeHandlerOptions,
  type FlinksServerError,
  type Tokens,
} from '../../../core/server/index.ts';
import { getFreePort } from '../../ports.ts';
import { type Sandbox, startSandbox } from '../../sandbox/index.ts';
import { authorize, control, REDIRECT_URI, recipient } from './_sandbox.ts';

let sandbox: Sandbox;
const client = recipient();
before(async () => {
  sandbox = await startSandbox({ clients: [client] });
});
after(() => sandbox.close());

function handler(overrides: Partial<ExchangeHandlerOptions> = {}) {
  const errors: FlinksServerError[] = [];
  const received: Tokens[] = [];
  const handle = createExchangeHandler({
    tokenUrl: sandbox.tokenUrl,
    issuer: sandbox.issuer,
    clientId: client.client_id,
    clientSecret: client.client_secret,
    redirectUris: [REDIRECT_URI],
    onTokens: ({ tokens }) => {
      received.push(tokens);
    },
    onError: (error) => errors.push(error),
    ...overrides,
  });
  const post = (body: unknown) =>
    handle(
      new Request('http://localhost:5999/api/flinks/exchange', {
        method: 'POST',
        headers: { 'Content-Type': 'application/json', 'Sec-Fetch-Site': 'same-origin' },
        body: JSON.stringify(body),
      }),
    );
  return { post, errors, received };
}

/** Everything the browser or a log could see of a failed exchange. */
function visible(text: string, errors: FlinksServerError[]): string {
  const parts = [text];
  for (const error of errors) {
    let e: unknown = error;
    while (e instanceof Error) {
      parts.push(e.message, String(e.stack), JSON.stringify(e));
      e = e.cause;
    }
    parts.push(JSON.stringify(e ?? null));
  }
  return parts.join('\n');
}

describe('exchange handler against the sandbox', () => {
  for (const [auth, format] of [
    ['client_secret_post', 'form'],
    ['client_secret_post', 'json'],
    ['client_secret_basic', 'form'],
    ['client_secret_basic', 'json'],
  ] as const) {
    it(`exchanges a real code (${auth}, ${format} body) and the tokens read FDX accounts`, async () => {
      const body = await authorize(sandbox, client);
      const { post, received } = handler({
        clientAuth: auth,
        bodyFormat: format,
        onTokens: async ({ tokens, provider_id }) => {
          const fdx = createFdxClient({ baseUrl: sandbox.fdxUrl, accessToken: tokens.access_token });
          const { accounts } = await fdx.accounts();
          received.push(tokens);
          return { provider_id, accounts: accounts.length };
        },
      });
      const response = await post(body);
      const text = await response.text();
      assert.equal(response.status, 200, text);
      const answer = JSON.parse(text);
      assert.equal(answer.provider_id, '1000');
      assert.ok(answer.accounts > 0);
      const tokens = received[0];
      assert.ok(tokens?.access_token && tokens.refresh_token);
      assert.ok(!text.includes(tokens.access_token) && !text.includes(tokens.refresh_token));
    });
  }

  it('answers 502 invalid_client for a wrong secret, without the secret anywhere', async () => {
    const body = await authorize(sandbox, client);
    const { post, errors } = handler({ clientSecret: 'wrong-secret-value-123' });
    const response = await post(body);
    const text = await response.text();
    assert.equal(response.status, 502);
    const answer = JSON.parse(text);
    assert.equal(answer.error, 'TOKEN_REQUEST_FAILED');
    assert.equal(answer.flinks_error, 'invalid_client');
    const all = visible(text, errors);
    for (const secret of ['wrong-secret-value-123', client.client_secret, body.code_verifier]) {
      assert.ok(!all.includes(secret), `leaked ${secret}`);
    }
  });

  it('answers 502 invalid_grant when a code is used twice', async () => {
    const body = await authorize(sandbox, client);
    const { post, errors, received } = handler();
    assert.equal((await post(body)).status, 200);
    const second = await post(body);
    const text = await second.text();
    assert.equal(second.status, 502);
    assert.equal(JSON.parse(text).flinks_error, 'invalid_grant');
    const tokens = received[0];
    assert.ok(tokens);
    const all = visible(text, errors);
    assert.ok(!all.includes(tokens.access_token) && !all.includes(body.code_verifier));
  });

  it('answers 502 invalid_grant for a wrong code_verifier', async () => {
    const body = await authorize(sandbox, client);
    const { post, received } = handler();
    const response = await post({ ...body, code_verifier: 'x'.repeat(43) });
    assert.equal(response.status, 502);
    assert.equal((await response.json()).flinks_error, 'invalid_grant');
    assert.equal(received.length, 0);
  });

  it('answers 502 invalid_grant when redirect_uri differs from the one sent to /authorize', async () => {
    const other = 'http://localhost:5999/other-callback';
    const twoUris = recipient({ redirect_uris: [REDIRECT_URI, other] });
    sandbox.addClient(twoUris);
    const body = await authorize(sandbox, twoUris);
    const { post } = handler({
      clientId: twoUris.client_id,
      clientSecret: twoUris.client_secret,
      redirectUris: [REDIRECT_URI, other],
    });
    const response = await post({ ...body, redirect_uri: other });
    assert.equal(response.status, 502);
    assert.equal((await response.json()).flinks_error, 'invalid_grant');
  });

  it('refuses a redirect_uri outside its allow-list before calling Flinks', async () => {
    const body = await authorize(sandbox, client);
    const { post } = handler({ redirectUris: ['http://localhost:5999/elsewhere'] });
    const response = await post(body);
    assert.equal(response.status, 400);
    assert.equal((await response.json()).error, 'REDIRECT_URI_NOT_ALLOWED');
    // The code was not spent: a correct handler can still use it.
    assert.equal((await handler().post(body)).status, 200);
  });
});

describe('exchange handler failures seen by the browser and the log', () => {
  it('answers 502 temporarily_unavailable and 504 TIMEOUT when Flinks is down or slow', async () => {
    await control(sandbox, 'faults', { kind: 'temporarily_unavailable', target: 'token' });
    const down = await handler().post(await authorize(sandbox, client));
    assert.equal(down.status, 502);
    assert.deepEqual(
      { ...(await down.json()), message: undefined },
      { error: 'TOKEN_REQUEST_FAILED', flinks_error: 'temporarily_unavailable', message: undefined },
    );
    await control(sandbox, 'faults', { kind: 'slow', target: 'token', delay_ms: 1500 });
    const slow = await handler({ timeoutMs: 300 }).post(await authorize(sandbox, client));
    assert.equal(slow.status, 504);
    assert.equal((await slow.json()).error, 'TIMEOUT');
  });

  it('never puts a secret, verifier or token in an answer, a default log line or an inspected error', async () => {
    const secrets: string[] = [client.client_secret];
    const answers: string[] = [];
    const inspected: string[] = [];
    const logged: string[] = [];
    const original = console.warn;
    console.warn = (...args: unknown[]) => {
      logged.push(args.map((a) => (typeof a === 'string' ? a : inspect(a, { depth: null }))).join(' '));
    };
    try {
      const run = async (overrides: Partial<ExchangeHandlerOptions>, mutate = (b: object) => b) => {
        const body = await authorize(sandbox, client);
        secrets.push(body.code_verifier);
        const { post } = handler({ ...overrides, onError: undefined });
        const capture = handler({ ...overrides });
        // Once with the default logger, once capturing the error objects themselves.
        answers.push(await (await post(mutate(body))).text());
        const again = await authorize(sandbox, client);
        secrets.push(again.code_verifier);
        answers.push(await (await capture.post(mutate(again))).text());
        for (const error of capture.errors) inspected.push(inspect(error, { depth: null, showHidden: true }));
        return capture;
      };
      await run({ clientSecret: 'wrong-secret-for-leak-test' });
      secrets.push('wrong-secret-for-leak-test');
      await run({}, (b) => ({ ...b, code_verifier: 'q'.repeat(43) }));
      const thrower = await run({
        onTokens: ({ tokens }) => {
          secrets.push(tokens.access_token, tokens.refresh_token ?? '');
          throw new Error('storage failed');
        },
      });
      assert.equal(thrower.errors[0]?.code, 'CALLBACK_FAILED');
      await run({
        onTokens: ({ tokens }) => {
          secrets.push(tokens.access_token, tokens.refresh_token ?? '');
          return { leaked: tokens.access_token };
        },
      });
    } finally {
      console.warn = original;
    }
    assert.ok(logged.length >= 3, `the default logger wrote ${logged.length} lines`);
    assert.equal(answers.length, 8);
    assert.ok(inspected.length >= 4);
    const everything = [...answers, ...logged, ...inspected].join('\n');
    for (const secret of secrets.filter(Boolean)) {
      assert.ok(!everything.includes(secret), `leaked ${secret.slice(0, 6)}…`);
    }
  });
});

describe('an expired authorization code', () => {
  it('answers 502 invalid_grant for a code past its 60 s lifetime, while a fresh one still works', async () => {
    // Codes live 60 s at the sandbox. Rather than wait, age one code by 61 s in the sandbox's own data file
    // between two runs of the same sandbox (same port, so the same issuer); the other code is left as it is.
    const dir = await mkdtemp(join(tmpdir(), 'flinks-code-'));
    const dataFile = join(dir, 'state.json');
    const port = await getFreePort();
    const own = recipient();
    let running = await startSandbox({ port, dataFile, clients: [own] });
    try {
      const expired = await authorize(running, own);
      const fresh = await authorize(running, own);
      await running.close();
      const state = JSON.parse(await readFile(dataFile, 'utf8'));
      const entry = state.oidc.AuthorizationCode[expired.code];
      assert.ok(entry, 'the code is in the data file');
      entry.payload.iat -= 61;
      entry.payload.exp -= 61;
      if (entry.expiresAt) entry.expiresAt -= 61_000;
      await writeFile(dataFile, JSON.stringify(state));
      running = await startSandbox({ port, dataFile, clients: [own] });
      const handle = createExchangeHandler({
        tokenUrl: running.tokenUrl,
        clientId: own.client_id,
        clientSecret: own.client_secret,
        redirectUris: own.redirect_uris,
        onTokens: () => ({ ok: 1 }),
        onError: () => {},
      });
      const post = (body: unknown) =>
        handle(
          new Request('http://localhost:5999/api/flinks/exchange', {
            method: 'POST',
            headers: { 'Content-Type': 'application/json' },
            body: JSON.stringify(body),
          }),
        );
      const late = await post(expired);
      assert.equal(late.status, 502);
      assert.equal((await late.json()).flinks_error, 'invalid_grant');
      const inTime = await post(fresh);
      assert.equal(inTime.status, 200);
    } finally {
      await running.close();
      await rm(dir, { recursive: true, force: true });
    }
  });
});
