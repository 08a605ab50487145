import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ErrorCode, validateConfig } from '../../../core/src/index.ts';

const good = {
  client_id: 'dc-1',
  authorize_url: 'https://ob.flinksapp.com/api/v1/authorize',
  redirect_uri: 'https://partner.example/cb',
};

describe('validateConfig', () => {
  it('refuses a field that is not text with INVALID_CONFIG naming it, not a TypeError', () => {
    // Found by test/node/fuzz/config.test.ts: `provider_id: 1000` threw "trim is not a function".
    for (const [name, value] of [
      ['provider_id', 1000],
      ['client_id', {}],
      ['scope', ['ACCOUNT_BASIC']],
      ['issuer', true],
      ['redirect_uri', 42],
    ] as const) {
      assert.throws(() => validateConfig({ ...good, [name]: value } as never), {
        code: ErrorCode.INVALID_CONFIG,
        message: new RegExp(`^${name} must be text`),
      });
    }
    assert.equal(validateConfig({ ...good, provider_id: '1000' }).provider_id, '1000');
  });
});
