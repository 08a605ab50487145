import { FLOW_KEY_PREFIX, isCallback } from '../core/src/index.ts';

/** `type` of the message a popup's callback page sends its opener. */
export const CALLBACK_MESSAGE = 'flinks-connect:callback';
/** `type` of an element's answer on the channel when it took a relayed response: the popup may close. */
export const TAKEN_MESSAGE = 'flinks-connect:taken';
/** BroadcastChannel name, for popups whose opener was severed (COOP on the bank's pages). */
export const CALLBACK_CHANNEL = 'flinks-connect';

export interface CallbackMessage {
  type: typeof CALLBACK_MESSAGE;
  url: string;
}

export function isCallbackMessage(data: unknown): data is CallbackMessage {
  const message = data as Partial<CallbackMessage> | null | undefined;
  return message?.type === CALLBACK_MESSAGE && typeof message.url === 'string';
}

let relayed = false;

/**
 * The session id saved with this tab's pending flow for the response's state. Only a tab that went to the bank
 * itself (redirect mode, or a blocked popup's fallback) saves one, so it also says the response is for here.
 */
export function redirectSession(win: Window, url: URL): string | undefined {
  try {
    return JSON.parse(win.sessionStorage.getItem(FLOW_KEY_PREFIX + url.searchParams.get('state')) ?? '{}')
      .session_id;
  } catch {
    return undefined; // storage denied (sandboxed frame) or unreadable: nothing of ours is there
  }
}

/** True once this page handed its callback to another window: no element here should resume it. */
export function wasRelayed(): boolean {
  return relayed;
}

/**
 * On the `redirect-uri` page of a popup flow: hands the authorization response to the opener (postMessage to
 * this origin only) and on a BroadcastChannel (for an opener severed by COOP). The popup closes once an element
 * answers that the response was its own: this page may just as well be the partner's other OAuth callback,
 * which must be left alone. A page where a `<flinks-connect>` resumes the flow itself relays nothing.
 */
export function relayCallback(win: Window = window): boolean {
  // Every page that loads the bundle comes here first: a page without a query cannot be a callback, and skips
  // parsing its URL on the way to its first render.
  if (!win.location.search) return false;
  const url = new URL(win.location.href);
  if (
    !isCallback(url) ||
    win.document.querySelector('flinks-connect[mode="redirect"]') ||
    redirectSession(win, url)
  ) {
    return false;
  }
  const message: CallbackMessage = { type: CALLBACK_MESSAGE, url: url.href };
  const channel = new BroadcastChannel(CALLBACK_CHANNEL);
  channel.onmessage = ({ data }) => {
    if (data?.type === TAKEN_MESSAGE && data.url === url.href) {
      channel.close();
      win.close();
    }
  };
  channel.postMessage(message);
  (win.opener as Window | null)?.postMessage(message, url.origin);
  relayed = true;
  return true;
}
