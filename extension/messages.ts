import type { ErrorCode, FlowEnd } from '../core/src/index.ts';
import { browser } from './browser.ts';
import type { Settings, SettingsErrors } from './settings.ts';

/**
 * Error codes of the extension on top of core's {@link ErrorCode}: a flow cut short by the browser stopping the
 * background, and a second flow while one is at the bank.
 */
export const ExtensionErrorCode = {
  /** The background was stopped while the customer was at the bank: nothing was exchanged; start again. */
  FLOW_INTERRUPTED: 'FLOW_INTERRUPTED',
  /** A connection is already waiting for the bank; finish or close that window first. */
  FLOW_IN_PROGRESS: 'FLOW_IN_PROGRESS',
} as const;

export type ExtensionErrorCode = (typeof ExtensionErrorCode)[keyof typeof ExtensionErrorCode];

/**
 * How one connect attempt ended: core's outcome (what `<flinks-connect>`'s `driver.connect()` resolves with),
 * with the extension's own error codes.
 */
export type FlowOutcome = FlowEnd<ErrorCode | ExtensionErrorCode>;

/** A bank connected through the extension; `result` is the partner exchange endpoint's JSON answer. */
export interface Connection {
  provider_id: string;
  provider_name?: string;
  correlation_id: string;
  /** Epoch milliseconds. */
  connected_at: number;
  result: unknown;
}

/** The attempt waiting for the bank. */
export interface PendingAttempt {
  state: string;
  session_id: string;
  provider_id: string;
  provider_name?: string;
  started_at: number;
}

/** The last attempt that ended, kept until the next one starts so a reopened popup can show it. */
export interface FinishedAttempt {
  session_id: string;
  provider_id: string;
  provider_name?: string;
  finished_at: number;
  outcome: FlowOutcome;
  /** False until a popup has shown it (drives the badge). */
  seen: boolean;
}

/** What the popup shows. */
export interface PopupState {
  configured: boolean;
  /** Why the extension cannot connect yet (missing or invalid settings), in the UI language. */
  config_error?: string;
  settings: Settings;
  pending?: PendingAttempt;
  last?: FinishedAttempt;
  connections: Connection[];
}

export interface SettingsView {
  /** What the background uses: the saved overrides over the build's configuration. */
  settings: Settings;
  /** The build's configuration (from FLINKS_* at build time). */
  defaults: Settings;
  overridden: boolean;
  /** `identity.getRedirectURL()`: the redirect URI to register with Flinks for this extension. */
  redirect_uri: string;
  /** Errors of the effective settings, if any (for example a build without configuration). */
  errors: SettingsErrors;
}

/** Every request the popup and the options page send to the background, and what each answers. */
export interface Requests {
  connect: {
    request: { provider_id: string; provider_name?: string; session_id: string };
    response: FlowOutcome;
  };
  'get-state': { request: Record<never, never>; response: PopupState };
  /** Marks the last outcome as seen and clears the badge. */
  'ack-last': { request: Record<never, never>; response: PopupState };
  disconnect: { request: { provider_id: string }; response: PopupState };
  'get-settings': { request: Record<never, never>; response: SettingsView };
  /** `settings: null` drops the overrides and goes back to the build's configuration. */
  'save-settings': {
    request: { settings: Settings | null };
    response: { ok: true; view: SettingsView } | { ok: false; errors: SettingsErrors };
  };
}

export type RequestType = keyof Requests;
export type Request = { [K in RequestType]: { type: K } & Requests[K]['request'] }[RequestType];
export type RequestOf<K extends RequestType> = Extract<Request, { type: K }>;
export type ResponseOf<K extends RequestType> = Requests[K]['response'];

const REQUEST_TYPES: readonly string[] = [
  'connect',
  'get-state',
  'ack-last',
  'disconnect',
  'get-settings',
  'save-settings',
] satisfies RequestType[];

/** True when `value` is one of this protocol's requests (anything else reaching the background is ignored). */
export function isRequest(value: unknown): value is Request {
  return (
    typeof value === 'object' &&
    value !== null &&
    REQUEST_TYPES.includes((value as { type?: unknown }).type as string)
  );
}

/** Sends one typed request to the background and resolves with its typed answer. */
export function send<K extends RequestType>(request: RequestOf<K>): Promise<ResponseOf<K>> {
  return browser.runtime.sendMessage(request) as Promise<ResponseOf<K>>;
}

/** The port a popup opens while it is shown: the background pushes state on it and skips the badge. */
export const POPUP_PORT = 'flinks-connect-popup';

/** What the background pushes on the popup port. */
export type PortMessage = { type: 'state'; state: PopupState };
