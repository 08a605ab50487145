import assert from 'node:assert/strict';
import { createPublicKey, verify } from 'node:crypto';
import { describe, it } from 'node:test';
import { DriveError, driveAuthorize } from '../../sandbox/drive.ts';
import { canonicalPath, type Sandbox } from '../../sandbox/index.ts';
import {
  _authorizeUrl,
  _connect,
  _fdx,
  _pkce,
  _token,
  _withSandbox,
  RECIPIENT,
  REDIRECT_URI,
} from './_sandbox.ts';

/** Verifies an access token against the sandbox's JWKS and returns its claims. */
async function _verifiedJwt(sb: Sandbox, token: string) {
  const [header, payload, signature] = token.split('.') as [string, string, string];
  assert.equal(JSON.parse(Buffer.from(header, 'base64url').toString()).alg, 'ES256');
  const { keys } = await (await fetch(`${sb.url}/api/v1/jwks`)).json();
  const key = createPublicKey({ key: keys[0], format: 'jwk' });
  const valid = verify(
    'sha256',
    Buffer.from(`${header}.${payload}`),
    { key, dsaEncoding: 'ieee-p1363' },
    Buffer.from(signature, 'base64url'),
  );
  assert.ok(valid, 'the JWT verifies with the JWKS');
  return JSON.parse(Buffer.from(payload, 'base64url').toString());
}

describe('sandbox /authorize', { concurrency: true }, () => {
  it('redirects to the redirect_uri with code, state and iss after sign-in and Allow, and the code exchanges with PKCE', () =>
    _withSandbox(async (sb) => {
      const pkce = await _pkce();
      const url = _authorizeUrl(sb, {
        state: 'st-123',
        code_challenge: pkce.challenge,
        code_challenge_method: 'S256',
      });
      const final = await driveAuthorize(url.href, {
        username: 'greatday',
        password: 'everyday',
        decision: 'allow',
      });
      assert.equal(`${final.origin}${final.pathname}`, REDIRECT_URI);
      assert.equal(final.searchParams.get('state'), 'st-123');
      assert.equal(final.searchParams.get('iss'), sb.issuer, 'RFC 9207 iss');
      const code = final.searchParams.get('code');
      assert.ok(code);
      const { status, body } = await _token(sb, {
        grant_type: 'authorization_code',
        code,
        redirect_uri: REDIRECT_URI,
        code_verifier: pkce.verifier,
      });
      assert.equal(status, 200, JSON.stringify(body));
      assert.equal(body.token_type, 'Bearer');
      assert.equal(body.expires_in, 299);
      assert.equal(typeof body.access_token, 'string');
      assert.equal(typeof body.refresh_token, 'string');
      const claims = await _verifiedJwt(sb, String(body.access_token));
      assert.equal(claims.client_id, RECIPIENT.client_id);
      assert.match(claims.sub, /^cust-1000-\d+$/, 'sub is the customer');
      assert.ok(Math.abs(claims.exp - (Date.now() / 1000 + 299)) < 5, 'exp is expires_in from now');
      const again = await _token(sb, {
        grant_type: 'authorization_code',
        code,
        redirect_uri: REDIRECT_URI,
        code_verifier: pkce.verifier,
      });
      assert.equal(again.status, 400);
      assert.equal(again.body.error, 'invalid_grant', 'a code is single-use');
    }));

  it('redirects with error=access_denied, a description and the state when the customer denies', () =>
    _withSandbox(async (sb) => {
      const url = _authorizeUrl(sb, { state: 'deny-state' });
      const final = await driveAuthorize(url.href, {
        username: 'greatday',
        password: 'everyday',
        decision: 'deny',
      });
      assert.equal(`${final.origin}${final.pathname}`, REDIRECT_URI);
      assert.equal(final.searchParams.get('error'), 'access_denied');
      assert.ok(final.searchParams.get('error_description'));
      assert.equal(final.searchParams.get('state'), 'deny-state');
      assert.equal(final.searchParams.get('code'), null);
    }));

  it('works as plain OAuth 2.0 without PKCE and without the openid scope', () =>
    _withSandbox(async (sb) => {
      const final = await driveAuthorize(_authorizeUrl(sb, { scope: 'ACCOUNT_BASIC' }).href, {
        username: 'greatday',
        password: 'everyday',
        decision: 'allow',
      });
      const code = final.searchParams.get('code');
      assert.ok(code, final.href);
      const { status, body } = await _token(sb, {
        grant_type: 'authorization_code',
        code,
        redirect_uri: REDIRECT_URI,
      });
      assert.equal(status, 200, JSON.stringify(body));
      assert.equal(body.scope, 'ACCOUNT_BASIC');
    }));

  it('refuses the exchange with invalid_grant when the code_verifier is wrong or missing', () =>
    _withSandbox(async (sb) => {
      for (const verifier of ['wrong-verifier-wrong-verifier-wrong-verifier-0123', undefined]) {
        const pkce = await _pkce();
        const url = _authorizeUrl(sb, { code_challenge: pkce.challenge, code_challenge_method: 'S256' });
        const final = await driveAuthorize(url.href, {
          username: 'greatday',
          password: 'everyday',
          decision: 'allow',
        });
        const fields: Record<string, string> = {
          grant_type: 'authorization_code',
          code: final.searchParams.get('code') as string,
          redirect_uri: REDIRECT_URI,
        };
        if (verifier) fields.code_verifier = verifier;
        const { status, body } = await _token(sb, fields);
        assert.equal(status, 400);
        assert.equal(body.error, 'invalid_grant', JSON.stringify(body));
      }
    }));

  it('refuses the exchange with invalid_grant when redirect_uri differs from the one sent to /authorize', () =>
    _withSandbox(async (sb) => {
      const final = await driveAuthorize(_authorizeUrl(sb).href, {
        username: 'greatday',
        password: 'everyday',
        decision: 'allow',
      });
      const { status, body } = await _token(sb, {
        grant_type: 'authorization_code',
        code: final.searchParams.get('code') as string,
        redirect_uri: 'https://partner.example/flinks/callback',
      });
      assert.equal(status, 400);
      assert.equal(body.error, 'invalid_grant');
    }));

  it('keeps the customer on the sign-in page with an error for a wrong password', () =>
    _withSandbox(async (sb) => {
      await assert.rejects(
        driveAuthorize(_authorizeUrl(sb).href, { username: 'greatday', password: 'nope', decision: 'allow' }),
        (e: unknown) => e instanceof DriveError && e.status === 401 && /incorrect/.test(e.message),
      );
    }));

  it('serves an accessible sign-in page: lang, h1, labelled username/password, a Sign in button, no script', () =>
    _withSandbox(async (sb) => {
      const res = await fetch(_authorizeUrl(sb), { redirect: 'manual' });
      assert.equal(res.status, 303);
      const cookie = res.headers
        .getSetCookie()
        .map((c) => c.split(';')[0])
        .join('; ');
      const page = await fetch(new URL(res.headers.get('location') as string, sb.url), {
        headers: { cookie },
      });
      assert.equal(page.status, 200);
      const html = await page.text();
      assert.match(html, /<html lang="en">/);
      assert.match(html, /<h1>Sign in to Flinks Capital<\/h1>/);
      assert.match(
        html,
        /<label for="username">Username<\/label>\s*<input[^>]+id="username" name="username"/,
      );
      assert.match(
        html,
        /<label for="password">Password<\/label>\s*<input[^>]+id="password" name="password"/,
      );
      assert.match(html, /<button type="submit"[^>]*>Sign in<\/button>/);
      assert.doesNotMatch(html, /<script|<link|https:\/\/fonts/);
      assert.match(page.headers.get('content-security-policy') ?? '', /default-src 'none'/);
    }));

  it('redirects invalid requests back with an error: no provider_id, no ACCOUNT_BASIC, unknown cluster, no state', () =>
    _withSandbox(async (sb) => {
      const cases: [Record<string, string | undefined>, string, RegExp][] = [
        [{ provider_id: undefined }, 'invalid_request', /provider_id/],
        [{ provider_id: '999999' }, 'invalid_request', /provider_id/],
        [{ scope: 'TRANSACTIONS' }, 'invalid_scope', /ACCOUNT_BASIC/],
        [{ scope: 'ACCOUNT_BASIC openid' }, 'invalid_scope', /scope/],
        [{ state: undefined }, 'invalid_request', /state/],
        [{ correlation_id: 'support-ticket-1' }, 'invalid_request', /correlation_id/],
        [
          { code_challenge: 'x'.repeat(43), code_challenge_method: 'plain' },
          'invalid_request',
          /code_challenge_method/,
        ],
      ];
      for (const [params, error, description] of cases) {
        const res = await fetch(_authorizeUrl(sb, { state: 's1', ...params }), { redirect: 'manual' });
        assert.equal(res.status, 303, JSON.stringify(params));
        const location = new URL(res.headers.get('location') as string);
        assert.equal(`${location.origin}${location.pathname}`, REDIRECT_URI);
        assert.equal(location.searchParams.get('error'), error, JSON.stringify(params));
        assert.match(location.searchParams.get('error_description') ?? '', description);
      }
    }));

  it('shows an error page, without redirecting, for an unknown client or an unregistered redirect_uri', () =>
    _withSandbox(async (sb) => {
      for (const params of [{ client_id: 'dc-unknown' }, { redirect_uri: 'https://evil.example/cb' }]) {
        const res = await fetch(_authorizeUrl(sb, params), { redirect: 'manual' });
        assert.equal(res.status, 400, JSON.stringify(params));
        assert.match(res.headers.get('content-type') ?? '', /html/);
        assert.match(await res.text(), /<html lang="en">[\s\S]*<h1>/);
      }
    }));
});

describe('sandbox /token', { concurrency: true }, () => {
  it('issues a client:admin token to the partner with client_credentials, form or JSON, post or basic', () =>
    _withSandbox(async (sb) => {
      const partner = { client_id: 'partner-sandbox', client_secret: 'partner-sandbox-secret' };
      for (const json of [false, true]) {
        for (const basic of [false, true]) {
          const { status, body } = await _token(
            sb,
            { grant_type: 'client_credentials', scope: 'client:admin' },
            { json, basic, client: partner },
          );
          assert.equal(status, 200, `${json} ${basic} ${JSON.stringify(body)}`);
          assert.equal(body.token_type, 'Bearer');
          assert.equal(body.expires_in, 299);
          assert.equal(body.refresh_token, undefined, 'no refresh token for client_credentials');
          assert.equal(body.scope, 'client:admin');
          const claims = await _verifiedJwt(sb, String(body.access_token));
          assert.deepEqual(
            [claims.client_id, claims.sub, claims.scope],
            [partner.client_id, partner.client_id, 'client:admin'],
          );
        }
      }
    }));

  it('issues JWT access tokens whose sub is the FDX customerId, and refuses one whose claims were changed', () =>
    _withSandbox(async (sb) => {
      const { access_token } = await _connect(sb, { scope: 'ACCOUNT_BASIC CUSTOMER_PERSONAL' });
      const claims = await _verifiedJwt(sb, access_token);
      const customer = await _fdx(sb, 'customers/current', access_token);
      assert.equal(customer.status, 200);
      assert.equal(customer.body.customerId, claims.sub);
      const [header, , signature] = access_token.split('.');
      const forged = Buffer.from(JSON.stringify({ ...claims, sub: 'cust-someone-else' })).toString(
        'base64url',
      );
      const refused = await _fdx(sb, 'accounts', `${header}.${forged}.${signature}`);
      assert.equal(refused.status, 400);
      assert.equal(refused.body.code, '401');
    }));

  it('refuses client:admin to a recipient with invalid_scope (400)', () =>
    _withSandbox(async (sb) => {
      const { status, body } = await _token(sb, { grant_type: 'client_credentials', scope: 'client:admin' });
      assert.equal(status, 400);
      assert.equal(body.error, 'invalid_scope');
      const plain = await _token(sb, { grant_type: 'client_credentials' });
      assert.equal(plain.status, 200, 'a recipient gets a token without client:admin');
    }));

  it('answers a wrong secret or an unknown client with invalid_client and status 400, not 401', () =>
    _withSandbox(async (sb) => {
      for (const basic of [false, true]) {
        for (const client of [
          { client_id: RECIPIENT.client_id, client_secret: 'wrong-secret' },
          { client_id: 'dc-nobody', client_secret: 'whatever-secret' },
        ]) {
          const { status, body, headers } = await _token(
            sb,
            { grant_type: 'client_credentials' },
            { basic, client },
          );
          assert.equal(status, 400);
          assert.equal(body.error, 'invalid_client');
          assert.equal(headers.get('www-authenticate'), null);
        }
      }
    }));

  it('refreshes without rotating the refresh token, and the new access token reads accounts', () =>
    _withSandbox(async (sb) => {
      const tokens = await _connect(sb);
      const { status, body } = await _token(sb, {
        grant_type: 'refresh_token',
        refresh_token: tokens.refresh_token,
      });
      assert.equal(status, 200, JSON.stringify(body));
      assert.equal(body.refresh_token, tokens.refresh_token, 'non-rotating');
      assert.notEqual(body.access_token, tokens.access_token);
      const accounts = await _fdx(sb, 'accounts', body.access_token as string);
      assert.equal(accounts.status, 200);
    }));
});

describe('sandbox FDX /accounts (phase 1)', { concurrency: true }, () => {
  it('lists the signed-in customer’s accounts, deterministically for a seed', async () => {
    const read = (seed: string) =>
      _withSandbox(
        async (sb) => {
          const tokens = await _connect(sb);
          return _fdx(sb, 'accounts', tokens.access_token);
        },
        { seed },
      );
    const a = await read('seed-a');
    const b = await read('seed-a');
    const c = await read('seed-c');
    assert.equal(a.status, 200);
    assert.ok(a.body.accounts.length >= 2);
    assert.deepEqual(a.body, b.body, 'same seed, same data');
    assert.notDeepEqual(a.body, c.body, 'another seed, other data');
    const deposit = a.body.accounts[0].depositAccount;
    assert.equal(deposit.accountCategory, 'DEPOSIT_ACCOUNT');
    assert.match(deposit.accountType, /^(CHECKING|SAVINGS)$/);
    assert.match(deposit.accountNumberDisplay, /^\*{4}\d{4}$/);
    assert.equal(deposit.status, 'OPEN');
    assert.deepEqual(deposit.currency, { currencyCode: 'CAD' });
    for (const field of ['accountId', 'productName', 'nickname', 'description'])
      assert.equal(typeof deposit[field], 'string');
    assert.equal(a.body.page.totalElements, a.body.accounts.length);
  });

  it('answers 400 with an FDX error body for a missing, invalid or expired token', () =>
    _withSandbox(
      async (sb) => {
        const tokens = await _connect(sb);
        await new Promise((r) => setTimeout(r, 1100));
        for (const token of [undefined, 'not-a-token', tokens.access_token]) {
          const { status, body, headers } = await _fdx(sb, 'accounts', token);
          assert.equal(status, 400, String(token));
          assert.equal(typeof body.code, 'string');
          assert.equal(typeof body.message, 'string');
          assert.equal(typeof body.debugMessage, 'string');
          assert.ok(headers.get('ob-trace-id'));
          assert.ok(headers.get('ob-correlation-id'));
        }
      },
      { accessTokenTtl: 1 },
    ));
});

const PARTNER = { client_id: 'partner-sandbox', client_secret: 'partner-sandbox-secret' };

async function _raw(url: string, body: string, headers: Record<string, string>) {
  const res = await fetch(url, { method: 'POST', headers, body });
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}

describe('sandbox /token error rows (RFC 6749 bodies, Flinks statuses)', { concurrency: true }, () => {
  it('answers invalid_request (400) for a missing grant_type, a bad JSON body, a non-form content type and two auth methods', () =>
    _withSandbox(async (sb) => {
      const missing = await _token(sb, {});
      assert.equal(missing.status, 400);
      assert.equal(missing.body.error, 'invalid_request');
      assert.match(String(missing.body.error_description), /grant_type/);
      const cases: [string, Record<string, string>][] = [
        ['{"grant_type":', { 'content-type': 'application/json' }],
        ['["client_credentials"]', { 'content-type': 'application/json' }],
        ['{"grant_type":{"x":1}}', { 'content-type': 'application/json' }],
        ['grant_type=client_credentials', { 'content-type': 'text/plain' }],
      ];
      for (const [body, headers] of cases) {
        const res = await _raw(sb.tokenUrl, body, headers);
        assert.equal(res.status, 400, body);
        assert.equal(res.body.error, 'invalid_request', body);
        assert.ok(res.body.error_description);
      }
      const both = await _raw(
        sb.tokenUrl,
        `grant_type=client_credentials&client_id=${RECIPIENT.client_id}&client_secret=${RECIPIENT.client_secret}`,
        {
          'content-type': 'application/x-www-form-urlencoded',
          authorization: `Basic ${Buffer.from(`${RECIPIENT.client_id}:${RECIPIENT.client_secret}`).toString('base64')}`,
        },
      );
      assert.equal(both.status, 400);
      assert.equal(both.body.error, 'invalid_request');
    }));

  it('answers unsupported_grant_type (400) for the password grant', () =>
    _withSandbox(async (sb) => {
      const res = await _token(sb, { grant_type: 'password', username: 'greatday', password: 'everyday' });
      assert.equal(res.status, 400);
      assert.equal(res.body.error, 'unsupported_grant_type');
    }));

  it('answers unauthorized_client (400) when a client without redirect URIs tries authorization_code', () =>
    _withSandbox(async (sb) => {
      const res = await _token(
        sb,
        { grant_type: 'authorization_code', code: 'x', redirect_uri: 'https://a.example/cb' },
        { client: PARTNER },
      );
      assert.equal(res.status, 400);
      assert.equal(res.body.error, 'unauthorized_client');
    }));

  it('answers invalid_grant (400) for an unknown refresh token or one of another client', () =>
    _withSandbox(
      async (sb) => {
        const unknown = await _token(sb, { grant_type: 'refresh_token', refresh_token: 'nope' });
        assert.equal(unknown.status, 400);
        assert.equal(unknown.body.error, 'invalid_grant');
        const { refresh_token } = await _connect(sb);
        const other = await _token(sb, { grant_type: 'refresh_token', refresh_token }, { client: OTHER });
        assert.equal(other.status, 400);
        assert.equal(other.body.error, 'invalid_grant');
      },
      { clients: [{ ...OTHER, kind: 'recipient', redirect_uris: ['https://other.example/cb'] }] },
    ));

  it('answers server_error (500) and temporarily_unavailable (503) when those faults are armed', () =>
    _withSandbox(async (sb) => {
      for (const [kind, status] of [
        ['server_error', 500],
        ['temporarily_unavailable', 503],
      ] as const) {
        const armed = await fetch(`${sb.url}/sandbox/faults`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ target: 'token', kind }),
        });
        assert.equal(armed.status, 201);
        const failed = await _token(sb, { grant_type: 'client_credentials' });
        assert.equal(failed.status, status);
        assert.equal(failed.body.error, kind);
        assert.ok(failed.body.error_description);
        const next = await _token(sb, { grant_type: 'client_credentials' });
        assert.equal(next.status, 200, 'a fault armed once fails one call');
      }
      const perRequest = await _token(
        sb,
        { grant_type: 'client_credentials' },
        { headers: { 'x-sandbox-fault': 'temporarily_unavailable' } },
      );
      assert.equal(perRequest.status, 503);
    }));

  it('issues tokens with the configured lifetime', () =>
    _withSandbox(
      async (sb) => {
        const cc = await _token(sb, { grant_type: 'client_credentials' });
        assert.equal(cc.body.expires_in, 60);
        const tokens = await _connect(sb);
        const refreshed = await _token(sb, {
          grant_type: 'refresh_token',
          refresh_token: tokens.refresh_token,
        });
        assert.equal(refreshed.body.expires_in, 60);
      },
      { accessTokenTtl: 60 },
    ));

  it('expires a refresh token after the idle period, and each use starts the period again', () =>
    _withSandbox(
      async (sb) => {
        const { refresh_token } = await _connect(sb);
        // Three uses a second apart outlive the 2-second idle period only because each use restarts it.
        for (let i = 0; i < 3; i++) {
          await new Promise((r) => setTimeout(r, 1000));
          const used = await _token(sb, { grant_type: 'refresh_token', refresh_token });
          assert.equal(used.status, 200, `use ${i + 1}, a second after the previous one`);
        }
        await new Promise((r) => setTimeout(r, 2200));
        const idle = await _token(sb, { grant_type: 'refresh_token', refresh_token });
        assert.equal(idle.status, 400);
        assert.equal(idle.body.error, 'invalid_grant');
      },
      { refreshTokenIdleTtl: 2 },
    ));
});

const OTHER = { client_id: 'dc-other', client_secret: 'other-client-secret' };

describe('sandbox path spelling', { concurrency: true }, () => {
  it('maps the seed’s capitalised short paths onto the real ones, keeping ids as they are', () => {
    assert.equal(canonicalPath('/Token'), '/api/v1/token');
    assert.equal(canonicalPath('/Authorize'), '/api/v1/authorize');
    assert.equal(canonicalPath('/Providers'), '/api/v1/providers');
    assert.equal(
      canonicalPath('/Recipients/dc-AbC/providers/requests'),
      '/api/v1/recipients/dc-AbC/providers/requests',
    );
    assert.equal(canonicalPath('/Accounts/chq-1000-1'), '/api/fdx/5/accounts/chq-1000-1');
    assert.equal(canonicalPath('/API/V1/TOKEN'), '/api/v1/token');
    assert.equal(canonicalPath('/api/fdx/5/Customers/Current/'), '/api/fdx/5/customers/current');
  });

  it('answers /Token, /Authorize, /Accounts, /Providers and /Recipients/… over HTTP', () =>
    _withSandbox(async (sb) => {
      const cc = await _token(sb, { grant_type: 'client_credentials' }, { url: `${sb.url}/Token` });
      assert.equal(cc.status, 200);
      const final = await driveAuthorize(_authorizeUrl(sb, {}, `${sb.url}/Authorize`).href, {
        username: 'greatday',
        password: 'everyday',
        decision: 'allow',
      });
      assert.ok(final.searchParams.get('code'));
      const { access_token } = await _connect(sb, {}, {});
      for (const path of ['/Accounts', '/api/FDX/5/Accounts', '/Customers/current']) {
        const res = await _fdx(sb, path, access_token);
        assert.notEqual(res.status, 404, path);
        assert.ok(res.headers.get('ob-trace-id'), path);
      }
      const providers = await fetch(`${sb.url}/Providers`, {
        headers: { authorization: `Bearer ${cc.body.access_token}` },
      });
      assert.equal(providers.status, 200);
      const partner = await _token(
        sb,
        { grant_type: 'client_credentials', scope: 'client:admin' },
        {
          url: `${sb.url}/api/v1/Token`,
          client: { client_id: 'partner-sandbox', client_secret: 'partner-sandbox-secret' },
        },
      );
      const requests = await fetch(`${sb.url}/Recipients/${RECIPIENT.client_id}/Providers/Requests`, {
        headers: { authorization: `Bearer ${partner.body.access_token}` },
      });
      assert.equal(requests.status, 200);
      assert.equal(((await requests.json()) as unknown[]).length, 1);
    }));
});
