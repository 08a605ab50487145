// Issue 10, finding 4: a redirect-mode element resumes a flow only on its own redirect-uri page (origin and
// path). The partner's other OAuth callbacks on the same site are not its business. One page per test file:
// a page resumes at most once.
import { expect } from '@esm-bundle/chai';
import { createAuthorizationRequest, createStorageFlowStore } from '../../core/src/index.ts';
import { _config, _key, _log, _mount, _record, _wait } from './_helpers.ts';

describe('<flinks-connect mode="redirect"> on a page that is not its redirect-uri', () => {
  it('leaves the partner’s /google/callback?code=…&state=… alone: no scrubbing, no event, nothing exchanged', async () => {
    const key = _key();
    const config = _config(key, { mode: 'redirect', 'exchange-url': `/__exchange/ok?key=${key}` });
    const before = location.href;
    const theirs = new URL(
      '/google/callback?code=google-code&state=google-state&scope=email',
      location.origin,
    );
    history.replaceState(null, '', theirs.href);
    try {
      const events = _record(document.body);
      const el = await _mount(config);
      await _wait(200);
      expect(location.href).to.equal(theirs.href);
      expect(events).to.deep.equal([]);
      expect(el.state).to.equal('idle');
      expect(await _log(key)).to.deep.equal([]);
    } finally {
      history.replaceState(null, '', before);
    }
  });

  it('does not take even its own pending flow’s response on another path', async () => {
    const key = _key();
    const config = _config(key, { mode: 'redirect', 'exchange-url': `/__exchange/ok?key=${key}` });
    const { flow } = await createAuthorizationRequest({
      client_id: config['client-id'] ?? '',
      authorize_url: config['authorize-url'] ?? '',
      redirect_uri: config['redirect-uri'] ?? '',
      provider_id: '1000',
    });
    await createStorageFlowStore().save(Object.assign({ session_id: 'from-the-click' }, flow));
    const before = location.href;
    const elsewhere = new URL(`/other/path?code=c&state=${flow.state}`, location.origin);
    history.replaceState(null, '', elsewhere.href);
    try {
      const events = _record(document.body);
      await _mount(config);
      await _wait(200);
      expect(location.href).to.equal(elsewhere.href);
      expect(events).to.deep.equal([]);
      expect(await _log(key)).to.deep.equal([]);
    } finally {
      history.replaceState(null, '', before);
    }
  });

  it('resumes on its redirect-uri path whatever else the query carries', async () => {
    const key = _key();
    const config = _config(key, {
      mode: 'redirect',
      'redirect-uri': `${location.origin}/flinks/back?tenant=7`,
      'exchange-url': `/__exchange/ok?key=${key}`,
    });
    const { flow } = await createAuthorizationRequest({
      client_id: config['client-id'] ?? '',
      authorize_url: config['authorize-url'] ?? '',
      redirect_uri: config['redirect-uri'] ?? '',
      provider_id: '1000',
    });
    await createStorageFlowStore().save(Object.assign({ session_id: 'from-the-click' }, flow));
    const before = location.href;
    history.replaceState(null, '', `/flinks/back?tenant=7&code=mine&state=${flow.state}`);
    try {
      const success = new Promise((resolve) =>
        document.body.addEventListener('flinks-success', resolve, { once: true }),
      );
      await _mount(config);
      await success;
      expect(new URL(location.href).search).to.equal('?tenant=7');
      expect((await _log(key)).map((r) => JSON.parse(r.body ?? '{}').code)).to.deep.equal(['mine']);
    } finally {
      history.replaceState(null, '', before);
    }
  });
});
