import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import * as oauth from 'oauth4webapi';
import { driveAuthorize } from '../../sandbox/drive.ts';
import { startSandbox } from '../../sandbox/index.ts';

const PARTNER = { client_id: 'partner-sandbox', client_secret: 'partner-sandbox-secret' };
const REDIRECT = 'https://maple.example/flinks/callback';

// biome-ignore lint/suspicious/noExplicitAny: the journey walks JSON answers freely and asserts on every step
type Json = any;

describe('a partner following the docs, over HTTP', () => {
  it('gets client:admin, creates a recipient, registers it, walks it to ACTIVE, connects, exchanges, refreshes, reads every FDX endpoint and revokes', async () => {
    const sb = await startSandbox();
    try {
      const call = async (method: string, path: string, token?: string, body?: unknown) => {
        const res = await fetch(new URL(path, sb.url), {
          method,
          headers: {
            ...(token ? { authorization: `Bearer ${token}` } : {}),
            ...(body ? { 'content-type': 'application/json' } : {}),
          },
          body: body ? JSON.stringify(body) : undefined,
        });
        const text = await res.text();
        return {
          status: res.status,
          body: (text ? JSON.parse(text) : undefined) as Json,
          headers: res.headers,
        };
      };
      const basic = (id: string, secret: string) =>
        `Basic ${Buffer.from(`${encodeURIComponent(id)}:${encodeURIComponent(secret)}`).toString('base64')}`;

      // 1. Partner token (the seed's /Token call, JSON body as in Flinks' sample).
      const admin = await call('POST', '/api/v1/token', undefined, {
        grant_type: 'client_credentials',
        client_id: PARTNER.client_id,
        client_secret: PARTNER.client_secret,
        scope: 'client:admin',
      });
      assert.equal(admin.status, 200, JSON.stringify(admin.body));
      const adminToken = admin.body.access_token as string;

      // 2. A recipient.
      const recipient = await call('POST', '/api/v1/recipients', adminToken, {
        name: 'Maple Budget',
        redirect_uris: [REDIRECT],
      });
      assert.equal(recipient.status, 201);
      const { client_id, client_secret } = recipient.body as { client_id: string; client_secret: string };

      // 3–4. Registration with Banque Laurentienne de Test, walked to ACTIVE.
      const requested = await call(
        'POST',
        `/api/v1/recipients/providers/requests/${client_id}/1001`,
        adminToken,
      );
      assert.equal(requested.body[0].registration_status, 'PENDING_APPROVAL');
      const statuses = [];
      for (let i = 0; i < 2; i++) {
        await call('POST', '/sandbox/registrations/advance', undefined, { client_id, provider_id: 1001 });
        const status = await call('GET', `/api/v1/recipients/${client_id}/providers/requests`, adminToken);
        statuses.push(status.body.find((r: Json) => r.provider_id === 1001).registration_status);
      }
      assert.deepEqual(statuses, ['PENDING_ACTIVATION', 'ACTIVE']);

      // The recipient sees its providers with its own token.
      const form = new URLSearchParams({ grant_type: 'client_credentials' });
      const own = await fetch(sb.tokenUrl, {
        method: 'POST',
        headers: {
          authorization: basic(client_id, client_secret),
          'content-type': 'application/x-www-form-urlencoded',
        },
        body: form,
      }).then((r) => r.json() as Promise<Json>);
      const providers = await call('GET', '/api/v1/providers', own.access_token);
      assert.deepEqual(
        providers.body.map((p: Json) => p.provider_id),
        [1000, 1001],
      );

      // 5. Authorize with PKCE at provider 1001, as the customer.
      const verifier = oauth.generateRandomCodeVerifier();
      const state = oauth.generateRandomState();
      const authorize = new URL(sb.authorizeUrl);
      authorize.search = new URLSearchParams({
        response_type: 'code',
        client_id,
        redirect_uri: REDIRECT,
        scope:
          'ACCOUNT_BASIC ACCOUNT_DETAILED ACCOUNT_PAYMENTS TRANSACTIONS CUSTOMER_CONTACT CUSTOMER_PERSONAL',
        state,
        provider_id: '1001',
        correlation_id: crypto.randomUUID(),
        code_challenge: await oauth.calculatePKCECodeChallenge(verifier),
        code_challenge_method: 'S256',
      }).toString();
      const callback = await driveAuthorize(authorize.href, {
        username: 'greatday',
        password: 'everyday',
        decision: 'allow',
      });

      // 6. The partner validates the callback (state, iss) and exchanges the code with oauth4webapi.
      const as: oauth.AuthorizationServer = {
        issuer: sb.issuer,
        token_endpoint: sb.tokenUrl,
        authorization_response_iss_parameter_supported: true,
      };
      const client: oauth.Client = { client_id };
      const params = oauth.validateAuthResponse(as, client, callback, state);
      const exchange = await oauth.authorizationCodeGrantRequest(
        as,
        client,
        oauth.ClientSecretBasic(client_secret),
        params,
        REDIRECT,
        verifier,
        { [oauth.allowInsecureRequests]: true },
      );
      const tokens = await oauth.processAuthorizationCodeResponse(as, client, exchange);
      assert.equal(tokens.token_type, 'bearer');
      assert.equal(tokens.expires_in, 299);
      assert.ok(tokens.refresh_token);

      // 7. Refresh.
      const refreshed = await oauth.processRefreshTokenResponse(
        as,
        client,
        await oauth.refreshTokenGrantRequest(
          as,
          client,
          oauth.ClientSecretPost(client_secret),
          tokens.refresh_token as string,
          { [oauth.allowInsecureRequests]: true },
        ),
      );
      const token = refreshed.access_token;

      // 8. Every FDX endpoint.
      const accounts = await call('GET', '/api/fdx/5/accounts?resultType=details', token);
      assert.equal(accounts.status, 200);
      assert.ok(accounts.body.accounts.length >= 3);
      assert.ok(
        accounts.body.accounts.every((a: Json) => !('investmentAccount' in a)),
        '1001 has no investments',
      );
      const chequing = accounts.body.accounts[0].depositAccount;
      assert.match(chequing.productName, /Compte chèques/, 'a Quebec bank names its products in French');
      const one = await call('GET', `/api/fdx/5/accounts/${chequing.accountId}`, token);
      assert.equal(one.body.depositAccount.accountId, chequing.accountId);
      let next: string | undefined = `/api/fdx/5/accounts/${chequing.accountId}/transactions?limit=250`;
      let count = 0;
      let total = 0;
      while (next) {
        const page = await call('GET', next, token);
        assert.equal(page.status, 200);
        count += page.body.transactions.length;
        total = page.body.page.totalElements;
        next = page.body.links.next?.href;
      }
      assert.equal(count, total);
      assert.ok(total > 300);
      const customer = await call('GET', '/api/fdx/5/customers/current', token);
      assert.equal(customer.status, 200);
      assert.ok(customer.body.name && customer.body.email);
      const networks = await call('GET', `/api/fdx/5/accounts/${chequing.accountId}/payment-networks`, token);
      assert.equal(networks.body.paymentNetworks[0].type, 'CA_ACSS');

      // 9. Revoke: data calls then answer FDX 602, and the refresh token is dead.
      const revoked = await fetch(`${sb.url}/api/v1/revoke`, {
        method: 'DELETE',
        headers: { authorization: `Bearer ${token}` },
      });
      assert.equal(revoked.status, 204);
      const after = await call('GET', '/api/fdx/5/accounts', token);
      assert.equal(after.status, 401);
      assert.equal(after.body.code, '602');
      const dead = await oauth.refreshTokenGrantRequest(
        as,
        client,
        oauth.ClientSecretPost(client_secret),
        tokens.refresh_token as string,
        { [oauth.allowInsecureRequests]: true },
      );
      assert.equal(dead.status, 400);
      assert.equal(((await dead.json()) as Json).error, 'invalid_grant');
    } finally {
      await sb.close();
    }
  });
});
