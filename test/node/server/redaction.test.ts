/**
 * An upstream in front of Flinks (proxy, WAF, misconfigured gateway) that echoes the request it got into its error
 * answer must not make the kit leak the client secret, the code, its verifier or a token: not to the browser, not
 * into a message, a log line or an error's cause.
 */
import assert from 'node:assert/strict';
import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { inspect } from 'node:util';
import {
  createAdminClient,
  createConnections,
  createExchangeHandler,
  createFdxClient,
  type FlinksServerError,
  type TokenEndpointOptions,
} from '../../../core/server/index.ts';
import { createRedactor, REDACTED } from '../../../core/server/redact.ts';
import { ACCESS, exchangeBody, post, REDIRECT, REFRESH, SECRET, VERIFIER } from './_fake-token.ts';

const CODE = 'code-do-not-leak-2468';
const SENSITIVE = [SECRET, VERIFIER, CODE, ACCESS, REFRESH];

/** How the echoing upstream answers: it puts `echo` (the request's headers and body) where the test asks. */
type Shape = (echo: string) => { status: number; body: unknown; headers?: Record<string, string> };

let shape: Shape = () => ({ status: 500, body: {} });
let base = '';
const server = createServer(async (req: IncomingMessage, res) => {
  let body = '';
  for await (const chunk of req) body += chunk;
  // The body first: the kit cuts upstream text to 200 characters, and the secret must fall within them.
  // Some gateways also quote the token they refused, bare: "invalid token abc…".
  const bearer = /^Bearer (.+)$/.exec(req.headers.authorization ?? '')?.[1];
  const echo = `${bearer ? `invalid token ${bearer} ` : ''}${body} ${JSON.stringify(req.headers)} ${req.method} ${req.url}`;
  const { status, body: answer, headers } = shape(echo);
  res.writeHead(status, { 'Content-Type': 'application/json', ...headers });
  res.end(JSON.stringify(answer));
});
before(async () => {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
after(() => new Promise<void>((resolve) => server.close(() => resolve())));

/** Everything a log or a debugger could show of an error: message, stack, own properties, the cause chain. */
function everything(error: unknown): string {
  return `${inspect(error, { depth: 20, showHidden: true })} ${JSON.stringify(error)} ${String((error as Error)?.stack)}`;
}

function assertClean(text: string, where: string): void {
  for (const value of SENSITIVE) {
    for (const form of [
      value,
      encodeURIComponent(value),
      Buffer.from(value).toString('base64').slice(0, 12),
    ]) {
      assert.ok(!text.includes(form), `${where} contains ${value}:\n${text}`);
    }
  }
}

/** Runs one exchange against the echoing upstream; returns the browser's answer, the errors and the log lines. */
async function exchange(options: Partial<TokenEndpointOptions> = {}, useDefaultLog = false) {
  const errors: FlinksServerError[] = [];
  const handle = createExchangeHandler({
    tokenUrl: `${base}/api/v1/token`,
    clientId: 'partner-client',
    clientSecret: SECRET,
    redirectUris: [REDIRECT],
    onTokens: () => undefined,
    ...(useDefaultLog ? {} : { onError: (error) => errors.push(error) }),
    ...options,
  });
  const logged: string[] = [];
  const warn = console.warn;
  console.warn = (...args: unknown[]) => logged.push(args.map((a) => inspect(a, { depth: 20 })).join(' '));
  try {
    const response = await handle(post(exchangeBody({ code: CODE })));
    return {
      status: response.status,
      body: (await response.json()) as Record<string, unknown>,
      errors,
      logged,
    };
  } finally {
    console.warn = warn;
  }
}

const upstreamShapes: [string, Shape][] = [
  [
    'a 400 OAuth error whose error_description echoes the request',
    (echo) => ({
      status: 400,
      body: { error: 'invalid_grant', error_description: echo },
    }),
  ],
  [
    'a 500 OAuth error whose error_description echoes the request',
    (echo) => ({
      status: 500,
      body: { error: 'server_error', error_description: echo },
    }),
  ],
  [
    'an OAuth error whose error field is the echo itself',
    (echo) => ({
      status: 400,
      body: { error: echo, error_description: echo },
    }),
  ],
  [
    'a 401 whose WWW-Authenticate challenge echoes the request',
    (echo) => ({
      status: 401,
      body: { echo },
      headers: { 'WWW-Authenticate': `Basic realm="x", error="${echo.replace(/["\\\r\n]/g, '')}"` },
    }),
  ],
  [
    'a 200 that is not a token response and echoes the request',
    (echo) => ({
      status: 200,
      body: { access_token: 42, token_type: echo, echo },
    }),
  ],
  [
    'a 400 OAuth error whose error code is the client secret',
    () => ({
      status: 400,
      body: { error: SECRET, error_description: `client_secret=${SECRET}` },
    }),
  ],
];

describe('an upstream that echoes the token request', () => {
  for (const [name, make] of upstreamShapes) {
    for (const format of [
      { bodyFormat: 'form' },
      { bodyFormat: 'json' },
      { clientAuth: 'client_secret_basic' },
    ] as const) {
      it(`leaks nothing to the browser, onError or logs: ${name} (${JSON.stringify(format)})`, async () => {
        let echoed = '';
        shape = (echo) => {
          echoed = echo;
          return make(echo);
        };
        const { status, body, errors } = await exchange(format);
        // The upstream really did echo what would leak: the test is meaningful.
        assert.ok(echoed.includes(CODE) && echoed.includes(VERIFIER));
        assert.ok(
          echoed.includes(SECRET) || echoed.includes(encodeURIComponent(SECRET)) || /Basic /.test(echoed),
        );
        assert.ok(status === 502 || status === 504, `status ${status}`);
        assertClean(JSON.stringify(body), 'the browser answer');
        assert.equal(errors.length, 1);
        assertClean(everything(errors[0]), 'the error given to onError');
      });
    }
  }

  it('answers the browser the error code and flinks_error only, never the upstream description', async () => {
    shape = () => ({
      status: 400,
      body: { error: 'invalid_grant', error_description: 'upstream says: grant expired at node 10.1.2.3' },
    });
    const { body, errors } = await exchange();
    assert.deepEqual(Object.keys(body).sort(), ['error', 'flinks_error', 'message']);
    assert.equal(body.error, 'TOKEN_REQUEST_FAILED');
    assert.equal(body.flinks_error, 'invalid_grant');
    assert.ok(!String(body.message).includes('10.1.2.3'), String(body.message));
    // The partner's own log still gets the (redacted) description to debug with.
    assert.match(errors[0]?.message ?? '', /grant expired at node 10\.1\.2\.3/);
  });

  it('drops a flinks_error that is not an OAuth error code', async () => {
    shape = (echo) => ({ status: 400, body: { error: echo } });
    const { body } = await exchange();
    assert.equal(body.error, 'TOKEN_REQUEST_FAILED');
    assert.equal(body.flinks_error, undefined);
  });

  it('logs nothing sensitive with the default onError', async () => {
    shape = (echo) => ({ status: 500, body: { error: 'server_error', error_description: echo } });
    const { logged } = await exchange({}, true);
    assert.equal(logged.length, 1);
    assertClean(logged.join('\n'), 'the default log line');
    assert.match(logged[0] ?? '', /TOKEN_REQUEST_FAILED/);
  });
});

describe('other calls through an echoing upstream', () => {
  it('a refused refresh leaks neither the refresh token nor the secret', async () => {
    shape = (echo) => ({ status: 400, body: { error: 'invalid_request', error_description: echo } });
    const connections = createConnections({
      tokenUrl: `${base}/api/v1/token`,
      clientId: 'partner-client',
      clientSecret: SECRET,
    });
    await connections.save({
      id: 'c1',
      provider_id: '1000',
      tokens: { access_token: ACCESS, token_type: 'Bearer', refresh_token: REFRESH, expires_at: 1 },
    });
    const error = await connections.getAccessToken('c1').then(
      () => assert.fail('the refresh must fail'),
      (e: unknown) => e,
    );
    assert.match((error as Error).message, /invalid_request/);
    assertClean(everything(error), 'the refresh error');
  });

  it('a refused revoke leaks neither the access nor the refresh token', async () => {
    shape = (echo) => ({ status: 500, body: { error: 'server_error', error_description: echo, echo } });
    const connections = createConnections({
      tokenUrl: `${base}/api/v1/token`,
      clientId: 'partner-client',
      clientSecret: SECRET,
      fdx: { retries: 0 },
    });
    await connections.save({
      id: 'c2',
      provider_id: '1000',
      tokens: { access_token: ACCESS, token_type: 'Bearer', refresh_token: REFRESH, expires_at: 2 ** 40 },
    });
    const error = await connections.revoke('c2').then(
      () => assert.fail('the revoke must fail'),
      (e: unknown) => e,
    );
    assert.match((error as Error).message, /HTTP 500/);
    assertClean(everything(error), 'the revoke error');
  });

  it('an FDX error answer leaks not the access token', async () => {
    shape = (echo) => ({ status: 500, body: { code: 500, message: echo, debugMessage: echo, echo } });
    const fdx = createFdxClient({ baseUrl: `${base}/api/fdx/5`, accessToken: ACCESS, retries: 0 });
    const error = await fdx.accounts().then(
      () => assert.fail('must fail'),
      (e: unknown) => e,
    );
    assert.equal((error as { fdx_code?: number }).fdx_code, 500);
    assertClean(everything(error), 'the FDX error');
  });

  it('an admin API error answer leaks neither the admin token nor the secret', async () => {
    shape = (echo) =>
      echo.includes('/token')
        ? { status: 200, body: { access_token: ACCESS, token_type: 'Bearer', expires_in: 300 } }
        : { status: 500, body: { error: 'server_error', error_description: echo, message: echo } };
    const admin = createAdminClient({
      baseUrl: base,
      clientId: 'partner',
      clientSecret: SECRET,
      retries: 0,
    });
    const error = await admin.providers().then(
      () => assert.fail('must fail'),
      (e: unknown) => e,
    );
    assert.match((error as Error).message, /HTTP 500/);
    assertClean(everything(error), 'the admin error');
  });
});

describe('createRedactor', () => {
  it('removes a value in every form it is sent in, and any sensitive name=value pair', () => {
    const secret = 'se cr+et/=&"x';
    const redact = createRedactor([secret]);
    for (const text of [
      `raw ${secret}`,
      `form client=${encodeURIComponent(secret)}`,
      `form ${new URLSearchParams({ s: secret })}`,
      `json ${JSON.stringify({ s: secret })}`,
      `basic ${Buffer.from(secret).toString('base64')}`,
      'pair client_secret=abc&x=1',
      'pair {"code_verifier": "abcdef"}',
      'header Authorization: Bearer abc.def',
    ]) {
      const out = redact(text);
      assert.ok(out.includes(REDACTED), `${text} -> ${out}`);
      assert.ok(
        !out.includes('abc') && !out.includes('cr+et') && !out.includes('cr%2Bet'),
        `${text} -> ${out}`,
      );
    }
    assert.equal(redact('invalid_grant: the code expired'), 'invalid_grant: the code expired');
  });
});
