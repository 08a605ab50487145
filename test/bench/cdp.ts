import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Readable, Writable } from 'node:stream';
import { assertChromium, CHROMIUM_ARGS, CHROMIUM_PATH } from '../browsers.ts';

type Listener = (params: Record<string, unknown>, sessionId?: string) => void;

/** One attached page: evaluates in it (as a user gesture, so window.open is allowed). */
export interface BenchPage {
  targetId: string;
  sessionId: string;
  evaluate<T>(expression: string, timeoutMs?: number): Promise<T>;
}

/**
 * Chromium on a raw DevTools pipe. Unlike Playwright it attaches only to what the bench asks for, and never with
 * `waitForDebuggerOnStart`: a popup starts loading the moment it is opened (Playwright holds each new popup until
 * its session is set up, which adds ~20 ms to click → /authorize).
 */
export class BenchChromium {
  readonly version: string;
  #child: ChildProcess;
  #userDataDir: string;
  #next = 1;
  #pending = new Map<number, { resolve(value: unknown): void; reject(error: Error): void }>();
  #listeners = new Map<string, Set<Listener>>();

  private constructor(child: ChildProcess, userDataDir: string, version: string) {
    this.#child = child;
    this.#userDataDir = userDataDir;
    this.version = version;
  }

  static async launch(): Promise<BenchChromium> {
    assertChromium();
    const userDataDir = await mkdtemp(join(tmpdir(), 'flinks-bench-'));
    const child = spawn(
      CHROMIUM_PATH,
      [
        ...CHROMIUM_ARGS,
        '--headless',
        '--remote-debugging-pipe',
        `--user-data-dir=${userDataDir}`,
        'about:blank',
      ],
      { stdio: ['ignore', 'ignore', 'ignore', 'pipe', 'pipe'] },
    );
    const browser = new BenchChromium(child, userDataDir, '');
    let buffer = '';
    (child.stdio[4] as Readable).on('data', (chunk: Buffer) => {
      buffer += chunk.toString('utf8');
      let end = buffer.indexOf('\0');
      while (end >= 0) {
        browser.#receive(JSON.parse(buffer.slice(0, end)) as Record<string, unknown>);
        buffer = buffer.slice(end + 1);
        end = buffer.indexOf('\0');
      }
    });
    const { product } = await browser.send<{ product: string }>('Browser.getVersion');
    await browser.send('Target.setDiscoverTargets', { discover: true });
    return Object.assign(browser, { version: product });
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
    for (const listener of this.#listeners.get(message.method as string) ?? []) {
      listener(message.params as Record<string, unknown>, message.sessionId as string | undefined);
    }
  }

  on(method: string, listener: Listener): () => void {
    const set = this.#listeners.get(method) ?? new Set<Listener>();
    this.#listeners.set(method, set);
    set.add(listener);
    return () => set.delete(listener);
  }

  send<T = Record<string, unknown>>(method: string, params: object = {}, sessionId?: string): Promise<T> {
    const id = this.#next++;
    const message = JSON.stringify({ id, method, params, ...(sessionId ? { sessionId } : {}) });
    return new Promise<T>((resolve, reject) => {
      this.#pending.set(id, { resolve: resolve as (value: unknown) => void, reject });
      (this.#child.stdio[3] as Writable).write(`${message}\0`);
    });
  }

  async attach(targetId: string): Promise<BenchPage> {
    const { sessionId } = await this.send<{ sessionId: string }>('Target.attachToTarget', {
      targetId,
      flatten: true,
    });
    return {
      targetId,
      sessionId,
      evaluate: async <T>(expression: string, timeoutMs = 30_000) => {
        const result = await this.send<{ result: { value: T }; exceptionDetails?: unknown }>(
          'Runtime.evaluate',
          { expression, awaitPromise: true, returnByValue: true, userGesture: true, timeout: timeoutMs },
          sessionId,
        );
        if (result.exceptionDetails) throw new Error(`evaluate: ${JSON.stringify(result.exceptionDetails)}`);
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
