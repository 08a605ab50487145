import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { SANDBOX_PROVIDERS, type Sandbox } from '../../sandbox/index.ts';
import { _connect, _fdx, _token, _withSandbox, RECIPIENT } from './_sandbox.ts';

const ALL_SCOPES =
  'ACCOUNT_BASIC ACCOUNT_DETAILED ACCOUNT_PAYMENTS INVESTMENTS TRANSACTIONS STATEMENTS CUSTOMER_CONTACT CUSTOMER_PERSONAL';

// biome-ignore lint/suspicious/noExplicitAny: FDX wrappers are walked freely in tests
type Json = any;
const inner = (wrapped: Json) => Object.values(wrapped)[0] as Json;

async function _all(sb: Sandbox, provider = '1000') {
  return (await _connect(sb, { scope: ALL_SCOPES, provider_id: provider })).access_token;
}

/** Registers RECIPIENT with a provider through the partner API and walks it to ACTIVE. */
async function _activate(sb: Sandbox, provider: number) {
  const { body } = await _token(
    sb,
    { grant_type: 'client_credentials', scope: 'client:admin' },
    { client: { client_id: 'partner-sandbox', client_secret: 'partner-sandbox-secret' } },
  );
  const headers = { authorization: `Bearer ${body.access_token}`, 'content-type': 'application/json' };
  const requested = await fetch(
    `${sb.url}/api/v1/recipients/providers/requests/${RECIPIENT.client_id}/${provider}`,
    {
      method: 'POST',
      headers,
    },
  );
  assert.equal(requested.status, 201);
  const advanced = await fetch(`${sb.url}/sandbox/registrations/advance`, {
    method: 'POST',
    headers,
    body: JSON.stringify({ client_id: RECIPIENT.client_id, provider_id: provider, to: 'ACTIVE' }),
  });
  assert.equal(advanced.status, 200);
}

describe('sandbox FDX accounts', { concurrency: true }, () => {
  it('returns deposit, line-of-credit, loan and investment accounts, lightweight by default, details on request', () =>
    _withSandbox(async (sb) => {
      const token = await _all(sb);
      const light = await _fdx(sb, 'accounts', token);
      assert.equal(light.status, 200);
      const keys = light.body.accounts.map((a: Json) => Object.keys(a)[0]);
      assert.deepEqual(keys, [
        'depositAccount',
        'depositAccount',
        'locAccount',
        'loanAccount',
        'investmentAccount',
      ]);
      for (const a of light.body.accounts) {
        assert.deepEqual(Object.keys(inner(a)).sort(), [
          'accountCategory',
          'accountId',
          'accountNumberDisplay',
          'accountType',
          'currency',
          'description',
          'nickname',
          'productName',
          'status',
        ]);
      }
      const details = await _fdx(sb, 'accounts?resultType=details', token);
      const chq = inner(details.body.accounts[0]);
      assert.equal(typeof chq.currentBalance, 'number');
      assert.equal(typeof chq.availableBalance, 'number');
      assert.ok(!Number.isNaN(Date.parse(chq.balanceAsOf)));
      assert.equal(inner(details.body.accounts[2]).accountCategory, 'LOC_ACCOUNT');
      assert.equal(typeof inner(details.body.accounts[2]).creditLine, 'number');
      assert.equal(inner(details.body.accounts[3]).accountType, 'MORTGAGE');
      assert.equal(inner(details.body.accounts[4]).holdings.length, 3);
      const bad = await _fdx(sb, 'accounts?resultType=everything', token);
      assert.equal(bad.status, 400);
      assert.equal(bad.body.code, '401');
    }));

  it('pages accounts to the end with opaque nextOffset cursors, totalElements and absolute links.next.href', () =>
    _withSandbox(async (sb) => {
      const token = await _all(sb);
      const seen: string[] = [];
      let path: string | undefined = '/api/fdx/5/accounts?limit=2';
      let pages = 0;
      while (path) {
        const res = await _fdx(sb, path, token);
        assert.equal(res.status, 200, JSON.stringify(res.body));
        assert.equal(res.body.page.totalElements, 5);
        seen.push(...res.body.accounts.map((a: Json) => inner(a).accountId));
        pages += 1;
        if (res.body.page.nextOffset !== undefined) {
          assert.equal(typeof res.body.page.nextOffset, 'string');
          assert.doesNotMatch(res.body.page.nextOffset, /^\d+$/, 'an opaque cursor, not a number');
          const next = new URL(res.body.links.next.href);
          assert.equal(next.origin, sb.url, 'links.next.href is absolute on the API host');
          assert.equal(next.searchParams.get('offset'), res.body.page.nextOffset);
          path = `${next.pathname}${next.search}`;
        } else {
          assert.equal(res.body.links.next, undefined);
          path = undefined;
        }
      }
      assert.equal(pages, 3);
      assert.equal(new Set(seen).size, 5);
      for (const q of [
        'offset=-1',
        'offset=2',
        'offset=bm90LWEtY3Vyc29y',
        'limit=0',
        'limit=abc',
        'limit=1001',
      ]) {
        const res = await _fdx(sb, `accounts?${q}`, token);
        assert.equal(res.status, 400, q);
        assert.equal(res.body.code, '401');
      }
      const cursor = (await _fdx(sb, 'accounts?limit=4', token)).body.page.nextOffset;
      const one = inner((await _fdx(sb, 'accounts', token)).body.accounts[0]).accountId;
      const past = await _fdx(sb, `accounts?accountIds=${one}&offset=${cursor}`, token);
      assert.equal(past.status, 404);
      assert.equal(past.body.code, '1107');
    }));

  it('speaks FDX 5.2: deposit numbers, balanceType, transfer flags, TAXFREESAVINGSACCOUNT, symbol and currentUnitPrice, transactionType', () =>
    _withSandbox(async (sb) => {
      const token = await _all(sb);
      const { body } = await _fdx(sb, 'accounts?resultType=details', token);
      // The first account of each kind (the chequing account first among deposits).
      const kinds = Object.fromEntries(
        body.accounts.map((a: Json) => [Object.keys(a)[0], inner(a)]).reverse(),
      );
      const deposit = kinds.depositAccount;
      assert.match(deposit.accountNumber, /^\d{7}$/);
      assert.match(deposit.routingTransitNumber, /^0\d{8}$/, 'Canada: 0 + institution + transit');
      assert.equal(deposit.balanceType, 'ASSET');
      assert.deepEqual([deposit.transferIn, deposit.transferOut], [true, true]);
      assert.equal(kinds.locAccount.balanceType, 'LIABILITY');
      assert.equal(kinds.loanAccount.balanceType, 'LIABILITY');
      const tfsa = kinds.investmentAccount;
      assert.equal(tfsa.accountType, 'TAXFREESAVINGSACCOUNT');
      for (const holding of tfsa.holdings) {
        assert.match(holding.symbol, /^[A-Z]{3}$/);
        assert.equal(typeof holding.currentUnitPrice, 'number');
        assert.notEqual(holding.securityIdType, 'TICKER');
        assert.equal(holding.unitPrice, undefined);
      }
      const light = await _fdx(sb, 'accounts', token);
      assert.equal(inner(light.body.accounts[0]).accountNumber, undefined, 'numbers only in details');
      const types = new Set<string>();
      for (const [kind, account] of Object.entries(kinds) as [string, Json][]) {
        const page = await _fdx(sb, `accounts/${account.accountId}/transactions?limit=200`, token);
        for (const t of page.body.transactions) types.add(`${kind}:${inner(t).transactionType}`);
      }
      assert.ok(
        types.has('depositAccount:POSDEBIT') && types.has('depositAccount:DIRECTDEPOSIT'),
        [...types].join(),
      );
      assert.ok(
        types.has('loanAccount:PAYMENT') && types.has('investmentAccount:CONTRIBUTION'),
        [...types].join(),
      );
      assert.ok(![...types].some((t) => t.endsWith(':undefined')), 'every transaction has a transactionType');
      const root = await (await fetch(`${sb.url}/`)).json();
      assert.deepEqual(
        root.providers.find((p: Json) => p.provider_id === 2000),
        { provider_id: 2000, name: 'NBC' },
        "provider 2000 is NBC, as in Flinks' examples",
      );
      assert.equal(SANDBOX_PROVIDERS.find((p) => p.provider_id === 2000)?.country, 'CA');
    }));

  it('filters by accountIds, returns one account by id, and 701 for an account not in the consent', () =>
    _withSandbox(async (sb) => {
      const token = await _all(sb);
      const ids = (await _fdx(sb, 'accounts', token)).body.accounts.map((a: Json) => inner(a).accountId);
      const two = await _fdx(sb, `accounts?accountIds=${ids[1]},${ids[0]}`, token);
      assert.deepEqual(
        two.body.accounts.map((a: Json) => inner(a).accountId),
        [ids[1], ids[0]],
      );
      const one = await _fdx(sb, `accounts/${ids[2]}`, token);
      assert.equal(one.status, 200);
      assert.equal(one.body.locAccount.accountId, ids[2]);
      for (const path of ['accounts/chq-0000-0000000', `accounts?accountIds=${ids[0]},nope`]) {
        const res = await _fdx(sb, path, token);
        assert.equal(res.status, 404, path);
        assert.equal(res.body.code, '701');
        assert.equal(res.body.message, 'Account not found');
        assert.ok(res.body.debugMessage);
      }
    }));

  it('shares only the accounts the customer ticked on the consent page', () =>
    _withSandbox(async (sb) => {
      const everything = await _all(sb);
      const ids = (await _fdx(sb, 'accounts', everything)).body.accounts.map((a: Json) => inner(a).accountId);
      const { access_token } = await _connect(sb, { scope: ALL_SCOPES }, { accounts: [ids[1], ids[3]] });
      const shared = await _fdx(sb, 'accounts', access_token);
      assert.deepEqual(
        shared.body.accounts.map((a: Json) => inner(a).accountId),
        [ids[1], ids[3]],
      );
      assert.equal((await _fdx(sb, `accounts/${ids[0]}`, access_token)).status, 404);
      assert.equal((await _fdx(sb, `accounts/${ids[0]}/transactions`, access_token)).body.code, '701');
    }));

  it('refuses a data cluster the customer did not consent to with FDX 602 (HTTP 401), as Flinks does', () =>
    _withSandbox(async (sb) => {
      const { access_token } = await _connect(sb, { scope: 'ACCOUNT_BASIC' });
      const id = inner((await _fdx(sb, 'accounts', access_token)).body.accounts[0]).accountId;
      for (const path of [
        'accounts?resultType=details',
        `accounts/${id}/transactions`,
        `accounts/${id}/payment-networks`,
        'customers/current',
      ]) {
        const res = await _fdx(sb, path, access_token);
        assert.equal(res.status, 401, path);
        assert.equal(res.body.code, '602');
        assert.match(res.body.debugMessage, /ACCOUNT_DETAILED|TRANSACTIONS|ACCOUNT_PAYMENTS|CUSTOMER_/);
      }
      assert.equal((await _fdx(sb, 'accounts', access_token)).status, 200, 'the connection still works');
      const one = await _fdx(sb, `accounts/${id}`, access_token);
      assert.equal(one.body.depositAccount.currentBalance, undefined, 'no balances without ACCOUNT_DETAILED');
      const accounts = await _fdx(sb, 'accounts', access_token);
      assert.ok(
        accounts.body.accounts.every((a: Json) => !('investmentAccount' in a)),
        'investment accounts need INVESTMENTS',
      );
    }));
});

describe('sandbox FDX transactions', { concurrency: true }, () => {
  it('has 24 months of history, hundreds per account, paged to the end with links.next.href', () =>
    _withSandbox(async (sb) => {
      const token = await _all(sb);
      const id = inner((await _fdx(sb, 'accounts', token)).body.accounts[0]).accountId;
      let path: string | undefined = `/api/fdx/5/accounts/${id}/transactions?limit=200`;
      const all: Json[] = [];
      let total = 0;
      while (path) {
        const res = await _fdx(sb, path, token);
        assert.equal(res.status, 200, JSON.stringify(res.body));
        total = res.body.page.totalElements;
        all.push(...res.body.transactions.map(inner));
        path = res.body.links.next?.href;
      }
      assert.ok(total >= 300, `hundreds of transactions (${total})`);
      assert.equal(all.length, total);
      assert.equal(new Set(all.map((t) => t.transactionId)).size, total);
      const times = all.map((t) => Date.parse(t.postedTimestamp));
      const spanDays = (Math.max(...times) - Math.min(...times)) / 86400000;
      assert.ok(spanDays > 700 && spanDays <= 731, `24 months (${spanDays} days)`);
      const tx = all[0];
      assert.equal(tx.accountId, id);
      assert.match(tx.debitCreditMemo, /^(DEBIT|CREDIT|MEMO)$/);
      assert.ok(tx.amount > 0, 'amounts are absolute');
      assert.match(tx.status, /^(POSTED|PENDING)$/);
      assert.ok(
        all.some((t) =>
          /Tim Hortons|Loblaws|Metro|IGA|Provigo|Canadian Tire|Couche-Tard|SAQ/.test(t.description),
        ),
      );
    }));

  it('filters by startTime/endTime (date or date-time), 702 for a bad date, 703 for a reversed range', () =>
    _withSandbox(async (sb) => {
      const token = await _all(sb);
      const id = inner((await _fdx(sb, 'accounts', token)).body.accounts[0]).accountId;
      const month = await _fdx(
        sb,
        `accounts/${id}/transactions?startTime=2026-09-01&endTime=2026-09-30&limit=1000`,
        token,
      );
      assert.equal(month.status, 200);
      assert.ok(month.body.transactions.length > 10);
      for (const t of month.body.transactions.map(inner)) assert.match(t.postedTimestamp, /^2026-09-/);
      const dt = await _fdx(
        sb,
        `accounts/${id}/transactions?startTime=2026-09-01T00:00:00Z&endTime=2026-09-30T23:59:59.999Z&limit=1000`,
        token,
      );
      assert.deepEqual(dt.body, month.body);
      for (const [q, code] of [
        ['startTime=yesterday', '702'],
        ['endTime=2026-13-45', '702'],
        ['startTime=2026-10-01&endTime=2026-09-01', '703'],
      ]) {
        const res = await _fdx(sb, `accounts/${id}/transactions?${q}`, token);
        assert.equal(res.status, 400, q);
        assert.equal(res.body.code, code, q);
      }
    }));
});

describe('sandbox FDX statements', { concurrency: true }, () => {
  it('lists 24 monthly statements, paged and filtered by date, each a PDF document', () =>
    _withSandbox(async (sb) => {
      const token = await _all(sb);
      const id = inner((await _fdx(sb, 'accounts', token)).body.accounts[0]).accountId;
      const first = await _fdx(sb, `accounts/${id}/statements?limit=10`, token);
      assert.equal(first.status, 200, JSON.stringify(first.body));
      assert.equal(first.body.page.totalElements, 24);
      assert.equal(typeof first.body.page.nextOffset, 'string');
      const second = await _fdx(sb, first.body.links.next.href, token);
      assert.equal(second.body.statements.length, 10);
      const s = first.body.statements[0];
      assert.equal(s.accountId, id);
      assert.match(s.statementDate, /^\d{4}-\d{2}-\d{2}$/);
      assert.equal(s.status, 'AVAILABLE');
      const september = await _fdx(
        sb,
        `accounts/${id}/statements?startTime=2026-09-01&endTime=2026-09-30`,
        token,
      );
      assert.deepEqual(
        september.body.statements.map((x: Json) => x.statementDate),
        ['2026-09-30'],
      );
      const doc = await fetch(`${sb.url}${september.body.statements[0].links[0].href}`, {
        headers: { authorization: `Bearer ${token}`, accept: 'application/pdf' },
      });
      assert.equal(doc.status, 200);
      assert.equal(doc.headers.get('content-type'), 'application/pdf');
      const bytes = Buffer.from(await doc.arrayBuffer());
      assert.equal(bytes.subarray(0, 8).toString('latin1'), '%PDF-1.4');
      assert.match(bytes.toString('latin1'), /Statement 2026-09[\s\S]*%%EOF\n$/);
      const xref = Number(/startxref\n(\d+)/.exec(bytes.toString('latin1'))?.[1]);
      assert.equal(bytes.subarray(xref, xref + 4).toString('latin1'), 'xref', 'the xref offset is right');
      const missing = await _fdx(sb, `accounts/${id}/statements/${id}-s190001`, token);
      assert.equal(missing.status, 404);
      assert.equal(missing.body.code, '1107');
      const asJson = await _fdx(sb, september.body.statements[0].links[0].href, token, {
        accept: 'application/json',
      });
      assert.equal(asJson.status, 406);
      assert.equal(asJson.body.code, '1203');
    }));

  it('needs the STATEMENTS cluster (602), and answers 405 (501) at a bank without statements', () =>
    _withSandbox(async (sb) => {
      const { access_token } = await _connect(sb, { scope: 'ACCOUNT_BASIC TRANSACTIONS' });
      const id = inner((await _fdx(sb, 'accounts', access_token)).body.accounts[0]).accountId;
      const denied = await _fdx(sb, `accounts/${id}/statements`, access_token);
      assert.equal(denied.status, 401);
      assert.equal(denied.body.code, '602');
      await _activate(sb, 1003);
      const maritime = await _connect(sb, { provider_id: '1003', scope: 'ACCOUNT_BASIC' });
      const mid = inner((await _fdx(sb, 'accounts', maritime.access_token)).body.accounts[0]).accountId;
      const none = await _fdx(sb, `accounts/${mid}/statements`, maritime.access_token);
      assert.equal(none.status, 405);
      assert.equal(none.body.code, '501');
    }));
});

describe('sandbox FDX closed accounts', { concurrency: true }, () => {
  it('lists a closed account with status CLOSED and answers 705 (409) for its transactions', () =>
    _withSandbox(async (sb) => {
      const { access_token } = await _connect(
        sb,
        { scope: 'ACCOUNT_BASIC TRANSACTIONS' },
        { username: 'bonjour', password: 'toutlemonde' },
      );
      const accounts = (await _fdx(sb, 'accounts', access_token)).body.accounts.map(inner);
      const closed = accounts.find((a: Json) => a.status === 'CLOSED');
      assert.ok(closed, 'the French test user has a closed account');
      const res = await _fdx(sb, `accounts/${closed.accountId}/transactions`, access_token);
      assert.equal(res.status, 409);
      assert.equal(res.body.code, '705');
      const open = accounts.find((a: Json) => a.status === 'OPEN');
      assert.equal((await _fdx(sb, `accounts/${open.accountId}/transactions`, access_token)).status, 200);
    }));
});

describe('sandbox FDX customer and payment networks', { concurrency: true }, () => {
  it('returns the current customer with the granted parts only', () =>
    _withSandbox(async (sb) => {
      const full = await _fdx(sb, 'customers/current', await _all(sb));
      assert.equal(full.status, 200);
      assert.equal(typeof full.body.name.first, 'string');
      assert.match(full.body.dateOfBirth, /^\d{4}-\d{2}-\d{2}$/);
      assert.match(full.body.email[0], /@example\.ca$/);
      assert.equal(full.body.addresses[0].country, 'CA');
      assert.equal(full.body.accounts.length, 5);
      const token = await _all(sb);
      const byId = await _fdx(sb, `customers/${full.body.customerId}`, token);
      assert.deepEqual(byId.body, full.body, 'customers/{customerId} of the connection is customers/current');
      const other = await _fdx(sb, 'customers/cust-1000-00000000', token);
      assert.equal(other.status, 404);
      assert.equal(other.body.code, '601');
      const { access_token } = await _connect(sb, { scope: 'ACCOUNT_BASIC CUSTOMER_PERSONAL' });
      const personal = await _fdx(sb, 'customers/current', access_token);
      assert.equal(personal.body.customerId, full.body.customerId);
      assert.deepEqual(personal.body.name, full.body.name);
      assert.equal(personal.body.email, undefined);
    }));

  it('gives CA_ACSS payment networks for deposit accounts, 704 for a loan, 405 (501) where the bank lacks them', () =>
    _withSandbox(async (sb) => {
      const token = await _all(sb);
      const accounts = (await _fdx(sb, 'accounts', token)).body.accounts.map(inner);
      const pn = await _fdx(sb, `accounts/${accounts[0].accountId}/payment-networks`, token);
      assert.equal(pn.status, 200);
      const net = pn.body.paymentNetworks[0];
      assert.equal(net.type, 'CA_ACSS');
      assert.match(net.bankId, /^\d{8}$/);
      assert.equal(net.identifier.slice(-4), accounts[0].accountNumberDisplay.slice(-4));
      assert.equal(net.transferIn, true);
      const loan = await _fdx(sb, `accounts/${accounts[3].accountId}/payment-networks`, token);
      assert.equal(loan.status, 422);
      assert.equal(loan.body.code, '704');

      await _activate(sb, 1002);
      const npcu = await _connect(sb, { provider_id: '1002', scope: 'ACCOUNT_BASIC ACCOUNT_DETAILED' });
      const npcuAccount = inner((await _fdx(sb, 'accounts', npcu.access_token)).body.accounts[0]).accountId;
      const none = await _fdx(sb, `accounts/${npcuAccount}/payment-networks`, npcu.access_token);
      assert.equal(none.status, 405);
      assert.equal(none.body.code, '501');
    }));
});

describe('sandbox FDX protocol details', { concurrency: true }, () => {
  it('echoes ob-correlation-id, sets a fresh ob-trace-id, and answers 406 (1203) to an unsupported Accept', () =>
    _withSandbox(async (sb) => {
      const token = await _all(sb);
      const a = await _fdx(sb, 'accounts', token, { 'ob-correlation-id': 'corr-42' });
      const b = await _fdx(sb, 'accounts', token);
      assert.equal(a.headers.get('ob-correlation-id'), 'corr-42');
      assert.ok(b.headers.get('ob-correlation-id'));
      assert.notEqual(a.headers.get('ob-trace-id'), b.headers.get('ob-trace-id'));
      const xml = await _fdx(sb, 'accounts', token, { accept: 'application/xml' });
      assert.equal(xml.status, 406);
      assert.equal(xml.body.code, '1203');
      const unknown = await _fdx(sb, 'statements', token);
      assert.equal(unknown.status, 404);
      assert.equal(unknown.body.code, '1107');
    }));

  it('generates the same bytes for the same seed and day, French names for the French test user, USD in the US', () =>
    _withSandbox(async (sb) => {
      const read = async () => {
        const token = await _all(sb);
        const accounts = await fetch(`${sb.fdxUrl}/accounts?resultType=details`, {
          headers: { authorization: `Bearer ${token}` },
        });
        return accounts.text();
      };
      assert.equal(await read(), await read());
      const fr = await _connect(
        sb,
        { scope: 'ACCOUNT_BASIC CUSTOMER_PERSONAL' },
        { username: 'bonjour', password: 'toutlemonde' },
      );
      const customer = await _fdx(sb, 'customers/current', fr.access_token);
      assert.match(
        `${customer.body.name.first} ${customer.body.name.last}`,
        /Mathilde|Étienne|Geneviève|François|Chloé|Benoît|Élodie|Rémi/,
      );
      const frAccounts = await _fdx(sb, 'accounts', fr.access_token);
      assert.match(inner(frAccounts.body.accounts[0]).productName, /Compte chèques/);
      await _activate(sb, 3000);
      const us = await _connect(sb, { provider_id: '3000', scope: 'ACCOUNT_BASIC' });
      const usAccounts = await _fdx(sb, 'accounts', us.access_token);
      assert.deepEqual(inner(usAccounts.body.accounts[0]).currency, { currencyCode: 'USD' });
    }));
});
