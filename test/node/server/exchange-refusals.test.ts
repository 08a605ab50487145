/**
 * A partner whose exchange endpoint refuses a request must be able to tell why from the answer and from its logs:
 * each refusal names the check that refused, and is logged at warn through the handler's `logger`, without the
 * client secret, the code or its verifier.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  allowOrigins,
  createExchangeHandler,
  createRateLimiter,
  type ExchangeHandlerOptions,
} from '../../../core/server/index.ts';
import { ACCESS, exchangeBody, fakeTokenFetch, post, REFRESH, SECRET, VERIFIER } from './_fake-token.ts';

const CODE = 'the-code-do-not-log-0123456789';
const URL_PATH = 'POST https://partner.example/api/flinks/exchange';

function _handler(overrides: Partial<ExchangeHandlerOptions> = {}) {
  const fake = fakeTokenFetch(() => ({
    status: 200,
    body: { access_token: ACCESS, token_type: 'Bearer', expires_in: 299, refresh_token: REFRESH },
  }));
  const warnings: string[] = [];
  const handle = createExchangeHandler({
    tokenUrl: 'https://flinks.example/api/v1/token',
    clientId: 'partner-client',
    clientSecret: SECRET,
    redirectUris: ['https://partner.example/callback'],
    onTokens: () => undefined,
    fetch: fake.fetch,
    logger: { warn: (message) => warnings.push(message) },
    ...overrides,
  });
  return { handle, seen: fake.seen, warnings };
}

/** Sends `request`; returns the answer's status and JSON body and the one warn line it must have caused. */
async function _refused(
  handler: ReturnType<typeof _handler>,
  request: Request,
): Promise<{ status: number; error: string; message: string; warning: string }> {
  const before = handler.warnings.length;
  const response = await handler.handle(request);
  const body = (await response.json()) as { error: string; message: string };
  assert.equal(handler.warnings.length, before + 1, 'one warn line per refusal');
  const warning = handler.warnings.at(-1) as string;
  for (const secret of [SECRET, CODE, VERIFIER, ACCESS, REFRESH]) {
    assert.ok(!warning.includes(secret), `the log line holds no ${secret}: ${warning}`);
    assert.ok(!body.message.includes(secret), `the answer holds no ${secret}: ${body.message}`);
  }
  assert.equal(handler.seen.length, 0, 'Flinks was not called');
  return { status: response.status, ...body, warning };
}

const body = () => exchangeBody({ code: CODE });

describe('exchange endpoint refusals', () => {
  it('names a cross-site request (Sec-Fetch-Site) in the 403 and in the warn line', async () => {
    const handler = _handler();
    for (const site of ['cross-site', 'same-site']) {
      const refused = await _refused(handler, post(body(), { 'Sec-Fetch-Site': site }));
      assert.equal(refused.status, 403);
      assert.equal(refused.error, 'REQUEST_REFUSED');
      assert.equal(
        refused.message,
        `The request was refused: ${site} request (Sec-Fetch-Site: ${site}); only same-origin requests are accepted.`,
      );
      assert.equal(
        refused.warning,
        `[flinks-connect] exchange refused: 403 REQUEST_REFUSED: ${refused.message} (${URL_PATH})`,
      );
    }
  });

  it('names the cross-origin Origin, in the answer and the log, and the site it was sent to only in the log', async () => {
    const handler = _handler();
    const refused = await _refused(handler, post(body(), { Origin: 'https://x.example' }));
    assert.equal(refused.status, 403);
    assert.equal(refused.message, 'The request was refused: cross-origin Origin https://x.example.');
    assert.match(
      refused.warning,
      /cross-origin Origin https:\/\/x\.example\. \(POST https:\/\/partner\.example\//,
    );
    const long = await _refused(handler, post(body(), { Origin: `https://${'a'.repeat(300)}.example` }));
    assert.ok(long.message.length < 200, 'a long Origin is cut');
  });

  it('names an Origin that allowOrigins does not list', async () => {
    const handler = _handler({ checkRequest: allowOrigins(['chrome-extension://abcdefghijklmnop']) });
    const refused = await _refused(handler, post(body(), { Origin: 'chrome-extension://other' }));
    assert.equal(refused.status, 403);
    assert.equal(refused.message, 'The request was refused: cross-origin Origin chrome-extension://other.');
  });

  it("uses a custom checkRequest's own words, without the client secret, or says checkRequest refused it", async () => {
    const csrf = _handler({
      checkRequest: () => {
        throw new Error(`missing CSRF token (client ${SECRET}).`);
      },
    });
    const refused = await _refused(csrf, post(body()));
    assert.equal(refused.status, 403);
    assert.match(refused.message, /^The request was refused: missing CSRF token \(client \S+\)\.$/);
    const silent = _handler({
      checkRequest: () => {
        throw 'no';
      },
    });
    assert.equal(
      (await _refused(silent, post(body()))).message,
      'The request was refused: checkRequest refused it.',
    );
  });

  it('names a missing or wrong Content-Type (415)', async () => {
    const handler = _handler();
    const missing = new Request('https://partner.example/api/flinks/exchange', {
      method: 'POST',
      body: new Blob([JSON.stringify(body())]),
    });
    const none = await _refused(handler, missing);
    assert.equal(none.status, 415);
    assert.equal(none.message, 'Send the request body as application/json (missing Content-Type).');
    const text = await _refused(handler, post(body(), { 'Content-Type': 'text/plain' }));
    assert.equal(text.message, 'Send the request body as application/json (Content-Type was text/plain).');
    assert.match(text.warning, /^\[flinks-connect\] exchange refused: 415 UNSUPPORTED_MEDIA_TYPE: Send/);
  });

  it('names the method (405), the redirect_uri (400), the field (400) and the size (413) it refused', async () => {
    const handler = _handler({ maxBodyBytes: 2048 });
    const get = await _refused(handler, new Request('https://partner.example/api/flinks/exchange'));
    assert.equal(get.status, 405);
    assert.equal(get.message, 'Use POST to send the authorization code (not GET).');
    const other = await _refused(
      handler,
      post(exchangeBody({ code: CODE, redirect_uri: 'https://x.example/cb' })),
    );
    assert.equal(other.status, 400);
    assert.equal(
      other.message,
      'redirect_uri https://x.example/cb is not one of the redirectUris this endpoint accepts.',
    );
    const field = await _refused(handler, post(exchangeBody({ code: CODE, state: 42 })));
    assert.equal(field.message, '"state" must be a string.');
    const large = await _refused(handler, post(exchangeBody({ code: CODE, state: 's'.repeat(4000) })));
    assert.equal(large.status, 413);
    assert.match(large.warning, /413 BODY_TOO_LARGE: The request body is larger than 2048 bytes/);
  });

  it('logs a rate-limited request (429) at warn', async () => {
    const handler = _handler({ rateLimit: createRateLimiter({ windowMs: 60_000, max: 1 }) });
    assert.equal((await handler.handle(post(body()))).status, 200);
    handler.seen.length = 0;
    const limited = await _refused(handler, post(body()));
    assert.equal(limited.status, 429);
    assert.match(
      limited.warning,
      /^\[flinks-connect\] exchange refused: 429 RATE_LIMITED: Too many exchange requests/,
    );
  });

  it('logs through the logger whether or not onError is set, and a throwing logger changes no answer', async () => {
    const errors: unknown[] = [];
    const handler = _handler({ onError: (error) => errors.push(error) });
    await _refused(handler, post(body(), { 'Sec-Fetch-Site': 'cross-site' }));
    assert.equal(errors.length, 1);
    const throwing = _handler({
      logger: {
        warn: () => {
          throw new Error('log sink down');
        },
      },
    });
    assert.equal((await throwing.handle(post(body(), { 'Sec-Fetch-Site': 'cross-site' }))).status, 403);
    assert.throws(() => _handler({ logger: {} as never }), TypeError);
  });

  it('logs a failure (5xx) as failed, with its code', async () => {
    const handler = _handler({
      onTokens: () => {
        throw new Error('database down');
      },
    });
    const response = await handler.handle(post(body()));
    assert.equal(response.status, 500);
    assert.deepEqual(handler.warnings, [
      '[flinks-connect] exchange failed: CALLBACK_FAILED: The connection could not be saved.',
    ]);
  });
});
