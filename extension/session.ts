import { FLOW_TTL_MS, type FlowStore, isPendingFlow } from '../core/src/index.ts';
import { browser } from './browser.ts';
import type { Connection, FinishedAttempt, PendingAttempt } from './messages.ts';

const FLOW_PREFIX = 'flow:';
const PENDING_KEY = 'pending';
const LAST_KEY = 'last';
const CONNECTIONS_KEY = 'connections';

/** Runs `task`s one after the other, so a `take` cannot hand the same flow out twice across awaits. */
function serial() {
  let tail: Promise<unknown> = Promise.resolve();
  return <T>(task: () => Promise<T>): Promise<T> => {
    const run = tail.then(task, task);
    tail = run.catch(() => undefined);
    return run;
  };
}

/**
 * A core {@link FlowStore} on `storage.session`: in memory, gone with the browser session, readable by the
 * extension's own pages only, and it outlives the service worker, which Chrome may stop between the
 * `/authorize` request and the callback. Flows are keyed by `state`, taken once, and swept after `ttl_ms`.
 */
export function createSessionFlowStore(
  options: { ttl_ms?: number; now?: () => number } = {},
): FlowStore & { clear(): Promise<void> } {
  const ttl = options.ttl_ms ?? FLOW_TTL_MS;
  const now = options.now ?? Date.now;
  const area = browser.storage.session;
  const queue = serial();
  const sweep = async () => {
    const all = await area.get(null);
    const stale = Object.entries(all)
      .filter(
        ([key, value]) =>
          key.startsWith(FLOW_PREFIX) && (!isPendingFlow(value) || now() - value.created_at > ttl),
      )
      .map(([key]) => key);
    if (stale.length) await area.remove(stale);
  };
  return {
    save: (flow) =>
      queue(async () => {
        await sweep();
        await area.set({ [FLOW_PREFIX + flow.state]: flow });
      }),
    take: (state) =>
      queue(async () => {
        const key = FLOW_PREFIX + state;
        const value = (await area.get(key))[key];
        await area.remove(key);
        return isPendingFlow(value) ? value : undefined;
      }),
    clear: () =>
      queue(async () => {
        const all = await area.get(null);
        const keys = Object.keys(all).filter((key) => key.startsWith(FLOW_PREFIX));
        if (keys.length) await area.remove(keys);
      }),
  };
}

export async function getPending(): Promise<PendingAttempt | undefined> {
  return (await browser.storage.session.get(PENDING_KEY))[PENDING_KEY] as PendingAttempt | undefined;
}

export async function setPending(pending: PendingAttempt | undefined): Promise<void> {
  if (pending) await browser.storage.session.set({ [PENDING_KEY]: pending });
  else await browser.storage.session.remove(PENDING_KEY);
}

export async function getLast(): Promise<FinishedAttempt | undefined> {
  return (await browser.storage.session.get(LAST_KEY))[LAST_KEY] as FinishedAttempt | undefined;
}

export async function setLast(last: FinishedAttempt | undefined): Promise<void> {
  if (last) await browser.storage.session.set({ [LAST_KEY]: last });
  else await browser.storage.session.remove(LAST_KEY);
}

/** Connected banks persist in `storage.local`: they are the customer's list, not a flow's state. */
export async function getConnections(): Promise<Connection[]> {
  const value = (await browser.storage.local.get(CONNECTIONS_KEY))[CONNECTIONS_KEY];
  return Array.isArray(value) ? (value as Connection[]) : [];
}

export async function setConnections(connections: Connection[]): Promise<void> {
  await browser.storage.local.set({ [CONNECTIONS_KEY]: connections });
}
