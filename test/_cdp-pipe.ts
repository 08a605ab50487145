import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Readable, Writable } from 'node:stream';
import { assertChromium, CHROMIUM_ARGS, CHROMIUM_PATH } from './browsers.ts';

/** A protocol event's params, and the flat session it came from (none for the browser's own). */
export type CdpListener = (params: Record<string, unknown>, sessionId?: string) => void;

/** One attached target: evaluates in it as a user gesture, so `window.open` and clicks behave as a user's. */
export interface CdpPage {
  targetId: string;
  sessionId: string;
  evaluate<T>(expression: string, timeoutMs?: number): Promise<T>;
}

export interface CdpTargetInfo {
  targetId: string;
  type: string;
  url: string;
  openerId?: string;
}

export interface CdpLaunchOptions {
  /** Prefix of the throwaway profile directory's name. */
  profilePrefix: string;
  /** Chromium flags beyond the shared ones (e.g. loading an extension). */
  args?: string[];
}

/**
 * Chromium driven over the DevTools protocol on a pipe (`--remote-debugging-pipe`: NUL-framed JSON on fds 3 and
 * 4), attached only to the targets the caller asks for, and never with `waitForDebuggerOnStart`. Playwright
 * attaches to everything: it holds each new popup until its session is set up (~20 ms on click → /authorize, which
 * the bench measures), and Chrome never stops a service worker with DevTools attached (which the extension's
 * lifetime tests need it to do).
 */
export class CdpPipe {
  /** Live targets by id (discovery is on from launch). */
  readonly targets = new Map<string, CdpTargetInfo>();
  /** Every target destroyed so far, in order. */
  readonly destroyed: CdpTargetInfo[] = [];
  #version = '';
  #child: ChildProcess;
  #userDataDir: string;
  #next = 1;
  #pending = new Map<number, { resolve(value: unknown): void; reject(error: Error): void }>();
  #listeners = new Map<string, Set<CdpListener>>();

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

  /** Starts headless Chromium on a fresh profile, with target discovery on. */
  static async launch(options: CdpLaunchOptions): Promise<CdpPipe> {
    assertChromium();
    const userDataDir = await mkdtemp(join(tmpdir(), options.profilePrefix));
    const child = spawn(
      CHROMIUM_PATH,
      [
        ...CHROMIUM_ARGS,
        '--headless',
        '--remote-debugging-pipe',
        `--user-data-dir=${userDataDir}`,
        ...(options.args ?? []),
        'about:blank',
      ],
      { stdio: ['ignore', 'ignore', 'ignore', 'pipe', 'pipe'] },
    );
    const browser = new CdpPipe(child, userDataDir);
    browser.#version = (await browser.send<{ product: string }>('Browser.getVersion')).product;
    await browser.send('Target.setDiscoverTargets', { discover: true });
    return browser;
  }

  /** The browser's product string, e.g. `Chrome/156.0.8078.114`. */
  get version(): string {
    return this.#version;
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
    const params = message.params as { targetInfo?: CdpTargetInfo; targetId?: string } | undefined;
    if (message.method === 'Target.targetCreated' || message.method === 'Target.targetInfoChanged') {
      const info = params?.targetInfo as CdpTargetInfo;
      this.targets.set(info.targetId, info);
    } else if (message.method === 'Target.targetDestroyed') {
      const info = this.targets.get(params?.targetId as string);
      if (info) this.destroyed.push(info);
      this.targets.delete(params?.targetId as string);
    }
    for (const listener of this.#listeners.get(message.method as string) ?? []) {
      listener(message.params as Record<string, unknown>, message.sessionId as string | undefined);
    }
  }

  /** Calls `listener` on each `method` event; returns a function that stops it. */
  on(method: string, listener: CdpListener): () => void {
    const set = this.#listeners.get(method) ?? new Set<CdpListener>();
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

  /** Waits until `find` returns something from the live targets. */
  async waitForTarget(find: (target: CdpTargetInfo) => boolean, timeout = 10_000): Promise<CdpTargetInfo> {
    const deadline = Date.now() + timeout;
    for (;;) {
      const target = [...this.targets.values()].find(find);
      if (target) return target;
      if (Date.now() > deadline) throw new Error('no such target appeared in time');
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }

  /** Attaches to one target (flat session) and returns a way to evaluate in it. */
  async attach(targetId: string): Promise<CdpPage> {
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
        if (result.exceptionDetails)
          throw new Error(`evaluate failed: ${JSON.stringify(result.exceptionDetails)}`);
        return result.result.value;
      },
    };
  }

  /** Opens `url` in a fresh browser context (nothing shared with other runs), runs `use` on it, then disposes of it. */
  async inFreshContext<T>(url: string, use: (page: CdpPage) => Promise<T>): Promise<T> {
    const { browserContextId } = await this.send<{ browserContextId: string }>('Target.createBrowserContext');
    try {
      const { targetId } = await this.send<{ targetId: string }>('Target.createTarget', {
        url,
        browserContextId,
      });
      return await use(await this.attach(targetId));
    } finally {
      await this.send('Target.disposeBrowserContext', { browserContextId }).catch(() => {});
    }
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
