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

/**
 * Why an attempt stalled (a `flinks-event` named `flinks-stalled`): its window's handle read closed within seconds
 * of loading the bank (closed at once, or severed by Cross-Origin-Opener-Policy), or no callback came in time.
 */
export type StalledReason = 'window_lost' | 'no_callback';

/** Event details as `<flinks-connect>` sends them: the bank's `error`/`error_description` ride along on errors too. */
export interface FlinksEventDetails extends Omit<EventDetails, 'flinks-error' | 'flinks-event'> {
  'flinks-error': EventDetails['flinks-error'] & { error?: string; error_description?: string };
  /** Also `name: 'flinks-stalled'` with a `reason`, sent on this event only: see {@link StalledReason}. */
  'flinks-event': Omit<EventDetails['flinks-event'], 'name'> & {
    name: EventDetails['flinks-event']['name'] | 'flinks-stalled';
  };
}

/** Builds the common part of a detail. */
export function baseDetail(session_id: string, now: () => Date = () => new Date()): BaseDetail {
  return { session_id, timestamp: now().toISOString() };
}

/**
 * The `flinks-event` detail of another event: its detail with its `name`, less what could finish a flow (a
 * consent's `code`, `code_verifier`, `state`, and the `state` parameter of the authorize URL). Analytics tools
 * log everything; the page gets those only on `flinks-consent` itself.
 */
export function analyticsDetail<N extends Exclude<keyof FlinksEventDetails, 'flinks-event'>>(
  name: N,
  detail: FlinksEventDetails[N],
): FlinksEventDetails['flinks-event'] {
  const event = { ...detail, name } as FlinksEventDetails['flinks-event'];
  if (name === 'flinks-consent') delete event.code;
  delete event.code_verifier;
  delete event.state;
  if (name === 'flinks-authorize') {
    const url = new URL(event.url as string);
    url.searchParams.delete('state');
    event.url = url.href;
  }
  return event;
}
