/** Medians, p95s, same-run ratios and the budget verdicts of issue 15; the README's table. */
import {
  CLICK_METRICS,
  type ClickMetric,
  type ClickRun,
  METRICS,
  type Metric,
  PHASES,
  type Phase,
  type Run,
  STARTUP_METRICS,
  type StartupMetric,
  type StartupRun,
} from './browser.ts';
import { STARTERS, type Starter, VARIANTS, type Variant } from './harness.ts';
import type { ServerBench } from './server.ts';

export const NAMES: Record<Starter, string> = {
  flinks: 'flinks-connect',
  oidc: 'oidc-client-ts 3.5',
  floor: 'oauth4webapi popup (floor)',
  lit: 'one-button Lit, same code',
};

export interface Stat {
  median: number;
  p95: number;
  max: number;
  n: number;
}

export function stat(values: number[]): Stat {
  const sorted = [...values].sort((a, b) => a - b);
  const n = sorted.length;
  if (!n) return { median: Number.NaN, p95: Number.NaN, max: Number.NaN, n };
  const median =
    n % 2 ? (sorted[(n - 1) / 2] as number) : ((sorted[n / 2 - 1] as number) + (sorted[n / 2] as number)) / 2;
  return { median, p95: sorted[Math.ceil(0.95 * n) - 1] as number, max: sorted[n - 1] as number, n };
}

export type Stats = Record<Variant, Record<Metric, Stat>>;

const isStartup = (metric: string): metric is StartupMetric =>
  (STARTUP_METRICS as readonly string[]).includes(metric);
const isClick = (metric: string): metric is ClickMetric =>
  (CLICK_METRICS as readonly string[]).includes(metric);

/**
 * Per contender and metric: the start-up metrics from `startup` (over every load), the click's over every click
 * (the flows' and the start-up-only loads'), the callback's over the flows.
 */
export function statsOf(
  runs: Record<Variant, Run[]>,
  startup: StartupSummary,
  clicks: Record<Variant, ClickRun[]>,
): Stats {
  const out = {} as Stats;
  for (const variant of VARIANTS) {
    out[variant] = {} as Record<Metric, Stat>;
    for (const metric of Object.keys(METRICS) as Metric[]) {
      out[variant][metric] = isStartup(metric)
        ? startup.stats[variant][metric]
        : isClick(metric)
          ? stat(clicks[variant].map((run) => run[metric]))
          : stat(runs[variant].map((run) => run[metric]));
    }
  }
  return out;
}

/**
 * The median over rounds of a/b for one metric: each round's runs ran back to back, so the ratio of neighbours
 * is less exposed to the machine's load drifting over the minutes of the bench than a ratio of medians.
 */
export function pairedRatio<M extends string>(
  a: readonly ({ round: number } & Record<M, number>)[],
  b: readonly ({ round: number } & Record<M, number>)[],
  metric: M,
): number {
  const others = new Map(b.map((run) => [run.round, run[metric]]));
  const ratios = a.flatMap((run) => {
    const other = others.get(run.round);
    return other ? [run[metric] / other] : [];
  });
  return stat(ratios).median;
}

export interface Verdict {
  name: string;
  value: string;
  ok: boolean;
}

/** The budgets of issue 15, judged on same-run ratios of neighbouring runs (the machine is shared and noisy). */
export function verdicts(
  stats: Stats,
  clicks: Record<Variant, ClickRun[]>,
  startup: StartupSummary,
): Verdict[] {
  const { scriptReady: ready, ownReady: own } = startup.vsOidc;
  const least = startup.litVsOidc.scriptReady;
  const click = pairedRatio(clicks.flinks, clicks.floor, 'authorize');
  const longest = Math.max(stats.flinks.longStart.p95, stats.flinks.longClick.p95);
  return [
    {
      name: 'script end → clickable ≤ oidc-client-ts (paired median ratio)',
      value: `${ready.toFixed(2)}× (from the library's run: ${own.toFixed(2)}×; a one-button element in the same code: ${least.toFixed(2)}×)`,
      ok: ready <= 1,
    },
    {
      name: 'click → /authorize ≤ 1.1× the floor (paired median ratio)',
      value: `${click.toFixed(2)}× (our part, click → window.open: ${ms(stats.flinks.open.median)} ms; the floor's ${ms(stats.floor.open.median)})`,
      ok: click <= 1.1,
    },
    {
      name: 'our longest task ≤ 50 ms, start-up and click (p95 of runs)',
      value: `${stats.flinks.longStart.p95.toFixed(0)} / ${stats.flinks.longClick.p95.toFixed(0)} ms`,
      ok: longest <= 50,
    },
  ];
}

/** Medians of where script end → clickable goes, per contender (a phase a contender has not is absent). */
export function phaseStats(
  startup: Record<Starter, StartupRun[]>,
): Record<Starter, Partial<Record<Phase, Stat>>> {
  const out = {} as Record<Starter, Partial<Record<Phase, Stat>>>;
  for (const starter of STARTERS) {
    out[starter] = {};
    for (const phase of Object.keys(PHASES) as Phase[]) {
      const values = startup[starter].flatMap((run) => run.phases[phase] ?? []);
      if (values.length) out[starter][phase] = stat(values);
    }
  }
  return out;
}

const ms = (value: number) => (Number.isFinite(value) ? value.toFixed(1) : '—');
const x = (value: number) => (Number.isFinite(value) ? `${value.toFixed(2)}×` : '—');
/** One cell of every table: median / p95 (ms). */
const medianP95 = (s: Stat) => `${ms(s.median)} / ${ms(s.p95)}`;
/** The console tables' column heads: each contender's name, cut to fit. */
const heads = (contenders: readonly Starter[]) =>
  contenders.map((v) => NAMES[v].slice(0, 22).padStart(24)).join('');

/** The console lines for `phaseStats`. */
export function phaseTable(phases: Record<Starter, Partial<Record<Phase, Stat>>>): string[] {
  const lines = [`  ${'script end → clickable, split (median / p95 ms)'.padEnd(54)}${heads(STARTERS)}`];
  for (const [phase, label] of Object.entries(PHASES) as [Phase, string][]) {
    const cells = STARTERS.map((v) => {
      const s = phases[v][phase];
      return (s ? medianP95(s) : '—').padStart(24);
    }).join('');
    lines.push(`  ${label.padEnd(54).slice(0, 54)}${cells}`);
  }
  return lines;
}

/** The console table: median / p95 per contender, and the widget's ratios to each (medians). */
export function browserTable(stats: Stats): string[] {
  const head = `${''.padEnd(36)}${heads(VARIANTS)}${'÷ oidc'.padStart(9)}${'÷ floor'.padStart(9)}`;
  const lines = [head, `${''.padEnd(36)}${'median / p95 ms'.padStart(24).repeat(3)}${'median'.padStart(18)}`];
  for (const [metric, label] of Object.entries(METRICS) as [Metric, string][]) {
    const cells = VARIANTS.map((v) => medianP95(stats[v][metric]).padStart(24)).join('');
    const vsOidc = stats.flinks[metric].median / stats.oidc[metric].median;
    const vsFloor = stats.flinks[metric].median / stats.floor[metric].median;
    lines.push(`${label.padEnd(36)}${cells}${x(vsOidc).padStart(9)}${x(vsFloor).padStart(9)}`);
  }
  return lines;
}

/** The start-up figures beside the Lit reference: over every load, with the widget's paired ratios. */
export interface StartupSummary {
  stats: Record<Starter, Record<StartupMetric, Stat>>;
  /** The widget ÷ oidc-client-ts and ÷ the Lit element, paired median ratios per metric. */
  vsOidc: Record<StartupMetric, number>;
  vsLit: Record<StartupMetric, number>;
  /** The Lit element ÷ oidc-client-ts: the least any element in the widget's code could reach. */
  litVsOidc: Record<StartupMetric, number>;
}

export function startupSummary(startup: Record<Starter, StartupRun[]>): StartupSummary {
  const stats = {} as StartupSummary['stats'];
  for (const starter of STARTERS) {
    stats[starter] = {} as Record<StartupMetric, Stat>;
    for (const metric of STARTUP_METRICS)
      stats[starter][metric] = stat(startup[starter].map((r) => r[metric]));
  }
  const ratios = (other: Starter, of: Starter = 'flinks') =>
    Object.fromEntries(
      STARTUP_METRICS.map((metric) => [metric, pairedRatio(startup[of], startup[other], metric)]),
    ) as Record<StartupMetric, number>;
  return { stats, vsOidc: ratios('oidc'), vsLit: ratios('lit'), litVsOidc: ratios('oidc', 'lit') };
}

/** The ready rows, where the Lit reference says how much of the widget's start-up is Lit's own. */
const STARTUP_ROWS = ['scriptReady', 'ownReady'] as const;

export function startupTable(summary: StartupSummary): string[] {
  const lines = [
    `${''.padEnd(36)}${heads(STARTERS)}${'÷ oidc'.padStart(9)}${'÷ 1-btn'.padStart(9)}`,
    `${''.padEnd(36)}${'median / p95 ms'.padStart(24).repeat(STARTERS.length)}${'paired median'.padStart(18)}`,
  ];
  for (const metric of STARTUP_ROWS) {
    const cells = STARTERS.map((v) => medianP95(summary.stats[v][metric]).padStart(24)).join('');
    lines.push(
      `${METRICS[metric].padEnd(36)}${cells}${x(summary.vsOidc[metric]).padStart(9)}${x(summary.vsLit[metric]).padStart(9)}`,
    );
  }
  return lines;
}

function startupMarkdown(summary: StartupSummary): string[] {
  return [
    `| start-up, every load | ${STARTERS.map((v) => NAMES[v]).join(' | ')} | ÷ oidc-client-ts | ÷ one-button Lit |`,
    `|---|${STARTERS.map(() => '---:').join('|')}|---:|---:|`,
    ...STARTUP_ROWS.map(
      (metric) =>
        `| ${METRICS[metric]}, median / p95 (ms) | ${STARTERS.map((v) => medianP95(summary.stats[v][metric])).join(' | ')} | ${x(summary.vsOidc[metric])} | ${x(summary.vsLit[metric])} |`,
    ),
  ];
}

/** The README's table (markdown). */
export function markdownTable(
  stats: Stats,
  sizes: Record<Starter, { gzip: number; brotli: number }>,
): string[] {
  const variants = VARIANTS;
  const lines = [
    `| | ${variants.map((v) => NAMES[v]).join(' | ')} | ÷ oidc-client-ts | ÷ floor |`,
    `|---|${variants.map(() => '---:').join('|')}|---:|---:|`,
    `| script, gzip / brotli (B) | ${variants.map((v) => `${sizes[v].gzip.toLocaleString('en')} / ${sizes[v].brotli.toLocaleString('en')}`).join(' | ')} | ${x(sizes.flinks.brotli / sizes.oidc.brotli)} | ${x(sizes.flinks.brotli / sizes.floor.brotli)} |`,
  ];
  for (const [metric, label] of Object.entries(METRICS) as [Metric, string][]) {
    lines.push(
      `| ${label}, median / p95 (ms) | ${variants.map((v) => medianP95(stats[v][metric])).join(' | ')} | ${x(stats.flinks[metric].median / stats.oidc[metric].median)} | ${x(stats.flinks[metric].median / stats.floor[metric].median)} |`,
    );
  }
  return lines;
}

/** The README's section (between its bench markers) from a full run's results. */
export function readmeSection(results: Record<string, unknown>): string {
  const machine = results.machine as {
    cpu: string;
    cores: number;
    node: string;
    load_average_at_start: number[];
  };
  const settings = results.settings as { runs: number; starts: number; flows: number; load_seconds: number };
  const browser = results.browser as {
    chromium: string;
    stats: Stats;
    startup: StartupSummary;
    sizes: Record<Starter, { gzip: number; brotli: number }>;
    verdicts: Verdict[];
  };
  const server = results.server as ServerBench | undefined;
  const mib = (bytes: number) => `${(bytes / 2 ** 20).toFixed(1)} MiB`;
  const lines = [
    '<!-- bench:start -->',
    `Latest run: ${String(results.date).slice(0, 16).replace('T', ' ')} UTC, ${machine.cpu} (${machine.cores} cores, load ${machine.load_average_at_start[0]} at start, shared with other work), ${browser.chromium}, Node ${machine.node}; ${settings.runs} whole flows each, then ${settings.starts} more loads each for start-up and the click alone, interleaved. The start-up rows count every load (${browser.startup.stats.flinks.scriptReady.n} for the widget), the click rows every click (${browser.stats.flinks.authorize.n}).`,
    '',
    ...markdownTable(browser.stats, browser.sizes),
    '',
    ...startupMarkdown(browser.startup),
    '',
    browser.verdicts.map((v) => `${v.ok ? '✓' : '✗'} ${v.name}: ${v.value}`).join(' · '),
  ];
  if (server) {
    lines.push(
      '',
      `| under load: one process, one core${server.pinned ? ' (taskset)' : ''}, 10 connections | requests | req/s | p50 (ms) | p99 (ms) | non-2xx |`,
      '|---|---:|---:|---:|---:|---:|',
      ...server.load.map(
        (r) =>
          `| ${r.name} | ${r.requests} | ${r.rps.toFixed(0)} | ${r.p50} | ${r.p99} | ${r.non2xx + r.errors} |`,
      ),
      '',
      `Server heap after GC over ${settings.flows} whole flows: ${server.memory.points.map((p) => `${p.flows} flows ${mib(p.heapUsed)}`).join(', ')}; two hours later (codes, sessions, interactions and access tokens expired) ${mib(server.memory.afterExpiry.heapUsed)}: ${(server.memory.retainedPerFlow / 1024).toFixed(1)} KiB kept per flow, the sandbox's connection, grant and 30-day refresh token.`,
    );
  }
  lines.push('<!-- bench:end -->');
  return lines.join('\n');
}
