/**
 * The floor: the least a page can do for the same job with oauth4webapi alone. PKCE and the URL are prepared at
 * load; the click opens the popup on the prepared URL; the callback page posts its URL back and closes; the
 * response is validated (state, iss) and the code POSTed to the same exchange endpoint as the widget's.
 */
import * as oauth from 'oauth4webapi';

const button = document.querySelector<HTMLButtonElement>('#connect') as HTMLButtonElement;
const data = button.dataset;
if (location.pathname.startsWith('/cb/')) {
  (opener as Window | null)?.postMessage({ floor: location.href }, location.origin);
  close();
} else {
  const code_verifier = oauth.generateRandomCodeVerifier();
  const state = oauth.generateRandomState();
  const correlation_id = crypto.randomUUID();
  const redirect_uri = data.redirectUri as string;
  const url = new URL(data.authorizeUrl as string);
  const params = {
    response_type: 'code',
    client_id: data.clientId as string,
    redirect_uri,
    scope: 'ACCOUNT_BASIC',
    state,
    provider_id: '1000',
    correlation_id,
    code_challenge: await oauth.calculatePKCECodeChallenge(code_verifier),
    code_challenge_method: 'S256',
  };
  for (const [name, value] of Object.entries(params)) url.searchParams.set(name, value);
  button.addEventListener('click', () => {
    open(url.href, 'floor', 'popup,width=480,height=720');
  });
  addEventListener('message', async (event: MessageEvent) => {
    if (event.origin !== location.origin || typeof event.data?.floor !== 'string') return;
    try {
      const response = oauth.validateAuthResponse(
        { issuer: data.issuer as string },
        { client_id: params.client_id },
        new URL(event.data.floor),
        state,
      );
      const answer = await fetch('/exchange', {
        method: 'POST',
        headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify({
          code: response.get('code'),
          code_verifier,
          redirect_uri,
          state,
          provider_id: '1000',
          correlation_id,
        }),
      });
      if (!answer.ok) throw new Error(`exchange answered ${answer.status}`);
      await answer.json();
      window.__bench.markSuccess();
    } catch (error) {
      window.__bench.markError(String(error));
    }
  });
  button.disabled = false;
  window.__bench.markClickable();
}
