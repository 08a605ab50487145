import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { driveAuthorize } from '../../sandbox/drive.ts';
import type { Sandbox } from '../../sandbox/index.ts';
import { _authorizeUrl, _token, _withSandbox, RECIPIENT } from './_sandbox.ts';

const PARTNER = { client_id: 'partner-sandbox', client_secret: 'partner-sandbox-secret' };

async function _adminToken(sb: Sandbox, client: { client_id: string; client_secret: string } = PARTNER) {
  const scope: Record<string, string> = client === PARTNER ? { scope: 'client:admin' } : {};
  const { status, body } = await _token(sb, { grant_type: 'client_credentials', ...scope }, { client });
  assert.equal(status, 200, JSON.stringify(body));
  return body.access_token as string;
}

async function _call(sb: Sandbox, method: string, path: string, token?: string, body?: unknown) {
  const res = await fetch(`${sb.url}${path}`, {
    method,
    headers: {
      ...(token ? { authorization: `Bearer ${token}` } : {}),
      ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
    },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  // biome-ignore lint/suspicious/noExplicitAny: tests walk the JSON answers freely and assert on every step
  return { status: res.status, body: (text ? JSON.parse(text) : undefined) as any };
}

describe('sandbox providers', { concurrency: true }, () => {
  it('lists all providers to a partner and only ACTIVE ones to a recipient', () =>
    _withSandbox(async (sb) => {
      const all = await _call(sb, 'GET', '/api/v1/providers', await _adminToken(sb));
      assert.equal(all.status, 200);
      assert.ok(all.body.length >= 5);
      assert.deepEqual(all.body[0], { provider_id: 1000, name: 'Flinks Capital' });
      assert.ok(all.body.some((p: { provider_id: number }) => p.provider_id === 2000));
      const mine = await _call(sb, 'GET', '/api/v1/providers', await _adminToken(sb, RECIPIENT));
      assert.equal(mine.status, 200);
      assert.deepEqual(mine.body, [{ provider_id: 1000, name: 'Flinks Capital' }]);
    }));

  it('filters /api/v2/providers by country and isEnabledForClient, with status, connectorName and account types', () =>
    _withSandbox(async (sb) => {
      const token = await _adminToken(sb, RECIPIENT);
      const ca = await _call(sb, 'GET', '/api/v2/providers?country=CA', token);
      assert.equal(ca.status, 200);
      assert.ok(ca.body.length >= 4);
      assert.ok(ca.body.every((p: { country: string }) => p.country === 'CA'));
      const capital = ca.body.find((p: { provider_id: number }) => p.provider_id === 1000);
      assert.equal(capital.status, 'Activated');
      assert.equal(typeof capital.connectorName, 'string');
      assert.ok(capital.availableAccountTypes.includes('CHECKING'));
      assert.match(capital.logoUrl, /^http:\/\/127\.0\.0\.1:\d+\/sandbox\/logos\/1000\.svg$/);
      const logo = await fetch(capital.logoUrl);
      assert.equal(logo.headers.get('content-type'), 'image/svg+xml');
      assert.match(await logo.text(), /^<svg /);
      assert.equal(ca.body.find((p: { provider_id: number }) => p.provider_id === 1001).status, 'Available');

      const partner = await _adminToken(sb);
      await _call(sb, 'POST', `/api/v1/recipients/providers/requests/${RECIPIENT.client_id}/1001`, partner);
      const pending = await _call(sb, 'GET', '/api/v2/providers?country=CA', token);
      assert.equal(
        pending.body.find((p: { provider_id: number }) => p.provider_id === 1001).status,
        'PendingActivation',
      );
      const enabled = await _call(sb, 'GET', '/api/v2/providers?isEnabledForClient=true', token);
      assert.deepEqual(
        enabled.body.map((p: { provider_id: number }) => p.provider_id),
        [1000],
      );
      const notEnabled = await _call(sb, 'GET', '/api/v2/providers?isEnabledForClient=false', token);
      assert.ok(notEnabled.body.every((p: { status: string }) => p.status !== 'Activated'));
      assert.ok(notEnabled.body.length >= 4);
      for (const query of ['country=Canada', 'isEnabledForClient=yes']) {
        const bad = await _call(sb, 'GET', `/api/v2/providers?${query}`, token);
        assert.equal(bad.status, 400, query);
        assert.equal(bad.body.error, 'invalid_request');
      }
    }));

  it('describes one provider with its data inventory, 404 for an unknown one, 400 for a non-number', () =>
    _withSandbox(async (sb) => {
      const token = await _adminToken(sb);
      const one = await _call(sb, 'GET', '/api/v1/providers/1002', token);
      assert.equal(one.status, 200);
      assert.equal(one.body.provider_id, 1002);
      const inventory = one.body.data_inventory;
      assert.deepEqual(Object.keys(inventory).sort(), [
        'account',
        'customers',
        'detailed_accounts',
        'lightweight_accounts',
        'payments',
        'transactions',
      ]);
      for (const paths of Object.values(inventory) as string[][]) {
        assert.ok(paths.every((path) => typeof path === 'string' && /^[A-Za-z]/.test(path)));
      }
      assert.ok(inventory.lightweight_accounts.includes('depositAccount.accountId'));
      assert.ok(inventory.detailed_accounts.includes('depositAccount.currentBalance'));
      assert.ok(!inventory.lightweight_accounts.includes('depositAccount.currentBalance'));
      assert.ok(inventory.transactions.includes('depositTransaction.amount'));
      assert.ok(inventory.customers.includes('name.first'));
      assert.deepEqual(inventory.payments, [], 'provider 1002 has no payment networks');
      assert.ok(!one.body.scopes.includes('ACCOUNT_PAYMENTS'));
      const noInvest = await _call(sb, 'GET', '/api/v1/providers/1001', token);
      assert.ok(
        !noInvest.body.data_inventory.detailed_accounts.some((p: string) => p.startsWith('investment')),
      );
      const capital = await _call(sb, 'GET', '/api/v1/providers/1000', token);
      assert.ok(capital.body.data_inventory.payments.includes('paymentNetworks[].bankId'));
      assert.ok(
        capital.body.data_inventory.detailed_accounts.some((p: string) => p.startsWith('investment')),
      );
      assert.equal((await _call(sb, 'GET', '/api/v1/providers/4242', token)).status, 404);
      assert.equal((await _call(sb, 'GET', '/api/v1/providers/abc', token)).status, 400);
    }));

  it('answers 400 invalid_token for a missing, unknown or expired token on admin calls', () =>
    _withSandbox(
      async (sb) => {
        const expired = await _adminToken(sb);
        await new Promise((r) => setTimeout(r, 1100));
        for (const token of [undefined, 'nope', expired]) {
          const res = await _call(sb, 'GET', '/api/v1/providers', token);
          assert.equal(res.status, 400, String(token));
          assert.equal(res.body.error, 'invalid_token');
        }
      },
      { accessTokenTtl: 1 },
    ));
});

describe('sandbox recipients', { concurrency: true }, () => {
  it('creates a recipient that can authorize at once with its redirect URIs', () =>
    _withSandbox(async (sb) => {
      const token = await _adminToken(sb);
      const created = await _call(sb, 'POST', '/api/v1/recipients', token, {
        name: 'Érable Finance',
        redirect_uris: ['https://erable.example/cb'],
      });
      assert.equal(created.status, 201, JSON.stringify(created.body));
      assert.match(created.body.client_id, /^dc-[0-9a-f-]{36}$/);
      assert.equal(typeof created.body.client_secret, 'string');
      assert.deepEqual(created.body.redirect_uris, ['https://erable.example/cb']);
      const final = await driveAuthorize(
        _authorizeUrl(sb, { client_id: created.body.client_id, redirect_uri: 'https://erable.example/cb' })
          .href,
        { username: 'greatday', password: 'everyday', decision: 'allow' },
      );
      assert.ok(final.searchParams.get('code'), final.href);
      const exchange = await _token(
        sb,
        {
          grant_type: 'authorization_code',
          code: final.searchParams.get('code') as string,
          redirect_uri: 'https://erable.example/cb',
        },
        { client: created.body, basic: true },
      );
      assert.equal(exchange.status, 200, JSON.stringify(exchange.body));

      const one = await _call(sb, 'GET', `/api/v1/recipients/${created.body.client_id}`, token);
      assert.equal(one.status, 200);
      assert.equal(one.body.name, 'Érable Finance');
      assert.equal(one.body.client_name, undefined, 'Flinks names it name');
      assert.equal(typeof one.body.scope, 'string', 'scope is a space-delimited string');
      assert.ok(one.body.scope.split(' ').includes('ACCOUNT_BASIC'));
      assert.equal(one.body.client_secret, undefined, 'the secret is shown only at creation and rotation');
      const all = await _call(sb, 'GET', '/api/v1/recipients', token);
      assert.ok(all.body.some((r: { client_id: string }) => r.client_id === created.body.client_id));
      assert.ok(all.body.some((r: { client_id: string }) => r.client_id === RECIPIENT.client_id));
    }));

  it('limits a recipient created with a scope list to those data clusters at /authorize', () =>
    _withSandbox(async (sb) => {
      const token = await _adminToken(sb);
      const created = await _call(sb, 'POST', '/api/v1/recipients', token, {
        name: 'Basic only',
        scope: ['ACCOUNT_BASIC', 'ACCOUNT_DETAILED'],
        redirect_uris: ['https://basic.example/cb'],
      });
      assert.equal(created.body.scope, 'ACCOUNT_BASIC ACCOUNT_DETAILED');
      const base = { client_id: created.body.client_id, redirect_uri: 'https://basic.example/cb' };
      const refused = await fetch(_authorizeUrl(sb, { ...base, scope: 'ACCOUNT_BASIC TRANSACTIONS' }), {
        redirect: 'manual',
      });
      assert.equal(
        new URL(refused.headers.get('location') as string).searchParams.get('error'),
        'invalid_scope',
      );
      const allowed = await fetch(_authorizeUrl(sb, { ...base, scope: 'ACCOUNT_BASIC ACCOUNT_DETAILED' }), {
        redirect: 'manual',
      });
      assert.match(allowed.headers.get('location') ?? '', /^\/interaction\//);
      const state = await _call(sb, 'GET', '/sandbox/state');
      const listed = state.body.clients.find(
        (c: { client_id: string }) => c.client_id === created.body.client_id,
      );
      assert.equal(listed.kind, 'recipient');
      assert.equal(listed.client_secret, undefined, 'the state view shows no secrets');
      assert.ok(
        state.body.registrations.some((r: { client_id: string }) => r.client_id === created.body.client_id),
      );
    }));

  it('rejects bad recipient input with clear errors', () =>
    _withSandbox(async (sb) => {
      const token = await _adminToken(sb);
      const cases: [unknown, string][] = [
        [{}, 'invalid_request'],
        [{ name: 'x'.repeat(257) }, 'invalid_request'],
        [{ name: 'A', redirect_uris: 'https://a.example/cb' }, 'invalid_request'],
        [{ name: 'A', redirect_uris: ['not a url'] }, 'invalid_redirect_uri'],
        [{ name: 'A', redirect_uris: ['https://a.example/cb#frag'] }, 'invalid_redirect_uri'],
        [{ name: 'A', scope: ['ACCOUNT_BASIC', 'EVERYTHING'] }, 'invalid_scope'],
        [{ name: 'A', scope: 'TRANSACTIONS' }, 'invalid_scope'],
        [{ name: 'A', description: 'd'.repeat(513) }, 'invalid_request'],
        [{ name: 'A', logo_uri: 'logo.png' }, 'invalid_request'],
        [{ name: 'A', country: 'Canada' }, 'invalid_request'],
        [{ client_name: 'A' }, 'invalid_request'],
      ];
      for (const [body, error] of cases) {
        const res = await _call(sb, 'POST', '/api/v1/recipients', token, body);
        assert.equal(res.status, 400, JSON.stringify(body));
        assert.equal(res.body.error, error, JSON.stringify(body));
        assert.ok(res.body.error_description);
      }
      const recipientToken = await _adminToken(sb, RECIPIENT);
      const forbidden = await _call(sb, 'POST', '/api/v1/recipients', recipientToken, { name: 'A' });
      assert.equal(forbidden.status, 403);
      assert.equal(forbidden.body.error, 'insufficient_scope');
      assert.equal((await _call(sb, 'GET', '/api/v1/recipients/dc-nobody', token)).status, 404);
    }));

  it('replaces redirect_uris with PUT: the old URI stops working at /authorize', () =>
    _withSandbox(async (sb) => {
      const token = await _adminToken(sb);
      const put = await _call(sb, 'PUT', `/api/v1/recipients/${RECIPIENT.client_id}`, token, {
        redirect_uris: ['https://new.example/cb'],
      });
      assert.equal(put.status, 200);
      assert.deepEqual(put.body.redirect_uris, ['https://new.example/cb']);
      const old = await fetch(_authorizeUrl(sb), { redirect: 'manual' });
      assert.equal(old.status, 400, 'the replaced redirect_uri is refused');
      const ok = await fetch(_authorizeUrl(sb, { redirect_uri: 'https://new.example/cb' }), {
        redirect: 'manual',
      });
      assert.equal(ok.status, 303);
      assert.match(ok.headers.get('location') ?? '', /^\/interaction\//);
    }));

  it("keeps Flinks' recipient profile fields, takes scope as a space-delimited string, and PUT changes only the fields sent", () =>
    _withSandbox(async (sb) => {
      const token = await _adminToken(sb);
      const profile = {
        logo_uri: 'https://maple.example/logo.png',
        description: 'Budgets for Canadians',
        terms_uri: 'https://maple.example/terms',
        client_uri: 'https://maple.example',
        country: 'CA',
        contacts: ['ops@maple.example'],
      };
      const created = await _call(sb, 'POST', '/api/v1/recipients', token, {
        name: 'Maple Budget',
        scope: 'ACCOUNT_BASIC TRANSACTIONS',
        ...profile,
      });
      assert.equal(created.status, 201, JSON.stringify(created.body));
      assert.equal(created.body.scope, 'ACCOUNT_BASIC TRANSACTIONS');
      assert.deepEqual(
        { ...created.body, client_id: 0, client_secret: 0, created_at: 0 },
        {
          client_id: 0,
          client_secret: 0,
          created_at: 0,
          name: 'Maple Budget',
          scope: 'ACCOUNT_BASIC TRANSACTIONS',
          redirect_uris: [],
          ...profile,
        },
      );
      const path = `/api/v1/recipients/${created.body.client_id}`;
      const put = await _call(sb, 'PUT', path, token, { description: 'Budgets', name: 'Maple' });
      assert.equal(put.status, 200, JSON.stringify(put.body));
      assert.equal(put.body.name, 'Maple');
      assert.equal(put.body.description, 'Budgets');
      assert.equal(put.body.logo_uri, profile.logo_uri);
      assert.equal(put.body.scope, 'ACCOUNT_BASIC TRANSACTIONS');
      assert.equal((await _call(sb, 'PUT', path, token, {})).status, 400, 'an empty PUT changes nothing');
    }));

  it('rotates the secret: the new one works, the old one gets invalid_client', () =>
    _withSandbox(async (sb) => {
      const token = await _adminToken(sb);
      const rotated = await _call(sb, 'POST', `/api/v1/recipients/${RECIPIENT.client_id}/secret`, token);
      assert.equal(rotated.status, 200);
      assert.notEqual(rotated.body.client_secret, RECIPIENT.client_secret);
      const old = await _token(sb, { grant_type: 'client_credentials' });
      assert.equal(old.status, 400);
      assert.equal(old.body.error, 'invalid_client');
      const fresh = await _token(
        sb,
        { grant_type: 'client_credentials' },
        { client: { client_id: RECIPIENT.client_id, client_secret: rotated.body.client_secret } },
      );
      assert.equal(fresh.status, 200);
    }));
});

describe('sandbox registration with Data Providers', { concurrency: true }, () => {
  it('walks PENDING_APPROVAL → PENDING_ACTIVATION → ACTIVE with the admin advance call; /authorize works only when ACTIVE', () =>
    _withSandbox(async (sb) => {
      const token = await _adminToken(sb);
      const url = _authorizeUrl(sb, { provider_id: '1002', state: 'reg' });
      const before = await fetch(url, { redirect: 'manual' });
      const refused = new URL(before.headers.get('location') as string);
      assert.equal(refused.searchParams.get('error'), 'unauthorized_client');

      const requested = await _call(
        sb,
        'POST',
        `/api/v1/recipients/providers/requests/${RECIPIENT.client_id}/1002,2000`,
        token,
      );
      assert.equal(requested.status, 201, JSON.stringify(requested.body));
      assert.equal(requested.body.length, 2);
      const item = requested.body[0];
      assert.equal(item.client_id, RECIPIENT.client_id);
      assert.equal(item.client_name, RECIPIENT.name);
      assert.equal(item.provider_id, 1002);
      assert.equal(item.provider_name, 'Northern Prairie Credit Union');
      assert.equal(item.country, 'CA');
      assert.equal(item.registration_status, 'PENDING_APPROVAL');
      assert.ok(!Number.isNaN(Date.parse(item.requested_on)));

      const status = async () => {
        const res = await _call(
          sb,
          'GET',
          `/api/v1/recipients/${RECIPIENT.client_id}/providers/requests`,
          token,
        );
        assert.equal(res.status, 200);
        return res.body.find((r: { provider_id: number }) => r.provider_id === 1002).registration_status;
      };
      for (const expected of ['PENDING_ACTIVATION', 'ACTIVE', 'ACTIVE']) {
        const adv = await _call(sb, 'POST', '/sandbox/registrations/advance', undefined, {
          client_id: RECIPIENT.client_id,
          provider_id: 1002,
        });
        assert.equal(adv.status, 200);
        assert.equal(await status(), expected);
        if (expected === 'PENDING_ACTIVATION') {
          const stillRefused = await fetch(url, { redirect: 'manual' });
          assert.match(stillRefused.headers.get('location') ?? '', /error=unauthorized_client/);
        }
      }
      const final = await driveAuthorize(url.href, {
        username: 'greatday',
        password: 'everyday',
        decision: 'allow',
      });
      assert.ok(final.searchParams.get('code'), final.href);

      const all = await _call(sb, 'GET', '/api/v1/recipients/providers/requests', token);
      assert.ok(
        all.body.some(
          (r: { provider_id: number; registration_status: string }) =>
            r.provider_id === 2000 && r.registration_status === 'PENDING_APPROVAL',
        ),
      );
      const providers = await _call(sb, 'GET', '/api/v1/providers', await _adminToken(sb, RECIPIENT));
      assert.deepEqual(
        providers.body.map((p: { provider_id: number }) => p.provider_id),
        [1000, 1002],
      );
    }));

  it('accepts the older form with ids in the body, and is idempotent', () =>
    _withSandbox(async (sb) => {
      const token = await _adminToken(sb);
      const body = { recipient_ids: [RECIPIENT.client_id], provider_ids: [1003] };
      const first = await _call(sb, 'POST', '/api/v1/recipients/providers/requests', token, body);
      assert.equal(first.status, 201, JSON.stringify(first.body));
      assert.equal(first.body[0].registration_status, 'PENDING_APPROVAL');
      await _call(sb, 'POST', '/sandbox/registrations/advance', undefined, {
        client_id: RECIPIENT.client_id,
        to: 'ACTIVE',
      });
      const again = await _call(sb, 'POST', '/api/v1/recipients/providers/requests', token, body);
      assert.equal(again.body[0].registration_status, 'ACTIVE', 'a repeated request keeps the status');
      const mine = await _call(
        sb,
        'GET',
        `/api/v1/recipients/${RECIPIENT.client_id}/providers/requests`,
        token,
      );
      assert.equal(mine.body.filter((r: { provider_id: number }) => r.provider_id === 1003).length, 1);
    }));

  it('registers the partner itself, and rejects unknown providers, recipients and empty lists', () =>
    _withSandbox(async (sb) => {
      const token = await _adminToken(sb);
      const self = await _call(
        sb,
        'POST',
        '/api/v1/recipients/providers/requests/partner-sandbox/2000',
        token,
      );
      assert.equal(self.status, 201);
      assert.equal(self.body[0].client_id, 'partner-sandbox');
      const cases: [string, unknown, number][] = [
        [`/api/v1/recipients/providers/requests/${RECIPIENT.client_id}/9999`, undefined, 404],
        ['/api/v1/recipients/providers/requests/dc-nobody/1000', undefined, 404],
        [`/api/v1/recipients/providers/requests/${RECIPIENT.client_id}/abc`, undefined, 400],
        ['/api/v1/recipients/providers/requests', { provider_ids: [1000] }, 400],
        ['/api/v1/recipients/providers/requests', { recipient_ids: [RECIPIENT.client_id] }, 400],
      ];
      for (const [path, body, status] of cases) {
        const res = await _call(sb, 'POST', path, token, body);
        assert.equal(res.status, status, `${path} ${JSON.stringify(res.body)}`);
        assert.ok(res.body.error_description);
      }
      const bad = await _call(sb, 'POST', '/sandbox/registrations/advance', undefined, { to: 'DONE' });
      assert.equal(bad.status, 400);
    }));

  it('advances registrations by itself when registrationAdvanceMs is set', () =>
    _withSandbox(
      async (sb) => {
        const token = await _adminToken(sb);
        await _call(sb, 'POST', `/api/v1/recipients/providers/requests/${RECIPIENT.client_id}/1001`, token);
        const seen = new Set<string>();
        const deadline = Date.now() + 10_000;
        while (!seen.has('ACTIVE') && Date.now() < deadline) {
          const res = await _call(
            sb,
            'GET',
            `/api/v1/recipients/${RECIPIENT.client_id}/providers/requests`,
            token,
          );
          seen.add(res.body.find((r: { provider_id: number }) => r.provider_id === 1001).registration_status);
          await new Promise((r) => setTimeout(r, 20));
        }
        assert.ok(seen.has('ACTIVE'), `reached ACTIVE without an admin call (saw ${[...seen].join(', ')})`);
      },
      { registrationAdvanceMs: 100 },
    ));
});
