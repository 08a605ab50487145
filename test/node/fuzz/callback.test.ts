/**
 * Property-based fuzzing of callback parsing and validation (`core/src/callback.ts`): whatever comes back to the
 * redirect URI, a code is accepted only with the `state` of a pending flow (once), and the `iss` when an issuer is
 * set; anything else is a FlinksConnectError with a stable code, never another exception.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { FlinksConnectError } from '../../../core/src/errors.ts';
import {
  createAuthorizationRequest,
  createMemoryFlowStore,
  createStorageFlowStore,
  ErrorCode,
  type FlowStore,
  isCallback,
  type PendingFlow,
  validateCallback,
} from '../../../core/src/index.ts';

const RUNS = 2000;
const ISSUER = 'https://ob.flinksapp.com';

/** A Web Storage on a Map, for createStorageFlowStore outside a browser. */
function memoryStorage(): Storage {
  const map = new Map<string, string>();
  return {
    get length() {
      return map.size;
    },
    key: (i) => [...map.keys()][i] ?? null,
    getItem: (k) => (map.has(k) ? (map.get(k) as string) : null),
    setItem: (k, v) => void map.set(k, String(v)),
    removeItem: (k) => void map.delete(k),
    clear: () => map.clear(),
  };
}

async function newFlow(issuer: boolean): Promise<PendingFlow> {
  const { flow } = await createAuthorizationRequest({
    client_id: 'dc-1',
    authorize_url: 'https://ob.flinksapp.com/api/v1/authorize',
    redirect_uri: 'https://partner.example/cb',
    provider_id: '1000',
    ...(issuer ? { issuer: ISSUER } : {}),
  });
  return flow;
}

// Two flows made once (PKCE hashing is the slow part); each case saves a copy in a fresh store.
const FLOWS = { with: await newFlow(true), without: await newFlow(false) };

async function pending(
  issuer: boolean,
  kind: 'memory' | 'storage',
): Promise<{ flow: PendingFlow; store: FlowStore }> {
  const flow = { ...(issuer ? FLOWS.with : FLOWS.without) };
  const store = kind === 'memory' ? createMemoryFlowStore() : createStorageFlowStore(memoryStorage());
  await store.save(flow);
  return { flow, store };
}

const CODES = new Set<string>(Object.values(ErrorCode));

/** Query parameter names a callback could carry, and values around the real ones. */
const paramName = fc.oneof(
  fc.constantFrom(
    'code',
    'state',
    'iss',
    'error',
    'error_description',
    'session_state',
    'STATE',
    'state ',
    'Code',
  ),
  fc.string({ maxLength: 8 }),
);

/** A value for a parameter: random text, or a near miss of the real state (`{state}` is replaced by it). */
const paramValue = fc.oneof(
  fc.string({ maxLength: 40 }),
  fc.string({ unit: 'binary', maxLength: 20 }),
  fc.constantFrom(
    '{state}',
    '{state} ',
    ' {state}',
    '{STATE}',
    '{state}x',
    '{state-1}',
    '',
    ISSUER,
    `${ISSUER}/`,
    'https://evil.example',
    'access_denied',
    'server_error',
  ),
);

type Param = [string, string];

/** A callback's parameters: mostly the real ones or near misses of them, plus random extra (or repeated) ones. */
const callbackParams: fc.Arbitrary<Param[]> = fc
  .tuple(
    fc.option(
      fc.oneof(
        { weight: 4, arbitrary: fc.constant('{state}') },
        fc.constantFrom('{state} ', ' {state}', '{STATE}', '{state}x', '{state-1}', '', '%7Bstate%7D'),
        fc.string({ maxLength: 43 }),
      ),
    ),
    fc.option(fc.oneof(fc.string({ maxLength: 20 }), fc.constantFrom('{state}', 'abc', ''))),
    fc.option(fc.constantFrom(ISSUER, `${ISSUER}/`, 'https://evil.example', '', 'HTTPS://OB.FLINKSAPP.COM')),
    fc.option(fc.constantFrom('access_denied', 'server_error', '', 'x')),
    fc.array(fc.tuple(paramName, paramValue), { maxLength: 3 }),
  )
  .map(([state, code, iss, error, extras]) => [
    ...(state === null ? [] : [['state', state] as Param]),
    ...(code === null ? [] : [['code', code] as Param]),
    ...(iss === null ? [] : [['iss', iss] as Param]),
    ...(error === null ? [] : [['error', error] as Param]),
    ...extras,
  ]);

function render(params: Param[], flow: PendingFlow, encode: boolean): string {
  const fill = (v: string) =>
    v
      .replaceAll('{state}', flow.state)
      .replaceAll('{STATE}', flow.state.toUpperCase())
      .replaceAll('{state-1}', flow.state.slice(0, -1));
  return params
    .map(([k, v]) => (encode ? `${encodeURIComponent(k)}=${encodeURIComponent(fill(v))}` : `${k}=${fill(v)}`))
    .join('&');
}

describe('fuzz: validateCallback', () => {
  it(`accepts a code only with the pending flow's exact state (and iss), once (${RUNS} cases)`, async () => {
    await fc.assert(
      fc.asyncProperty(
        callbackParams,
        fc.boolean(),
        fc.boolean(),
        fc.constantFrom('memory', 'storage'),
        fc.constantFrom('query', 'url', 'string-url', 'search'),
        async (params: Param[], issuer, encode, kind, form) => {
          const { flow, store } = await pending(issuer, kind);
          const query = render(params, flow, encode);
          const input =
            form === 'query'
              ? query
              : form === 'search'
                ? new URLSearchParams(query)
                : form === 'url'
                  ? new URL(`https://partner.example/cb?${query}`)
                  : `https://partner.example/cb?${query}`;
          assert.equal(
            typeof isCallback(
              input instanceof URLSearchParams || input instanceof URL ? input : new URLSearchParams(query),
            ),
            'boolean',
          );
          // What the callback says, read as the contract reads each form (a URL parser trims spaces at the ends).
          const parsed =
            input instanceof URL
              ? input.searchParams
              : input instanceof URLSearchParams
                ? input
                : URL.canParse(input)
                  ? new URL(input).searchParams
                  : new URLSearchParams(input);
          let result: Awaited<ReturnType<typeof validateCallback>> | undefined;
          try {
            result = await validateCallback(input, store);
          } catch (error) {
            assert.ok(error instanceof FlinksConnectError, `not a FlinksConnectError: ${error}`);
            assert.ok(CODES.has(error.code));
            return;
          }
          // Accepted (a code or the bank's error): it must name this flow, exactly, once.
          assert.deepEqual(parsed.getAll('state'), [flow.state]);
          assert.deepEqual(result.flow, flow);
          if (result.type === 'code') {
            assert.equal(parsed.getAll('code').length, 1);
            assert.equal(result.code, parsed.get('code'));
            assert.ok(result.code.length > 0);
            if (issuer) assert.deepEqual(parsed.getAll('iss'), [ISSUER]);
          } else {
            assert.ok(result.error.length > 0);
          }
          await assert.rejects(validateCallback(input, store), { code: ErrorCode.STATE_MISMATCH });
        },
      ),
      { numRuns: RUNS },
    );
  });

  it(`never accepts any state but the pending one, from a store holding several flows (${RUNS} cases)`, async () => {
    const store = createMemoryFlowStore();
    const flows: PendingFlow[] = [];
    for (let i = 0; i < 3; i++) {
      const { flow } = await pending(false, 'memory');
      flows.push(flow);
    }
    await fc.assert(
      fc.asyncProperty(fc.string({ maxLength: 60 }), fc.string({ maxLength: 20 }), async (state, code) => {
        for (const flow of flows) await store.save(flow);
        const query = new URLSearchParams({ state, code });
        const accepted = await validateCallback(query, store).then(
          (r) => r,
          (error: unknown) => {
            assert.ok(error instanceof FlinksConnectError);
            return undefined;
          },
        );
        if (accepted) assert.ok(flows.some((f) => f.state === state && accepted.flow === f));
        else assert.ok(!flows.some((f) => f.state === state) || code === '');
      }),
      { numRuns: RUNS },
    );
  });
});
