import type { IncomingMessage, ServerResponse } from 'node:http';

/** Node's request, plus what Express (or another framework) may have put on it. */
type NodeRequest = IncomingMessage & { body?: unknown; originalUrl?: string };

/**
 * How {@link toWebRequest} rebuilds the request's URL. Node only knows the `Host` header and whether its own socket
 * is TLS: behind a proxy that terminates TLS (a load balancer, nginx, a PaaS router) that makes `http://…`, and the
 * exchange handler's same-origin check then refuses the site's own POSTs that carry no `Sec-Fetch-Site`.
 */
export interface NodeRequestOptions {
  /**
   * This site's public origin as browsers see it, e.g. `https://partner.example`: every request's URL is built on it,
   * whatever `Host` or the socket say. The simplest fix behind a proxy, and the safest.
   */
  origin?: string;
  /**
   * Read the origin from `X-Forwarded-Proto` and `X-Forwarded-Host` (first values) instead. Only when every request
   * goes through your own proxy, which sets or strips them: anyone who reaches Node directly could send them too.
   * Default `false`. Ignored when `origin` is set.
   */
  trustProxy?: boolean;
}

/** `host[:port]`, a DNS name, IPv4 or bracketed IPv6 address: what may stand in a URL's authority. */
const HOST =
  /^(?:[a-z0-9](?:[a-z0-9-]*[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]*[a-z0-9])?)*\.?|\[[0-9a-f:.]+\])(?::\d{1,5})?$/i;

/** Checks {@link NodeRequestOptions} once; returns the fixed origin, if any. */
function checkNodeOptions(options: NodeRequestOptions): string | undefined {
  if (typeof options !== 'object' || options === null) throw new TypeError('options must be an object.');
  if (options.trustProxy !== undefined && typeof options.trustProxy !== 'boolean') {
    throw new TypeError('trustProxy must be true or false.');
  }
  if (options.origin === undefined) return undefined;
  const url =
    typeof options.origin === 'string' && URL.canParse(options.origin) ? new URL(options.origin) : undefined;
  if (!url || !/^https?:$/.test(url.protocol) || url.origin !== options.origin.replace(/\/$/, '')) {
    throw new TypeError(
      `origin "${options.origin}" must be this site's origin as browsers see it: scheme://host[:port], e.g. https://partner.example.`,
    );
  }
  return url.origin;
}

function firstValue(value: string | string[] | undefined): string | undefined {
  const text = Array.isArray(value) ? value[0] : value;
  return text?.split(',')[0]?.trim() || undefined;
}

/** The origin of the request's URL: the fixed `origin`, the proxy's headers (when trusted), or Host and the socket. */
function originOf(req: IncomingMessage, options: NodeRequestOptions, fixed: string | undefined): string {
  if (fixed) return fixed;
  let scheme = (req.socket as { encrypted?: boolean } | undefined)?.encrypted === true ? 'https' : 'http';
  let host = req.headers.host;
  if (options.trustProxy) {
    const proto = firstValue(req.headers['x-forwarded-proto'])?.toLowerCase();
    if (proto === 'http' || proto === 'https') scheme = proto;
    host = firstValue(req.headers['x-forwarded-host']) ?? host;
  }
  if (host === undefined) host = 'localhost';
  if (!HOST.test(host)) {
    throw new TypeError(`The Host header "${host.slice(0, 100)}" is not a host name.`);
  }
  return `${scheme}://${host}`;
}

/**
 * Builds a fetch `Request` from Node's request; a body a framework already parsed (`req.body`) is re-serialized.
 * Its URL's origin is `options.origin`, else the proxy's `X-Forwarded-*` with `trustProxy`, else `Host` and whether
 * the socket is TLS. Throws a TypeError when that is not a valid origin (a malformed `Host`).
 */
export function toWebRequest(req: NodeRequest, options: NodeRequestOptions = {}): Request {
  const fixed = checkNodeOptions(options);
  return buildRequest(req, options, fixed);
}

function buildRequest(req: NodeRequest, options: NodeRequestOptions, fixed: string | undefined): Request {
  const path = req.originalUrl ?? req.url ?? '/';
  // Only the path and query of the request target count: the origin is decided above. Concatenated, not resolved:
  // a target of `//evil.example/x` (or an absolute-form `http://evil.example/x`) must not become the URL's host.
  let target = path;
  if (!path.startsWith('/')) {
    const absolute = URL.canParse(path) ? new URL(path) : undefined;
    target = absolute ? `${absolute.pathname}${absolute.search}` : '/';
  }
  const url = new URL(`${originOf(req, options, fixed)}${target}`);
  const headers = new Headers();
  for (const [name, value] of Object.entries(req.headers)) {
    if (value === undefined || name.startsWith(':')) continue;
    for (const item of Array.isArray(value) ? value : [value]) headers.append(name, item);
  }
  const method = req.method ?? 'GET';
  const init: RequestInit & { duplex?: 'half' } = { method, headers };
  if (method !== 'GET' && method !== 'HEAD') {
    // A body parser (express.json(), …) may have consumed the stream already; body-parser marks that with `_body`.
    if (req.body !== undefined && (req.readableEnded || (req as { _body?: boolean })._body === true)) {
      const body = req.body;
      const text =
        typeof body === 'string'
          ? body
          : body instanceof Uint8Array
            ? new TextDecoder().decode(body)
            : JSON.stringify(body);
      headers.delete('content-length');
      init.body = text;
    } else {
      let open = true;
      init.body = new ReadableStream<Uint8Array>({
        start(controller) {
          req.on('data', (chunk: Buffer) => open && controller.enqueue(new Uint8Array(chunk)));
          req.on('end', () => open && controller.close());
          req.on('error', (error) => open && controller.error(error));
        },
        cancel() {
          open = false;
          req.resume();
        },
      });
      init.duplex = 'half';
    }
  }
  return new Request(url, init);
}

/** Writes a fetch `Response` to Node's response. */
export async function writeWebResponse(response: Response, res: ServerResponse): Promise<void> {
  const headers: Record<string, string | string[]> = {};
  response.headers.forEach((value, name) => {
    headers[name] = value;
  });
  const cookies = response.headers.getSetCookie();
  if (cookies.length) headers['set-cookie'] = cookies;
  const body = Buffer.from(await response.arrayBuffer());
  res.writeHead(response.status, headers);
  res.end(body);
}

/**
 * Adapts a fetch-standard handler (such as the one from `createExchangeHandler`) to Node's `http` server, and so to
 * Express, Connect or Fastify's raw routes: `app.post('/api/flinks/exchange', toNodeHandler(handler))`. Behind a
 * proxy that terminates TLS, pass `{ origin: 'https://partner.example' }` (see {@link NodeRequestOptions}). A request
 * whose `Host` is not a host name is answered 400 `INVALID_REQUEST`.
 */
export function toNodeHandler(
  handler: (request: Request) => Promise<Response>,
  options: NodeRequestOptions = {},
): (req: IncomingMessage, res: ServerResponse) => void {
  const fixed = checkNodeOptions(options);
  return (req, res) => {
    let request: Request;
    try {
      request = buildRequest(req, options, fixed);
    } catch (error) {
      res.writeHead(400, { 'Content-Type': 'application/json; charset=utf-8', 'Cache-Control': 'no-store' });
      res.end(
        JSON.stringify({
          error: 'INVALID_REQUEST',
          message: error instanceof TypeError ? error.message : 'The request could not be read.',
        }),
      );
      return;
    }
    Promise.resolve()
      .then(() => handler(request))
      .then((response) => writeWebResponse(response, res))
      .catch(() => {
        // The handler answers its own errors; this only covers a broken socket or a throwing custom handler.
        if (!res.headersSent) {
          res.writeHead(500, {
            'Content-Type': 'application/json; charset=utf-8',
            'Cache-Control': 'no-store',
          });
          res.end(JSON.stringify({ error: 'INTERNAL_ERROR', message: 'The request could not be handled.' }));
        } else {
          res.destroy();
        }
      });
  };
}
