/**
 * Drives the sandbox's /authorize flow over plain HTTP, as a browser would: follows redirects by hand, keeps
 * cookies, posts the sign-in, security-question and consent forms. For tests that need a code without a browser.
 */

export interface DriveOptions {
  username: string;
  password: string;
  decision: 'allow' | 'deny';
  /** Account ids to tick on the consent page; default: all the page offers. */
  accounts?: string[];
  /** Answer to the security question (the `mfa` test user); default 'flinks'. */
  mfaAnswer?: string;
  /** Accept-Language sent with each request; default 'en'. */
  acceptLanguage?: string;
  /** fetch to use; default globalThis.fetch. */
  fetch?: typeof fetch;
  /** Called with each sandbox page before it is answered (sign-in, security question, consent). */
  onPage?: (page: { url: URL; status: number; html: string }) => void;
}

/** An /authorize step that did not end with a redirect to the client: the page's status and message. */
export class DriveError extends Error {
  constructor(
    message: string,
    readonly status: number,
    readonly page: string,
  ) {
    super(message);
    this.name = this.constructor.name;
  }
}

const decode = (s: string) =>
  s.replace(
    /&(amp|lt|gt|quot|#39);/g,
    (_, e: string) => ({ amp: '&', lt: '<', gt: '>', quot: '"', '#39': "'" })[e] ?? '',
  );

/** The visible error of a sandbox page (its role="alert" paragraph, or the error page's text). */
function pageMessage(html: string): string {
  const alert = /role="alert"[^>]*>([^<]*)</.exec(html)?.[1];
  if (alert) return decode(alert);
  const h1 = /<h1>([^<]*)<\/h1>\s*<p>([^<]*)<\/p>/.exec(html);
  return h1 ? decode(`${h1[1]}: ${h1[2]}`) : html.slice(0, 200);
}

/**
 * Runs the authorize flow at `authorizeUrl` (a full /authorize URL with its query) and returns the final
 * redirect to the client's redirect_uri (with `code` or `error`, `state`, `iss`). Throws DriveError when the
 * sandbox stops on a page instead (wrong password, locked user, a bad request shown as an error page).
 */
export async function driveAuthorize(authorizeUrl: string, options: DriveOptions): Promise<URL> {
  const doFetch = options.fetch ?? globalThis.fetch;
  const origin = new URL(authorizeUrl).origin;
  const jar = new Map<string, string>();
  const headers = () => ({
    'accept-language': options.acceptLanguage ?? 'en',
    accept: 'text/html',
    ...(jar.size ? { cookie: [...jar].map(([k, v]) => `${k}=${v}`).join('; ') } : {}),
  });
  const keep = (res: Response) => {
    for (const line of res.headers.getSetCookie()) {
      const [pair = '', ...attrs] = line.split(';');
      const eq = pair.indexOf('=');
      const name = pair.slice(0, eq).trim();
      const value = pair.slice(eq + 1).trim();
      const expired = attrs.some((a) => /^\s*max-age=0/i.test(a) || /^\s*expires=Thu, 01 Jan 1970/i.test(a));
      if (expired || !value) jar.delete(name);
      else jar.set(name, value);
    }
  };
  const isSandboxStep = (url: URL) =>
    url.origin === origin &&
    (url.pathname.startsWith('/interaction/') || /^\/api\/v1\/authorize/i.test(url.pathname));

  let url = new URL(authorizeUrl);
  let init: RequestInit = { method: 'GET' };
  for (let step = 0; step < 25; step++) {
    const res = await doFetch(url, {
      ...init,
      headers: { ...headers(), ...(init.headers as object) },
      redirect: 'manual',
    });
    keep(res);
    if (res.status >= 300 && res.status < 400) {
      const location = res.headers.get('location');
      if (!location) throw new DriveError(`redirect ${res.status} without a Location`, res.status, '');
      await res.arrayBuffer();
      const next = new URL(location, url);
      if (!isSandboxStep(next)) return next;
      url = next;
      init = { method: 'GET' };
      continue;
    }
    const html = await res.text();
    options.onPage?.({ url, status: res.status, html });
    if (res.status >= 400 && !/<form/.test(html)) throw new DriveError(pageMessage(html), res.status, html);
    const action = /<form method="post" action="([^"]+)"/.exec(html)?.[1];
    if (!action) throw new DriveError(`no form on the page (${res.status})`, res.status, html);
    const target = new URL(decode(action), url);
    const body = new URLSearchParams();
    if (/name="password"/.test(html)) {
      if (res.status >= 400) throw new DriveError(pageMessage(html), res.status, html);
      body.set('username', options.username);
      body.set('password', options.password);
    } else if (/name="answer"/.test(html)) {
      if (res.status >= 400) throw new DriveError(pageMessage(html), res.status, html);
      body.set('answer', options.mfaAnswer ?? 'flinks');
    } else if (/name="decision"/.test(html)) {
      if (res.status >= 400) throw new DriveError(pageMessage(html), res.status, html);
      const offered = [...html.matchAll(/name="accounts" value="([^"]+)"/g)].map((m) =>
        decode(m[1] as string),
      );
      for (const id of options.accounts ?? offered) body.append('accounts', id);
      body.set('decision', options.decision);
    } else {
      throw new DriveError(`unrecognised page (${res.status})`, res.status, html);
    }
    url = target;
    init = {
      method: 'POST',
      body: body.toString(),
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
    };
  }
  throw new DriveError('too many steps without reaching the redirect_uri', 0, '');
}
