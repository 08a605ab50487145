import assert from 'node:assert/strict';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import {
  buildExchangeBody,
  createAuthorizationRequest,
  ErrorCode,
  exchangeCode,
  type FlinksConnectError,
} from '../../../core/src/index.ts';

interface _Seen {
  method?: string;
  contentType?: string;
  csrf?: string;
  body: unknown;
}

describe('exchangeCode', () => {
  let server: Server;
  let base: string;
  const seen: _Seen[] = [];

  before(async () => {
    server = createServer(async (req: IncomingMessage, res) => {
      const chunks: Buffer[] = [];
      for await (const chunk of req) chunks.push(chunk as Buffer);
      const text = Buffer.concat(chunks).toString();
      seen.push({
        method: req.method,
        contentType: req.headers['content-type'],
        csrf: req.headers['x-csrf-token'] as string | undefined,
        body: text ? JSON.parse(text) : undefined,
      });
      switch (req.url) {
        case '/ok':
          res.writeHead(200, { 'content-type': 'application/json' }).end('{"connected":true}');
          break;
        case '/fail':
          res
            .writeHead(502, { 'content-type': 'application/json' })
            .end('{"error":"TOKEN_EXCHANGE_FAILED","message":"Flinks refused the code"}');
          break;
        case '/html':
          res.writeHead(200, { 'content-type': 'text/html' }).end('<h1>hello</h1>');
          break;
        case '/slow':
          setTimeout(() => res.writeHead(200).end('{}'), 2000);
          break;
        default:
          res.writeHead(404).end();
      }
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  after(() => {
    server.closeAllConnections();
    server.close();
  });

  async function _body() {
    const { flow } = await createAuthorizationRequest({
      client_id: 'dc-1',
      authorize_url: 'https://ob.flinksapp.com/api/v1/authorize',
      redirect_uri: 'https://partner.example/cb',
      provider_id: '1000',
    });
    return { flow, body: buildExchangeBody(flow, 'the-code') };
  }

  it('POSTs exactly the contract body as JSON and returns the JSON answer', async () => {
    const { flow, body } = await _body();
    const result = await exchangeCode(body, {
      exchange_url: `${base}/ok`,
      headers: { 'X-CSRF-Token': 't1' },
    });
    assert.deepEqual(result, { connected: true });
    const request = seen.at(-1);
    assert.equal(request?.method, 'POST');
    assert.equal(request?.contentType, 'application/json');
    assert.equal(request?.csrf, 't1');
    assert.deepEqual(request?.body, {
      code: 'the-code',
      code_verifier: flow.code_verifier,
      redirect_uri: flow.redirect_uri,
      state: flow.state,
      provider_id: '1000',
      correlation_id: flow.correlation_id,
    });
  });

  const failures: [string, string, number | undefined, ErrorCode, RegExp][] = [
    ['a non-2xx answer', '/fail', undefined, ErrorCode.EXCHANGE_FAILED, /HTTP 502: Flinks refused the code/],
    ['a 2xx answer that is not JSON', '/html', undefined, ErrorCode.EXCHANGE_INVALID_RESPONSE, /not JSON/],
    ['no answer in time', '/slow', 300, ErrorCode.EXCHANGE_TIMEOUT, /did not answer within/],
  ];
  for (const [what, path, timeout_ms, code, message] of failures) {
    it(`fails with ${code} on ${what}`, async () => {
      const { body } = await _body();
      await assert.rejects(
        exchangeCode(body, { exchange_url: `${base}${path}`, timeout_ms }),
        (error: FlinksConnectError) => {
          assert.equal(error.code, code);
          assert.match(error.message, message);
          return true;
        },
      );
    });
  }

  it('fails with EXCHANGE_NETWORK_ERROR when nothing listens', async () => {
    const { body } = await _body();
    await assert.rejects(exchangeCode(body, { exchange_url: 'http://127.0.0.1:9/exchange' }), {
      code: ErrorCode.EXCHANGE_NETWORK_ERROR,
    });
  });

  it('fails with EXCHANGE_ABORTED when the caller aborts', async () => {
    const { body } = await _body();
    const controller = new AbortController();
    const pending = exchangeCode(body, { exchange_url: `${base}/slow`, signal: controller.signal });
    setTimeout(() => controller.abort(), 50);
    await assert.rejects(pending, { code: ErrorCode.EXCHANGE_ABORTED });
  });

  it('keeps the status of a failed exchange', async () => {
    const { body } = await _body();
    await assert.rejects(exchangeCode(body, { exchange_url: `${base}/fail` }), { status: 502 });
  });
});
