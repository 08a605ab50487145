export {
  type AuthorizationRequest,
  buildAuthorizeUrl,
  createAuthorizationRequest,
  type PendingFlow,
} from './authorize.ts';
export {
  type CallbackResult,
  callbackParams,
  isCallback,
  isRefusal,
  REFUSAL_ERRORS,
  validateCallback,
} from './callback.ts';
export {
  type ConnectConfig,
  checkScope,
  DEFAULT_SCOPE,
  isLoopback,
  SCOPES,
  type ScopeCheck,
  validateConfig,
  validateUrl,
} from './config.ts';
export { ErrorCode, FlinksConnectError, isFlinksConnectError } from './errors.ts';
export {
  analyticsDetail,
  type BaseDetail,
  baseDetail,
  type ConnectMode,
  type EventDetails,
  type EventName,
  type ExitReason,
  type FlinksEventDetails,
  type StalledReason,
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
export {
  type ConnectSession,
  type ConnectSessionOptions,
  createConnectSession,
  type FlowEnd,
  type FlowOutcome,
  failureOutcome,
  type SessionExchangeOptions,
} from './session.ts';
