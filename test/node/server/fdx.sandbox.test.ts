import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import {
  createConnections,
  createFdxClient,
  FdxError,
  isFlinksServerError,
  type Tokens,
} from '../../../core/server/index.ts';
import type { FdxDepositAccount, FdxTransactions } from '../../../core/src/index.ts';
import { type Sandbox, startSandbox } from '../../sandbox/index.ts';
import { connect, control, countingFetch, recipient } from './_sandbox.ts';

let sandbox: Sandbox;
const client = recipient();
let tokens: Tokens;
before(async () => {
  sandbox = await startSandbox({ clients: [client] });
  tokens = await connect(sandbox, client);
});
after(() => sandbox.close());

const fdx = (overrides: Partial<Parameters<typeof createFdxClient>[0]> = {}) =>
  createFdxClient({ baseUrl: sandbox.fdxUrl, accessToken: tokens.access_token, ...overrides });

function depositOf(account: object): FdxDepositAccount | undefined {
  return 'depositAccount' in account ? (account.depositAccount as FdxDepositAccount) : undefined;
}

describe('FDX client against the sandbox', () => {
  it('reads accounts lightweight and with details, one account, the customer and payment networks', async () => {
    const client = fdx();
    const light = await client.accounts();
    assert.ok(light.accounts.length > 0);
    const detailed = await client.accounts({ resultType: 'details' });
    const deposit = detailed.accounts.map(depositOf).find(Boolean);
    assert.ok(deposit, 'a deposit account');
    assert.equal(typeof deposit.currentBalance, 'number');
    assert.equal(
      depositOf(light.accounts.find((a) => depositOf(a)?.accountId === deposit.accountId) ?? {})
        ?.currentBalance,
      undefined,
    );
    const one = await client.account(deposit.accountId);
    assert.equal(depositOf(one)?.accountId, deposit.accountId);
    const customer = await client.customer();
    assert.ok(customer.customerId);
    const networks = await client.paymentNetworks(deposit.accountId);
    assert.ok(networks.paymentNetworks.length > 0);
    assert.equal(networks.paymentNetworks[0]?.type, 'CA_ACSS');
    const all = [];
    for await (const account of client.allAccounts({ limit: 1 })) all.push(account);
    assert.equal(all.length, light.page?.totalElements ?? light.accounts.length);
  });

  it('pages through every transaction to the last page', async () => {
    const client = fdx();
    const deposit = (await client.accounts()).accounts.map(depositOf).find(Boolean);
    assert.ok(deposit);
    const first = await client.transactions(deposit.accountId, { limit: 50 });
    const total = first.page?.totalElements;
    assert.ok(total && total > 100, `enough transactions to page (${total})`);
    let pages = 0;
    const ids = new Set<string>();
    let last: FdxTransactions | undefined;
    for await (const page of client.transactionPages(deposit.accountId, { limit: 50 })) {
      pages++;
      for (const t of page.transactions) ids.add(Object.values(t)[0].transactionId);
      last = page;
    }
    assert.equal(ids.size, total);
    assert.equal(pages, Math.ceil(total / 50));
    assert.equal(last?.page?.nextOffset, undefined);
    let count = 0;
    // Methods work detached from the client (no `this`).
    const { allTransactions } = client;
    for await (const _ of allTransactions(deposit.accountId, { limit: 100 })) count++;
    assert.equal(count, total);
  });

  it('throws FdxError with the FDX code, status and ob-correlation-id', async () => {
    await assert.rejects(fdx().account('no-such-account'), (error) => {
      assert.ok(error instanceof FdxError);
      assert.equal(error.code, 'FDX_ERROR');
      assert.equal(error.fdx_code, 701);
      assert.equal(error.status, 404);
      assert.ok(error.correlation_id, 'ob-correlation-id');
      assert.ok(!error.message.includes(tokens.access_token));
      return true;
    });
  });

  it('retries a 429 after the Retry-After delay', async () => {
    await control(sandbox, 'faults', { kind: 'fdx_1207', target: 'fdx', count: 1 });
    const waits: number[] = [];
    const counter = countingFetch();
    const client = fdx({
      fetch: counter.fetch,
      sleep: (ms: number) => {
        waits.push(ms);
        return new Promise((resolve) => setTimeout(resolve, ms));
      },
    });
    const started = Date.now();
    const { accounts } = await client.accounts();
    assert.ok(accounts.length > 0);
    assert.deepEqual(waits, [1000]);
    assert.ok(Date.now() - started >= 1000);
    assert.equal(counter.count('/api/fdx/5/accounts'), 2);
  });

  it('retries a 503 and gives up with FdxError 1207 when 429s outlast the retries', async () => {
    await control(sandbox, 'faults', { kind: 'fdx_503', target: 'fdx', count: 1 });
    const quick = { sleep: async () => {} };
    assert.ok((await fdx(quick).customer()).customerId);
    await control(sandbox, 'faults', { kind: 'fdx_1207', target: 'fdx', count: 3 });
    await assert.rejects(fdx({ ...quick, retries: 2 }).customer(), (error) => {
      assert.ok(error instanceof FdxError);
      assert.equal(error.status, 429);
      assert.equal(error.fdx_code, 1207);
      return true;
    });
  });

  it('retries FDX 1207 sent as HTTP 422 and a 500 on a read, but not a 422 of another FDX code', async () => {
    await control(sandbox, 'faults', { kind: 'fdx_1207_422', target: 'fdx', count: 1 });
    await control(sandbox, 'faults', { kind: 'fdx_500', target: 'fdx', count: 1 });
    const counter = countingFetch();
    const client = fdx({ fetch: counter.fetch, sleep: async () => {} });
    assert.ok((await client.accounts()).accounts.length > 0);
    assert.equal(counter.count('/api/fdx/5/accounts'), 3);
    const loc = (await client.accounts()).accounts.find((a) => 'locAccount' in a) as
      | { locAccount: { accountId: string } }
      | undefined;
    assert.ok(loc);
    await assert.rejects(client.paymentNetworks(loc.locAccount.accountId), (error) => {
      assert.ok(error instanceof FdxError);
      assert.deepEqual([error.status, error.fdx_code], [422, 704]);
      return true;
    });
    assert.equal(counter.count(`/api/fdx/5/accounts/${loc.locAccount.accountId}/payment-networks`), 1);
  });

  it('gives up on a call after its time limit', async () => {
    await control(sandbox, 'faults', { kind: 'slow', target: 'fdx', count: 1, delay_ms: 1500 });
    await assert.rejects(fdx({ timeoutMs: 300 }).customer(), (error) => {
      assert.ok(isFlinksServerError(error, 'TIMEOUT'));
      return true;
    });
  });
});

describe('connections against the sandbox', () => {
  it('refreshes an access token Flinks says is expired and retries the FDX call once', async () => {
    // Access tokens of this sandbox live 1 s; the fixed clock keeps the kit from noticing on its own, so the
    // FDX API's 400 is what triggers the refresh.
    const shortLived = await startSandbox({ clients: [client], accessTokenTtl: 1 });
    try {
      const counter = countingFetch();
      const connections = createConnections({
        tokenUrl: shortLived.tokenUrl,
        clientId: client.client_id,
        clientSecret: client.client_secret,
        fdxBaseUrl: shortLived.fdxUrl,
        fetch: counter.fetch,
        fdx: { fetch: counter.fetch },
        now: () => 0,
      });
      const own = await connect(shortLived, client);
      const { id } = await connections.save({ tokens: own, provider_id: '1000' });
      await new Promise((resolve) => setTimeout(resolve, 1100));
      const { accounts } = await connections.fdx(id).accounts();
      assert.ok(accounts.length > 0);
      assert.equal(counter.count('/api/v1/token'), 1);
      assert.equal(counter.count('/api/fdx/5/accounts'), 2);
      const stored = await connections.get(id);
      assert.notEqual(stored?.tokens.access_token, own.access_token);
      assert.equal(stored?.tokens.refresh_token, own.refresh_token);
    } finally {
      await shortLived.close();
    }
  });

  it('refreshes before calling when the stored token is past its expiry, once for concurrent callers', async () => {
    const counter = countingFetch();
    let clock = Date.now();
    const connections = createConnections({
      tokenUrl: sandbox.tokenUrl,
      clientId: client.client_id,
      clientSecret: client.client_secret,
      fetch: counter.fetch,
      now: () => clock,
    });
    const own = await connect(sandbox, client);
    const { id } = await connections.save({ tokens: own, provider_id: '1000' });
    assert.equal(await connections.getAccessToken(id), own.access_token);
    clock += 280_000;
    const fresh = await Promise.all(Array.from({ length: 8 }, () => connections.getAccessToken(id)));
    assert.equal(new Set(fresh).size, 1);
    assert.notEqual(fresh[0], own.access_token);
    assert.equal(counter.count('/api/v1/token'), 1);
  });

  it('marks the connection for re-consent when the accounts list answers FDX 602, and drops its tokens', async () => {
    const connections = createConnections({
      tokenUrl: sandbox.tokenUrl,
      clientId: client.client_id,
      clientSecret: client.client_secret,
      fdxBaseUrl: sandbox.fdxUrl,
    });
    const own = await connect(sandbox, client);
    const { id } = await connections.save({ tokens: own, provider_id: '1000' });
    await control(sandbox, 'connections/revoke', { token: own.access_token });
    await assert.rejects(connections.fdx(id).accounts(), (error) => {
      assert.ok(isFlinksServerError(error, 'REAUTHORIZATION_REQUIRED'));
      assert.ok(error.cause instanceof FdxError && error.cause.fdx_code === 602);
      return true;
    });
    const stored = await connections.get(id);
    assert.equal(stored?.status, 'reauthorization_required');
    assert.equal(stored?.tokens.refresh_token, undefined);
    assert.equal(stored?.tokens.access_token, '');
    await assert.rejects(connections.getAccessToken(id), /connect the bank again/);
  });

  it('keeps a connection whose customer did not consent to a data cluster, and names that cluster (FDX 602)', async () => {
    const connections = createConnections({
      tokenUrl: sandbox.tokenUrl,
      clientId: client.client_id,
      clientSecret: client.client_secret,
      fdxBaseUrl: sandbox.fdxUrl,
    });
    const own = await connect(sandbox, client, { scope: 'ACCOUNT_BASIC' });
    const { id } = await connections.save({ tokens: own, provider_id: '1000' });
    const data = connections.fdx(id);
    const deposit = (await data.accounts()).accounts.map(depositOf).find(Boolean);
    assert.ok(deposit);
    await assert.rejects(data.transactions(deposit.accountId), (error) => {
      assert.ok(error instanceof FdxError, String(error));
      assert.equal(error.fdx_code, 602);
      assert.equal(error.status, 401);
      assert.deepEqual(error.missing_scopes, ['TRANSACTIONS']);
      assert.match(error.message, /TRANSACTIONS/);
      return true;
    });
    await assert.rejects(data.customer(), (error) => {
      assert.ok(error instanceof FdxError);
      assert.deepEqual(error.missing_scopes, ['CUSTOMER_PERSONAL', 'CUSTOMER_CONTACT']);
      return true;
    });
    const stored = await connections.get(id);
    assert.equal(stored?.status, 'active');
    assert.equal(stored?.tokens.refresh_token, own.refresh_token);
    assert.ok((await data.accounts()).accounts.length > 0, 'the consented data still reads');
  });

  it('marks the connection for re-consent when a refused data call and the accounts list both answer FDX 602', async () => {
    const connections = createConnections({
      tokenUrl: sandbox.tokenUrl,
      clientId: client.client_id,
      clientSecret: client.client_secret,
      fdxBaseUrl: sandbox.fdxUrl,
    });
    const own = await connect(sandbox, client);
    const { id } = await connections.save({ tokens: own, provider_id: '1000' });
    const deposit = (await connections.fdx(id).accounts()).accounts.map(depositOf).find(Boolean);
    assert.ok(deposit);
    await control(sandbox, 'connections/revoke', { token: own.access_token });
    await assert.rejects(connections.fdx(id).transactions(deposit.accountId), (error) => {
      assert.ok(isFlinksServerError(error, 'REAUTHORIZATION_REQUIRED'));
      return true;
    });
    assert.equal((await connections.get(id))?.status, 'reauthorization_required');
  });

  it('marks the connection for re-consent when the refresh token is refused', async () => {
    const connections = createConnections({
      tokenUrl: sandbox.tokenUrl,
      clientId: client.client_id,
      clientSecret: client.client_secret,
    });
    const own = await connect(sandbox, client);
    const { id } = await connections.save({ tokens: own, provider_id: '1000' });
    await control(sandbox, 'tokens/expire', { token: own.refresh_token });
    await assert.rejects(connections.getAccessToken(id, { rejected: own.access_token }), (error) => {
      assert.ok(isFlinksServerError(error, 'REAUTHORIZATION_REQUIRED'));
      return true;
    });
    assert.equal((await connections.get(id))?.status, 'reauthorization_required');
  });

  it('reconnects a connection marked for re-consent with a new consent for the same bank, keeping its id and metadata', async () => {
    let clock = 1_000_000;
    const connections = createConnections({
      tokenUrl: sandbox.tokenUrl,
      clientId: client.client_id,
      clientSecret: client.client_secret,
      fdxBaseUrl: sandbox.fdxUrl,
      now: () => clock,
    });
    const first = await connect(sandbox, client);
    const saved = await connections.save({
      tokens: first,
      provider_id: '1000',
      metadata: { customer: 'cust-42', label: 'Main bank' },
    });
    await control(sandbox, 'connections/revoke', { token: first.access_token });
    await assert.rejects(connections.fdx(saved.id).accounts(), /connect the bank again/);
    assert.equal((await connections.get(saved.id))?.status, 'reauthorization_required');

    clock += 60_000;
    const second = await connect(sandbox, client);
    const renewed = await connections.reconnect(saved.id, {
      tokens: second,
      provider_id: '1000',
      correlation_id: 'c0ffee00-0000-4000-8000-000000000000',
      metadata: { label: 'Chequing' },
    });
    assert.equal(renewed.id, saved.id);
    assert.equal(renewed.status, 'active');
    assert.equal(renewed.created_at, saved.created_at);
    assert.equal(renewed.updated_at, clock);
    assert.deepEqual(renewed.metadata, { customer: 'cust-42', label: 'Chequing' });
    assert.deepEqual(await connections.get(saved.id), renewed);
    assert.ok((await connections.fdx(saved.id).accounts()).accounts.length > 0, 'the new consent reads data');
  });

  it("refuses to reconnect with another bank's consent (PROVIDER_MISMATCH) or an unknown id", async () => {
    const connections = createConnections({
      tokenUrl: sandbox.tokenUrl,
      clientId: client.client_id,
      clientSecret: client.client_secret,
    });
    const own = await connect(sandbox, client);
    const { id } = await connections.save({ tokens: own, provider_id: '1000' });
    await assert.rejects(connections.reconnect(id, { tokens: own, provider_id: '1002' }), (error) => {
      assert.ok(isFlinksServerError(error, 'PROVIDER_MISMATCH'));
      return true;
    });
    assert.equal((await connections.get(id))?.tokens.access_token, own.access_token, 'unchanged');
    await assert.rejects(connections.reconnect('nope', { tokens: own, provider_id: '1000' }), (error) =>
      isFlinksServerError(error, 'CONNECTION_NOT_FOUND'),
    );
  });

  it('throws CONNECTION_NOT_FOUND for an unknown id', async () => {
    const connections = createConnections({
      tokenUrl: sandbox.tokenUrl,
      clientId: client.client_id,
      clientSecret: client.client_secret,
    });
    await assert.rejects(connections.getAccessToken('nope'), (error) =>
      isFlinksServerError(error, 'CONNECTION_NOT_FOUND'),
    );
  });
});

describe('revoking a connection against the sandbox', () => {
  it('ends the consent at Flinks and deletes the stored connection', async () => {
    const connections = createConnections({
      tokenUrl: sandbox.tokenUrl,
      clientId: client.client_id,
      clientSecret: client.client_secret,
      fdxBaseUrl: sandbox.fdxUrl,
    });
    const own = await connect(sandbox, client);
    const { id } = await connections.save({ tokens: own, provider_id: '1000' });
    await connections.revoke(id);
    assert.equal(await connections.get(id), undefined);
    // The tokens are dead at Flinks: the access token reads nothing, the refresh token refreshes nothing.
    await assert.rejects(fdx({ accessToken: own.access_token }).accounts(), FdxError);
    const again = await connections.save({ tokens: own, provider_id: '1000' });
    await assert.rejects(connections.getAccessToken(again.id, { rejected: own.access_token }), (error) =>
      isFlinksServerError(error, 'REAUTHORIZATION_REQUIRED'),
    );
    // A connection that already needs re-consent is only deleted.
    await connections.revoke(again.id);
    assert.equal(await connections.get(again.id), undefined);
  });
});
