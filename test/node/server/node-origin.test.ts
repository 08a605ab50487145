/**
 * The Node adapter behind a proxy that terminates TLS (issue 10, finding 8), and request targets or Host headers
 * that try to change the origin the same-origin check compares with.
 */
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { connect } from 'node:net';
import { describe, it } from 'node:test';
import { createExchangeHandler } from '../../../core/server/index.ts';
import { type NodeRequestOptions, toNodeHandler, toWebRequest } from '../../../core/server/node/index.ts';
import { exchangeBody, fakeTokenFetch, REDIRECT } from './_fake-token.ts';

const PUBLIC = 'https://partner.example';

/** The exchange handler (with a fake Flinks that accepts every code) served by Node like a partner's app. */
async function serve(options?: NodeRequestOptions) {
  const fake = fakeTokenFetch(() => ({
    status: 200,
    body: { access_token: 'at-123456789', token_type: 'Bearer' },
  }));
  const handle = createExchangeHandler({
    tokenUrl: 'https://flinks.example/api/v1/token',
    clientId: 'c',
    clientSecret: 'secret-123456789',
    redirectUris: [REDIRECT],
    onTokens: () => undefined,
    fetch: fake.fetch,
    onError: () => {},
  });
  const server = createServer(toNodeHandler(handle, options));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    port,
    seen: fake.seen,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

/** Sends one raw HTTP/1.1 request, as a proxy forwarding a browser's POST would, and returns the status. */
function raw(port: number, target: string, headers: Record<string, string>): Promise<number> {
  const body = JSON.stringify(exchangeBody());
  const lines = [
    `POST ${target} HTTP/1.1`,
    ...Object.entries({
      'Content-Type': 'application/json',
      'Content-Length': String(Buffer.byteLength(body)),
      Connection: 'close',
      ...headers,
    }).map(([name, value]) => `${name}: ${value}`),
  ];
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1', () => socket.end(`${lines.join('\r\n')}\r\n\r\n${body}`));
    let text = '';
    socket.on('data', (chunk) => {
      text += chunk;
    });
    socket.on('end', () => resolve(Number(/^HTTP\/1\.1 (\d{3})/.exec(text)?.[1] ?? 0)));
    socket.on('error', reject);
  });
}

/** What the proxy forwards for a same-origin POST from a browser that sends Origin but no Sec-Fetch-Site. */
const fromProxy = {
  Host: 'partner.example',
  Origin: PUBLIC,
  'X-Forwarded-Proto': 'https',
  'X-Forwarded-Host': 'partner.example',
};

describe('toNodeHandler behind a TLS-terminating proxy', () => {
  it('refuses the site own POST without an option (the origin is rebuilt as http://)', async () => {
    const server = await serve();
    try {
      assert.equal(await raw(server.port, '/api/flinks/exchange', fromProxy), 403);
    } finally {
      await server.close();
    }
  });

  it('accepts the site own POST with origin set to the public origin', async () => {
    const server = await serve({ origin: PUBLIC });
    try {
      assert.equal(await raw(server.port, '/api/flinks/exchange', fromProxy), 200);
      assert.equal(
        await raw(server.port, '/api/flinks/exchange', { ...fromProxy, Origin: 'https://evil.example' }),
        403,
      );
      assert.equal(
        await raw(server.port, '/api/flinks/exchange', { ...fromProxy, Origin: 'http://partner.example' }),
        403,
      );
    } finally {
      await server.close();
    }
  });

  it('accepts it with trustProxy from X-Forwarded-Proto and X-Forwarded-Host, and refuses another origin', async () => {
    const server = await serve({ trustProxy: true });
    try {
      assert.equal(await raw(server.port, '/api/flinks/exchange', fromProxy), 200);
      assert.equal(
        await raw(server.port, '/api/flinks/exchange', { ...fromProxy, Origin: 'https://evil.example' }),
        403,
      );
    } finally {
      await server.close();
    }
  });

  it('ignores X-Forwarded-* headers unless trustProxy is set', async () => {
    const server = await serve();
    try {
      // A client that reaches Node directly and forges the headers to match its own Origin gains nothing.
      const forged = {
        Host: `127.0.0.1:${server.port}`,
        Origin: 'https://evil.example',
        'X-Forwarded-Proto': 'https',
        'X-Forwarded-Host': 'evil.example',
      };
      assert.equal(await raw(server.port, '/api/flinks/exchange', forged), 403);
      assert.equal(server.seen.length, 0);
    } finally {
      await server.close();
    }
  });

  it('keeps the origin when the request target looks like another host', async () => {
    const server = await serve({ origin: PUBLIC });
    try {
      for (const target of [
        '//evil.example/api/flinks/exchange',
        'http://evil.example/api/flinks/exchange',
      ]) {
        assert.equal(
          await raw(server.port, target, { ...fromProxy, Origin: 'http://evil.example' }),
          403,
          target,
        );
      }
    } finally {
      await server.close();
    }
    const request = toWebRequest(
      Object.assign(Object.create(null), {
        url: '//evil.example/x?y=1',
        method: 'GET',
        headers: { host: 'partner.example' },
        socket: {},
      }),
    );
    assert.equal(request.url, 'http://partner.example//evil.example/x?y=1');
  });

  it('answers 400 to a Host header that is not a host name', async () => {
    const server = await serve();
    try {
      for (const host of ['a b@c', 'partner.example@evil.example', 'evil.example/x', 'evil.example?']) {
        assert.equal(
          await raw(server.port, '/api/flinks/exchange', { Host: host, Origin: 'http://evil.example' }),
          400,
          host,
        );
      }
    } finally {
      await server.close();
    }
  });

  it('rejects an origin option that is not an origin with a TypeError', () => {
    const handle = async () => new Response();
    for (const origin of ['partner.example', 'https://partner.example/app', 'ftp://partner.example', '']) {
      assert.throws(
        () => toNodeHandler(handle, { origin }),
        { name: 'TypeError', message: /origin/ },
        origin,
      );
    }
    assert.doesNotThrow(() => toNodeHandler(handle, { origin: 'https://partner.example/' }));
  });
});
