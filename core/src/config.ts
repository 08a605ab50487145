import { ErrorCode, FlinksConnectError } from './errors.ts';

/** What a partner configures for one connect flow. Names follow the wire (`client_id`, `redirect_uri`). */
export interface ConnectConfig {
  client_id: string;
  /** The `/authorize` endpoint, used as given. */
  authorize_url: string;
  /** Registered with Flinks; the page there loads the widget bundle. */
  redirect_uri: string;
  /** Space-separated FDX data clusters. Default `ACCOUNT_BASIC`. */
  scope?: string;
  provider_id?: string;
  /** Expected `iss` of the authorization response (RFC 9207); checked when set. */
  issuer?: string;
}

export const DEFAULT_SCOPE = 'ACCOUNT_BASIC';

/** FDX data clusters accepted in `scope`. */
export const SCOPES = [
  'ACCOUNT_BASIC',
  'ACCOUNT_DETAILED',
  'ACCOUNT_PAYMENTS',
  'INVESTMENTS',
  'TRANSACTIONS',
  'STATEMENTS',
  'CUSTOMER_CONTACT',
  'CUSTOMER_PERSONAL',
] as const;

function fail(message: string): never {
  throw new FlinksConnectError(ErrorCode.INVALID_CONFIG, message);
}

/**
 * Checks one configured URL (relative ones resolve against `base`): https, or plain http on loopback only.
 * Throws `INVALID_CONFIG` naming the attribute and saying how to fix it.
 */
export function validateUrl(name: string, value: string | undefined, base?: string): URL {
  if (!value) fail(`${name} is required.`);
  let url: URL;
  try {
    url = new URL(value, base);
  } catch (cause) {
    throw new FlinksConnectError(ErrorCode.INVALID_CONFIG, `${name} "${value}" is not a valid URL.`, {
      cause,
    });
  }
  if (url.protocol !== 'https:' && !isLoopback(url)) {
    fail(`${name} "${value}" must use https (plain http is allowed only on localhost).`);
  }
  return url;
}

/** RFC 8252 §8.3: loopback hosts may use plain http during development. */
export function isLoopback(url: URL): boolean {
  return (
    url.protocol === 'http:' &&
    (url.hostname === 'localhost' || url.hostname === '127.0.0.1' || url.hostname === '[::1]')
  );
}

/** A `scope` read as Flinks data clusters. */
export interface ScopeCheck {
  /** The clusters asked for, in order. */
  scopes: string[];
  /** Those Flinks does not know (see {@link SCOPES}). */
  unknown: string[];
  /** Whether ACCOUNT_BASIC, which Flinks requires in every scope, is among them. */
  hasAccountBasic: boolean;
}

/**
 * Splits a space-separated `scope` and checks each cluster against Flinks's, so every part that accepts a scope
 * (the element's config, the extension's settings and build) refuses the same ones.
 * @see https://www.rfc-editor.org/rfc/rfc6749#section-3.3
 */
export function checkScope(scope: string): ScopeCheck {
  const scopes = scope.trim().split(/\s+/).filter(Boolean);
  return {
    scopes,
    unknown: scopes.filter((s) => !(SCOPES as readonly string[]).includes(s)),
    hasAccountBasic: scopes.includes('ACCOUNT_BASIC'),
  };
}

/**
 * Checks a {@link ConnectConfig} and returns it normalised, or throws `INVALID_CONFIG` saying what to fix.
 * `base` resolves a relative `redirect_uri` (the page's URL in a browser).
 */
export function validateConfig(
  config: ConnectConfig,
  base?: string,
): Required<Omit<ConnectConfig, 'provider_id' | 'issuer'>> & Pick<ConnectConfig, 'provider_id' | 'issuer'> {
  // Properties set from JS can hold anything; each must be text before it is trimmed or parsed.
  for (const [name, value] of Object.entries(config)) {
    if (value != null && typeof value !== 'string') fail(`${name} must be text.`);
  }
  if (!config.client_id?.trim()) fail('client-id is required.');
  const authorize = validateUrl('authorize-url', config.authorize_url, base);
  const redirect = validateUrl('redirect-uri', config.redirect_uri, base);
  if (redirect.hash) fail(`redirect-uri "${config.redirect_uri}" must not contain a fragment.`);
  const { scopes: scope, unknown, hasAccountBasic } = checkScope(config.scope?.trim() || DEFAULT_SCOPE);
  if (unknown.length)
    fail(`scope has unknown data cluster(s) ${unknown.join(', ')}; use: ${SCOPES.join(' ')}.`);
  if (!hasAccountBasic) fail('scope must include ACCOUNT_BASIC.');
  const provider_id = config.provider_id?.trim() || undefined;
  if (provider_id !== undefined && !/^\d{1,12}$/.test(provider_id)) {
    fail(`provider-id "${provider_id}" must be a whole number, e.g. 1000.`);
  }
  let issuer: string | undefined;
  if (config.issuer?.trim()) {
    issuer = config.issuer.trim();
    // Checked as a URL, but kept verbatim: RFC 9207 compares `iss` by simple string comparison.
    validateUrl('issuer', issuer);
  }
  return {
    client_id: config.client_id.trim(),
    authorize_url: authorize.href,
    redirect_uri: redirect.href,
    scope: [...new Set(scope)].join(' '),
    provider_id,
    issuer,
  };
}
