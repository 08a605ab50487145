import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import * as oauth from 'oauth4webapi';
import {
  createAuthorizationRequest,
  ErrorCode,
  FlinksConnectError,
  validateConfig,
} from '../../../core/src/index.ts';

const config = {
  client_id: 'dc-3f6a2c1e-0000-4000-8000-000000000001',
  authorize_url: 'https://ob.flinksapp.com/api/v1/authorize',
  redirect_uri: 'https://partner.example/flinks/callback',
  scope: 'ACCOUNT_BASIC TRANSACTIONS',
  provider_id: '1000',
};

describe('createAuthorizationRequest', () => {
  it('builds the /authorize URL with every Flinks and PKCE parameter', async () => {
    const { url, flow } = await createAuthorizationRequest(config);
    assert.equal(url.origin + url.pathname, 'https://ob.flinksapp.com/api/v1/authorize');
    const p = url.searchParams;
    assert.equal(p.get('response_type'), 'code');
    assert.equal(p.get('client_id'), config.client_id);
    assert.equal(p.get('redirect_uri'), config.redirect_uri);
    assert.equal(p.get('scope'), 'ACCOUNT_BASIC TRANSACTIONS');
    assert.equal(p.get('provider_id'), '1000');
    assert.equal(p.get('state'), flow.state);
    assert.equal(p.get('correlation_id'), flow.correlation_id);
    assert.match(
      flow.correlation_id,
      /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/,
    );
    assert.equal(p.get('code_challenge_method'), 'S256');
    assert.equal(p.get('code_challenge'), await oauth.calculatePKCECodeChallenge(flow.code_verifier));
    assert.equal(p.has('code_verifier'), false, 'the verifier never leaves the browser in the URL');
  });

  it('makes a fresh verifier, state and correlation id for every attempt', async () => {
    const a = await createAuthorizationRequest(config);
    const b = await createAuthorizationRequest(config);
    assert.notEqual(a.flow.state, b.flow.state);
    assert.notEqual(a.flow.code_verifier, b.flow.code_verifier);
    assert.notEqual(a.flow.correlation_id, b.flow.correlation_id);
    assert.ok(a.flow.code_verifier.length >= 43);
  });

  it('asks the bank for the customer language with ui_locales, and sends none when not given', async () => {
    const french = await createAuthorizationRequest(config, { uiLocales: 'fr-CA' });
    assert.equal(french.url.searchParams.get('ui_locales'), 'fr-CA');
    const plain = await createAuthorizationRequest(config);
    assert.equal(plain.url.searchParams.has('ui_locales'), false);
    const blank = await createAuthorizationRequest(config, { uiLocales: '  ' });
    assert.equal(blank.url.searchParams.has('ui_locales'), false);
  });

  it('keeps the query an authorize-url already has', async () => {
    const { url } = await createAuthorizationRequest({
      ...config,
      authorize_url: `${config.authorize_url}?lang=fr`,
    });
    assert.equal(url.searchParams.get('lang'), 'fr');
  });

  it('refuses to start without a provider', async () => {
    await assert.rejects(createAuthorizationRequest({ ...config, provider_id: undefined }), {
      code: ErrorCode.INVALID_CONFIG,
    });
  });
});

describe('validateConfig', () => {
  const cases: [string, Partial<typeof config> & { issuer?: string }, RegExp][] = [
    ['a missing client-id', { client_id: '' }, /client-id is required/],
    [
      'a relative authorize-url without base',
      { authorize_url: '/authorize' },
      /authorize-url "\/authorize" is not a valid URL/,
    ],
    [
      'plain http off loopback',
      { authorize_url: 'http://ob.flinksapp.com/api/v1/authorize' },
      /must use https/,
    ],
    [
      'a redirect-uri with a fragment',
      { redirect_uri: 'https://partner.example/cb#x' },
      /must not contain a fragment/,
    ],
    ['an unknown scope', { scope: 'ACCOUNT_BASIC EVERYTHING' }, /unknown data cluster\(s\) EVERYTHING/],
    ['a scope without ACCOUNT_BASIC', { scope: 'TRANSACTIONS' }, /must include ACCOUNT_BASIC/],
    ['a provider-id that is not a number', { provider_id: 'rbc' }, /whole number/],
    ['an issuer that is not a URL', { issuer: 'not a url' }, /issuer "not a url" is not a valid URL/],
  ];
  for (const [what, change, message] of cases) {
    it(`rejects ${what} with INVALID_CONFIG and says what to fix`, () => {
      assert.throws(
        () => validateConfig({ ...config, ...change }),
        (error: unknown) =>
          error instanceof FlinksConnectError &&
          error.code === ErrorCode.INVALID_CONFIG &&
          message.test(error.message),
      );
    });
  }

  it('accepts http on loopback, resolves a relative redirect-uri and defaults the scope', () => {
    const valid = validateConfig(
      {
        client_id: ' dc-1 ',
        authorize_url: 'http://127.0.0.1:4000/api/v1/authorize',
        redirect_uri: '/callback',
      },
      'http://localhost:3000/page',
    );
    assert.equal(valid.client_id, 'dc-1');
    assert.equal(valid.redirect_uri, 'http://localhost:3000/callback');
    assert.equal(valid.scope, 'ACCOUNT_BASIC');
  });

  it('keeps the issuer verbatim for RFC 9207 string comparison', () => {
    assert.equal(
      validateConfig({ ...config, issuer: 'https://ob.flinksapp.com' }).issuer,
      'https://ob.flinksapp.com',
    );
  });
});
