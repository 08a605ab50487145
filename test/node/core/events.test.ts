import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { analyticsDetail, baseDetail } from '../../../core/src/index.ts';

const base = baseDetail('s-1', () => new Date('2026-01-02T03:04:05Z'));

describe('analyticsDetail', () => {
  it('keeps a detail and adds its name', () => {
    const detail = { ...base, reason: 'access_denied' as const, error: 'access_denied' };
    assert.deepEqual(analyticsDetail('flinks-exit', detail), { ...detail, name: 'flinks-exit' });
  });

  it('never carries what could finish a flow: a consent loses code, code_verifier and state', () => {
    const consent = {
      ...base,
      code: 'abc',
      code_verifier: 'v'.repeat(43),
      redirect_uri: 'https://partner.example/cb',
      state: 'st',
      provider_id: '1000',
      correlation_id: 'c-1',
    };
    assert.deepEqual(analyticsDetail('flinks-consent', consent), {
      ...base,
      name: 'flinks-consent',
      redirect_uri: 'https://partner.example/cb',
      provider_id: '1000',
      correlation_id: 'c-1',
    });
  });

  it("drops the authorize URL's state parameter, wherever it is, and keeps the rest", () => {
    for (const [url, expected] of [
      [
        'https://bank.example/authorize?state=st&client_id=dc-1',
        'https://bank.example/authorize?client_id=dc-1',
      ],
      [
        'https://bank.example/authorize?client_id=dc-1&state=st&scope=A',
        'https://bank.example/authorize?client_id=dc-1&scope=A',
      ],
    ] as const) {
      const event = analyticsDetail('flinks-authorize', { ...base, url, provider_id: '1000', mode: 'popup' });
      assert.equal(event.url, expected);
    }
  });

  it("keeps an error's code: only a consent's code is secret", () => {
    const event = analyticsDetail('flinks-error', { ...base, code: 'STATE_MISMATCH', message: 'm' });
    assert.equal(event.code, 'STATE_MISMATCH');
  });
});
