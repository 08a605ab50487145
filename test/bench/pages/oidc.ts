/**
 * oidc-client-ts 3.5 doing the widget's job with its defaults: a popup sign-in with PKCE (discovery on the first
 * click), the code exchanged by the library at the token endpoint. The token endpoint is the harness's
 * pass-through that adds the client secret, as a partner's server would (the sandbox's clients are confidential).
 */
import { UserManager, type UserManagerSettings } from 'oidc-client-ts';

const button = document.querySelector<HTMLButtonElement>('#connect') as HTMLButtonElement;
const data = button.dataset;
const settings: UserManagerSettings = {
  authority: data.authority as string,
  client_id: data.clientId as string,
  redirect_uri: data.redirectUri as string,
  scope: 'ACCOUNT_BASIC',
  extraQueryParams: { provider_id: '1000' },
  metadataSeed: { token_endpoint: data.tokenEndpoint as string },
  popupWindowFeatures: { width: 480, height: 720 },
};
const manager = new UserManager(settings);
if (location.pathname.startsWith('/cb/')) {
  void manager.signinPopupCallback();
} else {
  button.addEventListener('click', () => {
    manager.signinPopup().then(
      () => window.__bench.markSuccess(),
      (error: unknown) => window.__bench.markError(String(error)),
    );
  });
  button.disabled = false;
  window.__bench.markClickable();
}
