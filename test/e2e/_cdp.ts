import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Readable, Writable } from 'node:stream';
import { assertChromium, CHROMIUM_ARGS, CHROMIUM_PATH } from '../browsers.ts';

export interface TargetInfo {
  targetId: string;
  type: string;
  url: string;
}

/**
 * Chromium driven over the DevTools protocol on a pipe, attached only to the targets a test asks for. Playwright
 * attaches to every service worker, and Chrome never stops a worker with DevTools attached; this leaves the
 * extension's worker alone, so its real lifetime rules apply.
 */
export class _DetachedChromium {
  readonly targets = new Map<string, TargetInfo>();
  /** Every target destroyed so far, in order. */
  readonly destroyed: TargetInfo[] = [];
  #child: ChildProcess;
  #userDataDir: string;
  #next = 1;
  #pending = new Map<number, { resolve(value: unknown): void; reject(error: Error): void }>();

  private constructor(child: ChildProcess, userDataDir: string) {
    this.#child = child;
    this.#userDataDir = userDataDir;
    let buffer = '';
    (child.stdio[4] as Readable).on('data', (chunk: Buffer) => {
      buffer += chunk.toString('utf8');
      let end = buffer.indexOf('\0');
      while (end >= 0) {
        this.#receive(JSON.parse(buffer.slice(0, end)) as Record<string, unknown>);
        buffer = buffer.slice(end + 1);
        end = buffer.indexOf('\0');
      }
    });
  }

  static async launch(extensionDir: string): Promise<_DetachedChromium> {
    assertChromium();
    const userDataDir = await mkdtemp(join(tmpdir(), 'flinks-extension-cdp-'));
    const child = spawn(
      CHROMIUM_PATH,
      [
        ...CHROMIUM_ARGS,
        '--headless',
        '--remote-debugging-pipe',
        `--user-data-dir=${userDataDir}`,
        `--disable-extensions-except=${extensionDir}`,
        `--load-extension=${extensionDir}`,
        'about:blank',
      ],
      { stdio: ['ignore', 'ignore', 'ignore', 'pipe', 'pipe'] },
    );
    const browser = new _DetachedChromium(child, userDataDir);
    await browser.send('Target.setDiscoverTargets', { discover: true });
    return browser;
  }

  #receive(message: Record<string, unknown>): void {
    if (typeof message.id === 'number') {
      const pending = this.#pending.get(message.id);
      this.#pending.delete(message.id);
      const error = message.error as { message: string } | undefined;
      if (error) pending?.reject(new Error(error.message));
      else pending?.resolve(message.result);
      return;
    }
    const params = message.params as { targetInfo?: TargetInfo; targetId?: string } | undefined;
    if (message.method === 'Target.targetCreated' || message.method === 'Target.targetInfoChanged') {
      const info = params?.targetInfo as TargetInfo;
      this.targets.set(info.targetId, info);
    } else if (message.method === 'Target.targetDestroyed') {
      const info = this.targets.get(params?.targetId as string);
      if (info) this.destroyed.push(info);
      this.targets.delete(params?.targetId as string);
    }
  }

  send<T = Record<string, unknown>>(method: string, params: object = {}, sessionId?: string): Promise<T> {
    const id = this.#next++;
    const message = JSON.stringify({ id, method, params, ...(sessionId ? { sessionId } : {}) });
    return new Promise<T>((resolve, reject) => {
      this.#pending.set(id, { resolve: resolve as (value: unknown) => void, reject });
      (this.#child.stdio[3] as Writable).write(`${message}\0`);
    });
  }

  /** Waits until `find` returns something from the live targets. */
  async waitForTarget(find: (target: TargetInfo) => boolean, timeout = 10_000): Promise<TargetInfo> {
    const deadline = Date.now() + timeout;
    for (;;) {
      const target = [...this.targets.values()].find(find);
      if (target) return target;
      if (Date.now() > deadline) throw new Error('no such target appeared in time');
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }

  /** Attaches to one target (a page) and returns a way to evaluate in it. */
  async attach(targetId: string): Promise<{ evaluate<T>(expression: string): Promise<T> }> {
    const { sessionId } = await this.send<{ sessionId: string }>('Target.attachToTarget', {
      targetId,
      flatten: true,
    });
    return {
      evaluate: async <T>(expression: string) => {
        const result = await this.send<{ result: { value: T }; exceptionDetails?: { text: string } }>(
          'Runtime.evaluate',
          { expression, awaitPromise: true, returnByValue: true, userGesture: true },
          sessionId,
        );
        if (result.exceptionDetails)
          throw new Error(`evaluate failed: ${JSON.stringify(result.exceptionDetails)}`);
        return result.result.value;
      },
    };
  }

  async close(): Promise<void> {
    await this.send('Browser.close').catch(() => {});
    if (this.#child.exitCode === null) {
      await new Promise((resolve) => {
        const timer = setTimeout(() => this.#child.kill('SIGKILL'), 5000);
        this.#child.once('exit', () => resolve(clearTimeout(timer)));
      });
    }
    await rm(this.#userDataDir, { recursive: true, force: true });
  }
}

/** Polls `check` in a page until it returns true. */
export async function _until(
  page: { evaluate<T>(expression: string): Promise<T> },
  check: string,
  timeout = 10_000,
): Promise<void> {
  const deadline = Date.now() + timeout;
  while (!(await page.evaluate<boolean>(`Boolean(${check})`).catch(() => false))) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${check}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}
