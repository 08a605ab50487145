/** Small HTTP helpers of the sandbox's own routes (oidc-provider's routes answer for themselves). */
import type { IncomingMessage, ServerResponse } from 'node:http';

export class HttpError extends Error {
  constructor(
    readonly status: number,
    readonly body: Record<string, unknown>,
    readonly headers: Record<string, string> = {},
  ) {
    super(String(body.message ?? body.error_description ?? body.error ?? status));
    this.name = this.constructor.name;
  }
}

const MAX_BODY = 256 * 1024;

/**
 * decodeURIComponent for request input: malformed percent-encoding (`%E0%A4%A`, a lone `%`) is the client's
 * mistake, so it answers 400 (by default an OAuth `invalid_request`) instead of letting URIError become a 500.
 */
export function decodeInput(
  value: string,
  what: string,
  refuse: (message: string) => Error = (message) =>
    new HttpError(400, { error: 'invalid_request', error_description: message }),
): string {
  try {
    return decodeURIComponent(value);
  } catch {
    throw refuse(`${what} is not valid percent-encoding`);
  }
}

export async function readBody(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > MAX_BODY)
      throw new HttpError(413, { error: 'invalid_request', error_description: 'body too large' });
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks);
}

/**
 * Parses a form or JSON body into string fields. Arrays are kept for JSON (e.g. `redirect_uris`), so the
 * result is loose; callers check the types of the fields they use.
 */
export async function readFields(req: IncomingMessage): Promise<Record<string, unknown>> {
  const raw = await readBody(req);
  if (raw.length === 0) return {};
  const type = (req.headers['content-type'] ?? '').split(';')[0]?.trim().toLowerCase();
  if (type === 'application/json' || type?.endsWith('+json')) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(raw.toString('utf8'));
    } catch {
      throw new HttpError(400, {
        error: 'invalid_request',
        error_description: 'the JSON body could not be parsed',
      });
    }
    if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed)) {
      throw new HttpError(400, {
        error: 'invalid_request',
        error_description: 'the JSON body must be an object',
      });
    }
    return parsed as Record<string, unknown>;
  }
  if (type === 'application/x-www-form-urlencoded' || !type) {
    const out: Record<string, unknown> = {};
    for (const [key, value] of new URLSearchParams(raw.toString('utf8'))) {
      const prev = out[key];
      out[key] = prev === undefined ? value : Array.isArray(prev) ? [...prev, value] : [prev, value];
    }
    return out;
  }
  throw new HttpError(415, {
    error: 'invalid_request',
    error_description: `unsupported content-type ${type}: send application/x-www-form-urlencoded or application/json`,
  });
}

export function sendJson(
  res: ServerResponse,
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
): void {
  const text = JSON.stringify(body);
  res.writeHead(status, {
    'content-type': 'application/json; charset=utf-8',
    'cache-control': 'no-store',
    'content-length': Buffer.byteLength(text),
    ...headers,
  });
  res.end(text);
}

export function sendHtml(res: ServerResponse, status: number, html: string): void {
  res.writeHead(status, {
    'content-type': 'text/html; charset=utf-8',
    'cache-control': 'no-store',
    'content-length': Buffer.byteLength(html),
    // The sandbox's pages load nothing from elsewhere and run no script. form-action must allow any http(s)
    // origin: the consent form's answer redirects to the client's redirect_uri, and Chromium applies
    // form-action to that redirect too.
    'content-security-policy':
      "default-src 'none'; style-src 'unsafe-inline'; form-action 'self' http: https:; frame-ancestors 'none'; base-uri 'none'",
  });
  res.end(html);
}

export function sendEmpty(res: ServerResponse, status: number, headers: Record<string, string> = {}): void {
  res.writeHead(status, headers);
  res.end();
}

/** The bearer token of the Authorization header, if any. */
export function bearer(req: IncomingMessage): string | undefined {
  const match = /^Bearer[ ]+([^ ]+)\s*$/i.exec(req.headers.authorization ?? '');
  return match?.[1];
}
