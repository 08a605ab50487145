import * as oauth from 'oauth4webapi';
import { type ConnectConfig, validateConfig } from './config.ts';
import { ErrorCode, FlinksConnectError } from './errors.ts';

/** What a browser keeps between `/authorize` and the callback: everything needed to accept and exchange the code. */
export interface PendingFlow {
  state: string;
  code_verifier: string;
  client_id: string;
  redirect_uri: string;
  provider_id: string;
  correlation_id: string;
  scope: string;
  issuer?: string;
  /** Epoch milliseconds. */
  created_at: number;
}

export interface AuthorizationRequest {
  url: URL;
  flow: PendingFlow;
}

/**
 * Builds the Flinks `/authorize` URL for a prepared flow. `ui_locales` (space-separated BCP 47 tags, e.g. `fr-CA`)
 * asks the bank for its pages in the customer's language.
 * @see https://www.rfc-editor.org/rfc/rfc6749#section-4.1.1
 * @see https://www.rfc-editor.org/rfc/rfc7636#section-4.3
 * @see https://openid.net/specs/openid-connect-core-1_0.html#AuthRequest (`ui_locales`)
 */
export function buildAuthorizeUrl(
  authorize_url: string,
  flow: PendingFlow,
  code_challenge: string,
  ui_locales?: string,
): URL {
  const url = new URL(authorize_url);
  const params: Record<string, string> = {
    response_type: 'code',
    client_id: flow.client_id,
    redirect_uri: flow.redirect_uri,
    scope: flow.scope,
    state: flow.state,
    provider_id: flow.provider_id,
    correlation_id: flow.correlation_id,
    code_challenge,
    code_challenge_method: 'S256',
  };
  if (ui_locales?.trim()) params.ui_locales = ui_locales.trim();
  for (const [name, value] of Object.entries(params)) url.searchParams.set(name, value);
  return url;
}

/**
 * Creates a PKCE authorization request: a fresh `code_verifier`, its S256 challenge, a `state`, a
 * `correlation_id`, and the `/authorize` URL (with `ui_locales` when `uiLocales` is given). Keep `flow` until the
 * callback; never send the verifier anywhere but the exchange endpoint.
 * @see https://www.rfc-editor.org/rfc/rfc7636
 */
export async function createAuthorizationRequest(
  config: ConnectConfig,
  options: { now?: () => number; base?: string; uiLocales?: string } = {},
): Promise<AuthorizationRequest> {
  const valid = validateConfig(config, options.base);
  if (!valid.provider_id) {
    throw new FlinksConnectError(
      ErrorCode.INVALID_CONFIG,
      'provider-id is required to start an authorization.',
    );
  }
  const code_verifier = oauth.generateRandomCodeVerifier();
  const flow: PendingFlow = {
    state: oauth.generateRandomState(),
    code_verifier,
    client_id: valid.client_id,
    redirect_uri: valid.redirect_uri,
    provider_id: valid.provider_id,
    correlation_id: crypto.randomUUID(),
    scope: valid.scope,
    created_at: (options.now ?? Date.now)(),
  };
  if (valid.issuer) flow.issuer = valid.issuer;
  const code_challenge = await oauth.calculatePKCECodeChallenge(code_verifier);
  return { url: buildAuthorizeUrl(valid.authorize_url, flow, code_challenge, options.uiLocales), flow };
}
