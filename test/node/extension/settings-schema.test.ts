// The extension's settings rules, shared by the options page and the build: checked here without a browser,
// with the English messages of _locales.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import {
  checkSettings,
  normalize,
  requiredOrigins,
  type Settings,
} from '../../../extension/settings-schema.ts';

const messages = JSON.parse(
  readFileSync(new URL('../../../extension/_locales/en/messages.json', import.meta.url), 'utf8'),
) as Record<string, { message: string }>;
const t = (key: string, substitutions: string | string[] = []) =>
  (messages[key]?.message ?? key).replace(
    /\$(\d)/g,
    (_, n: string) => [substitutions].flat()[Number(n) - 1] ?? '',
  );

const REDIRECT = 'https://abc.chromiumapp.org/';
const good: Settings = normalize({
  client_id: 'dc-1',
  authorize_url: 'https://ob.flinksapp.com/api/v1/authorize',
  exchange_url: 'https://partner.example/flinks/exchange',
  scope: 'ACCOUNT_BASIC TRANSACTIONS',
  provider_id: '1000',
});

describe('checkSettings', () => {
  it('accepts a complete, valid configuration', () => {
    assert.deepEqual(checkSettings(good, REDIRECT, t), {});
  });

  it('asks for client_id, authorize URL and exchange URL on the options page, not in the build', () => {
    const empty = normalize({});
    assert.deepEqual(Object.keys(checkSettings(empty, REDIRECT, t)).sort(), [
      'authorize_url',
      'client_id',
      'exchange_url',
    ]);
    assert.deepEqual(checkSettings(empty, REDIRECT, t, { complete: false }), {});
  });

  it('refuses plain http off loopback, credentials and fragments in URLs, in both places', () => {
    for (const complete of [true, false]) {
      const errors = checkSettings(
        {
          ...good,
          authorize_url: 'http://bank.example/authorize',
          exchange_url: 'https://user:pw@partner.example/x',
          providers_url: 'https://partner.example/providers#top',
        },
        REDIRECT,
        t,
        { complete },
      );
      assert.match(errors.authorize_url ?? '', /must use https/);
      assert.match(errors.exchange_url ?? '', /user name or password/);
      assert.match(errors.providers_url ?? '', /#fragment/);
    }
    assert.deepEqual(checkSettings({ ...good, exchange_url: 'http://127.0.0.1:8787/x' }, REDIRECT, t), {});
  });

  it("checks the scope with core's rule: known clusters only, ACCOUNT_BASIC required", () => {
    assert.match(
      checkSettings({ ...good, scope: 'ACCOUNT_BASIC EVERYTHING' }, REDIRECT, t).scope ?? '',
      /EVERYTHING/,
    );
    assert.equal(
      checkSettings({ ...good, scope: 'TRANSACTIONS' }, REDIRECT, t).scope,
      'The scope must include ACCOUNT_BASIC.',
    );
  });

  it('refuses a provider id that is not a Flinks provider id', () => {
    assert.match(checkSettings({ ...good, provider_id: 'bank-1' }, REDIRECT, t).provider_id ?? '', /bank-1/);
  });
});

describe('requiredOrigins', () => {
  it('asks for the exchange and providers origins only, never the bank', () => {
    assert.deepEqual(requiredOrigins({ ...good, providers_url: 'https://api.partner.example/providers' }), [
      'https://partner.example/*',
      'https://api.partner.example/*',
    ]);
  });
});
