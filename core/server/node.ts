import type { IncomingMessage, ServerResponse } from 'node:http';

/** Node's request, plus what Express (or another framework) may have put on it. */
type NodeRequest = IncomingMessage & { body?: unknown; originalUrl?: string };

/** Builds a fetch `Request` from Node's request; a body a framework already parsed (`req.body`) is re-serialized. */
export function toWebRequest(req: NodeRequest): Request {
  const encrypted = (req.socket as { encrypted?: boolean } | undefined)?.encrypted === true;
  const host = req.headers.host ?? 'localhost';
  const url = new URL(req.originalUrl ?? req.url ?? '/', `${encrypted ? 'https' : 'http'}://${host}`);
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
 * Express, Connect or Fastify's raw routes: `app.post('/api/flinks/exchange', toNodeHandler(handler))`.
 */
export function toNodeHandler(
  handler: (request: Request) => Promise<Response>,
): (req: IncomingMessage, res: ServerResponse) => void {
  return (req, res) => {
    Promise.resolve()
      .then(() => handler(toWebRequest(req)))
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
