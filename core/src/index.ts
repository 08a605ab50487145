export {
  type AuthorizationRequest,
  buildAuthorizeUrl,
  createAuthorizationRequest,
  type PendingFlow,
} from './authorize.ts';
export { type CallbackResult, isCallback, isRefusal, REFUSAL_ERRORS, validateCallback } from './callback.ts';
export {
  type ConnectConfig,
  DEFAULT_SCOPE,
  isLoopback,
  SCOPES,
  validateConfig,
  validateUrl,
} from './config.ts';
export { ErrorCode, FlinksConnectError, isFlinksConnectError } from './errors.ts';
export {
  type BaseDetail,
  baseDetail,
  type ConnectMode,
  type EventDetails,
  type EventName,
  type ExitReason,
} from './events.ts';
export {
  buildExchangeBody,
  DEFAULT_EXCHANGE_TIMEOUT_MS,
  type ExchangeOptions,
  type ExchangeRequestBody,
  exchangeCode,
} from './exchange.ts';
export type * from './fdx.ts';
export {
  createMemoryFlowStore,
  createStorageFlowStore,
  FLOW_KEY_PREFIX,
  FLOW_TTL_MS,
  type FlowStore,
  isPendingFlow,
} from './flow-store.ts';
export { checkScope, type ScopeCheck } from './scopes.ts';
