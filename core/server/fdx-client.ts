import type {
  FdxAccount,
  FdxAccounts,
  FdxCustomer,
  FdxErrorBody,
  FdxPaymentNetworks,
  FdxTransaction,
  FdxTransactions,
} from '../src/fdx.ts';
import { FdxError, FlinksServerError, ServerErrorCode } from './errors.ts';
import {
  type AccessTokenSource,
  createHttp,
  type HttpOptions,
  type HttpResult,
  pathSegment,
  tokenSource,
} from './http.ts';
import { createRedactor, type Redactor, redactDeep } from './redact.ts';

/** Options of {@link createFdxClient}. */
export interface FdxClientOptions extends HttpOptions {
  /** FDX base URL, e.g. `https://ob.flinksapp.com/api/fdx/5`. */
  baseUrl: string;
  /** A fixed access token; or give {@link getAccessToken}. */
  accessToken?: string;
  /** Called before each request; called again with `rejected` once if Flinks refuses that token. */
  getAccessToken?: AccessTokenSource;
  /** Sees every {@link FdxError} before it is thrown; may throw another error instead (e.g. on FDX 602). */
  onError?: (error: FdxError) => void | Promise<void>;
  /**
   * Most pages one paging call (`allAccounts`, `transactionPages`, `allTransactions`) follows before it throws
   * `INVALID_RESPONSE`: a provider that always answers a new next page cannot keep it busy forever. Default 1000.
   */
  maxPages?: number;
}

/** Per-call options of the FDX client. */
export interface FdxCallOptions {
  signal?: AbortSignal;
}

/** Query of `GET /accounts`. */
export interface FdxAccountsParams extends FdxCallOptions {
  accountIds?: string[];
  /** `lightweight` (default at Flinks) or `details` (adds balances). */
  resultType?: 'lightweight' | 'details';
  offset?: string | number;
  limit?: number;
}

/** Query of `GET /accounts/{accountId}/transactions`. */
export interface FdxTransactionsParams extends FdxCallOptions {
  /** ISO 8601 date or date-time. */
  startTime?: string;
  endTime?: string;
  offset?: string | number;
  limit?: number;
}

/** The FDX v5 data client returned by {@link createFdxClient}. */
export interface FdxClient {
  /** `GET /accounts`: one page of the customer's accounts. */
  accounts(params?: FdxAccountsParams): Promise<FdxAccounts>;
  /** Every account, following the pages. */
  allAccounts(params?: Omit<FdxAccountsParams, 'offset'>): AsyncGenerator<FdxAccount>;
  /** `GET /accounts/{accountId}`. */
  account(accountId: string, options?: FdxCallOptions): Promise<FdxAccount>;
  /** `GET /accounts/{accountId}/transactions`: one page. */
  transactions(accountId: string, params?: FdxTransactionsParams): Promise<FdxTransactions>;
  /** Every page of transactions, from `params.offset` (or the first) to the last. */
  transactionPages(accountId: string, params?: FdxTransactionsParams): AsyncGenerator<FdxTransactions>;
  /** Every transaction, across all pages. */
  allTransactions(accountId: string, params?: FdxTransactionsParams): AsyncGenerator<FdxTransaction>;
  /** `GET /customers/current`. */
  customer(options?: FdxCallOptions): Promise<FdxCustomer>;
  /** `GET /accounts/{accountId}/payment-networks`; FDX 501/HTTP 405 where the provider does not offer it. */
  paymentNetworks(accountId: string, options?: FdxCallOptions): Promise<FdxPaymentNetworks>;
}

/** The FDX code of an error body (`"602"` or `602`), if any: a whole number ≥ 0, nothing else (not `""`, `true`, `[602]`). */
function fdxCode(json: unknown): number | undefined {
  if (typeof json !== 'object' || json === null) return undefined;
  const code = (json as FdxErrorBody).code;
  if (typeof code === 'number') return Number.isSafeInteger(code) && code >= 0 ? code : undefined;
  return typeof code === 'string' && /^\d{1,9}$/.test(code) ? Number(code) : undefined;
}

/**
 * Builds an {@link FdxError} from a non-2xx FDX answer. `scopes` are the data clusters the call needs (one of them):
 * on FDX 602 or 403 they are reported as `missing_scopes`, since Flinks answers 602 to a call whose cluster the
 * customer did not consent to.
 */
/**
 * Builds an {@link FdxError} from a non-2xx FDX answer. `scopes` are the data clusters the call needs (one of them):
 * on FDX 602 or 403 they are reported as `missing_scopes`, since Flinks answers 602 to a call whose cluster the
 * customer did not consent to. The answer's text goes through `redact` (pass one that knows the access token sent):
 * an upstream may echo the request's `Authorization` header.
 */
export function toFdxError(
  result: Pick<HttpResult, 'response' | 'json'>,
  what: string,
  scopes: readonly string[] = [],
  redact: Redactor = createRedactor([]),
): FdxError {
  const { response, json } = result;
  const code = fdxCode(json);
  const body = (typeof json === 'object' && json !== null ? json : {}) as Partial<FdxErrorBody>;
  const text = redact(
    typeof body.message === 'string' ? body.message.slice(0, 300) : response.statusText,
  ).replace(/\s+/g, ' ');
  const header = (name: string) => {
    const value = response.headers.get(name);
    // Ids only: anything else in these headers is not passed on.
    return value !== null && /^[\w.:-]{1,128}$/.test(value) && redact(value) === value ? value : undefined;
  };
  const correlation = header('ob-correlation-id');
  const trace = header('ob-trace-id');
  const missing = (code === 602 || code === 403) && scopes.length > 0 ? [...scopes] : undefined;
  const hint = missing
    ? ` It needs the ${missing.join(' or ')} data cluster: if the customer did not consent to it, ask for it the next time they connect`
    : '';
  return new FdxError(
    `${what} failed: HTTP ${response.status}${code !== undefined ? `, FDX ${code}` : ''}${text ? ` ${text}` : ''}.${hint ? `${hint}.` : ''}`,
    {
      status: response.status,
      ...(code !== undefined ? { fdx_code: code } : {}),
      ...(correlation ? { correlation_id: correlation } : {}),
      ...(trace ? { trace_id: trace } : {}),
      ...(missing ? { missing_scopes: missing } : {}),
      cause: { status: response.status, body: redactDeep(json ?? null, redact) },
    },
  );
}

// The data clusters a call needs besides ACCOUNT_BASIC (which every call needs): what FDX 602 reports as missing.
const TRANSACTIONS_SCOPES = ['TRANSACTIONS'];
const CUSTOMER_SCOPES = ['CUSTOMER_PERSONAL', 'CUSTOMER_CONTACT'];
const PAYMENTS_SCOPES = ['ACCOUNT_PAYMENTS'];
const accountsScopes = (params?: FdxAccountsParams) =>
  params?.resultType === 'details' ? ['ACCOUNT_DETAILED'] : [];

function pathId(name: string, value: string): string {
  if (typeof value !== 'string') throw new TypeError(`${name} must be a non-empty string.`);
  return pathSegment(name, value);
}

/** The items of a page's list field: none when it is absent, INVALID_RESPONSE when it is not a list. */
function listOf<T>(page: object, key: string, what: string): T[] {
  const value = (page as Record<string, unknown>)[key];
  if (value === undefined || value === null) return [];
  if (!Array.isArray(value)) {
    throw new FlinksServerError(
      ServerErrorCode.INVALID_RESPONSE,
      `${what} answered "${key}" that is not a list.`,
    );
  }
  return value as T[];
}

/**
 * Creates a typed FDX v5 client for one connection's access token: accounts, transactions (with paging), customer
 * and payment networks. Retries 429/503, FDX 1207 (429 or 422) and 500/502 honouring `Retry-After`, limits each
 * call in time, and throws
 * {@link FdxError} (with `fdx_code`, `status` and `correlation_id`) for FDX error answers.
 */
export function createFdxClient(options: FdxClientOptions): FdxClient {
  if (typeof options !== 'object' || options === null) throw new TypeError('options must be an object.');
  const http = createHttp(options.baseUrl, options);
  const getToken = tokenSource(options);
  const maxPages = options.maxPages ?? 1000;
  if (!Number.isInteger(maxPages) || maxPages <= 0)
    throw new TypeError('maxPages must be a positive whole number.');

  const get = async <T>(
    path: string,
    query: Record<string, string | number | undefined> | undefined,
    what: string,
    signal?: AbortSignal,
    scopes: readonly string[] = [],
  ): Promise<T> => {
    const result = await http.sendAuthorized(http.url(path, query), signal ? { signal } : {}, getToken);
    if (!result.response.ok) {
      const error = toFdxError(result, what, scopes, createRedactor(result.sent));
      await options.onError?.(error);
      throw error;
    }
    if (typeof result.json !== 'object' || result.json === null || Array.isArray(result.json)) {
      throw new FlinksServerError(
        ServerErrorCode.INVALID_RESPONSE,
        `${what} answered HTTP ${result.response.status} without a JSON object.`,
        {
          status: result.response.status,
        },
      );
    }
    return result.json as T;
  };

  type Next = { href: string; offset?: never } | { href?: never; offset: string | number };
  /**
   * The next page's URL or offset, or undefined on the last page. `links.next.href` is followed when it is relative
   * or on the API's host or a Flinks host (the access token goes with it); otherwise `page.nextOffset`, an opaque
   * cursor handed back as it came, is used on the same path. Provider data: a `links.next.href` that is not text,
   * or a `nextOffset` that is neither text nor a whole number, is an INVALID_RESPONSE rather than a silent end.
   */
  const nextOf = (
    page: { page?: { nextOffset?: string | number }; links?: { next?: { href: string } } },
    what: string,
  ): Next | undefined => {
    const invalid = (field: string) =>
      new FlinksServerError(
        ServerErrorCode.INVALID_RESPONSE,
        `${what} answered a ${field} that is not usable.`,
      );
    const href: unknown = (page.links as { next?: { href?: unknown } } | undefined)?.next?.href;
    const offset: unknown = (page.page as { nextOffset?: unknown } | undefined)?.nextOffset;
    const hasOffset = offset !== undefined && offset !== null && offset !== '';
    if (
      hasOffset &&
      typeof offset !== 'string' &&
      !(typeof offset === 'number' && Number.isSafeInteger(offset))
    )
      throw invalid('page.nextOffset');
    if (href !== undefined && href !== null && href !== '') {
      if (typeof href !== 'string') throw invalid('links.next.href');
      const target = URL.canParse(href) ? new URL(href) : undefined;
      if (!target || http.mayFollow(target)) return { href };
      if (!hasOffset) {
        throw new FlinksServerError(
          ServerErrorCode.INVALID_RESPONSE,
          `${what}: links.next.href is on ${target.origin}, neither the API's host nor a Flinks host, and there is no page.nextOffset to use instead.`,
        );
      }
    }
    return hasOffset ? { offset: offset as string | number } : undefined;
  };

  async function* pages<
    T extends { page?: { nextOffset?: string | number }; links?: { next?: { href: string } } },
  >(
    path: string,
    query: Record<string, string | number | undefined>,
    what: string,
    signal?: AbortSignal,
    scopes: readonly string[] = [],
  ): AsyncGenerator<T> {
    let current: T = await get<T>(path, query, what, signal, scopes);
    const seen = new Set<string>();
    for (let page = 1; ; page++) {
      yield current;
      const next = nextOf(current, what);
      if (!next) return;
      if (page >= maxPages) {
        throw new FlinksServerError(
          ServerErrorCode.INVALID_RESPONSE,
          `${what} has more than ${maxPages} pages; raise maxPages if that many are expected.`,
        );
      }
      const key = next.href ?? String(next.offset);
      // A server that loops would otherwise page forever.
      if (seen.has(key)) {
        throw new FlinksServerError(
          ServerErrorCode.INVALID_RESPONSE,
          `${what} returned the same next page twice.`,
        );
      }
      seen.add(key);
      current =
        next.href !== undefined
          ? await get<T>(next.href, undefined, what, signal, scopes)
          : await get<T>(path, { ...query, offset: next.offset }, what, signal, scopes);
    }
  }

  const accountsQuery = (params: FdxAccountsParams = {}) => ({
    accountIds: params.accountIds?.join(','),
    resultType: params.resultType,
    offset: params.offset,
    limit: params.limit,
  });
  const transactionsQuery = (params: FdxTransactionsParams = {}) => ({
    startTime: params.startTime,
    endTime: params.endTime,
    offset: params.offset,
    limit: params.limit,
  });

  const transactionPages = (accountId: string, params?: FdxTransactionsParams) =>
    pages<FdxTransactions>(
      `/accounts/${pathId('accountId', accountId)}/transactions`,
      transactionsQuery(params),
      'GET /accounts/{accountId}/transactions',
      params?.signal,
      TRANSACTIONS_SCOPES,
    );

  return {
    accounts: (params) =>
      get<FdxAccounts>(
        '/accounts',
        accountsQuery(params),
        'GET /accounts',
        params?.signal,
        accountsScopes(params),
      ),
    async *allAccounts(params) {
      for await (const page of pages<FdxAccounts>(
        '/accounts',
        accountsQuery(params),
        'GET /accounts',
        params?.signal,
        accountsScopes(params),
      )) {
        yield* listOf<FdxAccount>(page, 'accounts', 'GET /accounts');
      }
    },
    account: (accountId, callOptions) =>
      get<FdxAccount>(
        `/accounts/${pathId('accountId', accountId)}`,
        undefined,
        'GET /accounts/{accountId}',
        callOptions?.signal,
      ),
    transactions: (accountId, params) =>
      get<FdxTransactions>(
        `/accounts/${pathId('accountId', accountId)}/transactions`,
        transactionsQuery(params),
        'GET /accounts/{accountId}/transactions',
        params?.signal,
        TRANSACTIONS_SCOPES,
      ),
    transactionPages,
    async *allTransactions(accountId, params) {
      for await (const page of transactionPages(accountId, params)) {
        yield* listOf<FdxTransaction>(page, 'transactions', 'GET /accounts/{accountId}/transactions');
      }
    },
    customer: (callOptions) =>
      get<FdxCustomer>(
        '/customers/current',
        undefined,
        'GET /customers/current',
        callOptions?.signal,
        CUSTOMER_SCOPES,
      ),
    paymentNetworks: (accountId, callOptions) =>
      get<FdxPaymentNetworks>(
        `/accounts/${pathId('accountId', accountId)}/payment-networks`,
        undefined,
        'GET /accounts/{accountId}/payment-networks',
        callOptions?.signal,
        PAYMENTS_SCOPES,
      ),
  };
}
