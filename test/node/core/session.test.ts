import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  type ConnectSession,
  createConnectSession,
  createMemoryFlowStore,
  ErrorCode,
  FLOW_TTL_MS,
  FlinksConnectError,
  type FlowStore,
  failureOutcome,
  type PendingFlow,
} from '../../../core/src/index.ts';

const config = {
  client_id: 'dc-1',
  authorize_url: 'https://ob.flinksapp.com/api/v1/authorize',
  redirect_uri: 'https://partner.example/cb',
  provider_id: '1000',
  issuer: 'https://ob.flinksapp.com',
};
const EXCHANGE = 'https://partner.example/api/exchange';

/** A store that records what it saw, over the memory store. */
function _store(): FlowStore & { saved: PendingFlow[]; flows: FlowStore } {
  const flows = createMemoryFlowStore();
  const saved: PendingFlow[] = [];
  return {
    saved,
    flows,
    save(flow) {
      saved.push(flow);
      return flows.save(flow);
    },
    take: (state) => flows.take(state),
  };
}

/** A fetch that answers with `respond` and records each request's URL and body. */
function _fetch(respond: (init: RequestInit) => Response | Promise<Response>) {
  const calls: { url: string; body: unknown; init: RequestInit }[] = [];
  const fetch = (async (url: string | URL, init: RequestInit = {}) => {
    calls.push({ url: String(url), body: JSON.parse(String(init.body)), init });
    return respond(init);
  }) as typeof globalThis.fetch;
  return { fetch, calls };
}

const _json = (body: unknown, status = 200) =>
  new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json' } });

/**
 * An endpoint that never answers: rejects with `reason()` once the request is aborted. A timer holds the event
 * loop open meanwhile (AbortSignal.timeout's own timer does not).
 */
function _hang(init: RequestInit, reason: () => unknown): Promise<Response> {
  const hold = setTimeout(() => undefined, 10_000);
  return new Promise((_resolve, reject) =>
    init.signal?.addEventListener('abort', () => {
      clearTimeout(hold);
      reject(reason());
    }),
  );
}

/** A session started on a fresh request, with a clock the test moves. */
async function _started(options: { fetch?: typeof fetch } = {}) {
  const store = _store();
  const clock = { now: 1_000_000 };
  const session = createConnectSession({ store, now: () => clock.now, ...options });
  const request = await session.prepare(config, { uiLocales: 'fr-CA' });
  await session.start(request.flow);
  return { session, store, clock, request, flow: request.flow };
}

const _callback = (params: Record<string, string>) =>
  `https://partner.example/cb?${new URLSearchParams(params)}`;

async function _consented(session: ConnectSession, flow: PendingFlow) {
  const outcome = await session.receive(_callback({ code: 'abc', state: flow.state, iss: config.issuer }));
  assert.equal(outcome.type, 'consent');
}

describe('createConnectSession', () => {
  it('prepares the /authorize URL without saving anything', async () => {
    const store = _store();
    const session = createConnectSession({ store, now: () => 42 });
    const { url, flow } = await session.prepare(config, { uiLocales: 'fr-CA' });
    assert.equal(store.saved.length, 0);
    assert.equal(session.state, undefined);
    assert.equal(url.searchParams.get('state'), flow.state);
    assert.equal(url.searchParams.get('ui_locales'), 'fr-CA');
    assert.equal(url.searchParams.get('code_challenge_method'), 'S256');
    assert.equal(flow.created_at, 42);
  });

  it('saves the flow synchronously on start, with the session id only when asked', async () => {
    const store = _store();
    const session = createConnectSession({ store, sessionId: 'attempt-1' });
    const { flow } = await session.prepare(config);
    void session.start(flow);
    assert.deepEqual(store.saved, [flow], 'saved before start() resolves');
    assert.equal(session.state, flow.state);
    assert.equal(session.id, 'attempt-1');
    const other = createConnectSession({ store, sessionId: 'attempt-2' });
    const second = await other.prepare(config);
    await other.start(second.flow, { saveSessionId: true });
    assert.deepEqual(store.saved[1], { session_id: 'attempt-2', ...second.flow });
  });

  it('gives each session its own random id', () => {
    const store = _store();
    assert.notEqual(createConnectSession({ store }).id, createConnectSession({ store }).id);
  });

  it('goes from callback to consent to success, POSTing the exchange body', async () => {
    const { fetch, calls } = _fetch(() => _json({ connected: true }));
    const { session, flow } = await _started({ fetch });
    const consent = await session.receive(_callback({ code: 'abc', state: flow.state, iss: config.issuer }));
    const body = {
      code: 'abc',
      code_verifier: flow.code_verifier,
      redirect_uri: config.redirect_uri,
      state: flow.state,
      provider_id: '1000',
      correlation_id: flow.correlation_id,
    };
    assert.deepEqual(consent, { type: 'consent', consent: body });
    const end = await session.complete({ exchange_url: EXCHANGE, credentials: 'include' });
    assert.deepEqual(end, { type: 'success', result: { connected: true } });
    assert.equal(calls.length, 1);
    assert.equal(calls[0]?.url, EXCHANGE);
    assert.deepEqual(calls[0]?.body, body);
    assert.equal(calls[0]?.init.credentials, 'include');
  });

  it('hands the consent over as the end when there is no exchange endpoint', async () => {
    const { fetch, calls } = _fetch(() => _json({}));
    const { session, flow } = await _started({ fetch });
    await _consented(session, flow);
    const end = await session.complete();
    assert.equal(end.type, 'consent');
    assert.equal(end.type === 'consent' && end.consent.code, 'abc');
    assert.equal(calls.length, 0);
  });

  it('accepts a callback only once: a replay is STATE_MISMATCH and nothing more is exchanged', async () => {
    const { fetch, calls } = _fetch(() => _json({ ok: 1 }));
    const { session, flow } = await _started({ fetch });
    await _consented(session, flow);
    const replay = await session.receive(_callback({ code: 'abc', state: flow.state, iss: config.issuer }));
    assert.equal(replay.type === 'error' && replay.code, ErrorCode.STATE_MISMATCH);
    await session.complete({ exchange_url: EXCHANGE });
    await assert.rejects(session.complete({ exchange_url: EXCHANGE }), TypeError);
    assert.equal(calls.length, 1);
  });

  it('takes one of two copies of the response that arrive at once (postMessage and BroadcastChannel)', async () => {
    const { session, flow } = await _started();
    const url = _callback({ code: 'abc', state: flow.state, iss: config.issuer });
    const outcomes = await Promise.all([session.receive(url), session.receive(url)]);
    assert.deepEqual(outcomes.map((o) => (o.type === 'error' ? o.code : o.type)).sort(), [
      ErrorCode.STATE_MISMATCH,
      'consent',
    ]);
  });

  it("refuses another attempt's state without spending that attempt's flow", async () => {
    const { session, store } = await _started();
    const other = createConnectSession({ store });
    const { flow: theirs } = await other.prepare(config);
    await other.start(theirs);
    const outcome = await session.receive(_callback({ code: 'abc', state: theirs.state }));
    assert.equal(outcome.type === 'error' && outcome.code, ErrorCode.STATE_MISMATCH);
    assert.equal(
      (await other.receive(_callback({ code: 'x', state: theirs.state, iss: config.issuer }))).type,
      'consent',
    );
  });

  it('refuses a forged state with STATE_MISMATCH and exchanges nothing', async () => {
    const { fetch, calls } = _fetch(() => _json({}));
    const { session } = await _started({ fetch });
    const outcome = await session.receive(_callback({ code: 'abc', state: 'forged' }));
    assert.equal(outcome.type, 'error');
    assert.equal(outcome.type === 'error' && outcome.code, ErrorCode.STATE_MISMATCH);
    await assert.rejects(session.complete({ exchange_url: EXCHANGE }), TypeError);
    assert.equal(calls.length, 0);
  });

  it("refuses a cancelled attempt's late callback, and forgets its flow", async () => {
    const { session, store, flow } = await _started();
    assert.deepEqual(session.cancel(), { type: 'exit', reason: 'cancelled' });
    const late = await session.receive(_callback({ code: 'abc', state: flow.state, iss: config.issuer }));
    assert.equal(late.type === 'error' && late.code, ErrorCode.STATE_MISMATCH);
    assert.equal(await store.flows.take(flow.state), undefined, 'no flow left for another reader');
  });

  it('ends without throwing when its store cannot be read (storage denied)', async () => {
    const denied: FlowStore = {
      save() {
        throw new DOMException('The operation is insecure.', 'SecurityError');
      },
      take() {
        throw new DOMException('The operation is insecure.', 'SecurityError');
      },
    };
    const session = createConnectSession({ store: denied });
    const { flow } = await session.prepare(config);
    await assert.rejects(session.start(flow), { name: 'SecurityError' });
    assert.deepEqual(session.cancel(), { type: 'exit', reason: 'cancelled' });
  });

  it('ends a closed window as exit closed', async () => {
    const { session } = await _started();
    assert.deepEqual(session.cancel('closed'), { type: 'exit', reason: 'closed' });
  });

  it('rejects a response from another issuer with ISSUER_MISMATCH', async () => {
    const { session, flow } = await _started();
    const outcome = await session.receive(
      _callback({ code: 'abc', state: flow.state, iss: 'https://evil.example' }),
    );
    assert.equal(outcome.type === 'error' && outcome.code, ErrorCode.ISSUER_MISMATCH);
  });

  it('maps access_denied to exit access_denied, with the bank error', async () => {
    const { session, flow } = await _started();
    const outcome = await session.receive(
      _callback({
        error: 'access_denied',
        error_description: 'User said no',
        state: flow.state,
        iss: config.issuer,
      }),
    );
    assert.deepEqual(outcome, {
      type: 'exit',
      reason: 'access_denied',
      error: 'access_denied',
      error_description: 'User said no',
    });
  });

  it('maps the other refusals to exit bank_refused', async () => {
    for (const error of ['consent_required', 'login_required']) {
      const { session, flow } = await _started();
      const outcome = await session.receive(_callback({ error, state: flow.state, iss: config.issuer }));
      assert.deepEqual(outcome, { type: 'exit', reason: 'bank_refused', error });
    }
  });

  it("maps the bank's own failure to AUTHORIZATION_FAILED, with its error", async () => {
    const { session, flow } = await _started();
    const outcome = await session.receive(
      _callback({ error: 'server_error', error_description: 'Down', state: flow.state, iss: config.issuer }),
    );
    assert.equal(outcome.type, 'error');
    if (outcome.type !== 'error') return;
    assert.equal(outcome.code, ErrorCode.AUTHORIZATION_FAILED);
    assert.equal(outcome.error, 'server_error');
    assert.equal(outcome.error_description, 'Down');
    assert.match(outcome.message, /server_error: Down/);
  });

  it('reports an exchange failure as EXCHANGE_FAILED with its status', async () => {
    const { fetch } = _fetch(() => _json({ message: 'Flinks is unavailable' }, 502));
    const { session, flow } = await _started({ fetch });
    await _consented(session, flow);
    const end = await session.complete({ exchange_url: EXCHANGE });
    assert.equal(end.type, 'error');
    assert.equal(end.type === 'error' && end.code, ErrorCode.EXCHANGE_FAILED);
    assert.equal(end.type === 'error' && end.status, 502);
    assert.match(end.type === 'error' ? end.message : '', /502: Flinks is unavailable/);
  });

  it('reports a non-JSON answer as EXCHANGE_INVALID_RESPONSE', async () => {
    const { fetch } = _fetch(() => new Response('<html>', { status: 200 }));
    const { session, flow } = await _started({ fetch });
    await _consented(session, flow);
    const end = await session.complete({ exchange_url: EXCHANGE });
    assert.equal(end.type === 'error' && end.code, ErrorCode.EXCHANGE_INVALID_RESPONSE);
  });

  it('reports an unreachable endpoint as EXCHANGE_NETWORK_ERROR', async () => {
    const { fetch } = _fetch(() => Promise.reject(new TypeError('fetch failed')));
    const { session, flow } = await _started({ fetch });
    await _consented(session, flow);
    const end = await session.complete({ exchange_url: EXCHANGE });
    assert.equal(end.type === 'error' && end.code, ErrorCode.EXCHANGE_NETWORK_ERROR);
  });

  it('reports a slow endpoint as EXCHANGE_TIMEOUT', async () => {
    const { fetch } = _fetch((init) => _hang(init, () => init.signal?.reason));
    const { session, flow } = await _started({ fetch });
    await _consented(session, flow);
    const end = await session.complete({ exchange_url: EXCHANGE, timeout_ms: 20 });
    assert.equal(end.type === 'error' && end.code, ErrorCode.EXCHANGE_TIMEOUT);
  });

  it('aborts an exchange in flight on cancel: EXCHANGE_ABORTED, both from cancel and from complete', async () => {
    const { fetch } = _fetch((init) => _hang(init, () => new DOMException('aborted', 'AbortError')));
    const { session, flow } = await _started({ fetch });
    await _consented(session, flow);
    const pending = session.complete({ exchange_url: EXCHANGE });
    const cancelled = session.cancel();
    assert.equal(cancelled.type === 'error' && cancelled.code, ErrorCode.EXCHANGE_ABORTED);
    const end = await pending;
    assert.equal(end.type === 'error' && end.code, ErrorCode.EXCHANGE_ABORTED);
  });

  it('refuses a callback after the time limit with FLOW_EXPIRED', async () => {
    const { session, clock, flow } = await _started();
    clock.now += FLOW_TTL_MS + 1;
    const outcome = await session.receive(_callback({ code: 'abc', state: flow.state, iss: config.issuer }));
    assert.equal(outcome.type === 'error' && outcome.code, ErrorCode.FLOW_EXPIRED);
  });

  it('expires an attempt: FLOW_EXPIRED, its flow forgotten, a late callback refused', async () => {
    const { session, store, flow } = await _started();
    const expired = session.expire();
    assert.equal(expired.type === 'error' && expired.code, ErrorCode.FLOW_EXPIRED);
    assert.equal(await store.flows.take(flow.state), undefined);
    const late = await session.receive(_callback({ code: 'abc', state: flow.state, iss: config.issuer }));
    assert.equal(late.type === 'error' && late.code, ErrorCode.STATE_MISMATCH);
  });

  it('resumes a redirect: a session never started takes the flow its store holds, once', async () => {
    const { store, flow, clock } = await _started();
    const now = () => clock.now;
    const resumed = createConnectSession({ store, now });
    const url = new URL(_callback({ code: 'abc', state: flow.state, iss: config.issuer }));
    assert.equal((await resumed.receive(url)).type, 'consent');
    const again = createConnectSession({ store, now });
    const replay = await again.receive(url);
    assert.equal(replay.type === 'error' && replay.code, ErrorCode.STATE_MISMATCH);
  });

  it('reports an invalid response (a repeated code) as INVALID_CALLBACK', async () => {
    const { session, flow } = await _started();
    const outcome = await session.receive(
      `https://partner.example/cb?code=a&code=b&state=${flow.state}&iss=${encodeURIComponent(config.issuer)}`,
    );
    assert.equal(outcome.type === 'error' && outcome.code, ErrorCode.INVALID_CALLBACK);
  });
});

describe('failureOutcome', () => {
  it('keeps the code, message and status of a FlinksConnectError', () => {
    const error = new FlinksConnectError(ErrorCode.EXCHANGE_FAILED, 'HTTP 502', { status: 502 });
    assert.deepEqual(failureOutcome(error), {
      type: 'error',
      code: ErrorCode.EXCHANGE_FAILED,
      message: 'HTTP 502',
      status: 502,
    });
  });

  it('reports anything else as an unexpected AUTHORIZATION_FAILED', () => {
    assert.deepEqual(failureOutcome(new Error('boom')), {
      type: 'error',
      code: ErrorCode.AUTHORIZATION_FAILED,
      message: 'Unexpected failure: boom',
    });
  });
});
