import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { allowOrigins } from '../../../core/server/index.ts';

const _request = (headers: Record<string, string>) =>
  new Request('https://partner.example/api/flinks/exchange', { method: 'POST', headers });

describe('allowOrigins', () => {
  const check = allowOrigins([
    'chrome-extension://abcdefghijklmnopabcdefghijklmnop',
    'https://app.partner.example',
  ]);

  it('accepts a listed origin, an extension one included', () => {
    assert.doesNotThrow(() =>
      check(
        _request({ Origin: 'chrome-extension://abcdefghijklmnopabcdefghijklmnop', 'Sec-Fetch-Site': 'none' }),
      ),
    );
    assert.doesNotThrow(() =>
      check(_request({ Origin: 'https://app.partner.example', 'Sec-Fetch-Site': 'same-site' })),
    );
  });

  it("still accepts the site's own requests", () => {
    assert.doesNotThrow(() =>
      check(_request({ Origin: 'https://partner.example', 'Sec-Fetch-Site': 'same-origin' })),
    );
  });

  it('refuses any other origin', () => {
    assert.throws(
      () => check(_request({ Origin: 'https://evil.example', 'Sec-Fetch-Site': 'cross-site' })),
      /cross-site/,
    );
    assert.throws(
      () => check(_request({ Origin: 'chrome-extension://otherextensionid' })),
      /: cross-origin Origin chrome-extension:\/\/otherextensionid$/,
    );
  });

  it('rejects something that is not an origin with a TypeError', () => {
    assert.throws(() => allowOrigins(['https://partner.example/']), TypeError);
    assert.throws(() => allowOrigins(['partner.example']), TypeError);
  });
});
