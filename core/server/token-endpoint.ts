import * as oauth from 'oauth4webapi';
import { isLoopback } from '../src/config.ts';
import { FlinksServerError, ServerErrorCode } from './errors.ts';
import { createRedactor, type Redactor, redactDeep, safeErrorCode } from './redact.ts';

/** How the kit reaches Flinks' `/token` endpoint with the partner's client credentials. */
export interface TokenEndpointOptions {
  /** Flinks' token endpoint, e.g. `https://ob.flinksapp.com/api/v1/token`. https, or http on a loopback host. */
  tokenUrl: string;
  /** The authorization server's issuer identifier; default the origin of `tokenUrl`. */
  issuer?: string;
  clientId: string;
  clientSecret: string;
  /** Where the secret goes: the form/JSON body (default) or an HTTP Basic header. @see RFC 6749 §2.3.1 */
  clientAuth?: 'client_secret_post' | 'client_secret_basic';
  /**
   * Body encoding of token requests: `json` (default: what Flinks documents) or `form` (RFC 6749
   * `application/x-www-form-urlencoded`, for a standard OAuth server).
   */
  bodyFormat?: 'form' | 'json';
  /** Time limit of one token request; default 30 000 ms. */
  timeoutMs?: number;
  fetch?: typeof fetch;
}

/** A token response as the kit keeps it. `expires_at` (epoch seconds) is computed from `expires_in` on receipt. */
export interface Tokens {
  access_token: string;
  token_type: string;
  expires_in?: number;
  /** Only for `authorization_code` grants; Flinks does not rotate it (30-day idle timeout). */
  refresh_token?: string;
  scope?: string;
  expires_at?: number;
}

/** Default time limit of one token request. */
export const DEFAULT_TOKEN_TIMEOUT_MS = 30_000;

/** @internal The three grants the kit uses, bound to one client. */
export interface TokenEndpoint {
  readonly clientId: string;
  authorizationCode(params: {
    code: string;
    code_verifier: string;
    redirect_uri: string;
    state: string;
  }): Promise<Tokens>;
  refresh(refresh_token: string): Promise<Tokens>;
  clientCredentials(scope?: string): Promise<Tokens>;
}

function requireString(name: string, value: unknown): string {
  if (typeof value !== 'string' || value.length === 0)
    throw new TypeError(`${name} must be a non-empty string.`);
  return value;
}

/** Checks a URL option: absolute, https or http on a loopback host (RFC 8252 §8.3). Returns it parsed. */
export function checkEndpointUrl(name: string, value: unknown): URL {
  requireString(name, value);
  let url: URL;
  try {
    url = new URL(value as string);
  } catch (cause) {
    throw new TypeError(`${name} "${value}" is not an absolute URL.`, { cause });
  }
  if (url.protocol !== 'https:' && !isLoopback(url)) {
    throw new TypeError(`${name} "${value}" must use https (plain http is allowed only on a loopback host).`);
  }
  return url;
}

/**
 * An Error that keeps only the name, code and message of `error` (and of its own cause, one level down), passed
 * through `redact`: oauth4webapi's causes can hold token bodies, and an upstream's text can echo the request.
 */
export function redactedCause(error: unknown, redact: (text: string) => string = (text) => text): Error {
  if (!(error instanceof Error)) return new Error(redact(String(error).slice(0, 200)));
  const inner = error.cause instanceof Error ? redactedCause(error.cause, redact) : undefined;
  const copy = new Error(redact(error.message), inner ? { cause: inner } : undefined);
  copy.name = error.name;
  const code = (error as { code?: unknown }).code;
  if (typeof code === 'string') Object.assign(copy, { code: redact(code) });
  return copy;
}

function isAbort(error: unknown): boolean {
  return error instanceof DOMException && (error.name === 'TimeoutError' || error.name === 'AbortError');
}

/** The `{ error, error_description }` of an error answer, when it has one that looks like OAuth's. */
async function oauthErrorBody(
  response: Response,
  redact: Redactor,
): Promise<{ error: string; error_description?: string } | undefined> {
  try {
    if (!/json/i.test(response.headers.get('content-type') ?? '')) return undefined;
    const json = (await response.clone().json()) as Record<string, unknown>;
    const error = safeErrorCode(json?.error, redact);
    if (!error) return undefined;
    return {
      error,
      ...(typeof json.error_description === 'string'
        ? { error_description: describe(json.error_description, redact) }
        : {}),
    };
  } catch {
    return undefined;
  }
}

/** An upstream `error_description`, redacted and cut to 200 characters, on one line. */
function describe(text: string, redact: Redactor): string {
  return redact(text).replace(/\s+/g, ' ').slice(0, 200);
}

/**
 * Turns what oauth4webapi or fetch threw into a {@link FlinksServerError} that holds no secret or token: every piece
 * of upstream text in its message, `oauth_error` and `cause` goes through `redact` first.
 */
async function toServerError(
  error: unknown,
  url: string,
  timeout: number,
  redact: Redactor,
): Promise<FlinksServerError> {
  if (error instanceof FlinksServerError) return error;
  if (error instanceof oauth.ResponseBodyError) {
    const oauthError = safeErrorCode(error.error, redact);
    const description =
      typeof error.error_description === 'string' ? `: ${describe(error.error_description, redact)}` : '';
    return new FlinksServerError(
      ServerErrorCode.TOKEN_REQUEST_FAILED,
      `Flinks refused the token request with ${oauthError ?? 'an unreadable error'} (HTTP ${error.status})${description}.`,
      {
        // Not the ResponseBodyError: its cause is the whole answer body, which an upstream may have filled.
        cause: redactDeep({ error: error.error, error_description: error.error_description }, redact),
        status: error.status,
        ...(oauthError ? { oauth_error: oauthError } : {}),
      },
    );
  }
  if (error instanceof oauth.WWWAuthenticateChallengeError) {
    const oauthError = safeErrorCode(error.cause[0]?.parameters.error, redact);
    return new FlinksServerError(
      ServerErrorCode.TOKEN_REQUEST_FAILED,
      `Flinks refused the token request (HTTP ${error.status}${oauthError ? `, ${oauthError}` : ''}).`,
      {
        cause: redactedCause(error, redact),
        status: error.status,
        ...(oauthError ? { oauth_error: oauthError } : {}),
      },
    );
  }
  if (error instanceof oauth.OperationProcessingError && error.code === oauth.RESPONSE_IS_NOT_CONFORM) {
    const response = error.cause instanceof Response ? error.cause : undefined;
    // oauth4webapi reads OAuth error bodies of 4xx answers only; Flinks documents 500 server_error and
    // 503 temporarily_unavailable bodies too.
    const body = response ? await oauthErrorBody(response, redact) : undefined;
    const status = response?.status;
    const description = body?.error_description ? `: ${body.error_description}` : '';
    return new FlinksServerError(
      ServerErrorCode.TOKEN_REQUEST_FAILED,
      body
        ? `Flinks refused the token request with ${body.error} (HTTP ${status})${description}.`
        : `Flinks answered the token request with HTTP ${status ?? '?'} and no OAuth error body.`,
      {
        cause: body ? { ...body, status } : redactedCause(error, redact),
        ...(status ? { status } : {}),
        ...(body ? { oauth_error: body.error } : {}),
      },
    );
  }
  if (
    error instanceof oauth.OperationProcessingError &&
    error.code === oauth.RESPONSE_IS_NOT_JSON &&
    error.cause instanceof Response &&
    !error.cause.ok
  ) {
    // An error page (a wrong tokenUrl's 404, a proxy's 502): keep its status, it says what to fix.
    const status = error.cause.status;
    return new FlinksServerError(
      ServerErrorCode.TOKEN_REQUEST_FAILED,
      `The token endpoint ${url} answered HTTP ${status} without a JSON body${status === 404 || status === 405 ? ': check tokenUrl' : ''}.`,
      { cause: redactedCause(error), status },
    );
  }
  if (isAbort(error)) {
    return new FlinksServerError(
      ServerErrorCode.TIMEOUT,
      `The token endpoint ${url} did not answer within ${Math.round(timeout / 1000)} s.`,
      { cause: redactedCause(error, redact) },
    );
  }
  if (error instanceof TypeError && !(error as { code?: unknown }).code) {
    // fetch() rejects with a bare TypeError when the host cannot be reached.
    return new FlinksServerError(
      ServerErrorCode.NETWORK_ERROR,
      `The token endpoint ${url} could not be reached.`,
      { cause: redactedCause(error, redact) },
    );
  }
  return new FlinksServerError(
    ServerErrorCode.INVALID_TOKEN_RESPONSE,
    `Flinks' token endpoint answered something that is not a valid token response (${error instanceof Error ? redact(error.message).slice(0, 200) : 'unknown'}).`,
    { cause: redactedCause(error, redact) },
  );
}

/** Rewrites oauth4webapi's form-encoded token request as JSON, the body format Flinks documents. */
function jsonBodyFetch(doFetch: typeof fetch): typeof fetch {
  return (input, init) => {
    const headers = new Headers(init?.headers);
    let body = init?.body;
    if (body instanceof URLSearchParams) {
      body = JSON.stringify(Object.fromEntries(body));
      headers.set('content-type', 'application/json');
    }
    return doFetch(input, { ...init, headers, body });
  };
}

/** @internal Binds the token endpoint, client and client authentication once; every grant goes through oauth4webapi. */
export function createTokenEndpoint(
  options: TokenEndpointOptions,
  now: () => number = Date.now,
): TokenEndpoint {
  if (typeof options !== 'object' || options === null) throw new TypeError('options must be an object.');
  const tokenUrl = checkEndpointUrl('tokenUrl', options.tokenUrl);
  const clientId = requireString('clientId', options.clientId);
  const secret = requireString('clientSecret', options.clientSecret);
  const issuer = options.issuer === undefined ? tokenUrl.origin : requireString('issuer', options.issuer);
  const clientAuthName = options.clientAuth ?? 'client_secret_post';
  if (clientAuthName !== 'client_secret_post' && clientAuthName !== 'client_secret_basic') {
    throw new TypeError('clientAuth must be "client_secret_post" or "client_secret_basic".');
  }
  const format = options.bodyFormat ?? 'json';
  if (format !== 'form' && format !== 'json') throw new TypeError('bodyFormat must be "form" or "json".');
  const timeout = options.timeoutMs ?? DEFAULT_TOKEN_TIMEOUT_MS;
  if (!Number.isFinite(timeout) || timeout <= 0) throw new TypeError('timeoutMs must be a positive number.');
  const baseFetch = options.fetch ?? globalThis.fetch;
  if (typeof baseFetch !== 'function') throw new TypeError('fetch must be a function.');

  const as: oauth.AuthorizationServer = { issuer, token_endpoint: tokenUrl.href };
  const client: oauth.Client = { client_id: clientId };
  const clientAuth =
    clientAuthName === 'client_secret_basic'
      ? oauth.ClientSecretBasic(secret)
      : oauth.ClientSecretPost(secret);
  const doFetch = format === 'json' ? jsonBodyFetch(baseFetch) : baseFetch;
  const requestOptions = (): oauth.TokenEndpointRequestOptions => ({
    [oauth.customFetch]: doFetch as NonNullable<oauth.TokenEndpointRequestOptions[typeof oauth.customFetch]>,
    // oauth4webapi refuses http; allow it only where it cannot leave the machine.
    ...(isLoopback(tokenUrl) ? { [oauth.allowInsecureRequests]: true } : {}),
    signal: AbortSignal.timeout(timeout),
  });
  const toTokens = (response: oauth.TokenEndpointResponse): Tokens => {
    const tokens: Tokens = { access_token: response.access_token, token_type: response.token_type };
    if (response.expires_in !== undefined) {
      tokens.expires_in = response.expires_in;
      tokens.expires_at = Math.floor(now() / 1000) + response.expires_in;
    }
    if (response.refresh_token !== undefined) tokens.refresh_token = response.refresh_token;
    if (response.scope !== undefined) tokens.scope = response.scope;
    return tokens;
  };
  // What this client sends in every request: the secret, raw and inside the Basic header's credentials.
  const basic = `${encodeURIComponent(clientId)}:${encodeURIComponent(secret)}`;
  /** Runs one grant; `sent` are the grant's own sensitive values (code, code_verifier, refresh token). */
  const run = async (
    request: () => Promise<oauth.TokenEndpointResponse>,
    sent: string[] = [],
  ): Promise<Tokens> => {
    try {
      return toTokens(await request());
    } catch (error) {
      const redact = createRedactor([secret, basic, ...sent], { names: sent.length ? ['code'] : [] });
      throw await toServerError(error, tokenUrl.href, timeout, redact);
    }
  };

  return {
    clientId,
    authorizationCode: ({ code, code_verifier, redirect_uri, state }) =>
      run(async () => {
        // The browser already checked state (and iss) against its pending flow; this only brands the parameters.
        const params = oauth.validateAuthResponse(as, client, new URLSearchParams({ code, state }), state);
        const response = await oauth.authorizationCodeGrantRequest(
          as,
          client,
          clientAuth,
          params,
          redirect_uri,
          code_verifier,
          requestOptions(),
        );
        return oauth.processAuthorizationCodeResponse(as, client, response);
      }, [code, code_verifier]),
    refresh: (refresh_token) =>
      run(async () => {
        const response = await oauth.refreshTokenGrantRequest(
          as,
          client,
          clientAuth,
          refresh_token,
          requestOptions(),
        );
        return oauth.processRefreshTokenResponse(as, client, response);
      }, [refresh_token]),
    clientCredentials: (scope) =>
      run(async () => {
        const response = await oauth.clientCredentialsGrantRequest(
          as,
          client,
          clientAuth,
          scope ? { scope } : {},
          requestOptions(),
        );
        return oauth.processClientCredentialsResponse(as, client, response);
      }),
  };
}
