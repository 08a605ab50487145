/**
 * FDX v5 data API under /api/fdx/5: accounts, account, transactions, payment networks, current customer.
 * Bearer access tokens from the authorization_code grant; each data cluster needs its scope; FDX error bodies
 * with the documented code → HTTP status table and the ob-correlation-id / ob-trace-id headers.
 */
import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type Provider from 'oidc-provider';
import {
  buildCustomer,
  buildStatements,
  buildTransactions,
  findProvider,
  findUser,
  type SandboxAccount,
  type SandboxCustomer,
  type SandboxTransaction,
  statementPdf,
  wrapAccount,
} from './data.ts';
import type { Faults } from './faults.ts';
import { bearer, decodeInput, sendJson } from './http.ts';
import type { Connection, SandboxState } from './state.ts';

/** The documented FDX error codes and the HTTP status each comes with. */
export const FDX_ERRORS = {
  401: { status: 400, message: 'Invalid input' },
  403: { status: 403, message: 'Subscription not found' },
  500: { status: 500, message: 'Internal server error' },
  501: { status: 405, message: 'Subsystem unavailable' },
  503: { status: 503, message: 'Scheduled maintenance' },
  601: { status: 404, message: 'Customer not found' },
  602: { status: 401, message: 'Customer not authorized' },
  701: { status: 404, message: 'Account not found' },
  702: { status: 400, message: 'Invalid start or end date' },
  703: { status: 400, message: 'Invalid date range' },
  704: { status: 422, message: 'Account type not supported' },
  705: { status: 409, message: 'Account is closed' },
  1107: { status: 404, message: 'Data not found for request parameters' },
  1203: { status: 406, message: 'Content type not supported' },
  1207: { status: 429, message: 'Too many requests' },
} as const;
export type FdxCode = keyof typeof FDX_ERRORS;

export class FdxError extends Error {
  constructor(
    readonly code: FdxCode,
    readonly debugMessage: string,
    /** Overrides the table's status: the seed documents 400 for a missing, invalid or expired token. */
    readonly status: number = FDX_ERRORS[code].status,
  ) {
    super(FDX_ERRORS[code].message);
    this.name = this.constructor.name;
  }
}

/** FDX's own 400: code 401, "Invalid input". */
const invalidInput = (message: string) => new FdxError(401, message);

interface Deps {
  provider: Provider;
  state: SandboxState;
  seed: string;
  asOf: Date;
  faults: Faults;
  /** The sandbox's origin: links.next.href is absolute on it. */
  url: string;
  /** The stored token behind a presented access token (a JWT), undefined when it is not one of ours. */
  tokenId: (token: string) => string | undefined;
}

interface Access {
  connection: Connection;
  scopes: Set<string>;
  customer: SandboxCustomer;
  /** The accounts of this connection (the ones the customer ticked). */
  accounts: SandboxAccount[];
}

const DEFAULT_LIMIT = 25;

/** An opaque paging cursor: clients must hand back `nextOffset` as it came, never build one. */
function cursorOf(offset: number): string {
  return Buffer.from(`fdx-cursor:${offset}`).toString('base64url');
}

/** The position of a cursor this sandbox issued; FDX 401 for anything else (a number included). */
function cursorOffset(cursor: string): number {
  const match = /^fdx-cursor:(\d{1,9})$/.exec(Buffer.from(cursor, 'base64url').toString('utf8'));
  if (!match || cursorOf(Number(match[1])) !== cursor) {
    throw new FdxError(
      401,
      'offset must be the nextOffset of a previous page, as it came (an opaque cursor)',
    );
  }
  return Number(match[1]);
}
const MAX_LIMIT = 1000;

export function createFdx({ provider, state, seed, asOf, faults, url: publicUrl, tokenId }: Deps) {
  const customers = new Map<string, SandboxCustomer>();
  const transactions = new Map<string, SandboxTransaction[]>();

  const customerOf = (providerId: number, username: string): SandboxCustomer | undefined => {
    const key = `${providerId}:${username}`;
    let customer = customers.get(key);
    if (!customer) {
      const bank = findProvider(providerId);
      const user = findUser(username);
      if (!bank || !user) return undefined;
      customer = buildCustomer(seed, bank, user, asOf);
      customers.set(key, customer);
    }
    return customer;
  };

  const statementsOf = (account: SandboxAccount) => buildStatements(account, asOf);

  const transactionsOf = (account: SandboxAccount) => {
    let list = transactions.get(account.accountId);
    if (!list) {
      list = buildTransactions(account, asOf);
      transactions.set(account.accountId, list);
    }
    return list;
  };

  async function access(req: IncomingMessage): Promise<Access> {
    const token = bearer(req);
    if (!token) throw new FdxError(401, 'missing Authorization: Bearer access token', 400);
    const id = tokenId(token);
    const at = id === undefined ? undefined : await provider.AccessToken.find(id);
    if (!at) throw new FdxError(401, 'the access token is invalid or expired: get a new one', 400);
    const connection = at.grantId ? state.data.connections[at.grantId] : undefined;
    if (!connection) throw new FdxError(401, 'the access token is not one of a customer connection', 400);
    if (connection.revoked_at) {
      throw new FdxError(602, 'the consent was revoked: drop the refresh token and authorize again');
    }
    const customer = customerOf(connection.provider_id, connection.username);
    if (!customer) throw new FdxError(601, 'no customer behind this connection');
    const accounts = customer.accounts.filter((a) => connection.accountIds.includes(a.accountId));
    return { connection, scopes: at.scopes, customer, accounts };
  }

  // Flinks answers FDX 602 (HTTP 401) both when the consent is gone and when the customer did not consent to the
  // data cluster a call needs: a partner tells them apart by whether every call is refused.
  const need = (a: Access, scope: string, what: string) => {
    if (!a.scopes.has(scope))
      throw new FdxError(
        602,
        `${what} needs the ${scope} data cluster, which the customer did not consent to`,
      );
  };

  const accountOf = (a: Access, id: string): SandboxAccount => {
    const account = a.accounts.find((x) => x.accountId === id);
    if (!account) throw new FdxError(701, `no account ${id} in this connection`);
    return account;
  };

  const paging = (url: URL, defaultLimit: number) => {
    const offsetRaw = url.searchParams.get('offset');
    const limitRaw = url.searchParams.get('limit');
    const offset = offsetRaw === null || offsetRaw === '' ? 0 : cursorOffset(offsetRaw);
    const limit = limitRaw === null || limitRaw === '' ? defaultLimit : Number(limitRaw);
    if (!Number.isInteger(limit) || limit < 1 || limit > MAX_LIMIT) {
      throw new FdxError(401, `limit must be an integer from 1 to ${MAX_LIMIT}`);
    }
    return { offset, limit };
  };

  /**
   * One page of `items`, FDX-style: `page.nextOffset` (an opaque cursor, as Flinks' are) with `totalElements`, and
   * `links.next.href` / `links.prev.href` as absolute URLs on this host, as Flinks sends them.
   */
  const page = <T>(url: URL, items: T[], defaultLimit: number) => {
    const { offset, limit } = paging(url, defaultLimit);
    if (offset > 0 && offset >= items.length) {
      throw new FdxError(1107, `offset is past the last of ${items.length} items`);
    }
    const slice = items.slice(offset, offset + limit);
    const next = offset + limit < items.length ? offset + limit : undefined;
    const link = (at: number) => {
      const href = new URL(url.pathname + url.search, publicUrl);
      if (at > 0) href.searchParams.set('offset', cursorOf(at));
      else href.searchParams.delete('offset');
      href.searchParams.set('limit', String(limit));
      return { href: href.href };
    };
    const links: Record<string, { href: string }> = {};
    if (next !== undefined) links.next = link(next);
    if (offset > 0) links.prev = link(Math.max(0, offset - limit));
    return {
      page: { ...(next !== undefined ? { nextOffset: cursorOf(next) } : {}), totalElements: items.length },
      links,
      slice,
    };
  };

  const resultType = (url: URL): 'lightweight' | 'details' => {
    const value = url.searchParams.get('resultType') ?? 'lightweight';
    if (value !== 'lightweight' && value !== 'details') {
      throw new FdxError(401, 'resultType must be lightweight or details');
    }
    return value;
  };

  const parseTime = (value: string | null, name: string, endOfDay: boolean): number | undefined => {
    if (value === null || value === '') return undefined;
    const dateOnly = /^\d{4}-\d{2}-\d{2}$/.test(value);
    if (!dateOnly && !/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})$/.test(value)) {
      throw new FdxError(702, `${name} must be an ISO 8601 date (YYYY-MM-DD) or date-time`);
    }
    const t = Date.parse(dateOnly ? `${value}T00:00:00Z` : value);
    if (Number.isNaN(t)) throw new FdxError(702, `${name} ${value} is not a valid date`);
    return dateOnly && endOfDay ? t + 86400000 - 1 : t;
  };

  async function route(
    req: IncomingMessage,
    path: string,
    url: URL,
  ): Promise<{ status: number; body: unknown; pdf?: Buffer }> {
    if (req.method !== 'GET') throw new FdxError(501, `${req.method} is not supported on ${path}`);
    const accept = req.headers.accept;
    const document = /^\/api\/fdx\/5\/accounts\/[^/]+\/statements\/[^/]+$/.test(path);
    const answers = document
      ? /(application\/pdf|application\/\*|\*\/\*)/i
      : /(application\/json|application\/\*|\*\/\*|\+json)/i;
    if (accept && !answers.test(accept)) {
      const type = document ? 'application/pdf' : 'application/json';
      throw new FdxError(1203, `this resource is ${type}; Accept was ${accept}`);
    }
    const a = await access(req);
    need(a, 'ACCOUNT_BASIC', 'every FDX call');

    if (path === '/api/fdx/5/accounts') {
      const details = resultType(url) === 'details';
      if (details) need(a, 'ACCOUNT_DETAILED', 'resultType=details');
      let list = a.accounts;
      const ids = url.searchParams.get('accountIds');
      if (ids !== null) {
        const wanted = ids
          .split(',')
          .map((s) => s.trim())
          .filter(Boolean);
        if (wanted.length === 0) throw new FdxError(401, 'accountIds is empty');
        list = wanted.map((id) => accountOf(a, id));
      }
      const { page: p, links, slice } = page(url, list, DEFAULT_LIMIT);
      return { status: 200, body: { page: p, links, accounts: slice.map((x) => wrapAccount(x, details)) } };
    }

    const customerMatch = /^\/api\/fdx\/5\/customers\/([^/]+)$/.exec(path);
    if (customerMatch) {
      const wanted = decodeInput(customerMatch[1] as string, 'the customer id', invalidInput);
      if (wanted !== 'current' && wanted !== a.customer.customerId) {
        throw new FdxError(601, `customer ${wanted} is not the customer of this connection`);
      }
      const personal = a.scopes.has('CUSTOMER_PERSONAL');
      const contact = a.scopes.has('CUSTOMER_CONTACT');
      if (!personal && !contact) {
        throw new FdxError(
          602,
          'customers/current needs CUSTOMER_PERSONAL or CUSTOMER_CONTACT, and the customer consented to neither',
        );
      }
      const c = a.customer.body;
      return {
        status: 200,
        body: {
          customerId: c.customerId,
          ...(personal ? { name: c.name, dateOfBirth: c.dateOfBirth } : {}),
          ...(contact ? { email: c.email, addresses: c.addresses, telephones: c.telephones } : {}),
          accounts: a.accounts.map((x) => ({ accountId: x.accountId, relationship: 'PRIMARY' })),
        },
      };
    }

    const m =
      /^\/api\/fdx\/5\/accounts\/([^/]+)(?:\/(transactions|payment-networks|statements)(?:\/([^/]+))?)?$/.exec(
        path,
      );
    if (!m || (m[3] !== undefined && m[2] !== 'statements'))
      throw new FdxError(1107, `no FDX resource at ${path}`);
    const account = accountOf(a, decodeInput(m[1] as string, 'the account id', invalidInput));
    if (m[2] === 'statements') {
      const bank = findProvider(a.connection.provider_id);
      if (!bank?.scopes.includes('STATEMENTS')) {
        throw new FdxError(501, `provider ${a.connection.provider_id} does not offer statements`);
      }
      need(a, 'STATEMENTS', 'statements');
      const statements = statementsOf(account);
      if (m[3] !== undefined) {
        const id = decodeInput(m[3], 'the statement id', invalidInput);
        const statement = statements.find((s) => s.statementId === id);
        if (!statement) throw new FdxError(1107, `no statement ${id} for account ${account.accountId}`);
        return {
          status: 200,
          body: undefined,
          pdf: statementPdf(bank, account, statement, transactionsOf(account)),
        };
      }
      const start = parseTime(url.searchParams.get('startTime'), 'startTime', false);
      const end = parseTime(url.searchParams.get('endTime'), 'endTime', true);
      if (start !== undefined && end !== undefined && start > end)
        throw new FdxError(703, 'startTime is after endTime');
      const list = statements.filter(
        (s) => (start === undefined || s.end >= start) && (end === undefined || s.end <= end),
      );
      const { page: p, links, slice } = page(url, list, DEFAULT_LIMIT);
      return {
        status: 200,
        body: {
          page: p,
          links,
          statements: slice.map((s) => ({
            accountId: account.accountId,
            statementId: s.statementId,
            statementDate: s.statementDate,
            description: `${account.basic.productName} ${s.statementDate.slice(0, 7)}`,
            status: 'AVAILABLE',
            links: [
              {
                href: `/api/fdx/5/accounts/${encodeURIComponent(account.accountId)}/statements/${encodeURIComponent(s.statementId)}`,
                action: 'GET',
                types: ['application/pdf'],
              },
            ],
          })),
        },
      };
    }
    if (!m[2]) {
      const details = a.scopes.has('ACCOUNT_DETAILED');
      return { status: 200, body: wrapAccount(account, details) };
    }
    if (m[2] === 'transactions') {
      need(a, 'TRANSACTIONS', 'transactions');
      if (account.basic.status === 'CLOSED')
        throw new FdxError(705, `account ${account.accountId} is closed`);
      const start = parseTime(url.searchParams.get('startTime'), 'startTime', false);
      const end = parseTime(url.searchParams.get('endTime'), 'endTime', true);
      if (start !== undefined && end !== undefined && start > end) {
        throw new FdxError(703, 'startTime is after endTime');
      }
      const list = transactionsOf(account).filter(
        (t) => (start === undefined || t.time >= start) && (end === undefined || t.time <= end),
      );
      const { page: p, links, slice } = page(url, list, 100);
      return { status: 200, body: { page: p, links, transactions: slice.map((t) => t.body) } };
    }
    // payment-networks
    const bank = findProvider(a.connection.provider_id);
    if (!bank?.offers.payment_networks) {
      throw new FdxError(501, `provider ${a.connection.provider_id} does not offer payment networks`);
    }
    need(a, 'ACCOUNT_PAYMENTS', 'payment-networks');
    if (account.category !== 'DEPOSIT_ACCOUNT') {
      throw new FdxError(704, `payment networks exist only for deposit accounts, not ${account.category}`);
    }
    const { page: p, links, slice } = page(url, account.paymentNetworks, DEFAULT_LIMIT);
    return { status: 200, body: { page: p, links, paymentNetworks: slice } };
  }

  return {
    /** The FDX customerId of a test user at a bank: the `sub` of the connection's access tokens. */
    customerIdOf: (providerId: number, username: string): string =>
      customerOf(providerId, username)?.customerId ?? `${providerId}:${username}`,
    async handle(req: IncomingMessage, res: ServerResponse, path: string, url: URL): Promise<boolean> {
      if (path !== '/api/fdx/5' && !path.startsWith('/api/fdx/5/')) return false;
      const correlation = String(
        req.headers['ob-correlation-id'] ?? req.headers['x-correlation-id'] ?? randomUUID(),
      );
      const headers = { 'ob-correlation-id': correlation, 'ob-trace-id': randomUUID() };
      const fault = faults.take('fdx', req.headers['x-sandbox-fault']);
      if (fault) {
        for (const [k, v] of Object.entries(headers)) res.setHeader(k, v);
        if (await faults.apply(fault, res, 'fdx')) return true;
      }
      try {
        const { status, body, pdf } = await route(req, path, url);
        if (pdf) {
          res.writeHead(status, {
            ...headers,
            'content-type': 'application/pdf',
            'content-length': pdf.length,
            'cache-control': 'no-store',
          });
          res.end(pdf);
        } else sendJson(res, status, body, headers);
      } catch (error) {
        if (!(error instanceof FdxError)) throw error;
        sendJson(
          res,
          error.status,
          { code: String(error.code), message: error.message, debugMessage: error.debugMessage },
          headers,
        );
      }
      return true;
    },
  };
}
