import type { ReactiveController, ReactiveControllerHost } from 'lit';
import type { StalledReason } from '../core/src/index.ts';
import { CALLBACK_CHANNEL, isCallbackMessage, TAKEN_MESSAGE } from './relay.ts';

/** Timings of the popup watch, in ms. */
export interface PopupTimings {
  /** How often the window is looked at. */
  poll: number;
  /** A handle that reads closed this soon after the bank's page loaded was most likely severed by COOP. */
  severed: number;
  /** How long a closed window's callback, already on its way, is waited for. */
  grace: number;
  /** How long the bank's page may keep the customer without sending them back. */
  stalled: number;
}

export interface PopupHandlers {
  /** A response for the watched attempt, or a forged one from its own window: the session decides. */
  onCallback(url: URL): void;
  /** Once per watch: the customer should be offered to reopen the window or cancel. */
  onStalled(reason: StalledReason): void;
  /** The customer closed the window and no callback came. */
  onClosed(): void;
}

const FEATURES = 'popup,width=480,height=720';

/**
 * The popup transport of `<flinks-connect>`: opens the bank's window (synchronously, inside the click), watches it
 * (closed, severed by COOP, stalled), and listens for the callback page's relay (postMessage from this origin,
 * BroadcastChannel as fallback). It only ever answers or closes the window of the attempt it watches.
 */
export class PopupController implements ReactiveController {
  #handlers: PopupHandlers;
  #timings: () => PopupTimings;
  #window: Window | null = null;
  /** The watched attempt's `state`: only a response carrying it is taken. */
  #state: string | undefined;
  #navigatedAt = 0;
  #stalled = false;
  #timer: ReturnType<typeof setInterval> | undefined;
  #channel: BroadcastChannel | undefined;

  constructor(host: ReactiveControllerHost, handlers: PopupHandlers, timings: () => PopupTimings) {
    this.#handlers = handlers;
    this.#timings = timings;
    host.addController(this);
  }

  /** The attempt's window, while it is open (a handle severed by COOP also reads closed). */
  get window(): Window | null {
    return this.#window && !this.#window.closed ? this.#window : null;
  }

  hostConnected(): void {
    window.addEventListener('message', this.#onMessage);
  }

  hostDisconnected(): void {
    window.removeEventListener('message', this.#onMessage);
    this.#stopWatch();
    this.#channel?.close();
    this.#channel = undefined;
  }

  /**
   * Opens the attempt's window on `url` (blank when the request is not ready yet). Call it in the click's own
   * task: popup blockers allow nothing later. A name per attempt, so no other window is ever reused. False when
   * blocked (Firefox throws in a frame sandboxed without allow-popups, where others return null).
   */
  open(url: string, name: string): boolean {
    this.close();
    try {
      this.#window = window.open(url, name, FEATURES);
    } catch {
      this.#window = null;
    }
    return this.#window !== null;
  }

  /** Sends an opened window to the bank (when it opened blank) and watches it for the attempt with `state`. */
  watch(state: string, url?: string): void {
    const popup = this.#window;
    if (!popup) return;
    if (url) popup.location.href = url;
    this.#state = state;
    this.#stalled = false;
    this.#navigatedAt = Date.now();
    this.#stopWatch();
    this.#timer = setInterval(this.#poll, this.#timings().poll);
    // The way back for a window severed by COOP. Opened at the first attempt, not at start-up (off the first
    // render), and kept until the element leaves the page: closed right after posting TAKEN, Chromium may drop
    // that message, and the callback page would stay open.
    if (!this.#channel) {
      this.#channel = new BroadcastChannel(CALLBACK_CHANNEL);
      this.#channel.onmessage = this.#onBroadcast;
    }
  }

  /** Stops watching and closes the attempt's window: a late response is no longer taken. */
  close(): void {
    this.#stopWatch();
    this.#state = undefined;
    if (this.#window && !this.#window.closed) this.#window.close();
    this.#window = null;
  }

  #poll = (): void => {
    const popup = this.#window;
    if (!popup || !this.#state) {
      this.#stopWatch();
      return;
    }
    const { severed, grace, stalled } = this.#timings();
    const age = Date.now() - this.#navigatedAt;
    // Still open, but no callback yet: the bank may be showing its own error page (unknown client id,
    // unregistered redirect URI, bank down), which never sends the customer back.
    if (!popup.closed) {
      if (age >= stalled) this.#stall('no_callback');
      return;
    }
    this.#stopWatch();
    // Closed this soon: severed by COOP, or closed at once. The channel stays the way back.
    if (age < severed) {
      this.#stall('window_lost');
      return;
    }
    const state = this.#state;
    setTimeout(() => {
      if (this.#state === state) this.#handlers.onClosed();
    }, grace);
  };

  #stall(reason: StalledReason): void {
    if (this.#stalled) return;
    this.#stalled = true;
    this.#handlers.onStalled(reason);
  }

  #stopWatch(): void {
    clearInterval(this.#timer);
    this.#timer = undefined;
  }

  #onMessage = (event: MessageEvent): void => {
    // Only this origin's callback page may answer: anything else could inject a code.
    if (event.origin === location.origin) this.#receive(event.data, event.source);
  };

  #onBroadcast = (event: MessageEvent): void => {
    this.#receive(event.data, null);
  };

  #receive(data: unknown, source: MessageEventSource | null): void {
    if (!isCallbackMessage(data) || !this.#state || !URL.canParse(data.url)) return;
    const url = new URL(data.url);
    if (url.origin !== location.origin) return;
    if (url.searchParams.get('state') !== this.#state) {
      // Another element's, another tab's or the partner's other OAuth popup's: not ours to close or answer. Only
      // from our own window (or this page itself) is a state we never issued a forgery, for the session to refuse.
      if (source && [this.#window, window].includes(source as Window)) {
        this.close();
        this.#handlers.onCallback(url);
      }
      return;
    }
    this.close();
    // Tells the callback page it may close (through a handle severed by COOP, close() above cannot).
    this.#channel?.postMessage({ type: TAKEN_MESSAGE, url: data.url });
    this.#handlers.onCallback(url);
  }
}
