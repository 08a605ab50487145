import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { _connect, _token, _withSandbox, RECIPIENT } from './_sandbox.ts';

const PARTNER = { client_id: 'partner-sandbox', client_secret: 'partner-sandbox-secret' };

async function _raw(url: string, body: string, headers: Record<string, string>) {
  const res = await fetch(url, { method: 'POST', headers, body });
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}

describe('sandbox /token error rows (RFC 6749 bodies, Flinks statuses)', () => {
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
