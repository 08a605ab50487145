export { FdxError, FlinksServerError, isFlinksServerError, ServerErrorCode } from './errors.ts';
export {
  checkSameOrigin,
  createExchangeHandler,
  DEFAULT_MAX_BODY_BYTES,
  type ExchangeContext,
  type ExchangeHandlerOptions,
  type ExchangeRequest,
  parseExchangeRequest,
} from './exchange.ts';
export {
  createFdxClient,
  type FdxAccountsParams,
  type FdxCallOptions,
  type FdxClient,
  type FdxClientOptions,
  type FdxTransactionsParams,
} from './fdx-client.ts';
export { type AccessTokenSource, type HttpOptions, parseRetryAfter } from './http.ts';
export { toNodeHandler, toWebRequest, writeWebResponse } from './node.ts';
export { DEFAULT_TOKEN_TIMEOUT_MS, type TokenEndpointOptions, type Tokens } from './token-endpoint.ts';
