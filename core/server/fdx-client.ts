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
  tokenSource,
} from './http.ts';

/** Options of {@link createFdxClient}. */
export interface FdxClientOptions extends HttpOptions {
  /** FDX base URL, e.g. `https://ob.flinksapp.com/api/fdx/5`. */
  base_url: string;
  /** A fixed access token; or give {@link getAccessToken}. */
  access_token?: string;
  /** Called before each request; called again with `rejected` once if Flinks refuses that token. */
  getAccessToken?: AccessTokenSource;
  /** Sees every {@link FdxError} before it is thrown; may throw another error instead (e.g. on FDX 602). */
  onError?: (error: FdxError) => void | Promise<void>;
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

/** The FDX code of an error body (`"602"` or `602`), if any. */
function fdxCode(json: unknown): number | undefined {
  if (typeof json !== 'object' || json === null) return undefined;
  const code = Number((json as FdxErrorBody).code);
  return Number.isInteger(code) ? code : undefined;
}

/**
 * Builds an {@link FdxError} from a non-2xx FDX answer. `scopes` are the data clusters the call needs (one of them):
 * on FDX 602 or 403 they are reported as `missing_scopes`, since Flinks answers 602 to a call whose cluster the
 * customer did not consent to.
 */
export function toFdxError(
  result: Pick<HttpResult, 'response' | 'json'>,
  what: string,
  scopes: readonly string[] = [],
): FdxError {
  const { response, json } = result;
  const code = fdxCode(json);
  const body = (typeof json === 'object' && json !== null ? json : {}) as Partial<FdxErrorBody>;
  const text = typeof body.message === 'string' ? body.message.slice(0, 300) : response.statusText;
  const correlation = response.headers.get('ob-correlation-id') ?? undefined;
  const trace = response.headers.get('ob-trace-id') ?? undefined;
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
      cause: { status: response.status, body: json ?? null },
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
  if (typeof value !== 'string' || value.length === 0)
    throw new TypeError(`${name} must be a non-empty string.`);
  return encodeURIComponent(value);
}

/**
 * Creates a typed FDX v5 client for one connection's access token: accounts, transactions (with paging), customer
 * and payment networks. Retries 429/503, FDX 1207 (429 or 422) and 500/502 honouring `Retry-After`, limits each
 * call in time, and throws
 * {@link FdxError} (with `fdx_code`, `status` and `correlation_id`) for FDX error answers.
 */
export function createFdxClient(options: FdxClientOptions): FdxClient {
  if (typeof options !== 'object' || options === null) throw new TypeError('options must be an object.');
  const http = createHttp(options.base_url, options);
  const getToken = tokenSource(options);

  const get = async <T>(
    path: string,
    query: Record<string, string | number | undefined> | undefined,
    what: string,
    signal?: AbortSignal,
    scopes: readonly string[] = [],
  ): Promise<T> => {
    const result = await http.sendAuthorized(http.url(path, query), signal ? { signal } : {}, getToken);
    if (!result.response.ok) {
      const error = toFdxError(result, what, scopes);
      await options.onError?.(error);
      throw error;
    }
    if (typeof result.json !== 'object' || result.json === null) {
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
   * cursor handed back as it came, is used on the same path.
   */
  const nextOf = (
    page: {
      page?: { nextOffset?: string | number };
      links?: { next?: { href: string } };
    },
    what: string,
  ): Next | undefined => {
    const href = page.links?.next?.href;
    const offset = page.page?.nextOffset;
    const hasOffset = offset !== undefined && offset !== null && offset !== '';
    if (typeof href === 'string' && href) {
      const target = URL.canParse(href) ? new URL(href) : undefined;
      if (!target || http.mayFollow(target)) return { href };
      if (!hasOffset) {
        throw new FlinksServerError(
          ServerErrorCode.INVALID_RESPONSE,
          `${what}: links.next.href is on ${target.origin}, neither the API's host nor a Flinks host, and there is no page.nextOffset to use instead.`,
        );
      }
    }
    return hasOffset ? { offset } : undefined;
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
    for (;;) {
      yield current;
      const next = nextOf(current, what);
      if (!next) return;
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
        yield* page.accounts ?? [];
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
      for await (const page of transactionPages(accountId, params)) yield* page.transactions ?? [];
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
