/**
 * `npm run bench`: sizes and Node ops/s of the hot paths; then, in Chromium, what the partner and the customer
 * feel, beside oidc-client-ts and a bare oauth4webapi popup doing the same job in the same run; then the
 * server side under load (autocannon) and its memory over many flows. Prints all of it, writes
 * `bench/results.json` and, on a run without an injected delay, the README's table.
 *
 * Environment: BENCH_RUNS (whole flows per contender, default 12), BENCH_STARTS (loads per contender after
 * them, for start-up and then the click alone, default 32), BENCH_FLOWS (whole flows for the memory figure,
 * default 500; 10000 for the full figure, which takes minutes more), BENCH_LOAD_SECONDS (per autocannon target,
 * default 4), BENCH_INJECT_DELAY_MS (a busy wait the widget's bench page adds at start-up and in the click:
 * shows a broken budget), BENCH_ONLY (node, browser or server: one part only), BENCH_WIDGET_BUNDLE (measure
 * another build of the widget, e.g. an older commit's).
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, release, totalmem } from 'node:os';
import { runBrowserBench } from './bench/browser.ts';
import { STARTERS, type Starter, VARIANTS, type Variant } from './bench/harness.ts';
import { runNodeBench, sizesOf } from './bench/node.ts';
import {
  browserTable,
  NAMES,
  phaseStats,
  phaseTable,
  readmeSection,
  startupSummary,
  startupTable,
  statsOf,
  verdicts,
} from './bench/report.ts';
import { runServerBench } from './bench/server.ts';

const env = process.env;
const runs = Number(env.BENCH_RUNS ?? 12);
const starts = Number(env.BENCH_STARTS ?? 32);
const flows = Number(env.BENCH_FLOWS ?? 500);
const seconds = Number(env.BENCH_LOAD_SECONDS ?? 4);
const delayMs = Number(env.BENCH_INJECT_DELAY_MS ?? 0);
const only = env.BENCH_ONLY;
const log = (line: string) => console.log(line);
const started = performance.now();
const elapsed = () => `${((performance.now() - started) / 1000).toFixed(0)} s`;

const machine = {
  cpu: cpus()[0]?.model ?? 'unknown',
  cores: cpus().length,
  memory_gib: Math.round(totalmem() / 2 ** 30),
  kernel: release(),
  node: process.version,
  load_average_at_start: loadavg().map((l) => Number(l.toFixed(2))),
};
const results: Record<string, unknown> = {
  date: new Date().toISOString(),
  machine,
  settings: { runs, starts, flows, load_seconds: seconds, inject_delay_ms: delayMs },
};

const node = !only || only === 'node' ? await runNodeBench(log) : undefined;
results.node = node;

if (!only || only === 'browser') {
  log(
    `\nIn the browser: ${runs} whole flows each, then ${starts} start-ups (and clicks) each, interleaved, each in a fresh context${delayMs ? ` — INJECTED DELAY ${delayMs} ms in the widget's page` : ''}`,
  );
  const widgetBundle = env.BENCH_WIDGET_BUNDLE;
  if (widgetBundle) log(`  widget bundle: ${widgetBundle}`);
  const browser = await runBrowserBench({
    n: runs,
    starts,
    delayMs,
    ...(widgetBundle ? { widgetBundle } : {}),
  });
  const startup = startupSummary(browser.startup);
  const stats = statsOf(browser.runs, startup, browser.clicks);
  const sizes = Object.fromEntries(STARTERS.map((v) => [v, sizesOf(browser.scripts[v])])) as Record<
    Starter,
    ReturnType<typeof sizesOf>
  >;
  log(`${browser.chromium}, raw DevTools pipe (no popup hold); sandbox and pages on loopback`);
  for (const v of STARTERS) {
    const flow = (VARIANTS as readonly string[]).includes(v) ? (v as Variant) : undefined;
    const flows = flow ? `${browser.runs[flow].length} flows, ${browser.clicks[flow].length} clicks, ` : '';
    log(
      `  ${NAMES[v].padEnd(30)} script ${sizes[v].gzip.toLocaleString('en').padStart(7)} B gzip ${sizes[v].brotli.toLocaleString('en').padStart(7)} B brotli, ${flows}${browser.startup[v].length} start-ups`,
    );
  }
  for (const line of browserTable(stats)) log(line);
  log(
    `\n  Start-up beside a Lit element with one button in the widget's code: what the widget's element itself costs`,
  );
  for (const line of startupTable(startup)) log(line);
  const phases = phaseStats(browser.startup);
  for (const line of phaseTable(phases)) log(line);
  if (browser.failures.length) {
    log(`  ${browser.failures.length} run(s) failed:`);
    for (const failure of browser.failures.slice(0, 5)) log(`    ${failure.slice(0, 200)}`);
  }
  const judged = verdicts(stats, browser.clicks, startup);
  log('\nBudgets (issue 15)');
  for (const v of judged) log(`  ${v.ok ? 'ok  ' : 'OVER'} ${v.name.padEnd(62)} ${v.value}`);
  results.browser = {
    chromium: browser.chromium,
    sizes,
    stats,
    startup,
    phases,
    verdicts: judged,
    failures: browser.failures,
    runs: browser.runs,
    startups: browser.startup,
    clicks: browser.clicks,
  };

  log(`  (${elapsed()})`);
}

if (!only || only === 'server') {
  log(
    `\nServer side under load (autocannon, 10 connections, loopback; the server in one process on one core)`,
  );
  const server = await runServerBench({ seconds, flows, log });
  if (!server.pinned) log('  (taskset not found: the server process is not pinned to one core)');
  log(
    `${''.padEnd(52)}${'requests'.padStart(10)}${'req/s'.padStart(9)}${'p50 ms'.padStart(9)}${'p99 ms'.padStart(9)}${'non-2xx'.padStart(9)}`,
  );
  for (const r of server.load) {
    log(
      `${r.name.padEnd(52)}${String(r.requests).padStart(10)}${r.rps.toFixed(0).padStart(9)}${String(r.p50).padStart(9)}${String(r.p99).padStart(9)}${String(r.non2xx + r.errors).padStart(9)}`,
    );
  }
  const mib = (bytes: number) => `${(bytes / 2 ** 20).toFixed(1)} MiB`;
  const { points, afterExpiry, bytesPerFlow, retainedPerFlow } = server.memory;
  log(
    `\nServer process memory (heap after GC) over ${flows} whole flows (authorize, sign-in, consent, exchange)`,
  );
  log(`  ${points.map((p) => `${p.flows} flows: ${mib(p.heapUsed)}`).join(' · ')}`);
  log(
    `  two hours later (codes, sessions, interactions, access tokens expired): ${mib(afterExpiry.heapUsed)}`,
  );
  log(
    `  growth ${(bytesPerFlow / 1024).toFixed(2)} KiB per flow while they are live; ${(retainedPerFlow / 1024).toFixed(2)} KiB per flow kept after expiry (the sandbox's connection, grant and 30-day refresh token: by design)`,
  );
  results.server = server;
  log(`  (${elapsed()})`);
}

if (!delayMs && !only && !env.BENCH_WIDGET_BUNDLE) {
  // The README shows the latest clean full run.
  const readme = new URL('../README.md', import.meta.url);
  const text = readFileSync(readme, 'utf8');
  const updated = text.replace(/<!-- bench:start -->[\s\S]*<!-- bench:end -->/, readmeSection(results));
  if (updated !== text) writeFileSync(readme, updated);
}

mkdirSync(new URL('../bench/', import.meta.url), { recursive: true });
writeFileSync(new URL('../bench/results.json', import.meta.url), `${JSON.stringify(results, null, 2)}\n`);
// What the bench writes stays as the project's formatter wants it (biome checks README.md and JSON).
spawnSync(new URL('../node_modules/.bin/biome', import.meta.url).pathname, [
  'format',
  '--write',
  new URL('../bench/results.json', import.meta.url).pathname,
  new URL('../README.md', import.meta.url).pathname,
]);
log(`\nbench/results.json written (${elapsed()})`);
process.exit(node?.overBudget ? 1 : 0);
