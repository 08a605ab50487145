/**
 * The background service worker (an event page in Firefox) owns every connect flow: PKCE request and pending
 * state in `storage.session`, the bank's page in `identity.launchWebAuthFlow`, the callback validated with core,
 * the code POSTed to the partner's exchange endpoint, the result stored. The popup only asks and shows: it
 * closes as soon as the bank's window takes focus, and the flow goes on here.
 *
 * Lifetime: Chrome keeps an extension service worker alive for as long as a `launchWebAuthFlow` call is
 * pending: the call counts as activity (no 30 s idle stop) and it opts out of the 5-minute per-call limit
 * because it waits on the user (Chromium's IdentityLaunchWebAuthFlowFunction::ShouldKeepWorkerAliveIndefinitely).
 * So a slow consent finishes, with no keep-alive trick. If the worker is stopped anyway (crash, browser update, chrome://serviceworker-internals), the next
 * start finds the attempt still pending in `storage.session` and ends it as FLOW_INTERRUPTED: the customer sees
 * a clear error rather than a spinner that never ends. A consent longer than 15 minutes ends
 * as FLOW_EXPIRED (core's FLOW_TTL_MS), and nothing is exchanged.
 */
import { createConnectSession, ErrorCode, failureOutcome } from '../core/src/index.ts';
import { browser, type Runtime } from './browser.ts';
import { t } from './i18n.ts';
import {
  type Connection,
  ExtensionErrorCode,
  type FinishedAttempt,
  type FlowOutcome,
  isRequest,
  type PendingAttempt,
  POPUP_PORT,
  type PopupState,
  type PortMessage,
  type RequestOf,
  type RequestType,
  type ResponseOf,
  type SettingsView,
} from './messages.ts';
import {
  createSessionFlowStore,
  getConnections,
  getLast,
  getPending,
  setConnections,
  setLast,
  setPending,
} from './session.ts';
import {
  BUILD_SETTINGS,
  loadSettings,
  normalize,
  requiredOrigins,
  type Settings,
  saveOverrides,
  validateSettings,
} from './settings.ts';

declare const __FLINKS_BROWSER__: 'chrome' | 'firefox';

/**
 * Firefox runs the background as an event page with a 30 s idle timer; calling an extension API resets it, so
 * while a flow waits for the bank this pings one. Chrome needs none (see above); test/e2e/extension-lifetime
 * shows it.
 */
const HEARTBEAT_MS = __FLINKS_BROWSER__ === 'firefox' ? 20_000 : 0;

const store = createSessionFlowStore();
const popups = new Set<Runtime.Port>();
/** The attempt this worker instance is running; a pending attempt in storage without it was cut short. */
let running: PendingAttempt | undefined;

const redirectUri = () => browser.identity.getRedirectURL();

// Listeners are registered synchronously at the top level so that the event that woke the worker is delivered.
browser.runtime.onMessage.addListener(((message: unknown, sender: Runtime.MessageSender) => {
  // Only the extension's own pages talk to the background (no content scripts, no externally_connectable).
  if (sender.id !== browser.runtime.id || !sender.url?.startsWith(browser.runtime.getURL('')))
    return undefined;
  if (!isRequest(message)) return undefined;
  return ready.then(() => handle(message));
}) as Runtime.OnMessageListenerAsync);

browser.runtime.onConnect.addListener((port) => {
  if (port.name !== POPUP_PORT || port.sender?.id !== browser.runtime.id) {
    port.disconnect();
    return;
  }
  popups.add(port);
  port.onDisconnect.addListener(() => popups.delete(port));
});

/** On every start: an attempt still pending in storage belonged to a worker that was stopped mid-flow. */
const ready: Promise<void> = (async () => {
  const pending = await getPending();
  if (!pending || running) return;
  await store.take(pending.state);
  await finish(pending, {
    type: 'error',
    code: ExtensionErrorCode.FLOW_INTERRUPTED,
    message: t('errorInterrupted'),
  });
})().catch((error: unknown) => console.error('flinks-connect: could not recover the pending flow', error));

/** One handler per request type, each typed by the protocol: a missing or mistyped one does not compile. */
const handlers: { [K in RequestType]: (request: RequestOf<K>) => Promise<ResponseOf<K>> } = {
  connect: (request) => connect(request),
  'get-state': () => popupState(),
  'ack-last': () => ackLast(),
  disconnect: (request) => disconnect(request),
  'get-settings': () => settingsView(),
  'save-settings': (request) => saveSettings(request),
};

function handle<K extends RequestType>(request: RequestOf<K>): Promise<ResponseOf<K>> {
  return (handlers[request.type as K] as (request: RequestOf<K>) => Promise<ResponseOf<K>>)(request);
}

async function settingsView(): Promise<SettingsView> {
  const redirect_uri = redirectUri();
  const { settings, overridden } = await loadSettings(redirect_uri);
  return {
    settings,
    defaults: BUILD_SETTINGS,
    overridden,
    redirect_uri,
    errors: validateSettings(settings, redirect_uri),
  };
}

async function saveSettings(request: RequestOf<'save-settings'>): Promise<ResponseOf<'save-settings'>> {
  if (request.settings === null) {
    await saveOverrides(null);
  } else {
    const settings: Settings = normalize(request.settings);
    const errors = validateSettings(settings, redirectUri());
    if (Object.keys(errors).length) return { ok: false, errors };
    // The options page asks for the host permissions (it has the user's click); refuse settings it did not get.
    const origins = requiredOrigins(settings);
    if (origins.length && !(await browser.permissions.contains({ origins }))) {
      return { ok: false, errors: { form: t('errorPermissionMissing', origins.join(', ')) } };
    }
    await saveOverrides(settings);
  }
  await pushState();
  return { ok: true, view: await settingsView() };
}

async function popupState(): Promise<PopupState> {
  const view = await settingsView();
  const firstError = Object.values(view.errors)[0];
  const state: PopupState = {
    configured: firstError === undefined,
    settings: view.settings,
    connections: await getConnections(),
  };
  if (firstError !== undefined) state.config_error = firstError;
  const pending = await getPending();
  if (pending) state.pending = pending;
  const last = await getLast();
  if (last) state.last = last;
  return state;
}

async function ackLast(): Promise<PopupState> {
  const last = await getLast();
  if (last && !last.seen) await setLast({ ...last, seen: true });
  await browser.action.setBadgeText({ text: '' });
  return popupState();
}

async function disconnect(request: RequestOf<'disconnect'>): Promise<PopupState> {
  const connections = await getConnections();
  await setConnections(connections.filter((c) => c.provider_id !== request.provider_id));
  const state = await popupState();
  await pushState(state);
  return state;
}

async function pushState(state?: PopupState): Promise<void> {
  if (popups.size === 0) return;
  const message: PortMessage = { type: 'state', state: state ?? (await popupState()) };
  for (const port of popups) {
    try {
      port.postMessage(message);
    } catch {
      popups.delete(port);
    }
  }
}

async function connect(request: RequestOf<'connect'>): Promise<FlowOutcome> {
  if (running || (await getPending())) {
    return { type: 'error', code: ExtensionErrorCode.FLOW_IN_PROGRESS, message: t('errorInProgress') };
  }
  const attempt: PendingAttempt = {
    state: '',
    session_id: request.session_id,
    provider_id: request.provider_id,
    started_at: Date.now(),
  };
  if (request.provider_name) attempt.provider_name = request.provider_name;
  running = attempt;
  try {
    return await finish(attempt, await runFlow(attempt));
  } catch (error) {
    return finish(attempt, failureOutcome(error));
  } finally {
    running = undefined;
  }
}

/**
 * The `launchWebAuthFlow` transport over core's connect session: the same steps as `<flinks-connect>`'s popup
 * and redirect (validation, refusal mapping, exchange, outcomes); only the window and the storage differ.
 */
async function runFlow(attempt: PendingAttempt): Promise<FlowOutcome> {
  const redirect_uri = redirectUri();
  const { settings } = await loadSettings(redirect_uri);
  const errors = Object.values(validateSettings(settings, redirect_uri));
  if (errors.length) {
    return { type: 'error', code: ErrorCode.INVALID_CONFIG, message: `${t('notConfigured')} ${errors[0]}` };
  }
  const session = createConnectSession({ store, sessionId: attempt.session_id });
  const { url, flow } = await session.prepare({
    client_id: settings.client_id,
    authorize_url: settings.authorize_url,
    redirect_uri,
    scope: settings.scope || undefined,
    provider_id: attempt.provider_id,
    issuer: settings.issuer || undefined,
  });
  attempt.state = flow.state;
  await session.start(flow);
  await setPending(attempt);
  await setLast(undefined);
  await browser.action.setBadgeText({ text: '' });
  await pushState();

  let responseUrl: string;
  const heartbeat = HEARTBEAT_MS
    ? setInterval(() => void browser.runtime.getPlatformInfo(), HEARTBEAT_MS)
    : undefined;
  try {
    responseUrl = await browser.identity.launchWebAuthFlow({ url: url.href, interactive: true });
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    // Chrome: "The user did not approve access."; Firefox: "User cancelled or denied access."
    const closed = session.cancel('closed');
    if (/did not approve|cancel|denied/i.test(message)) return closed;
    return { type: 'error', code: ErrorCode.AUTHORIZATION_FAILED, message: t('errorAuthWindow', message) };
  } finally {
    clearInterval(heartbeat);
  }

  const received = await session.receive(responseUrl);
  if (received.type !== 'consent') return localize(received);
  // The partner's endpoint tells its customers apart by its own session cookie, as it does for its site.
  const end = await session.complete({ exchange_url: settings.exchange_url, credentials: 'include' });
  if (end.type !== 'success') return end;
  const connection: Connection = {
    provider_id: attempt.provider_id,
    correlation_id: received.consent.correlation_id,
    connected_at: Date.now(),
    result: end.result,
  };
  if (attempt.provider_name) connection.provider_name = attempt.provider_name;
  const connections = await getConnections();
  await setConnections([...connections.filter((c) => c.provider_id !== attempt.provider_id), connection]);
  return end;
}

/** The bank's own error, told in the popup's language (core's message is the partner's, in English). */
function localize(outcome: FlowOutcome): FlowOutcome {
  if (outcome.type !== 'error' || !outcome.error) return outcome;
  return { ...outcome, message: t('errorBank', [outcome.error, outcome.error_description ?? '']).trim() };
}

/** Records how an attempt ended, tells an open popup, or leaves a badge for a closed one. */
async function finish(attempt: PendingAttempt, outcome: FlowOutcome): Promise<FlowOutcome> {
  const shown = popups.size > 0;
  const last: FinishedAttempt = {
    session_id: attempt.session_id,
    provider_id: attempt.provider_id,
    finished_at: Date.now(),
    outcome,
    seen: shown,
  };
  if (attempt.provider_name) last.provider_name = attempt.provider_name;
  await setPending(undefined);
  await setLast(last);
  if (!shown) {
    await browser.action.setBadgeBackgroundColor({
      color: outcome.type === 'success' ? '#1b7f3b' : '#b3261e',
    });
    await browser.action.setBadgeText({ text: outcome.type === 'success' ? '✓' : '!' });
  }
  await pushState();
  return outcome;
}
