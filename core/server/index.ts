export {
  type AdminClient,
  type AdminClientOptions,
  createAdminClient,
  type Provider,
  type ProviderDetails,
  type ProviderStatus,
  type ProviderV2,
  type Recipient,
  type RecipientFields,
  type RecipientInput,
  type Registration,
  type RegistrationStatus,
  type WaitForActiveOptions,
} from './admin.ts';
export {
  type Connection,
  type Connections,
  type ConnectionsOptions,
  createConnections,
  createMemoryTokenStore,
  type TokenStore,
} from './connections.ts';
export {
  createEncryptedTokenStore,
  type EncryptedTokenStore,
  type EncryptedTokenStoreOptions,
  SEALED_TOKEN_TYPE,
  type TokenKey,
} from './encrypted-store.ts';
export { FdxError, FlinksServerError, isFlinksServerError, ServerErrorCode } from './errors.ts';
export {
  allowOrigins,
  checkSameOrigin,
  createExchangeHandler,
  DEFAULT_MAX_BODY_BYTES,
  type ExchangeContext,
  type ExchangeHandlerOptions,
  type ExchangeRequest,
  type Logger,
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
export {
  createPostgresTokenStore,
  type PgPool,
  type PgQueryable,
  type PostgresTokenStore,
  type PostgresTokenStoreOptions,
} from './pg-store.ts';
export {
  createProvidersHandler,
  type PickerProvider,
  type ProvidersHandlerOptions,
  toPickerProviders,
} from './providers.ts';
export {
  createRateLimiter,
  type RateLimitDecision,
  type RateLimiter,
  type RateLimiterOptions,
} from './rate-limit.ts';
export { DEFAULT_TOKEN_TIMEOUT_MS, type TokenEndpointOptions, type Tokens } from './token-endpoint.ts';
export { createTokenManager, type TokenManager, type TokenManagerOptions } from './token-manager.ts';
