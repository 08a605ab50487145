/**
 * The in-browser bench: the widget, oidc-client-ts and a bare oauth4webapi popup (the floor), each doing the
 * same job against the same sandbox, runs interleaved, each run in a fresh browser context.
 */
import { Server } from 'node:http';
import { type CdpPage, CdpPipe } from '../_cdp-pipe.ts';
import { LIBRARY, now, STARTERS, type Starter, startBenchSite, VARIANTS, type Variant } from './harness.ts';

export const METRICS = {
  ready: 'ready: navigation → clickable',
  scriptReady: 'ready: script end → clickable',
  ownReady: 'ready: library runs → clickable',
  authorize: 'click → /authorize at the sandbox',
  open: 'click → window.open (its own part)',
  success: 'callback → success',
  longStart: 'longest task of ours, start-up',
  longStartAny: 'longest task, start-up (any: page too)',
  longClick: 'longest task, click → /authorize',
  longCallback: 'longest task, callback → success',
} as const;
export type Metric = keyof typeof METRICS;
/** One run's figures (ms), and the round it was in: runs of one round are neighbours in time. */
export type Run = Record<Metric, number> & { round: number; phases: Partial<Record<Phase, number>> };

/** The metrics of start-up alone: every flow run has them, and so has each start-up-only page load. */
export const STARTUP_METRICS = ['ready', 'scriptReady', 'ownReady', 'longStart', 'longStartAny'] as const;
export type StartupMetric = (typeof STARTUP_METRICS)[number];
export type StartupRun = Pick<Run, StartupMetric | 'round' | 'phases'>;

/** The metrics of the click alone: every flow run has them, and so has each start-up-only load of the three. */
export const CLICK_METRICS = ['authorize', 'open', 'longClick'] as const;
export type ClickMetric = (typeof CLICK_METRICS)[number];
export type ClickRun = Pick<Run, ClickMetric | 'round'>;

/** Where script end → clickable goes (ms), from the probe's marks; the widget's page has all four. */
export const PHASES = {
  wait: 'script end → library runs (compile, parse end, a frame)',
  evaluate: 'evaluate up to define',
  define: 'customElements.define (upgrade, connectedCallback)',
  render: 'define → clickable (first Lit update)',
} as const;
export type Phase = keyof typeof PHASES;

export interface BrowserBench {
  chromium: string;
  runs: Record<Variant, Run[]>;
  /**
   * Start-up figures per contender: those of every flow run, then those of the start-up-only loads (more of
   * them, cheaper: start-up is the noisiest figure), and the Lit reference's, which only starts up.
   */
  startup: Record<Starter, StartupRun[]>;
  /**
   * Click figures per contender: those of every flow run, then those of the start-up-only loads, clicked once
   * their start-up is read (to `/authorize` at the sandbox, no sign-in): one click's figure is noisy too.
   */
  clicks: Record<Variant, ClickRun[]>;
  failures: string[];
  scripts: Record<Starter, Buffer>;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Polls `expression` in `page` until it returns a truthy value; errors (a page navigating) count as not yet. */
export async function until<T>(
  page: CdpPage,
  expression: string,
  timeoutMs = 20_000,
  everyMs = 10,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await page.evaluate<T>(expression, timeoutMs).catch(() => undefined);
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${expression.slice(0, 80)}`);
    await sleep(everyMs);
  }
}

interface Results {
  timeOrigin: number;
  clickable?: number;
  scriptEnd?: number;
  clickAt?: number;
  endAt?: number;
  error?: string;
  longtasks: { start: number; duration: number }[];
  scripts: { start: number; duration: number; path: string; invoker: string }[];
  opens: { start: number; duration: number }[];
  libraryAt?: number;
  defineStart?: number;
  defineEnd?: number;
}

/** Signs in as greatday/everyday and allows, on the sandbox's own pages in the popup. */
async function approve(popup: CdpPage): Promise<void> {
  await until(
    popup,
    `(() => { const u = document.getElementById('username'); if (!u || document.readyState === 'loading') return false;
      u.value = 'greatday'; document.getElementById('password').value = 'everyday';
      document.querySelector('form').requestSubmit(); return true; })()`,
  );
  await until(
    popup,
    `(() => { const b = document.querySelector('button[value=allow]'); if (!b || document.readyState === 'loading') return false;
      b.click(); return true; })()`,
  );
}

function phasesOf(results: Results, scriptEnd: number, clickable: number): Run['phases'] {
  const { libraryAt, defineStart, defineEnd } = results;
  if (libraryAt === undefined) return {};
  const wait = Math.max(0, libraryAt - scriptEnd);
  const from = Math.max(libraryAt, scriptEnd);
  if (defineStart === undefined || defineEnd === undefined) return { wait, evaluate: clickable - from };
  return {
    wait,
    evaluate: defineStart - from,
    define: defineEnd - defineStart,
    render: clickable - defineEnd,
  };
}

const longest = (tasks: { duration: number }[]) => Math.max(0, ...tasks.map((t) => t.duration));

/** The start-up figures of one load, from the probe's results (page clock). */
function startupOf(results: Results, starter: Starter): Omit<StartupRun, 'round'> {
  const { clickable, scriptEnd } = results;
  if (clickable === undefined || scriptEnd === undefined) {
    throw new Error(`${starter}: a start-up mark is missing ${JSON.stringify(results)}`);
  }
  const lib = LIBRARY[starter];
  const startup = results.longtasks.filter((t) => t.start < clickable + 1);
  // A start-up long task is the contender's when its library's code ran in it (Long Animation Frames name the
  // script of each ≥ 5 ms slice). The others are the page's: committing the navigation, creating the JS
  // context, parsing; every page pays them, whichever library it loads.
  const ours = startup.filter((t) =>
    results.scripts.some((s) => s.path === lib && s.start >= t.start - 1 && s.start < t.start + t.duration),
  );
  return {
    ready: clickable,
    scriptReady: clickable - scriptEnd,
    // From the library's first statement (evaluate, define, first render): without the wait that script end →
    // clickable also holds, the noisiest part: the module's compile (on a background thread, as it streams
    // in), the end of the page's parsing, and often a frame the browser renders meanwhile.
    ownReady: clickable - Math.max(results.libraryAt ?? scriptEnd, scriptEnd),
    longStart: longest(ours),
    longStartAny: longest(startup),
    phases: phasesOf(results, scriptEnd, clickable),
  };
}

/**
 * The click's figures: click → `/authorize` at the sandbox; click → `window.open`, the contender's own part of it
 * (what follows is the browser's: opening the window, then its request); the longest task between the two.
 */
function clickOf(results: Results, authorizeAt: number, who: string): Omit<ClickRun, 'round'> {
  const { clickAt, opens } = results;
  if (clickAt === undefined || !opens[0]) {
    throw new Error(`${who}: the click or its window.open is missing ${JSON.stringify(results)}`);
  }
  // Page-relative times of the click and of /authorize's arrival.
  const click = clickAt - results.timeOrigin;
  const authorize = authorizeAt - results.timeOrigin;
  return {
    authorize: authorizeAt - clickAt,
    open: opens[0].start - click,
    longClick: longest(results.longtasks.filter((t) => t.start >= click - 1 && t.start <= authorize)),
  };
}

async function runOnce(
  browser: CdpPipe,
  origin: string,
  variant: Variant,
  marks: { authorizeAt?: number },
  callbacks: Map<Variant, number>,
): Promise<Omit<Run, 'round'>> {
  marks.authorizeAt = undefined;
  callbacks.delete(variant);
  return browser.inFreshContext(`${origin}/${variant}`, async (page) => {
    const { targetId } = page;
    await until(page, 'window.__bench && window.__bench.ready.then(() => true)');
    // Let the page settle (late long tasks, idle work) before the click.
    await sleep(150);
    const popupTarget = new Promise<string>((resolve) => {
      const off = browser.on('Target.targetCreated', (params) => {
        const info = params.targetInfo as { targetId: string; openerId?: string; type: string };
        if (info.openerId === targetId && info.type === 'page') {
          off();
          resolve(info.targetId);
        }
      });
    });
    await page.evaluate('window.__bench.click()');
    const popup = await browser.attach(await popupTarget);
    await approve(popup);
    await page.evaluate('window.__bench.done.then(() => true)', 30_000);
    const results = await page.evaluate<Results>('window.__bench.results()');
    if (results.error) throw new Error(`${variant}: ${results.error}`);
    const { endAt } = results;
    const callbackAt = callbacks.get(variant);
    if (endAt === undefined || marks.authorizeAt === undefined || callbackAt === undefined) {
      throw new Error(`${variant}: a mark is missing ${JSON.stringify({ ...results, marks, callbackAt })}`);
    }
    const authorize = marks.authorizeAt - results.timeOrigin;
    return {
      ...startupOf(results, variant),
      ...clickOf(results, marks.authorizeAt, variant),
      success: endAt - callbackAt,
      longCallback: longest(results.longtasks.filter((t) => t.start > authorize)),
    };
  });
}

/** Polls until `/authorize` has reached the sandbox, and returns when it did. */
async function authorizeArrival(marks: { authorizeAt?: number }, who: string): Promise<number> {
  const deadline = Date.now() + 20_000;
  while (marks.authorizeAt === undefined) {
    if (Date.now() > deadline) throw new Error(`${who}: /authorize never reached the sandbox`);
    await sleep(5);
  }
  return marks.authorizeAt;
}

/**
 * Loads one contender's page in a fresh context until its button is clickable: start-up alone. Then, with
 * `marks` (the three contenders that connect), its click alone: once the start-up figures are read, the button
 * is clicked, and the load ends when `/authorize` reaches the sandbox, with no sign-in.
 */
async function startOnce(
  browser: CdpPipe,
  origin: string,
  starter: Starter,
  marks?: { authorizeAt?: number },
): Promise<{ startup: Omit<StartupRun, 'round'>; click?: Omit<ClickRun, 'round'> }> {
  if (marks) marks.authorizeAt = undefined;
  return browser.inFreshContext(`${origin}/${starter}`, async (page) => {
    await until(page, 'window.__bench && window.__bench.ready.then(() => true)');
    // Long tasks and Long Animation Frames are reported after their frame: let them arrive.
    await sleep(100);
    const startup = startupOf(await page.evaluate<Results>('window.__bench.results()'), starter);
    if (!marks) return { startup };
    // With the wait above, the page settles as long as in the flows before the click.
    await sleep(50);
    await page.evaluate('window.__bench.click()');
    const authorizeAt = await authorizeArrival(marks, starter);
    await sleep(100);
    const results = await page.evaluate<Results>('window.__bench.results()');
    if (results.error) throw new Error(`${starter}: ${results.error}`);
    return { startup, click: clickOf(results, authorizeAt, starter) };
  });
}

/**
 * Runs the three contenders' whole flow `n` times each (after one warm-up round), then their start-up and click
 * alone, and the Lit reference's start-up, `starts` more times each; each set interleaved in a rotating order.
 */
export async function runBrowserBench(options: {
  n: number;
  starts: number;
  delayMs: number;
  widgetBundle?: string;
  log?: (line: string) => void;
}): Promise<BrowserBench> {
  const log = options.log ?? (() => {});
  const marks: { authorizeAt?: number } = {};
  // The moment /authorize reaches the sandbox, noted before any of its handling (same process, same clock).
  const emit = Server.prototype.emit;
  Server.prototype.emit = function (this: Server, event: string, request: unknown, ...rest: unknown[]) {
    if (event === 'request') {
      const url = (request as { url?: string }).url ?? '';
      if (/^\/api\/v1\/authorize\?/i.test(url)) marks.authorizeAt ??= now();
    }
    return (emit as (...args: unknown[]) => boolean).call(this, event, request, ...rest);
  } as typeof emit;
  const { sandbox, harness } = await startBenchSite(options);
  const browser = await CdpPipe.launch({ profilePrefix: 'flinks-bench-' });
  const runs: Record<Variant, Run[]> = { flinks: [], oidc: [], floor: [] };
  const startup: Record<Starter, StartupRun[]> = { flinks: [], oidc: [], floor: [], lit: [] };
  const clicks: Record<Variant, ClickRun[]> = { flinks: [], oidc: [], floor: [] };
  const failures: string[] = [];
  const fail = (who: string, error: unknown) =>
    failures.push(`${who}: ${error instanceof Error ? error.message : String(error)}`);
  try {
    for (let round = -1; round < options.n; round++) {
      const order = VARIANTS.map((_, i) => VARIANTS[(i + Math.max(round, 0)) % VARIANTS.length] as Variant);
      for (const variant of order) {
        try {
          const run = await runOnce(browser, harness.origin, variant, marks, harness.callbacks);
          if (round >= 0) runs[variant].push({ ...run, round });
        } catch (error) {
          fail(variant, error);
        }
      }
      if (round >= 0) log(`  browser round ${round + 1}/${options.n}`);
    }
    for (const variant of VARIANTS) {
      startup[variant].push(...runs[variant]);
      clicks[variant].push(
        ...runs[variant].map(({ authorize, open, longClick, round }) => ({
          authorize,
          open,
          longClick,
          round,
        })),
      );
    }
    // Rounds numbered on from the flow rounds': a paired ratio pairs loads of one round only.
    for (let k = -1; k < options.starts; k++) {
      const order = STARTERS.map((_, i) => STARTERS[(i + Math.max(k, 0)) % STARTERS.length] as Starter);
      for (const starter of order) {
        try {
          const { startup: run, click } = await startOnce(
            browser,
            harness.origin,
            starter,
            starter === 'lit' ? undefined : marks,
          );
          if (k < 0) continue;
          const round = options.n + k;
          startup[starter].push({ ...run, round });
          if (click && starter !== 'lit') clicks[starter].push({ ...click, round });
        } catch (error) {
          fail(`${starter} (start-up and click)`, error);
        }
      }
      if (k >= 0 && (k + 1) % 10 === 0) log(`  start-up round ${k + 1}/${options.starts}`);
    }
  } finally {
    Server.prototype.emit = emit;
    await browser.close();
    await harness.close();
    await sandbox.close();
  }
  return { chromium: browser.version, runs, startup, clicks, failures, scripts: harness.scripts };
}
