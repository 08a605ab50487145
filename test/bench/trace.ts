/**
 * `node --import tsx test/bench/trace.ts [runs]`: where the start-up time goes, per contender. Loads each bench
 * page (the one-button Lit element in the widget's code among them) under a DevTools trace (raw pipe, fresh
 * context each run, contenders interleaved) and splits the renderer main thread's work from the library's
 * download end to the button being clickable (`bench:clickable`) into what the trace calls it (compile, module
 * evaluation, microtasks, style, layout…), as self time; and lists the start-up tasks over 50 ms with what they
 * consist of. With `--cpu` instead: a sampled CPU profile of the widget's page from navigation to clickable, self
 * time per function of its bundle (BENCH_WIDGET_BUNDLE to profile an unminified build, whose names mean
 * something). A diagnostic, not part of `npm run bench`.
 */

import { CdpPipe } from '../_cdp-pipe.ts';
import { until } from './browser.ts';
import { LIBRARY, STARTERS, type Starter, startBenchSite } from './harness.ts';
import { stat } from './report.ts';

interface TraceEvent {
  name: string;
  cat: string;
  ph: string;
  ts: number;
  dur?: number;
  pid: number;
  tid: number;
  args?: { data?: Record<string, unknown>; name?: string };
}

// Not `v8` nor `toplevel`: they add little here (compile and evaluation come from the two v8 categories below)
// and made each load take about 45 s to trace on this machine (about 8 s without them).
const CATEGORIES = [
  'devtools.timeline',
  'disabled-by-default-devtools.timeline',
  'v8.execute',
  'disabled-by-default-v8.compile',
  'blink.user_timing',
  'loading',
];

async function traceLoad(browser: CdpPipe, url: string): Promise<TraceEvent[]> {
  const events: TraceEvent[] = [];
  const offData = browser.on('Tracing.dataCollected', (params) =>
    events.push(...(params.value as TraceEvent[])),
  );
  const complete = new Promise<void>((resolve) => {
    const off = browser.on('Tracing.tracingComplete', () => resolve(void off()));
  });
  await browser.send('Tracing.start', {
    transferMode: 'ReportEvents',
    traceConfig: { includedCategories: CATEGORIES, excludedCategories: ['*'] },
  });
  try {
    return await browser.inFreshContext(url, async (page) => {
      await until(page, 'Boolean(window.__bench?.clickable)');
      await new Promise((resolve) => setTimeout(resolve, 300));
      await browser.send('Tracing.end');
      await complete;
      return events;
    });
  } finally {
    offData();
  }
}

interface Split {
  /** Library download end → clickable (ms). */
  window: number;
  /** Self time (ms) per trace event name on the main thread within the window. */
  self: Map<string, number>;
  /** Start-up tasks (navigation → clickable) over 50 ms: length and their largest self times. */
  long: { duration: number; top: [string, number][]; layouts: string[] }[];
}

const urlOf = (event: TraceEvent) => {
  const data = event.args?.data ?? {};
  return String(data.url ?? data.scriptName ?? data.fileName ?? '');
};

/** A name that says which script it ran, where the trace says so. */
function label(event: TraceEvent, lib: string): string {
  const url = urlOf(event);
  if (!url) return event.name;
  const path = (() => {
    try {
      return new URL(url).pathname;
    } catch {
      return url;
    }
  })();
  return `${event.name} ${path === lib ? '(library)' : path}`;
}

function split(events: TraceEvent[], lib: string): Split {
  const send = events.find(
    (e) => e.name === 'ResourceSendRequest' && String(e.args?.data?.url ?? '').endsWith(lib),
  );
  const requestId = send?.args?.data?.requestId;
  const finish = events.find((e) => e.name === 'ResourceFinish' && e.args?.data?.requestId === requestId);
  const clickable = events.find((e) => e.name === 'bench:clickable');
  if (!send || !finish || !clickable) throw new Error('trace: no library download or no clickable mark');
  const { pid, tid } = clickable;
  const navigation = events.find((e) => e.name === 'navigationStart' && e.pid === pid)?.ts ?? 0;
  const from = Number(finish.args?.data?.finishTime ?? 0) * 1e6 || finish.ts;
  const to = clickable.ts;
  const thread = events
    .filter((e) => e.pid === pid && e.tid === tid && e.ph === 'X' && e.dur !== undefined)
    .sort((a, b) => a.ts - b.ts || (b.dur ?? 0) - (a.dur ?? 0));
  // Self time: each complete event's length less its direct children's.
  const selfOf = new Map<TraceEvent, number>();
  const parentOf = new Map<TraceEvent, TraceEvent>();
  const stack: TraceEvent[] = [];
  for (const event of thread) {
    while (
      stack.length &&
      (stack.at(-1) as TraceEvent).ts + ((stack.at(-1) as TraceEvent).dur ?? 0) <= event.ts
    )
      stack.pop();
    const parent = stack.at(-1);
    selfOf.set(event, event.dur ?? 0);
    if (parent) {
      parentOf.set(event, parent);
      selfOf.set(parent, (selfOf.get(parent) ?? 0) - (event.dur ?? 0));
    }
    stack.push(event);
  }
  const self = new Map<string, number>();
  for (const event of thread) {
    const start = Math.max(event.ts, from);
    const end = Math.min(event.ts + (event.dur ?? 0), to);
    if (end <= start) continue;
    // Clip to the window proportionally (only the task that straddles an edge is affected).
    const share = (selfOf.get(event) ?? 0) * ((end - start) / Math.max(event.dur ?? 1, 1));
    const name = label(event, lib);
    self.set(name, (self.get(name) ?? 0) + share / 1000);
  }
  const long = thread
    .filter((e) => !parentOf.has(e) && (e.dur ?? 0) > 50_000 && e.ts >= navigation && e.ts <= to)
    .map((task) => {
      const inside = new Map<string, number>();
      for (const event of thread) {
        if (event.ts < task.ts || event.ts >= task.ts + (task.dur ?? 0)) continue;
        const name = label(event, lib);
        inside.set(name, (inside.get(name) ?? 0) + (selfOf.get(event) ?? 0) / 1000);
      }
      const top = [...inside].sort((a, b) => b[1] - a[1]).slice(0, 6);
      // Where its layout came from: the chain of events a Layout sits in (forced by script, or the frame's).
      const layouts = thread
        .filter((e) => e.name === 'Layout' && e.ts >= task.ts && e.ts < task.ts + (task.dur ?? 0))
        .map((e) => {
          const chain: string[] = [];
          for (let p = parentOf.get(e); p && p !== task; p = parentOf.get(p)) chain.push(label(p, lib));
          return `Layout ${((e.dur ?? 0) / 1000).toFixed(1)} ms in ${chain.join(' < ') || 'the task itself'}`;
        });
      return { duration: (task.dur ?? 0) / 1000, top, layouts };
    });
  return { window: (to - from) / 1000, self, long };
}

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number; columnNumber: number };
}

/** Self time (ms) per function over one load of `url` up to clickable, sampled every 100 µs. */
async function profileLoad(browser: CdpPipe, url: string): Promise<Map<string, number>> {
  return browser.inFreshContext('about:blank', async (page) => {
    const send = (method: string, params: object = {}) => browser.send(method, params, page.sessionId);
    await send('Profiler.enable');
    await send('Profiler.setSamplingInterval', { interval: 100 });
    await send('Profiler.start');
    await send('Page.navigate', { url });
    await until(page, 'Boolean(window.__bench?.clickable)');
    const { profile } = await browser.send<{
      profile: { nodes: ProfileNode[]; samples: number[]; timeDeltas: number[]; startTime: number };
    }>('Profiler.stop', {}, page.sessionId);
    const nodes = new Map(profile.nodes.map((node) => [node.id, node]));
    const self = new Map<string, number>();
    for (let i = 0; i < profile.samples.length; i++) {
      const node = nodes.get(profile.samples[i] as number);
      if (!node) continue;
      const { functionName, url: script, lineNumber, columnNumber } = node.callFrame;
      const where = script ? `${new URL(script).pathname}:${lineNumber + 1}:${columnNumber + 1}` : '';
      const name = `${functionName || '(anonymous)'} ${where}`.trim();
      const ms = (profile.timeDeltas[i + 1] ?? 0) / 1000;
      self.set(name, (self.get(name) ?? 0) + ms);
    }
    return self;
  });
}

const cpu = process.argv.includes('--cpu');
const runs = Number(process.argv.find((arg) => /^\d+$/.test(arg)) ?? 8);
const { sandbox, harness } = await startBenchSite({
  delayMs: Number(process.env.BENCH_INJECT_DELAY_MS ?? 0),
  widgetBundle: process.env.BENCH_WIDGET_BUNDLE,
});
const browser = await CdpPipe.launch({ profilePrefix: 'flinks-bench-trace-' });
const splits: Record<Starter, Split[]> = { flinks: [], oidc: [], floor: [], lit: [] };
const profiles: Map<string, number>[] = [];
try {
  for (let round = -1; cpu && round < runs; round++) {
    const self = await profileLoad(browser, `${harness.origin}/flinks`);
    if (round >= 0) profiles.push(self);
  }
  for (let round = -1; !cpu && round < runs; round++) {
    for (const variant of STARTERS) {
      const events = await traceLoad(browser, `${harness.origin}/${variant}`);
      if (round >= 0) splits[variant].push(split(events, LIBRARY[variant]));
    }
  }
} finally {
  await browser.close();
  await harness.close();
  await sandbox.close();
}

const f = (ms: number) => ms.toFixed(1).padStart(7);
if (cpu) {
  console.log(
    `\nflinks page, navigation → clickable (+ the probe's polling), median self time per function over ${profiles.length} loads:`,
  );
  const names = new Set(profiles.flatMap((p) => [...p.keys()]));
  const rows = [...names]
    .map((name) => [name, stat(profiles.map((p) => p.get(name) ?? 0)).median] as const)
    .filter(([name, ms]) => ms >= 0.2 && name !== '(idle)')
    .sort((a, b) => b[1] - a[1]);
  for (const [name, ms] of rows.slice(0, 30)) console.log(`  ${f(ms)}  ${name}`);
}
for (const variant of cpu ? [] : STARTERS) {
  const all = splits[variant];
  console.log(
    `\n${variant}: library download end → clickable, median ${f(stat(all.map((s) => s.window)).median)} ms over ${all.length} runs; median self time by event:`,
  );
  const names = new Set(all.flatMap((s) => [...s.self.keys()]));
  const rows = [...names]
    .map((name) => [name, stat(all.map((s) => s.self.get(name) ?? 0)).median] as const)
    .filter(([, ms]) => ms >= 0.3)
    .sort((a, b) => b[1] - a[1]);
  for (const [name, ms] of rows.slice(0, 16)) console.log(`  ${f(ms)}  ${name}`);
  const long = all.flatMap((s) => s.long);
  console.log(`  start-up tasks > 50 ms: ${long.length} in ${all.length} runs`);
  for (const task of long.slice(0, 6)) {
    console.log(
      `   ${f(task.duration)} ms: ${task.top.map(([n, ms]) => `${n} ${ms.toFixed(1)}`).join(' · ')}`,
    );
    for (const layout of task.layouts) console.log(`      ${layout}`);
  }
}
process.exit(0);
