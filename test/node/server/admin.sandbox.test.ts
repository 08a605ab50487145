import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { createAdminClient, createTokenManager, isFlinksServerError } from '../../../core/server/index.ts';
import { SANDBOX_PARTNER, type Sandbox, startSandbox } from '../../sandbox/index.ts';
import { countingFetch, recipient } from './_sandbox.ts';

let sandbox: Sandbox;
before(async () => {
  // Registrations move one status every 150 ms by themselves, so waitForActive has something to wait for.
  sandbox = await startSandbox({ registrationAdvanceMs: 150 });
});
after(() => sandbox.close());

const admin = (overrides: Partial<Parameters<typeof createAdminClient>[0]> = {}) =>
  createAdminClient({
    baseUrl: sandbox.url,
    clientId: SANDBOX_PARTNER.client_id,
    clientSecret: SANDBOX_PARTNER.client_secret,
    ...overrides,
  });

describe('admin client against the sandbox', () => {
  it('lists providers and shows one', async () => {
    const client = admin();
    const providers = await client.providers();
    assert.ok(providers.some((p) => p.provider_id === 1000 && p.name === 'Flinks Capital'));
    assert.ok(providers.length > 1);
    const details = await client.provider(1000);
    assert.equal(details.provider_id, 1000);
    assert.ok(details.scopes?.includes('ACCOUNT_BASIC'));
    const canadian = await client.providersV2({ country: 'CA' });
    assert.ok(canadian.length > 0 && canadian.every((p) => p.country === 'CA'));
    const enabled = await client.providersV2({ isEnabledForClient: true });
    assert.deepEqual(
      enabled.map((p) => [p.provider_id, p.status]),
      [[1000, 'Activated']],
    );
    assert.ok(enabled[0]?.availableAccountTypes?.includes('SAVINGS'));
    await assert.rejects(client.provider(999_999), (error) => {
      assert.ok(isFlinksServerError(error, 'HTTP_ERROR'));
      assert.equal(error.status, 404);
      return true;
    });
  });

  it("reads a Data Recipient's providers with role: 'recipient' (no scope), and says so when it is missing", async () => {
    const partner = admin();
    const created = await partner.createRecipient({ name: 'Providers reader' });
    const credentials = { clientId: created.client_id, clientSecret: created.client_secret as string };
    const mine = await admin({ ...credentials, role: 'recipient' }).providers();
    assert.deepEqual(
      mine.map((p) => p.provider_id),
      [1000],
      'only the providers it is ACTIVE with',
    );
    assert.ok((await partner.providers()).length > 1, 'a partner (client:admin) sees them all');
    await assert.rejects(admin(credentials).providers(), (error) => {
      assert.ok(isFlinksServerError(error, 'TOKEN_REQUEST_FAILED'));
      assert.equal(error.oauth_error, 'invalid_scope');
      assert.match(error.message, /role: 'recipient'/);
      return true;
    });
    assert.throws(() => admin({ role: 'admin' as 'partner' }), /role must be/);
  });

  it('creates a recipient, lists and shows it, replaces its redirect URIs and rotates its secret', async () => {
    const client = admin();
    const created = await client.createRecipient({
      name: 'Maple Budget',
      scope: ['ACCOUNT_BASIC', 'TRANSACTIONS'],
      redirect_uris: ['https://maple.example/callback'],
    });
    assert.match(created.client_id, /^dc-/);
    assert.ok(created.client_secret);
    assert.ok((await client.recipients()).some((r) => r.client_id === created.client_id));
    const shown = await client.recipient(created.client_id);
    assert.deepEqual(shown.redirect_uris, ['https://maple.example/callback']);
    assert.equal(shown.client_secret, undefined);
    const updated = await client.setRedirectUris(created.client_id, ['https://maple.example/flinks']);
    assert.deepEqual(updated.redirect_uris, ['https://maple.example/flinks']);

    const profile = await client.updateRecipient(created.client_id, {
      description: 'Budgets for Canadians',
      logo_uri: 'https://maple.example/logo.png',
      contacts: ['ops@maple.example'],
    });
    assert.equal(profile.name, 'Maple Budget');
    assert.equal(profile.description, 'Budgets for Canadians');
    assert.deepEqual(profile.redirect_uris, ['https://maple.example/flinks'], 'fields not given stay');

    const rotated = await client.rotateSecret(created.client_id);
    assert.ok(rotated.client_secret && rotated.client_secret !== created.client_secret);
    const tokenWith = (secret: string) =>
      createTokenManager({
        tokenUrl: sandbox.tokenUrl,
        clientId: created.client_id,
        clientSecret: secret,
      }).getAccessToken();
    assert.ok(await tokenWith(rotated.client_secret));
    await assert.rejects(tokenWith(created.client_secret as string), /invalid_client/);
  });

  it("sends and reads recipients in Flinks' fields: name, space-delimited scope and the profile fields", async () => {
    const client = admin();
    const fields = {
      logo_uri: 'https://erable.example/logo.svg',
      description: 'Gestion de budget',
      terms_uri: 'https://erable.example/terms',
      client_uri: 'https://erable.example',
      country: 'CA',
      contacts: ['support@erable.example'],
    };
    const created = await client.createRecipient({
      name: 'Érable Finance',
      scope: ['ACCOUNT_BASIC', 'TRANSACTIONS'],
      ...fields,
    });
    assert.equal(created.name, 'Érable Finance');
    assert.equal(created.scope, 'ACCOUNT_BASIC TRANSACTIONS');
    assert.equal(created.client_name, undefined);
    const shown = await client.recipient(created.client_id);
    for (const [key, value] of Object.entries(fields)) assert.deepEqual(shown[key], value, key);
    assert.throws(() => client.createRecipient({ name: 'x', description: 'y'.repeat(513) }), TypeError);
  });

  it('requests registrations in both documented forms and waits until they are ACTIVE', async () => {
    const client = admin();
    const { client_id } = await client.createRecipient({ name: 'Registrant' });
    await client.requestRegistration({ providerIds: [1001], recipientIds: [client_id] });
    await client.requestRegistration({
      providerIds: [1002, 2000],
      recipientIds: [client_id],
      form: 'body',
    });
    const requested = await client.registrations({ clientId: client_id });
    for (const id of [1001, 1002, 2000]) {
      const registration = requested.find((r) => r.provider_id === id);
      assert.ok(registration, `registration with ${id}`);
      assert.notEqual(registration.registration_status, undefined);
    }
    const seen = new Set<string>();
    const active = await client.waitForActive({
      clientId: client_id,
      providerIds: [1001, 1002, 2000],
      intervalMs: 50,
      timeoutMs: 10_000,
      onStatus: (rows) => {
        for (const r of rows) seen.add(r.registration_status);
      },
    });
    assert.equal(active.length, 3);
    assert.ok(active.every((r) => r.registration_status === 'ACTIVE'));
    assert.ok(seen.has('PENDING_ACTIVATION') || seen.has('PENDING_APPROVAL'), [...seen].join());
    const all = await client.registrations({ all: true });
    assert.ok(all.some((r) => r.client_id === client_id && r.provider_id === 1001));
  });

  it('throws WAIT_TIMEOUT naming the providers that are not ACTIVE', async () => {
    const client = admin();
    const { client_id } = await client.createRecipient({ name: 'Never registered' });
    await assert.rejects(
      client.waitForActive({ clientId: client_id, providerIds: [1003], intervalMs: 20, timeoutMs: 100 }),
      (error) => {
        assert.ok(isFlinksServerError(error, 'WAIT_TIMEOUT'));
        assert.match(error.message, /1003: not requested/);
        return true;
      },
    );
  });

  it('registers the partner itself by default', async () => {
    const client = admin();
    await client.requestRegistration({ providerIds: [1003] });
    const mine = await client.registrations();
    assert.ok(mine.some((r) => r.client_id === SANDBOX_PARTNER.client_id && r.provider_id === 1003));
  });

  it('drops an expired admin token and retries the call once with a new one', async () => {
    const shortLived = await startSandbox({ accessTokenTtl: 1 });
    try {
      const counter = countingFetch();
      const tokens = createTokenManager({
        tokenUrl: shortLived.tokenUrl,
        clientId: SANDBOX_PARTNER.client_id,
        clientSecret: SANDBOX_PARTNER.client_secret,
        scope: 'client:admin',
        fetch: counter.fetch,
        now: () => 0, // the cache never notices the expiry by itself
      });
      const client = createAdminClient({ baseUrl: shortLived.url, tokens, fetch: counter.fetch });
      assert.ok((await client.providers()).length > 0);
      await new Promise((resolve) => setTimeout(resolve, 1100));
      assert.ok((await client.providers()).length > 0);
      assert.equal(counter.count('/api/v1/token'), 2);
      assert.equal(counter.count('/api/v1/providers'), 3);
    } finally {
      await shortLived.close();
    }
  });

  it('reports a refused scope as HTTP_ERROR 403 and a wrong secret as TOKEN_REQUEST_FAILED', async () => {
    const data = recipient();
    sandbox.addClient(data);
    const asRecipient = createAdminClient({
      baseUrl: sandbox.url,
      tokens: createTokenManager({
        tokenUrl: sandbox.tokenUrl,
        clientId: data.client_id,
        clientSecret: data.client_secret,
      }),
    });
    await assert.rejects(
      asRecipient.recipients(),
      (error) => isFlinksServerError(error, 'HTTP_ERROR') && error.status === 403,
    );
    await assert.rejects(admin({ clientSecret: 'wrong-secret' }).providers(), (error) => {
      assert.ok(isFlinksServerError(error, 'TOKEN_REQUEST_FAILED'));
      assert.equal(error.oauth_error, 'invalid_client');
      return true;
    });
  });
});
