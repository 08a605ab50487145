import { isCallback } from '../core/src/index.ts';

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
 * this origin only) and on a BroadcastChannel (for an opener severed by COOP). The popup closes once an element
 * answers that the response was its own: this page may just as well be the partner's other OAuth callback,
 * which must be left alone. A page where a `<flinks-connect>` resumes the flow itself relays nothing.
 */
export function relayCallback(win: Window = window): boolean {
  const url = new URL(win.location.href);
  if (
    !isCallback(url) ||
    win.document.querySelector('flinks-connect[mode="redirect"]') ||
    redirectedHere(win, url)
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
