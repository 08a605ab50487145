import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  createAuthorizationRequest,
  createMemoryFlowStore,
  ErrorCode,
  type FlowStore,
  isCallback,
  isRefusal,
  type PendingFlow,
  validateCallback,
} from '../../../core/src/index.ts';

const config = {
  client_id: 'dc-1',
  authorize_url: 'https://ob.flinksapp.com/api/v1/authorize',
  redirect_uri: 'https://partner.example/cb',
  provider_id: '1000',
};

async function _pending(extra: { issuer?: string } = {}): Promise<{ flow: PendingFlow; store: FlowStore }> {
  const { flow } = await createAuthorizationRequest({ ...config, ...extra });
  const store = createMemoryFlowStore();
  store.save(flow);
  return { flow, store };
}

describe('validateCallback', () => {
  it('returns the code for the pending flow its state names', async () => {
    const { flow, store } = await _pending();
    const result = await validateCallback(`?code=abc&state=${flow.state}`, store);
    assert.deepEqual(result, { type: 'code', code: 'abc', flow });
  });

  it('reads the callback from a URL, a URL string or a query', async () => {
    for (const form of ['url', 'string', 'query'] as const) {
      const { flow, store } = await _pending();
      const href = `https://partner.example/cb?code=abc&state=${flow.state}`;
      const input = form === 'url' ? new URL(href) : form === 'string' ? href : new URL(href).search;
      assert.equal((await validateCallback(input, store)).type, 'code', form);
    }
  });

  it('accepts a state only once', async () => {
    const { flow, store } = await _pending();
    await validateCallback(`?code=abc&state=${flow.state}`, store);
    await assert.rejects(validateCallback(`?code=abc&state=${flow.state}`, store), {
      code: ErrorCode.STATE_MISMATCH,
    });
  });

  it('rejects a forged state with STATE_MISMATCH', async () => {
    const { store } = await _pending();
    await assert.rejects(validateCallback('?code=abc&state=forged', store), {
      code: ErrorCode.STATE_MISMATCH,
    });
  });

  it('rejects a callback without state', async () => {
    const { store } = await _pending();
    await assert.rejects(validateCallback('?code=abc', store), { code: ErrorCode.INVALID_CALLBACK });
  });

  it('rejects a callback without code or error', async () => {
    const { flow, store } = await _pending();
    await assert.rejects(validateCallback(`?state=${flow.state}`, store), {
      code: ErrorCode.INVALID_CALLBACK,
    });
  });

  it('rejects a callback that repeats code, state or iss with INVALID_CALLBACK, and keeps the flow', async () => {
    // Found by test/node/fuzz/callback.test.ts: `code=a&code=b` was accepted as `a`.
    for (const extra of ['&code=other', '&code=', `&state=STATE`, '&iss=x&iss=y']) {
      const { flow, store } = await _pending();
      const query = `?code=abc&state=${flow.state}${extra.replace('STATE', flow.state)}`;
      await assert.rejects(validateCallback(query, store), {
        code: ErrorCode.INVALID_CALLBACK,
        message: /repeats (code|state|iss);/,
      });
      assert.equal((await validateCallback(`?code=abc&state=${flow.state}`, store)).type, 'code');
    }
  });

  it('rejects a flow older than its time limit with FLOW_EXPIRED', async () => {
    const { flow, store } = await _pending();
    await assert.rejects(
      validateCallback(`?code=abc&state=${flow.state}`, store, { now: () => flow.created_at + 16 * 60_000 }),
      { code: ErrorCode.FLOW_EXPIRED },
    );
  });

  it('turns the bank error into a typed result with its description', async () => {
    const { flow, store } = await _pending();
    const result = await validateCallback(
      `?error=access_denied&error_description=The+user+refused&state=${flow.state}`,
      store,
    );
    assert.deepEqual(result, {
      type: 'error',
      error: 'access_denied',
      error_description: 'The user refused',
      flow,
    });
  });

  describe('with an issuer (RFC 9207)', () => {
    const issuer = 'https://ob.flinksapp.com';
    it('accepts the expected iss', async () => {
      const { flow, store } = await _pending({ issuer });
      const result = await validateCallback(
        `?code=abc&state=${flow.state}&iss=${encodeURIComponent(issuer)}`,
        store,
      );
      assert.equal(result.type, 'code');
    });
    it('rejects another iss with ISSUER_MISMATCH', async () => {
      const { flow, store } = await _pending({ issuer });
      await assert.rejects(
        validateCallback(`?code=abc&state=${flow.state}&iss=https://evil.example`, store),
        {
          code: ErrorCode.ISSUER_MISMATCH,
        },
      );
    });
    it('rejects a missing iss with ISSUER_MISMATCH', async () => {
      const { flow, store } = await _pending({ issuer });
      await assert.rejects(validateCallback(`?code=abc&state=${flow.state}`, store), {
        code: ErrorCode.ISSUER_MISMATCH,
      });
    });
  });

  it('ignores iss when no issuer is configured', async () => {
    const { flow, store } = await _pending();
    const result = await validateCallback(
      `?code=abc&state=${flow.state}&iss=https://anything.example`,
      store,
    );
    assert.equal(result.type, 'code');
  });
});

describe('isCallback and isRefusal', () => {
  it('recognises an authorization response', () => {
    assert.equal(isCallback(new URL('https://p.example/cb?code=1&state=2')), true);
    assert.equal(isCallback(new URL('https://p.example/cb?error=access_denied&state=2')), true);
    assert.equal(isCallback(new URL('https://p.example/cb?code=1')), false);
    assert.equal(isCallback(new URL('https://p.example/cb')), false);
  });
  it('treats access_denied as a refusal and server_error as a failure', () => {
    assert.equal(isRefusal('access_denied'), true);
    assert.equal(isRefusal('server_error'), false);
  });
});
