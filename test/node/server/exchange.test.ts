import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { describe, it } from 'node:test';
import {
  createExchangeHandler,
  type ExchangeHandlerOptions,
  type FlinksServerError,
} from '../../../core/server/index.ts';
import { toNodeHandler } from '../../../core/server/node/index.ts';
import {
  ACCESS,
  exchangeBody,
  fakeTokenFetch,
  post,
  REDIRECT,
  REFRESH,
  SECRET,
  VERIFIER,
} from './_fake-token.ts';

type Answer = () => { status: number; body: unknown };
const okTokens: Answer = () => ({
  status: 200,
  body: { access_token: ACCESS, token_type: 'Bearer', expires_in: 299, refresh_token: REFRESH },
});

function handler(overrides: Partial<ExchangeHandlerOptions> = {}, answer: Answer = okTokens) {
  const fake = fakeTokenFetch(answer);
  const errors: Error[] = [];
  const handle = createExchangeHandler({
    tokenUrl: 'https://flinks.example/api/v1/token',
    clientId: 'partner-client',
    clientSecret: SECRET,
    redirectUris: [REDIRECT],
    onTokens: () => undefined,
    fetch: fake.fetch,
    onError: (error) => errors.push(error),
    logger: { warn: () => {} },
    ...overrides,
  });
  return { handle, seen: fake.seen, errors };
}

async function answer(
  response: Response,
): Promise<{ status: number; body: Record<string, unknown>; text: string }> {
  const text = await response.text();
  return { status: response.status, body: JSON.parse(text), text };
}

function assertNoSecrets(text: string): void {
  for (const secret of [SECRET, ACCESS, REFRESH, VERIFIER]) {
    assert.ok(!text.includes(secret), `must not contain ${secret}: ${text}`);
  }
}

describe('createExchangeHandler', () => {
  it('exchanges the code with a JSON body (what Flinks documents) and client_secret_post by default, and answers what onTokens returns', async () => {
    let received: unknown;
    const { handle, seen } = handler({
      onTokens: (ctx) => {
        received = { tokens: ctx.tokens, provider_id: ctx.provider_id, correlation_id: ctx.correlation_id };
        return { accounts: 2 };
      },
    });
    const { status, body } = await answer(await handle(post(exchangeBody())));
    assert.equal(status, 200);
    assert.deepEqual(body, { accounts: 2 });
    assert.equal(seen.length, 1);
    const request = seen[0];
    assert.ok(request);
    assert.equal(request.url, 'https://flinks.example/api/v1/token');
    assert.match(request.headers.get('content-type') ?? '', /^application\/json/);
    assert.equal(request.headers.get('authorization'), null);
    const json = JSON.parse(request.body);
    assert.equal(json.grant_type, 'authorization_code');
    assert.equal(json.code, 'the-code');
    assert.equal(json.code_verifier, VERIFIER);
    assert.equal(json.redirect_uri, REDIRECT);
    assert.equal(json.client_id, 'partner-client');
    assert.equal(json.client_secret, SECRET);
    const ctx = received as { tokens: Record<string, unknown>; provider_id: string; correlation_id: string };
    assert.equal(ctx.tokens.access_token, ACCESS);
    assert.equal(ctx.tokens.refresh_token, REFRESH);
    assert.equal(typeof ctx.tokens.expires_at, 'number');
    assert.equal(ctx.provider_id, '1000');
    assert.equal(ctx.correlation_id, exchangeBody().correlation_id);
  });

  it('sends an RFC 6749 form body when bodyFormat is form, for a standard OAuth server', async () => {
    const { handle, seen } = handler({ bodyFormat: 'form' });
    assert.equal((await handle(post(exchangeBody()))).status, 200);
    assert.match(seen[0]?.headers.get('content-type') ?? '', /^application\/x-www-form-urlencoded/);
    const form = new URLSearchParams(seen[0]?.body ?? '');
    assert.equal(form.get('grant_type'), 'authorization_code');
    assert.equal(form.get('code'), 'the-code');
    assert.equal(form.get('client_secret'), SECRET);
    assert.equal(form.get('code_verifier'), VERIFIER);
  });

  it('puts the credentials in a Basic header with client_secret_basic', async () => {
    const { handle, seen } = handler({ clientAuth: 'client_secret_basic' });
    assert.equal((await handle(post(exchangeBody()))).status, 200);
    const header = seen[0]?.headers.get('authorization') ?? '';
    assert.match(header, /^Basic /);
    // RFC 6749 §2.3.1: id and secret are form-urlencoded before base64.
    const [id, secret] = Buffer.from(header.slice(6), 'base64').toString().split(':').map(decodeURIComponent);
    assert.deepEqual([id, secret], ['partner-client', SECRET]);
    assert.equal(JSON.parse(seen[0]?.body ?? '{}').client_secret, undefined);
  });

  it('answers {connected:true} when onTokens returns nothing, and never the tokens', async () => {
    const { handle } = handler();
    const { status, body, text } = await answer(await handle(post(exchangeBody())));
    assert.equal(status, 200);
    assert.deepEqual(body, { connected: true });
    assertNoSecrets(text);
  });

  it('refuses to answer when onTokens returns the tokens', async () => {
    const { handle } = handler({ onTokens: ({ tokens }) => ({ tokens }) });
    const { status, body, text } = await answer(await handle(post(exchangeBody())));
    assert.equal(status, 500);
    assert.equal(body.error, 'CALLBACK_FAILED');
    assertNoSecrets(text);
  });

  it('answers 500 CALLBACK_FAILED without the callback error text when onTokens throws', async () => {
    const { handle, errors } = handler({
      onTokens: () => {
        throw new Error('database down at 10.0.0.7');
      },
    });
    const { status, body, text } = await answer(await handle(post(exchangeBody())));
    assert.equal(status, 500);
    assert.equal(body.error, 'CALLBACK_FAILED');
    assert.ok(!text.includes('10.0.0.7'));
    assert.equal((errors[0]?.cause as Error | undefined)?.message, 'database down at 10.0.0.7');
  });

  it('answers 502 TOKEN_REQUEST_FAILED with Flinks error code when the code is refused', async () => {
    const { handle, errors } = handler({}, () => ({
      status: 400,
      body: { error: 'invalid_grant', error_description: 'grant request is invalid' },
    }));
    const { status, body, text } = await answer(await handle(post(exchangeBody())));
    assert.equal(status, 502);
    assert.equal(body.error, 'TOKEN_REQUEST_FAILED');
    assert.equal(body.flinks_error, 'invalid_grant');
    assert.match(String(body.message), /invalid_grant/);
    assertNoSecrets(text);
    assert.equal(errors.length, 1);
    assertNoSecrets(`${errors[0]?.message} ${JSON.stringify(errors[0])} ${String(errors[0]?.stack)}`);
  });

  it("keeps the status of an error page without JSON (a wrong tokenUrl's 404) and says what to check", async () => {
    const { handle, errors } = handler({}, () => ({
      status: 404,
      body: 'Not Found',
      headers: { 'Content-Type': 'text/html' },
    }));
    const { status, body, text } = await answer(await handle(post(exchangeBody())));
    assert.equal(status, 502);
    assert.equal(body.error, 'TOKEN_REQUEST_FAILED');
    assert.match(String(body.message), /HTTP 404/);
    assertNoSecrets(text);
    const flinks = errors[0]?.cause as FlinksServerError;
    assert.equal(flinks.status, 404, "Flinks' status is kept on the cause");
    assert.match(flinks.message, /check tokenUrl/);
  });

  it('does not leak tokens from a malformed token response into errors', async () => {
    const { handle, errors } = handler({}, () => ({
      status: 200,
      body: { access_token: ACCESS, token_type: 'mac', refresh_token: REFRESH },
    }));
    const { status, body, text } = await answer(await handle(post(exchangeBody())));
    assert.equal(status, 502);
    assert.equal(body.error, 'INVALID_TOKEN_RESPONSE');
    assertNoSecrets(text);
    let chain: unknown = errors[0];
    while (chain instanceof Error) {
      assertNoSecrets(`${chain.message} ${JSON.stringify(chain)}`);
      chain = chain.cause;
    }
    assert.equal(chain, undefined);
  });

  it('answers 502 NETWORK_ERROR when the token endpoint cannot be reached', async () => {
    const handle = createExchangeHandler({
      tokenUrl: 'http://127.0.0.1:9/api/v1/token',
      clientId: 'c',
      clientSecret: SECRET,
      redirectUris: [REDIRECT],
      onTokens: () => undefined,
      onError: () => {},
    });
    const { status, body } = await answer(await handle(post(exchangeBody())));
    assert.equal(status, 502);
    assert.equal(body.error, 'NETWORK_ERROR');
  });

  it('answers 405 with Allow: POST to other methods', async () => {
    const { handle, seen } = handler();
    const response = await handle(new Request('https://partner.example/x', { method: 'GET' }));
    assert.equal(response.status, 405);
    assert.equal(response.headers.get('allow'), 'POST');
    assert.equal((await response.json()).error, 'METHOD_NOT_ALLOWED');
    assert.equal(seen.length, 0);
  });

  it('answers 415 to a body that is not JSON', async () => {
    const { handle, seen } = handler();
    const request = new Request('https://partner.example/x', {
      method: 'POST',
      headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams(exchangeBody() as Record<string, string>),
    });
    const { status, body } = await answer(await handle(request));
    assert.equal(status, 415);
    assert.equal(body.error, 'UNSUPPORTED_MEDIA_TYPE');
    assert.equal(seen.length, 0);
  });

  it('answers 413 to a body over maxBodyBytes', async () => {
    const { handle, seen } = handler({ maxBodyBytes: 512 });
    const { status, body } = await answer(await handle(post(exchangeBody({ padding: 'x'.repeat(600) }))));
    assert.equal(status, 413);
    assert.equal(body.error, 'BODY_TOO_LARGE');
    assert.equal(seen.length, 0);
  });

  for (const [name, overrides, pattern] of [
    ['a missing code', { code: undefined }, /"code" is missing/],
    ['a numeric provider_id', { provider_id: 1000 }, /"provider_id" must be a string/],
    ['a short code_verifier', { code_verifier: 'abc' }, /"code_verifier"/],
    ['an over-long state', { state: 's'.repeat(600) }, /"state" is longer/],
  ] as const) {
    it(`answers 400 INVALID_REQUEST to ${name}`, async () => {
      const { handle, seen } = handler();
      const { status, body } = await answer(await handle(post(exchangeBody(overrides))));
      assert.equal(status, 400);
      assert.equal(body.error, 'INVALID_REQUEST');
      assert.match(String(body.message), pattern);
      assert.equal(seen.length, 0);
    });
  }

  it('answers 400 INVALID_REQUEST to JSON that is not an object', async () => {
    const { handle } = handler();
    for (const text of ['[1,2]', 'null', '"x"', '{bad json']) {
      const { status, body } = await answer(await handle(post(text)));
      assert.equal(status, 400, text);
      assert.equal(body.error, 'INVALID_REQUEST');
    }
  });

  it('answers 400 REDIRECT_URI_NOT_ALLOWED to a redirect_uri outside the allow-list', async () => {
    const { handle, seen } = handler();
    const { status, body } = await answer(
      await handle(post(exchangeBody({ redirect_uri: 'https://evil.example/callback' }))),
    );
    assert.equal(status, 400);
    assert.equal(body.error, 'REDIRECT_URI_NOT_ALLOWED');
    assert.equal(seen.length, 0);
  });

  it('answers 403 REQUEST_REFUSED when checkRequest throws', async () => {
    const { handle, seen } = handler({
      checkRequest: (request) => {
        if (request.headers.get('x-csrf-token') !== 'good') throw new Error('bad csrf');
      },
    });
    const refused = await answer(await handle(post(exchangeBody(), { 'X-CSRF-Token': 'bad' })));
    assert.equal(refused.status, 403);
    assert.equal(refused.body.error, 'REQUEST_REFUSED');
    assert.equal(seen.length, 0);
    assert.equal((await handle(post(exchangeBody(), { 'X-CSRF-Token': 'good' }))).status, 200);
  });

  it('refuses cross-site requests by default', async () => {
    const { handle, seen } = handler();
    const crossSite = await handle(post(exchangeBody(), { 'Sec-Fetch-Site': 'cross-site' }));
    assert.equal(crossSite.status, 403);
    const otherOrigin = await handle(post(exchangeBody(), { Origin: 'https://evil.example' }));
    assert.equal(otherOrigin.status, 403);
    assert.equal(seen.length, 0);
    const sameOrigin = await handle(
      post(exchangeBody(), { Origin: 'https://partner.example', 'Sec-Fetch-Site': 'same-origin' }),
    );
    assert.equal(sameOrigin.status, 200);
  });

  it('rejects bad options with a TypeError', () => {
    const base = {
      tokenUrl: 'https://flinks.example/api/v1/token',
      clientId: 'c',
      clientSecret: 's',
      redirectUris: [REDIRECT],
      onTokens: () => undefined,
    };
    assert.throws(
      () => createExchangeHandler({ ...base, tokenUrl: 'http://flinks.example/token' }),
      TypeError,
    );
    assert.throws(() => createExchangeHandler({ ...base, tokenUrl: 'nope' }), TypeError);
    assert.throws(() => createExchangeHandler({ ...base, clientSecret: '' }), TypeError);
    assert.throws(() => createExchangeHandler({ ...base, redirectUris: [] }), TypeError);
    assert.doesNotThrow(() => createExchangeHandler({ ...base, tokenUrl: 'http://127.0.0.1:1/token' }));
  });
});

describe('toNodeHandler', () => {
  async function serve(handle: (request: Request) => Promise<Response>) {
    const server = createServer(toNodeHandler(handle));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/api/flinks/exchange`;
    return {
      url,
      close: () => new Promise<void>((resolve) => server.close(() => resolve())),
    };
  }

  it('serves the exchange handler over Node http', async () => {
    const { handle } = handler({ onTokens: ({ provider_id }) => ({ provider_id }) });
    const server = await serve(handle);
    try {
      const ok = await fetch(server.url, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify(exchangeBody()),
      });
      assert.equal(ok.status, 200);
      assert.equal(ok.headers.get('cache-control'), 'no-store');
      assert.deepEqual(await ok.json(), { provider_id: '1000' });
      const tooBig = await fetch(server.url, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify(exchangeBody({ padding: 'x'.repeat(20_000) })),
      });
      assert.equal(tooBig.status, 413);
      const get = await fetch(server.url);
      assert.equal(get.status, 405);
    } finally {
      await server.close();
    }
  });

  it('uses a body an Express-style parser already read', async () => {
    const { handle } = handler({ onTokens: ({ correlation_id }) => ({ correlation_id }) });
    const node = toNodeHandler(handle);
    const server = createServer((req, res) => {
      let text = '';
      req.on('data', (c) => {
        text += c;
      });
      req.on('end', () => {
        Object.assign(req, { body: JSON.parse(text), _body: true });
        node(req, res);
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      const response = await fetch(`http://127.0.0.1:${(server.address() as AddressInfo).port}/`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify(exchangeBody()),
      });
      assert.equal(response.status, 200);
      assert.deepEqual(await response.json(), { correlation_id: exchangeBody().correlation_id });
    } finally {
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
  });
});

/** The part of Express this test uses. */
type Express = {
  (): {
    post(path: string, ...handlers: unknown[]): void;
    listen(port: number, host: string): import('node:http').Server;
  };
  json(): unknown;
};

describe('toNodeHandler under Express', () => {
  it('works after express.json() has read the body, and without it', async (t) => {
    // A specifier in a variable: this file must typecheck where the express dev dependency is not installed.
    const specifier = 'express';
    const loaded = (await import(specifier).catch(() => undefined)) as { default: Express } | undefined;
    if (!loaded) return t.skip('express is not installed (npm install)');
    const express = loaded.default;
    const { handle } = handler({ onTokens: ({ provider_id }) => ({ provider_id }) });
    const app = express();
    app.post('/raw', toNodeHandler(handle));
    app.post('/parsed', express.json(), toNodeHandler(handle));
    const server = app.listen(0, '127.0.0.1');
    await new Promise((resolve) => server.once('listening', resolve));
    try {
      const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
      for (const path of ['/raw', '/parsed']) {
        const response = await fetch(base + path, {
          method: 'POST',
          headers: { 'Content-Type': 'application/json' },
          body: JSON.stringify(exchangeBody()),
        });
        assert.equal(response.status, 200, path);
        assert.deepEqual(await response.json(), { provider_id: '1000' });
      }
    } finally {
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
  });
});
