import { isCallback } from '../core/src/index.ts';

/** `type` of the message a popup's callback page sends its opener. */
export const CALLBACK_MESSAGE = 'flinks-connect:callback';
/** BroadcastChannel name, for popups whose opener was severed (COOP on the bank's pages). */
export const CALLBACK_CHANNEL = 'flinks-connect';

export interface CallbackMessage {
  type: typeof CALLBACK_MESSAGE;
  url: string;
}

export function isCallbackMessage(data: unknown): data is CallbackMessage {
  return (
    typeof data === 'object' &&
    data !== null &&
    (data as Record<string, unknown>).type === CALLBACK_MESSAGE &&
    typeof (data as Record<string, unknown>).url === 'string'
  );
}

/** Where a tab that navigates to the bank itself keeps its session id, by state. */
export const SESSION_KEY = 'flinks-connect:session:';

let relayed = false;

export function redirectedHere(win: Window, url: URL): boolean {
  try {
    return win.sessionStorage.getItem(SESSION_KEY + url.searchParams.get('state')) !== null;
  } catch {
    return false; // storage denied (sandboxed frame): nothing could have been saved there either
  }
}

/** True once this page handed its callback to another window: no element here should resume it. */
export function wasRelayed(): boolean {
  return relayed;
}

/**
 * On the `redirect-uri` page of a popup flow: hands the authorization response to the opener (postMessage to
 * this origin only, plus a BroadcastChannel for a severed opener) and closes the popup. A page holding a
 * `<flinks-connect mode="redirect">` finishes the flow itself, so nothing is relayed there.
 */
export function relayCallback(win: Window = window): boolean {
  const url = new URL(win.location.href);
  if (!isCallback(url)) return false;
  if (win.document.querySelector('flinks-connect[mode="redirect"]')) return false;
  // This tab went to the bank itself (redirect mode, or a blocked popup's fallback): the element resumes here.
  if (redirectedHere(win, url)) return false;
  const message: CallbackMessage = { type: CALLBACK_MESSAGE, url: url.href };
  const opener = win.opener as Window | null;
  // Without an opener (COOP severs it) the channel is the only way back; an element only accepts a
  // broadcast carrying the state of its own pending flow, so other tabs ignore it.
  if (opener === null && !('BroadcastChannel' in win)) return false;
  opener?.postMessage(message, url.origin);
  if ('BroadcastChannel' in win) {
    const channel = new BroadcastChannel(CALLBACK_CHANNEL);
    channel.postMessage(message);
    channel.close();
  }
  relayed = true;
  // A short delay lets the channel deliver before the window goes away.
  win.setTimeout(() => win.close(), 100);
  return true;
}
