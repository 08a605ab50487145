/**
 * Property-based fuzzing of configuration parsing (`core/src/config.ts`): any configuration, however malformed
 * (attributes from HTML, properties set from JS with any type), is either accepted as something safe to use or
 * refused with `INVALID_CONFIG` and a message, never another exception.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { FlinksConnectError } from '../../../core/src/errors.ts';
import { type ConnectConfig, ErrorCode, SCOPES, validateConfig } from '../../../core/src/index.ts';

const RUNS = 3000;

/** URL-ish strings: good ones, loopback http, other schemes, and junk. */
const urlText = fc.oneof(
  fc.webUrl({ validSchemes: ['https', 'http'], withQueryParameters: true, withFragments: true }),
  fc.constantFrom(
    'https://ob.flinksapp.com/api/v1/authorize',
    'http://localhost:3001/api/v1/authorize',
    'http://127.0.0.1/cb',
    'http://[::1]:8080/cb',
    'http://localhost.evil.example/cb',
    'http://127.0.0.2/cb',
    'http://evil.example/cb',
    'javascript:alert(1)',
    'data:application/json,{}',
    'file:///etc/passwd',
    'blob:https://partner.example/1',
    '//evil.example/cb',
    '/relative/cb',
    'cb',
    ' https://ob.flinksapp.com ',
    'https://partner.example/cb#frag',
    'HTTPS://OB.FLINKSAPP.COM',
    'https://',
    '',
  ),
  fc.string({ maxLength: 30 }),
);

/** A value a JS caller could put in any field. */
const anything = fc.oneof(
  { weight: 3, arbitrary: fc.string({ maxLength: 30 }) },
  fc.constant(undefined),
  fc.constant(null),
  fc.integer(),
  fc.boolean(),
  fc.array(fc.string(), { maxLength: 2 }),
  fc.object({ maxDepth: 1 }),
);

const scopeText = fc.oneof(
  fc
    .array(fc.oneof(fc.constantFrom(...SCOPES), fc.string({ maxLength: 12 })), { maxLength: 5 })
    .map((s) => s.join(' ')),
  fc.constantFrom(
    'ACCOUNT_BASIC',
    ' ACCOUNT_BASIC  TRANSACTIONS ',
    'TRANSACTIONS',
    'account_basic',
    '',
    '\tACCOUNT_BASIC\n',
  ),
);

/** Good URLs, so most cases get past the first checks and the later ones are exercised too. */
const goodUrl = fc.constantFrom(
  'https://ob.flinksapp.com/api/v1/authorize',
  'https://partner.example/cb',
  'http://localhost:3001/cb',
  'http://127.0.0.1:5999/callback',
);

/** Each field mostly valid, sometimes a near miss, sometimes anything: all six combine into one case. */
const config = fc.record(
  {
    client_id: fc.oneof(
      { weight: 8, arbitrary: fc.stringMatching(/^[\w-]{1,20}$/) },
      { weight: 1, arbitrary: fc.constantFrom('  ', '', ' dc-1 ') },
      { weight: 1, arbitrary: anything },
    ),
    authorize_url: fc.oneof(
      { weight: 4, arbitrary: goodUrl },
      { weight: 4, arbitrary: urlText },
      { weight: 1, arbitrary: anything },
    ),
    redirect_uri: fc.oneof(
      { weight: 4, arbitrary: goodUrl },
      { weight: 4, arbitrary: urlText },
      { weight: 1, arbitrary: anything },
    ),
    scope: fc.oneof(
      { weight: 4, arbitrary: fc.constant(undefined) },
      { weight: 4, arbitrary: scopeText },
      { weight: 1, arbitrary: anything },
    ),
    provider_id: fc.oneof(
      { weight: 4, arbitrary: fc.stringMatching(/^\d{1,14}$/) },
      {
        weight: 2,
        arbitrary: fc.constantFrom('1000', ' 1000 ', '0', '1e3', '-1', '１０００', '1000000000000', ''),
      },
      { weight: 1, arbitrary: anything },
    ),
    issuer: fc.oneof(
      { weight: 3, arbitrary: fc.constant(undefined) },
      { weight: 3, arbitrary: urlText },
      { weight: 1, arbitrary: anything },
    ),
  },
  { requiredKeys: [] },
);

/** The oracle's own rule (not the code under test): https, or http on exactly these loopback hosts. */
function safeUrl(url: URL): boolean {
  return (
    url.protocol === 'https:' ||
    (url.protocol === 'http:' && ['localhost', '127.0.0.1', '[::1]'].includes(url.hostname))
  );
}

const base = fc.option(
  fc.constantFrom('https://partner.example/page', 'http://localhost:3000/', 'not a url'),
);

describe('fuzz: validateConfig', () => {
  it(`accepts only safe configurations and refuses the rest with INVALID_CONFIG (${RUNS} cases)`, () => {
    let accepted = 0;
    fc.assert(
      fc.property(config, base, (input, baseUrl) => {
        let valid: ReturnType<typeof validateConfig>;
        try {
          valid = validateConfig(input as unknown as ConnectConfig, baseUrl ?? undefined);
        } catch (error) {
          assert.ok(error instanceof FlinksConnectError, `not a FlinksConnectError: ${String(error)}`);
          assert.equal(error.code, ErrorCode.INVALID_CONFIG);
          assert.ok(error.message.length > 10);
          return;
        }
        for (const name of ['authorize_url', 'redirect_uri'] as const) {
          const url = new URL(valid[name]);
          assert.ok(safeUrl(url), `${name} ${valid[name]}`);
        }
        assert.equal(new URL(valid.redirect_uri).hash, '');
        if (valid.issuer !== undefined) {
          const url = new URL(valid.issuer);
          assert.ok(safeUrl(url), `issuer ${valid.issuer}`);
        }
        assert.ok(typeof valid.client_id === 'string' && valid.client_id.length > 0);
        assert.equal(valid.client_id, valid.client_id.trim());
        const scopes = valid.scope.split(' ');
        assert.ok(scopes.includes('ACCOUNT_BASIC'));
        for (const scope of scopes) assert.ok((SCOPES as readonly string[]).includes(scope), scope);
        if (valid.provider_id !== undefined) assert.match(valid.provider_id, /^\d{1,12}$/);
        accepted++;
      }),
      { numRuns: RUNS },
    );
    // The generator reaches both outcomes: a fuzz that only ever refuses would prove nothing about acceptance.
    assert.ok(accepted > RUNS / 20, `only ${accepted} of ${RUNS} cases were accepted`);
  });
});
