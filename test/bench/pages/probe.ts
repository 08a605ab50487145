/**
 * The bench's probe: a classic script at the top of every bench page, before the library. It records, in the
 * page's own clock, when the button became clickable, the click, the end (success or error) and every long task.
 * `data-delay` (from BENCH_INJECT_DELAY_MS) adds a busy wait at start-up and in the click, to show that a broken
 * budget shows in the figures; the shipped bundle has no such hook.
 */
interface Bench {
  variant: string;
  lib: string;
  clickable?: number;
  clickAt?: number;
  endAt?: number;
  error?: string;
  longtasks: { start: number; duration: number }[];
  /** Scripts the Long Animation Frames API saw (≥ 5 ms, in frames ≥ 50 ms): which script a long task ran. */
  scripts: { start: number; duration: number; path: string; invoker: string }[];
  /** When the library's first statement ran: the harness serves each library with one in front that sets it. */
  libraryAt?: number;
  /** customElements.define('flinks-connect'): the upgrade of the element already in the page runs inside it. */
  defineStart?: number;
  defineEnd?: number;
  /** Each window.open call: the browser's cost of opening a window, not ours. */
  opens: { start: number; duration: number }[];
  ready: Promise<void>;
  done: Promise<void>;
  markClickable(): void;
  markSuccess(): void;
  markError(message: string): void;
  click(): void;
  results(): unknown;
}

export {};

declare global {
  interface Window {
    __bench: Bench;
  }
}

const script = document.currentScript as HTMLScriptElement;
const variant = script.dataset.variant ?? '';
const delay = Number(script.dataset.delay ?? 0);
const busy = (ms: number) => {
  const end = performance.now() + ms;
  while (performance.now() < end);
};
let ready = () => {};
let done = () => {};
const bench: Bench = {
  variant,
  lib: script.dataset.lib ?? '',
  longtasks: [],
  scripts: [],
  opens: [],
  ready: new Promise((resolve) => (ready = resolve)),
  done: new Promise((resolve) => (done = resolve)),
  markClickable() {
    bench.clickable = performance.now();
    // A user-timing mark, so a DevTools trace (test/bench/trace.ts) shows the same moment.
    performance.mark('bench:clickable');
    ready();
  },
  markSuccess() {
    bench.endAt = performance.timeOrigin + performance.now();
    done();
  },
  markError(message) {
    bench.error = message;
    bench.endAt = performance.timeOrigin + performance.now();
    done();
  },
  click() {
    const host = document.querySelector('flinks-connect');
    const button = host
      ? host.shadowRoot?.querySelector<HTMLButtonElement>('[part~="button"]')
      : document.querySelector<HTMLButtonElement>('#connect');
    button?.click();
  },
  results() {
    const lib = performance
      .getEntriesByType('resource')
      .find((entry) => new URL(entry.name).pathname === bench.lib) as PerformanceResourceTiming | undefined;
    return {
      timeOrigin: performance.timeOrigin,
      clickable: bench.clickable,
      scriptEnd: lib?.responseEnd,
      clickAt: bench.clickAt,
      opens: bench.opens,
      libraryAt: bench.libraryAt,
      defineStart: bench.defineStart,
      defineEnd: bench.defineEnd,
      scripts: bench.scripts,
      endAt: bench.endAt,
      error: bench.error,
      // A long task's own share: its length less the window.open calls inside it.
      longtasks: bench.longtasks.map(({ start, duration }) => ({
        start,
        duration:
          duration -
          bench.opens
            .filter((open) => open.start >= start && open.start < start + duration)
            .reduce((sum, open) => sum + open.duration, 0),
      })),
    };
  },
};
window.__bench = bench;

const open = window.open.bind(window);
window.open = (...args) => {
  const start = performance.now();
  try {
    return open(...args);
  } finally {
    bench.opens.push({ start, duration: performance.now() - start });
  }
};

new PerformanceObserver((list) => {
  for (const entry of list.getEntries())
    bench.longtasks.push({ start: entry.startTime, duration: entry.duration });
}).observe({ type: 'longtask', buffered: true });

interface ScriptTiming {
  startTime: number;
  duration: number;
  sourceURL: string;
  invoker: string;
}
if (PerformanceObserver.supportedEntryTypes.includes('long-animation-frame')) {
  new PerformanceObserver((list) => {
    for (const frame of list.getEntries() as (PerformanceEntry & { scripts: ScriptTiming[] })[]) {
      for (const s of frame.scripts) {
        const path = s.sourceURL ? new URL(s.sourceURL, location.href).pathname : '';
        bench.scripts.push({ start: s.startTime, duration: s.duration, path, invoker: s.invoker });
      }
    }
  }).observe({ type: 'long-animation-frame', buffered: true });
}

addEventListener(
  'click',
  (event) => {
    bench.clickAt ??= performance.timeOrigin + event.timeStamp;
    if (delay) busy(delay);
  },
  { capture: true },
);

// The widget and the Lit reference: <flinks-connect> is clickable once defined and first rendered.
if (variant === 'flinks' || variant === 'lit') {
  const define = customElements.define.bind(customElements);
  customElements.define = (name, element, options) => {
    if (name !== 'flinks-connect') return define(name, element, options);
    bench.defineStart = performance.now();
    if (delay) busy(delay);
    define(name, element, options);
    bench.defineEnd = performance.now();
  };
  void customElements
    .whenDefined('flinks-connect')
    .then(() => document.querySelector('flinks-connect')?.updateComplete)
    .then(() => bench.markClickable());
  document.addEventListener('flinks-success', () => bench.markSuccess());
  document.addEventListener('flinks-error', (event) => bench.markError(JSON.stringify(event.detail)));
  document.addEventListener('flinks-exit', (event) => bench.markError(JSON.stringify(event.detail)));
}
