import { expect } from '@esm-bundle/chai';
import { createAuthorizationRequest, createStorageFlowStore } from '../../core/src/index.ts';
import { _axeViolations, _config, _key, _log, _mount, _record } from './_helpers.ts';

// One page per test file: the redirect-uri page resumes a flow once per page load, as after a real redirect.
describe('<flinks-connect mode="redirect"> on the redirect-uri page', () => {
  it('resumes the pending flow once, exchanges it, and scrubs code and state from the address bar', async () => {
    const key = _key();
    const config = _config(key, { mode: 'redirect', 'exchange-url': `/__exchange/ok?key=${key}` });
    // What the click on the partner's page left behind before navigating to the bank.
    const { flow } = await createAuthorizationRequest({
      client_id: config['client-id'] ?? '',
      authorize_url: config['authorize-url'] ?? '',
      redirect_uri: config['redirect-uri'] ?? '',
      provider_id: '1000',
    });
    // The click saves its session id with the flow, as a tab that leaves for the bank does.
    await createStorageFlowStore().save(Object.assign({ session_id: 'session-from-the-click' }, flow));
    const before = location.href;
    // The bank sends the customer back to the redirect-uri page (its path: the element resumes only there).
    const back = new URL(config['redirect-uri'] ?? '');
    back.searchParams.set('code', 'redirect-code');
    back.searchParams.set('state', flow.state);
    history.replaceState(null, '', back.href);
    try {
      const events = _record(document.body);
      const consent = new Promise<GlobalEventHandlersEventMap['flinks-consent']>((resolve) =>
        document.body.addEventListener('flinks-consent', resolve, { once: true }),
      );
      const success = new Promise<GlobalEventHandlersEventMap['flinks-success']>((resolve) =>
        document.body.addEventListener('flinks-success', resolve, { once: true }),
      );
      const el = await _mount(config);
      expect(new URL(location.href).searchParams.has('code')).to.equal(false);
      expect(new URL(location.href).searchParams.has('state')).to.equal(false);
      const { detail } = await success;
      expect(detail.session_id).to.equal('session-from-the-click');
      expect(detail.result).to.deep.equal({ connected: true, accounts: [{ id: 'a1' }] });
      expect(events.map((e) => e.name)).to.deep.equal(['flinks-consent', 'flinks-success']);
      expect((await consent).detail).to.include({ code: 'redirect-code', state: flow.state });
      expect(location.href).to.equal(config['redirect-uri']);
      expect(el.state).to.equal('connected');
      expect(await _axeViolations(el)).to.deep.equal([]);
      // A second element (or a reload) finds nothing left to exchange.
      const again = await _mount(config);
      await new Promise((resolve) => setTimeout(resolve, 100));
      expect(again.state).to.equal('idle');
      expect(await _log(key)).to.have.length(1);
      expect(await createStorageFlowStore().take(flow.state)).to.equal(undefined);
    } finally {
      history.replaceState(null, '', before);
    }
  });

  it('ignores popup callback messages in redirect mode', async () => {
    const el = await _mount(_config(_key(), { mode: 'redirect' }));
    const events = _record(el);
    window.postMessage(
      { type: 'flinks-connect:callback', url: `${location.origin}/callback?code=x&state=y` },
      location.origin,
    );
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(events).to.deep.equal([]);
    expect(el.state).to.equal('idle');
  });
});
