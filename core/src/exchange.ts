import type { PendingFlow } from './authorize.ts';
import { ErrorCode, FlinksConnectError } from './errors.ts';

/** The body POSTed to the partner's exchange endpoint (public contract). */
export interface ExchangeRequestBody {
  code: string;
  code_verifier: string;
  redirect_uri: string;
  state: string;
  provider_id: string;
  correlation_id: string;
}

export interface ExchangeOptions {
  exchange_url: string;
  /** Default 30 000 ms. */
  timeout_ms?: number;
  /** Default `same-origin`. */
  credentials?: RequestCredentials;
  /** Extra headers, e.g. the partner's CSRF token. They cannot replace `Content-Type`. */
  headers?: Record<string, string>;
  signal?: AbortSignal;
  fetch?: typeof fetch;
}

export const DEFAULT_EXCHANGE_TIMEOUT_MS = 30_000;

/** Builds the exchange request body from a validated code and its flow. */
export function buildExchangeBody(flow: PendingFlow, code: string): ExchangeRequestBody {
  return {
    code,
    code_verifier: flow.code_verifier,
    redirect_uri: flow.redirect_uri,
    state: flow.state,
    provider_id: flow.provider_id,
    correlation_id: flow.correlation_id,
  };
}

/** Reads a human message from an error answer of the exchange endpoint, if it has one. */
function describe(body: unknown): string | undefined {
  if (typeof body !== 'object' || body === null) return undefined;
  const { message, error_description, error } = body as Record<string, unknown>;
  const text = [message, error_description, error].find((v) => typeof v === 'string' && v.length > 0);
  return typeof text === 'string' ? text.slice(0, 300) : undefined;
}

/**
 * POSTs the code to the partner's exchange endpoint (JSON, same-origin credentials by default) and returns its
 * 2xx JSON answer. Each failure has its own code: `EXCHANGE_FAILED` (non-2xx, with `status`),
 * `EXCHANGE_INVALID_RESPONSE` (not JSON), `EXCHANGE_NETWORK_ERROR`, `EXCHANGE_TIMEOUT`, `EXCHANGE_ABORTED`.
 */
export async function exchangeCode(body: ExchangeRequestBody, options: ExchangeOptions): Promise<unknown> {
  const timeout = options.timeout_ms ?? DEFAULT_EXCHANGE_TIMEOUT_MS;
  const timer = AbortSignal.timeout(timeout);
  const signal = options.signal ? AbortSignal.any([options.signal, timer]) : timer;
  const doFetch = options.fetch ?? globalThis.fetch;
  let response: Response;
  try {
    response = await doFetch(options.exchange_url, {
      method: 'POST',
      headers: { ...options.headers, 'Content-Type': 'application/json', Accept: 'application/json' },
      body: JSON.stringify(body),
      credentials: options.credentials ?? 'same-origin',
      signal,
    });
  } catch (cause) {
    throw abortError(cause, timer, timeout, options.exchange_url);
  }
  let text: string;
  try {
    text = await response.text();
  } catch (cause) {
    throw abortError(cause, timer, timeout, options.exchange_url);
  }
  let json: unknown;
  let parsed = false;
  try {
    json = JSON.parse(text);
    parsed = true;
  } catch {
    // handled below: a non-JSON error body is still an EXCHANGE_FAILED, a non-JSON success is invalid
  }
  if (!response.ok) {
    const detail = parsed ? describe(json) : undefined;
    throw new FlinksConnectError(
      ErrorCode.EXCHANGE_FAILED,
      `The exchange endpoint answered HTTP ${response.status}${detail ? `: ${detail}` : ''}.`,
      { status: response.status, cause: parsed ? json : undefined },
    );
  }
  if (!parsed) {
    throw new FlinksConnectError(
      ErrorCode.EXCHANGE_INVALID_RESPONSE,
      `The exchange endpoint answered HTTP ${response.status}, not JSON.`,
      { status: response.status },
    );
  }
  return json;
}

/** The EXCHANGE_ABORTED message. */
export const ABORTED = 'The exchange was cancelled.';

function abortError(cause: unknown, timer: AbortSignal, timeout: number, url: string): FlinksConnectError {
  if (timer.aborted) {
    return new FlinksConnectError(
      ErrorCode.EXCHANGE_TIMEOUT,
      `The exchange endpoint did not answer within ${Math.round(timeout / 1000)} s.`,
      { cause },
    );
  }
  if (cause instanceof DOMException && cause.name === 'AbortError') {
    return new FlinksConnectError(ErrorCode.EXCHANGE_ABORTED, ABORTED, { cause });
  }
  return new FlinksConnectError(
    ErrorCode.EXCHANGE_NETWORK_ERROR,
    `The exchange endpoint ${url} could not be reached.`,
    {
      cause,
    },
  );
}
