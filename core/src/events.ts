import type { ErrorCode } from './errors.ts';
import type { ExchangeRequestBody } from './exchange.ts';

/** What every event detail carries. */
export interface BaseDetail {
  /** One per attempt: from `flinks-open` to its end. */
  session_id: string;
  /** ISO 8601. */
  timestamp: string;
}

export type ConnectMode = 'popup' | 'redirect';

/** Why a flow ended without a connection. */
export type ExitReason = 'access_denied' | 'closed' | 'cancelled' | 'bank_refused';

export interface EventDetails {
  'flinks-open': BaseDetail;
  'flinks-select-provider': BaseDetail & { provider_id: string; provider_name: string };
  'flinks-authorize': BaseDetail & { url: string; provider_id: string; mode: ConnectMode };
  /** The exchange request's own fields: what a page without `exchange-url` sends on. */
  'flinks-consent': BaseDetail & ExchangeRequestBody;
  'flinks-success': BaseDetail & { result: unknown; provider_id: string };
  'flinks-exit': BaseDetail & { reason: ExitReason; error?: string; error_description?: string };
  'flinks-error': BaseDetail & { code: ErrorCode; message: string; status?: number };
  'flinks-event': BaseDetail & { name: Exclude<EventName, 'flinks-event'> } & Record<string, unknown>;
}

export type EventName = keyof EventDetails;

/** Builds the common part of a detail. */
export function baseDetail(session_id: string, now: () => Date = () => new Date()): BaseDetail {
  return { session_id, timestamp: now().toISOString() };
}
