/** A recording fake of Flinks' token endpoint, passed to the kit as its `fetch` (no module mocking). */
export interface SeenRequest {
  url: string;
  headers: Headers;
  body: string;
}

export function fakeTokenFetch(
  answer: (seen: SeenRequest) => { status: number; body: unknown; headers?: Record<string, string> },
): { fetch: typeof fetch; seen: SeenRequest[] } {
  const seen: SeenRequest[] = [];
  const fetchImpl = (async (input: RequestInfo | URL, init?: RequestInit) => {
    const request = new Request(input, init);
    const entry = { url: request.url, headers: request.headers, body: await request.text() };
    seen.push(entry);
    const { status, body, headers } = answer(entry);
    return new Response(JSON.stringify(body), {
      status,
      headers: { 'Content-Type': 'application/json', ...headers },
    });
  }) as typeof fetch;
  return { fetch: fetchImpl, seen };
}

export const SECRET = 'partner-secret-do-not-leak-123';
export const ACCESS = 'access-token-do-not-leak-456';
export const REFRESH = 'refresh-token-do-not-leak-789';
export const VERIFIER = 'v'.repeat(43);
export const REDIRECT = 'https://partner.example/callback';

export function exchangeBody(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    code: 'the-code',
    code_verifier: VERIFIER,
    redirect_uri: REDIRECT,
    state: 'the-state',
    provider_id: '1000',
    correlation_id: '7b4f2c7e-3c1a-4f7e-9d7a-1c2b3d4e5f60',
    ...overrides,
  };
}

export function post(body: unknown, headers: Record<string, string> = {}): Request {
  return new Request('https://partner.example/api/flinks/exchange', {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', ...headers },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
}
