import type { PendingFlow } from './authorize.ts';

/** Where pending flows wait for their callback. `take` returns a flow once and forgets it (one use). */
export interface FlowStore {
  save(flow: PendingFlow): void | Promise<void>;
  take(state: string): PendingFlow | undefined | Promise<PendingFlow | undefined>;
}

/** How long a pending flow may wait for its callback: a customer at the bank for longer starts again. */
export const FLOW_TTL_MS = 15 * 60 * 1000;

/** Key prefix of the flows `createStorageFlowStore` keeps, one key per `state`. */
export const FLOW_KEY_PREFIX = 'flinks-connect:flow:';

/** True when `value` has every field of a {@link PendingFlow} (e.g. read back from storage). */
export function isPendingFlow(value: unknown): value is PendingFlow {
  if (typeof value !== 'object' || value === null) return false;
  const flow = value as Record<string, unknown>;
  return (
    ['state', 'code_verifier', 'client_id', 'redirect_uri', 'provider_id', 'correlation_id', 'scope'].every(
      (key) => typeof flow[key] === 'string',
    ) && typeof flow.created_at === 'number'
  );
}

/**
 * A flow store on a Web `Storage` (sessionStorage by default: per tab, gone with it). Entries are keyed by
 * `state`, removed when taken, and dropped once older than `ttl_ms` so nothing lingers.
 */
export function createStorageFlowStore(
  storage?: Storage,
  options: { ttl_ms?: number; now?: () => number } = {},
): FlowStore {
  // sessionStorage is first touched at a save or take: it is denied in some sandboxed frames, and absent on a server.
  const store = () => (storage ??= sessionStorage);
  const ttl = options.ttl_ms ?? FLOW_TTL_MS;
  const now = options.now ?? Date.now;
  const sweep = () => {
    const storage = store();
    for (let i = storage.length - 1; i >= 0; i--) {
      const key = storage.key(i);
      if (!key?.startsWith(FLOW_KEY_PREFIX)) continue;
      const flow = parse(storage.getItem(key));
      if (!flow || now() - flow.created_at > ttl) storage.removeItem(key);
    }
  };
  return {
    save(flow) {
      sweep();
      store().setItem(FLOW_KEY_PREFIX + flow.state, JSON.stringify(flow));
    },
    take(state) {
      const key = FLOW_KEY_PREFIX + state;
      const flow = parse(store().getItem(key));
      store().removeItem(key);
      sweep();
      return flow;
    },
  };
}

/** An in-memory flow store, for popup mode and tests. */
export function createMemoryFlowStore(): FlowStore {
  const flows = new Map<string, PendingFlow>();
  return {
    save(flow) {
      flows.set(flow.state, flow);
    },
    take(state) {
      const flow = flows.get(state);
      flows.delete(state);
      return flow;
    },
  };
}

function parse(raw: string | null): PendingFlow | undefined {
  if (raw === null) return undefined;
  try {
    const value: unknown = JSON.parse(raw);
    return isPendingFlow(value) ? value : undefined;
  } catch {
    return undefined;
  }
}
