/** Medians, p95s, same-run ratios and the budget verdicts of issue 15; the README's table. */
import { METRICS, type Metric, PHASES, type Phase, type Run } from './browser.ts';
import type { Variant } from './harness.ts';
import type { ServerBench } from './server.ts';

export const NAMES: Record<Variant, string> = {
  flinks: 'flinks-connect',
  oidc: 'oidc-client-ts 3.5',
  floor: 'oauth4webapi popup (floor)',
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

export function statsOf(runs: Record<Variant, Run[]>): Stats {
  const out = {} as Stats;
  for (const variant of Object.keys(runs) as Variant[]) {
    out[variant] = {} as Record<Metric, Stat>;
    for (const metric of Object.keys(METRICS) as Metric[]) {
      out[variant][metric] = stat(runs[variant].map((run) => run[metric]));
    }
  }
  return out;
}

/**
 * The median over rounds of a/b for one metric: each round's runs ran back to back, so the ratio of neighbours
 * is less exposed to the machine's load drifting over the minutes of the bench than a ratio of medians.
 */
export function pairedRatio(runs: Record<Variant, Run[]>, a: Variant, b: Variant, metric: Metric): number {
  const others = new Map(runs[b].map((run) => [run.round, run[metric]]));
  const ratios = runs[a].flatMap((run) => {
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
export function verdicts(stats: Stats, runs: Record<Variant, Run[]>): Verdict[] {
  const ready = pairedRatio(runs, 'flinks', 'oidc', 'scriptReady');
  const own = pairedRatio(runs, 'flinks', 'oidc', 'ownReady');
  const click = pairedRatio(runs, 'flinks', 'floor', 'authorize');
  const longest = Math.max(stats.flinks.longStart.p95, stats.flinks.longClick.p95);
  return [
    {
      name: 'script end → clickable ≤ oidc-client-ts (paired median ratio)',
      value: `${ready.toFixed(2)}× (from the library's run: ${own.toFixed(2)}×)`,
      ok: ready <= 1,
    },
    {
      name: 'click → /authorize ≤ 1.1× the floor (paired median ratio)',
      value: `${click.toFixed(2)}×`,
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
export function phaseStats(runs: Record<Variant, Run[]>): Record<Variant, Partial<Record<Phase, Stat>>> {
  const out = {} as Record<Variant, Partial<Record<Phase, Stat>>>;
  for (const variant of Object.keys(runs) as Variant[]) {
    out[variant] = {};
    for (const phase of Object.keys(PHASES) as Phase[]) {
      const values = runs[variant].flatMap((run) => run.phases[phase] ?? []);
      if (values.length) out[variant][phase] = stat(values);
    }
  }
  return out;
}

/** The console lines for `phaseStats`. */
export function phaseTable(phases: Record<Variant, Partial<Record<Phase, Stat>>>): string[] {
  const lines = ['  script end → clickable, split (median / p95 ms)'];
  for (const [phase, label] of Object.entries(PHASES) as [Phase, string][]) {
    const cells = (Object.keys(NAMES) as Variant[])
      .map((v) => {
        const s = phases[v][phase];
        return (s ? `${ms(s.median)} / ${ms(s.p95)}` : '—').padStart(24);
      })
      .join('');
    lines.push(`  ${label.padEnd(54).slice(0, 54)}${cells}`);
  }
  return lines;
}

const ms = (value: number) => (Number.isFinite(value) ? value.toFixed(1) : '—');
const x = (value: number) => (Number.isFinite(value) ? `${value.toFixed(2)}×` : '—');

/** The console table: median / p95 per contender, and the widget's ratios to each (medians). */
export function browserTable(stats: Stats): string[] {
  const head = `${''.padEnd(36)}${Object.values(NAMES)
    .map((name) => name.slice(0, 22).padStart(24))
    .join('')}${'÷ oidc'.padStart(9)}${'÷ floor'.padStart(9)}`;
  const lines = [head, `${''.padEnd(36)}${'median / p95 ms'.padStart(24).repeat(3)}${'median'.padStart(18)}`];
  for (const [metric, label] of Object.entries(METRICS) as [Metric, string][]) {
    const cells = (Object.keys(NAMES) as Variant[])
      .map((v) => `${ms(stats[v][metric].median)} / ${ms(stats[v][metric].p95)}`.padStart(24))
      .join('');
    const vsOidc = stats.flinks[metric].median / stats.oidc[metric].median;
    const vsFloor = stats.flinks[metric].median / stats.floor[metric].median;
    lines.push(`${label.padEnd(36)}${cells}${x(vsOidc).padStart(9)}${x(vsFloor).padStart(9)}`);
  }
  return lines;
}

/** The README's table (markdown). */
export function markdownTable(
  stats: Stats,
  sizes: Record<Variant, { gzip: number; brotli: number }>,
): string[] {
  const variants = Object.keys(NAMES) as Variant[];
  const lines = [
    `| | ${variants.map((v) => NAMES[v]).join(' | ')} | ÷ oidc-client-ts | ÷ floor |`,
    `|---|${variants.map(() => '---:').join('|')}|---:|---:|`,
    `| script, gzip / brotli (B) | ${variants.map((v) => `${sizes[v].gzip.toLocaleString('en')} / ${sizes[v].brotli.toLocaleString('en')}`).join(' | ')} | ${x(sizes.flinks.brotli / sizes.oidc.brotli)} | ${x(sizes.flinks.brotli / sizes.floor.brotli)} |`,
  ];
  for (const [metric, label] of Object.entries(METRICS) as [Metric, string][]) {
    lines.push(
      `| ${label}, median / p95 (ms) | ${variants.map((v) => `${ms(stats[v][metric].median)} / ${ms(stats[v][metric].p95)}`).join(' | ')} | ${x(stats.flinks[metric].median / stats.oidc[metric].median)} | ${x(stats.flinks[metric].median / stats.floor[metric].median)} |`,
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
  const settings = results.settings as { runs: number; flows: number; load_seconds: number };
  const browser = results.browser as {
    chromium: string;
    stats: Stats;
    sizes: Record<Variant, { gzip: number; brotli: number }>;
    verdicts: Verdict[];
  };
  const server = results.server as ServerBench | undefined;
  const mib = (bytes: number) => `${(bytes / 2 ** 20).toFixed(1)} MiB`;
  const lines = [
    '<!-- bench:start -->',
    `Latest run: ${String(results.date).slice(0, 16).replace('T', ' ')} UTC, ${machine.cpu} (${machine.cores} cores, load ${machine.load_average_at_start[0]} at start, shared with other work), ${browser.chromium}, Node ${machine.node}; ${settings.runs} runs each, interleaved.`,
    '',
    ...markdownTable(browser.stats, browser.sizes),
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
