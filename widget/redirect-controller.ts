import type { ReactiveController, ReactiveControllerHost } from 'lit';
import { type ConnectMode, isCallback } from '../core/src/index.ts';
import { redirectSession, wasRelayed } from './relay.ts';

const CALLBACK_PARAMS = ['code', 'state', 'iss', 'error', 'error_description', 'error_uri'];

export interface RedirectOptions {
  redirectUri(): string | undefined;
  mode(): ConnectMode;
  /** The authorization response to finish here, and the session id its tab saved with the flow, if any. */
  onResume(url: URL, sessionId: string | undefined): void;
}

/**
 * The redirect transport's way back: on the `redirect-uri` page, takes the authorization response from the
 * address bar and scrubs it there at once, so a reload, a shared link or a second element finds nothing to take.
 * In popup mode, only a response whose flow this tab saved itself (a blocked popup's fallback) is taken.
 */
export class RedirectController implements ReactiveController {
  #options: RedirectOptions;

  constructor(host: ReactiveControllerHost, options: RedirectOptions) {
    this.#options = options;
    host.addController(this);
  }

  hostConnected(): void {
    const here = new URL(location.href);
    if (wasRelayed() || !isCallback(here) || !this.#atRedirectUri(here)) return;
    const sessionId = redirectSession(window, here);
    if (this.#options.mode() !== 'redirect' && !sessionId) return;
    const clean = new URL(here);
    for (const name of CALLBACK_PARAMS) clean.searchParams.delete(name);
    history.replaceState(history.state, '', clean.href);
    this.#options.onResume(here, sessionId);
  }

  /** True on the `redirect-uri` page (origin and path): the partner's other callbacks are not ours. */
  #atRedirectUri(here: URL): boolean {
    const uri = this.#options.redirectUri();
    const at = (url: URL) => url.origin + url.pathname;
    return !!uri && URL.canParse(uri, here) && at(new URL(uri, here)) === at(here);
  }
}
