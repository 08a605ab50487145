import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { driveAuthorize } from '../../sandbox/drive.ts';
import { canonicalPath } from '../../sandbox/index.ts';
import { _authorizeUrl, _connect, _fdx, _token, _withSandbox, RECIPIENT } from './_sandbox.ts';

describe('sandbox path spelling', () => {
  it('maps the seed’s capitalised short paths onto the real ones, keeping ids as they are', () => {
    assert.equal(canonicalPath('/Token'), '/api/v1/token');
    assert.equal(canonicalPath('/Authorize'), '/api/v1/authorize');
    assert.equal(canonicalPath('/Providers'), '/api/v1/providers');
    assert.equal(
      canonicalPath('/Recipients/dc-AbC/providers/requests'),
      '/api/v1/recipients/dc-AbC/providers/requests',
    );
    assert.equal(canonicalPath('/Accounts/chq-1000-1'), '/api/fdx/5/accounts/chq-1000-1');
    assert.equal(canonicalPath('/API/V1/TOKEN'), '/api/v1/token');
    assert.equal(canonicalPath('/api/fdx/5/Customers/Current/'), '/api/fdx/5/customers/current');
  });

  it('answers /Token, /Authorize, /Accounts, /Providers and /Recipients/… over HTTP', () =>
    _withSandbox(async (sb) => {
      const cc = await _token(sb, { grant_type: 'client_credentials' }, { url: `${sb.url}/Token` });
      assert.equal(cc.status, 200);
      const final = await driveAuthorize(_authorizeUrl(sb, {}, `${sb.url}/Authorize`).href, {
        username: 'greatday',
        password: 'everyday',
        decision: 'allow',
      });
      assert.ok(final.searchParams.get('code'));
      const { access_token } = await _connect(sb, {}, {});
      for (const path of ['/Accounts', '/api/FDX/5/Accounts', '/Customers/current']) {
        const res = await _fdx(sb, path, access_token);
        assert.notEqual(res.status, 404, path);
        assert.ok(res.headers.get('ob-trace-id'), path);
      }
      const providers = await fetch(`${sb.url}/Providers`, {
        headers: { authorization: `Bearer ${cc.body.access_token}` },
      });
      assert.equal(providers.status, 200);
      const partner = await _token(
        sb,
        { grant_type: 'client_credentials', scope: 'client:admin' },
        {
          url: `${sb.url}/api/v1/Token`,
          client: { client_id: 'partner-sandbox', client_secret: 'partner-sandbox-secret' },
        },
      );
      const requests = await fetch(`${sb.url}/Recipients/${RECIPIENT.client_id}/Providers/Requests`, {
        headers: { authorization: `Bearer ${partner.body.access_token}` },
      });
      assert.equal(requests.status, 200);
      assert.equal(((await requests.json()) as unknown[]).length, 1);
    }));
});
