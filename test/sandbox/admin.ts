/**
 * The Flinks admin API — providers, recipients, registrations with Data Providers — DELETE /revoke, and the
 * sandbox-only controls under /sandbox (advance a registration, arm faults, expire a token, revoke a consent).
 *
 * Admin calls take a client_credentials access token (Bearer). Like every Flinks endpoint, a missing, invalid
 * or expired token gets a 400 (the seed documents 400, not RFC 6750's 401).
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type Provider from 'oidc-provider';
import {
  accountTypesOf,
  DATA_CLUSTERS,
  dataInventoryOf,
  findProvider,
  PROVIDERS,
  type SandboxProvider,
} from './data.ts';
import { type Faults, type FaultTarget, parseFault } from './faults.ts';
import { bearer, decodeInput, HttpError, readFields, sendEmpty, sendJson } from './http.ts';
import {
  REGISTRATION_STATUSES,
  type RecipientProfile,
  type Registration,
  type RegistrationStatus,
  SandboxState,
  type StoredClient,
} from './state.ts';

interface Deps {
  provider: Provider;
  state: SandboxState;
  faults: Faults;
  url: string;
  registrationAdvanceMs?: number;
  redirectUriProblem: (uri: unknown) => string | undefined;
  /** The stored token behind a presented one (access tokens are JWTs), undefined for a forged JWT. */
  tokenId: (token: string) => string | undefined;
}

interface Caller {
  client: StoredClient;
  admin: boolean;
}

const bad = (description: string, error = 'invalid_request', status = 400) =>
  new HttpError(status, { error, error_description: description });

/** A bank's logo for the picker: its initials on a colour of its own. */
function logoSvg(p: SandboxProvider): string {
  const initials = p.name
    .split(/\s+/)
    .filter((w) => /^[A-Z]/.test(w))
    .map((w) => w[0])
    .join('')
    .slice(0, 3);
  const hue = (p.provider_id * 47) % 360;
  return `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 64 64" role="img" aria-label="${p.name.replace(/[<>&"]/g, '')}"><rect width="64" height="64" rx="12" fill="hsl(${hue} 55% 35%)"/><text x="32" y="40" font-family="sans-serif" font-size="22" font-weight="700" fill="#fff" text-anchor="middle">${initials}</text></svg>`;
}

function sendSvg(res: ServerResponse, svg: string): void {
  res.writeHead(200, {
    'content-type': 'image/svg+xml',
    'cache-control': 'public, max-age=3600',
    'content-security-policy': "default-src 'none'; style-src 'unsafe-inline'",
    'x-content-type-options': 'nosniff',
  });
  res.end(svg);
}

export function createAdmin({
  provider,
  state,
  faults,
  url: publicUrl,
  registrationAdvanceMs,
  redirectUriProblem,
  tokenId,
}: Deps) {
  /**
   * A provider's `status` for the caller in `/api/v2/providers`: `Activated` once its registration is ACTIVE,
   * `PendingActivation` while it is under review or being activated, `Available` with none.
   */
  const providerStatus = (clientId: string, p: SandboxProvider) => {
    const registration = state.registration(clientId, p.provider_id)?.registration_status;
    if (registration === 'ACTIVE') return 'Activated';
    return registration ? 'PendingActivation' : 'Available';
  };

  async function caller(req: IncomingMessage): Promise<Caller> {
    const token = bearer(req);
    if (!token) throw bad('missing Authorization: Bearer access token (client_credentials)', 'invalid_token');
    const id = tokenId(token);
    const cc = id === undefined ? undefined : await provider.ClientCredentials.find(id);
    const client = cc ? state.client(cc.clientId) : undefined;
    if (!cc || !client) throw bad('the access token is invalid or expired: get a new one', 'invalid_token');
    return { client, admin: cc.scopes.has('client:admin') };
  }

  const requireAdmin = (c: Caller) => {
    if (!c.admin) throw bad('this call needs a token with scope client:admin', 'insufficient_scope', 403);
  };

  /** Recipients a partner manages: the ones it created, and the ones configured at start. */
  const manages = (c: Caller, target: StoredClient) =>
    target.client_id === c.client.client_id ||
    (target.kind === 'recipient' && (!target.created_by || target.created_by === c.client.client_id));

  const managedClient = (c: Caller, id: string): StoredClient => {
    const target = state.client(id);
    if (!target || !manages(c, target)) throw bad(`no recipient ${id}`, 'not_found', 404);
    return target;
  };

  // Flinks' recipient fields: `name`, and `scope` as a space-delimited string in answers.
  const recipientView = (r: StoredClient, secret = false) => ({
    client_id: r.client_id,
    ...(secret ? { client_secret: r.client_secret } : {}),
    name: r.client_name,
    scope: r.scope.join(' '),
    redirect_uris: r.redirect_uris,
    ...r.profile,
    created_at: r.created_at,
  });

  const checkUri = (name: string, value: unknown): string => {
    if (typeof value !== 'string' || !URL.canParse(value) || !/^https?:$/.test(new URL(value).protocol)) {
      throw bad(`${name} must be an absolute http(s) URL`);
    }
    return value;
  };

  /** The profile fields present in a create or update body, checked. */
  const profileOf = (body: Record<string, unknown>): RecipientProfile => {
    const out: RecipientProfile = {};
    for (const key of ['logo_uri', 'terms_uri', 'client_uri'] as const) {
      if (body[key] !== undefined) out[key] = checkUri(key, body[key]);
    }
    if (body.description !== undefined) {
      if (typeof body.description !== 'string' || body.description.length > 512) {
        throw bad('description must be a string of at most 512 characters');
      }
      out.description = body.description;
    }
    if (body.country !== undefined) {
      if (typeof body.country !== 'string' || !/^[A-Za-z]{2}$/.test(body.country)) {
        throw bad('country must be an ISO 3166 alpha-2 code');
      }
      out.country = body.country.toUpperCase();
    }
    if (body.contacts !== undefined) {
      const contacts = Array.isArray(body.contacts) ? body.contacts : [body.contacts];
      if (!contacts.every((c) => typeof c === 'string' && c.length > 0 && c.length <= 256)) {
        throw bad('contacts must be a list of e-mail addresses');
      }
      out.contacts = contacts as string[];
    }
    return out;
  };

  /** A recipient's data clusters, from a space-delimited string or a list. */
  const scopeOf = (value: unknown): string[] => {
    const scope = typeof value === 'string' ? value.split(/\s+/).filter(Boolean) : list(value, 'scope');
    const unknown = scope.filter((s) => !(DATA_CLUSTERS as readonly string[]).includes(s));
    if (unknown.length) throw bad(`unknown data cluster(s): ${unknown.join(', ')}`, 'invalid_scope');
    if (!scope.includes('ACCOUNT_BASIC')) throw bad('scope must include ACCOUNT_BASIC', 'invalid_scope');
    return [...new Set(scope)];
  };

  const nameOf = (value: unknown): string => {
    if (typeof value !== 'string' || !value.trim()) throw bad('name is required');
    if (value.length > 256) throw bad('name must be at most 256 characters');
    return value.trim();
  };

  const registrationView = (r: Registration) => {
    const p = findProvider(r.provider_id) as SandboxProvider;
    return {
      client_id: r.client_id,
      client_name: state.client(r.client_id)?.client_name ?? r.client_id,
      provider_id: r.provider_id,
      provider_name: p.name,
      country: p.country,
      registration_status: r.registration_status,
      requested_on: r.requested_on,
    };
  };

  const providerId = (value: unknown): number => {
    const s = String(value).trim();
    if (!/^\d+$/.test(s)) throw bad(`provider id ${JSON.stringify(value)} must be an integer`);
    const p = findProvider(s);
    if (!p) throw bad(`provider ${s} does not exist`, 'not_found', 404);
    return p.provider_id;
  };

  const list = (value: unknown, name: string): string[] => {
    if (value === undefined || value === null || value === '') return [];
    const items = Array.isArray(value) ? value : String(value).split(',');
    return items
      .map((v) => String(v).trim())
      .filter((v) => {
        if (!v) throw bad(`${name} has an empty item`);
        return true;
      });
  };

  const checkRedirectUris = (value: unknown): string[] => {
    if (!Array.isArray(value)) throw bad('redirect_uris must be an array of URLs');
    for (const uri of value) {
      const problem = redirectUriProblem(uri);
      if (problem) throw bad(problem, 'invalid_redirect_uri');
    }
    return [...new Set(value as string[])];
  };

  function advance(r: Registration, to?: RegistrationStatus): boolean {
    const i = REGISTRATION_STATUSES.indexOf(r.registration_status);
    const target = to ? REGISTRATION_STATUSES.indexOf(to) : Math.min(i + 1, REGISTRATION_STATUSES.length - 1);
    if (target <= i) return false;
    r.registration_status = REGISTRATION_STATUSES[target] as RegistrationStatus;
    r.updated_on = new Date().toISOString();
    state.changed();
    return true;
  }

  const timer =
    registrationAdvanceMs && registrationAdvanceMs > 0
      ? setInterval(() => {
          for (const r of state.data.registrations) advance(r);
        }, registrationAdvanceMs)
      : undefined;
  timer?.unref();

  /** Revokes a connection: its grant and refresh tokens go; its access tokens then get FDX 602. */
  async function revokeConnection(grantId: string): Promise<boolean> {
    const connection = state.data.connections[grantId];
    if (!connection) return false;
    if (!connection.revoked_at) {
      connection.revoked_at = new Date().toISOString();
      const grant = await provider.Grant.find(grantId);
      await grant?.destroy();
      for (const [id, entry] of state.entries('RefreshToken')) {
        if (entry.payload.grantId === grantId) delete state.data.oidc.RefreshToken?.[id];
      }
      state.changed();
    }
    return true;
  }

  /** The connection (grant id) a token belongs to, for access and refresh tokens. */
  async function grantOf(presented: string): Promise<{ grantId: string; clientId: string } | undefined> {
    const token = tokenId(presented);
    if (token === undefined) return undefined;
    const t =
      (await provider.AccessToken.find(token, { ignoreExpiration: true })) ??
      (await provider.RefreshToken.find(token, { ignoreExpiration: true }));
    return t?.grantId ? { grantId: t.grantId, clientId: t.clientId } : undefined;
  }

  async function revoke(req: IncomingMessage, res: ServerResponse, url: URL) {
    // Only the token may come in the query: a client_secret in a URL would end up in logs.
    const query = url.searchParams.get('token');
    const fields: Record<string, unknown> = {
      ...(query ? { token: query } : {}),
      ...(await readFields(req)),
    };
    const token = bearer(req);
    if (token) {
      // The connection's own access token revokes it.
      const id = tokenId(token);
      const at = id === undefined ? undefined : await provider.AccessToken.find(id);
      if (!at?.grantId || !state.data.connections[at.grantId]) {
        throw bad(
          'the access token is invalid or expired: revoke with client credentials and token=',
          'invalid_token',
        );
      }
      await revokeConnection(at.grantId);
      return sendEmpty(res, 204);
    }
    // Or client authentication (Basic or client_id/client_secret) plus the access or refresh token to revoke.
    let id = typeof fields.client_id === 'string' ? fields.client_id : undefined;
    let secret = typeof fields.client_secret === 'string' ? fields.client_secret : undefined;
    const basic = /^Basic\s+([A-Za-z0-9+/=]+)\s*$/i.exec(req.headers.authorization ?? '');
    if (basic) {
      const decoded = Buffer.from(basic[1] as string, 'base64').toString('utf8');
      const colon = decoded.indexOf(':');
      id = decodeInput(decoded.slice(0, colon), 'the Basic client_id');
      secret = decodeInput(decoded.slice(colon + 1), 'the Basic client_secret');
    }
    if (!id || !secret)
      throw bad('authenticate with a Bearer access token, or client credentials and token', 'invalid_client');
    const client = state.client(id);
    if (!client || client.client_secret !== secret)
      throw bad('client authentication failed', 'invalid_client');
    if (typeof fields.token !== 'string' || !fields.token) throw bad('missing required parameter token');
    const found = await grantOf(fields.token);
    // RFC 7009 §2.2: an unknown (or already revoked) token is not an error.
    if (found && found.clientId === client.client_id) await revokeConnection(found.grantId);
    return sendEmpty(res, 204);
  }

  async function api(req: IncomingMessage, res: ServerResponse, path: string, url: URL): Promise<boolean> {
    const method = req.method ?? 'GET';
    const seg = path.split('/').slice(1); // ['api','v1',...]

    // Providers
    if (method === 'GET' && path === '/api/v1/providers') {
      const c = await caller(req);
      const visible = c.admin
        ? PROVIDERS
        : PROVIDERS.filter((p) => state.isActive(c.client.client_id, p.provider_id));
      sendJson(
        res,
        200,
        visible.map((p) => ({ provider_id: p.provider_id, name: p.name })),
      );
      return true;
    }
    if (method === 'GET' && path === '/api/v2/providers') {
      const c = await caller(req);
      const country = url.searchParams.get('country');
      if (country !== null && !/^[A-Za-z]{2}$/.test(country))
        throw bad('country must be an ISO 3166 alpha-2 code');
      const enabled = url.searchParams.get('isEnabledForClient');
      if (enabled !== null && enabled !== 'true' && enabled !== 'false')
        throw bad('isEnabledForClient must be true or false');
      const rows = PROVIDERS.filter((p) => !country || p.country === country.toUpperCase())
        .map((p) => ({
          provider_id: p.provider_id,
          name: p.name,
          country: p.country,
          provider_url: p.provider_url,
          logoUrl: `${publicUrl}/sandbox/logos/${p.provider_id}.svg`,
          status: providerStatus(c.client.client_id, p),
          connectorName: p.connectorName,
          availableAccountTypes: accountTypesOf(p),
          scopes: p.scopes,
        }))
        .filter((row) => enabled === null || (row.status === 'Activated') === (enabled === 'true'));
      sendJson(res, 200, rows);
      return true;
    }
    if (
      method === 'GET' &&
      seg[0] === 'api' &&
      seg[1] === 'v1' &&
      seg[2] === 'providers' &&
      seg.length === 4
    ) {
      await caller(req);
      const p = findProvider(providerId(seg[3])) as SandboxProvider;
      sendJson(res, 200, {
        provider_id: p.provider_id,
        name: p.name,
        country: p.country,
        provider_url: p.provider_url,
        scopes: p.scopes,
        data_inventory: dataInventoryOf(p),
      });
      return true;
    }

    if (seg[0] !== 'api' || seg[1] !== 'v1' || seg[2] !== 'recipients') return false;
    const c = await caller(req);
    requireAdmin(c);

    // Registration requests
    if (seg[3] === 'providers' && seg[4] === 'requests') {
      if (method === 'GET' && seg.length === 5) {
        const rows = state.data.registrations.filter((r) => {
          const target = state.client(r.client_id);
          return target && manages(c, target);
        });
        sendJson(res, 200, rows.map(registrationView));
        return true;
      }
      if (method === 'POST' && (seg.length === 5 || seg.length === 7)) {
        let clientIds: string[];
        let providerIds: string[];
        if (seg.length === 7) {
          clientIds = list(decodeInput(seg[5] as string, 'recipient_ids in the path'), 'recipient_ids');
          providerIds = list(decodeInput(seg[6] as string, 'provider_ids in the path'), 'provider_ids');
        } else {
          const body = await readFields(req);
          clientIds = list(
            body.recipient_ids ?? body.client_ids ?? body.client_id ?? body.recipient_id,
            'recipient_ids',
          );
          providerIds = list(body.provider_ids ?? body.provider_id, 'provider_ids');
        }
        if (!clientIds.length) throw bad('name at least one recipient (recipient_ids)');
        if (!providerIds.length) throw bad('name at least one provider (provider_ids)');
        const providers = providerIds.map(providerId);
        const targets = clientIds.map((id) => managedClient(c, id));
        const out = [];
        for (const t of targets) {
          for (const p of providers)
            out.push(registrationView(state.requestRegistration(t.client_id, p).registration));
        }
        sendJson(res, 201, out);
        return true;
      }
      throw bad(`${method} ${path} is not an endpoint`, 'invalid_request', 405);
    }

    if (seg.length === 3) {
      if (method === 'GET') {
        const rows = Object.values(state.data.clients).filter((r) => r.kind === 'recipient' && manages(c, r));
        sendJson(
          res,
          200,
          rows.map((r) => recipientView(r)),
        );
        return true;
      }
      if (method === 'POST') {
        const body = await readFields(req);
        const name = nameOf(body.name);
        const scope = body.scope === undefined ? [...DATA_CLUSTERS] : scopeOf(body.scope);
        const redirect_uris = body.redirect_uris === undefined ? [] : checkRedirectUris(body.redirect_uris);
        const profile = profileOf(body);
        const recipient: StoredClient = {
          client_id: SandboxState.newRecipientId(),
          client_secret: SandboxState.newSecret(),
          client_name: name,
          kind: 'recipient',
          redirect_uris,
          scope,
          created_at: new Date().toISOString(),
          created_by: c.client.client_id,
          ...(Object.keys(profile).length ? { profile } : {}),
        };
        state.putClient(recipient);
        // Flinks Capital is the test institution: a new recipient is ACTIVE with it at once, so it can
        // authorize straight away; other providers go through the registration lifecycle.
        const { registration } = state.requestRegistration(recipient.client_id, 1000, 'ACTIVE');
        registration.registration_status = 'ACTIVE';
        sendJson(res, 201, recipientView(recipient, true));
        return true;
      }
    }
    if (seg.length >= 4) {
      const target = managedClient(c, decodeInput(seg[3] as string, 'the recipient id in the path'));
      if (seg.length === 4 && method === 'GET') {
        sendJson(res, 200, recipientView(target));
        return true;
      }
      if (seg.length === 4 && method === 'PUT') {
        // Replaces the fields the body names; the others stay.
        const body = await readFields(req);
        const fields = [
          'name',
          'scope',
          'redirect_uris',
          'logo_uri',
          'description',
          'terms_uri',
          'client_uri',
        ];
        if (![...fields, 'country', 'contacts'].some((f) => body[f] !== undefined)) {
          throw bad(`name at least one field to change: ${fields.join(', ')}, country, contacts`);
        }
        const name = body.name === undefined ? target.client_name : nameOf(body.name);
        const scope = body.scope === undefined ? target.scope : scopeOf(body.scope);
        const redirect_uris =
          body.redirect_uris === undefined ? target.redirect_uris : checkRedirectUris(body.redirect_uris);
        const profile = { ...target.profile, ...profileOf(body) };
        Object.assign(target, { client_name: name, scope, redirect_uris, profile });
        state.changed();
        sendJson(res, 200, recipientView(target));
        return true;
      }
      if (seg.length === 5 && seg[4] === 'secret' && method === 'POST') {
        target.client_secret = SandboxState.newSecret();
        state.changed();
        sendJson(res, 200, { client_id: target.client_id, client_secret: target.client_secret });
        return true;
      }
      if (seg.length === 6 && seg[4] === 'providers' && seg[5] === 'requests' && method === 'GET') {
        const rows = state.data.registrations.filter((r) => r.client_id === target.client_id);
        sendJson(res, 200, rows.map(registrationView));
        return true;
      }
    }
    throw bad(`${method} ${path} is not an endpoint`, 'invalid_request', 405);
  }

  async function sandboxControls(req: IncomingMessage, res: ServerResponse, path: string): Promise<boolean> {
    const method = req.method ?? 'GET';
    if (path === '/sandbox/registrations/advance' && method === 'POST') {
      const body = await readFields(req);
      const to = body.to === undefined ? undefined : String(body.to);
      if (to !== undefined && !(REGISTRATION_STATUSES as readonly string[]).includes(to)) {
        throw bad(`to must be one of ${REGISTRATION_STATUSES.join(', ')}`);
      }
      const clientId = body.client_id === undefined ? undefined : String(body.client_id);
      const pid = body.provider_id === undefined ? undefined : providerId(body.provider_id);
      const rows = state.data.registrations.filter(
        (r) => (!clientId || r.client_id === clientId) && (pid === undefined || r.provider_id === pid),
      );
      if (rows.length === 0) throw bad('no registration request matches', 'not_found', 404);
      for (const r of rows) advance(r, to as RegistrationStatus | undefined);
      sendJson(res, 200, rows.map(registrationView));
      return true;
    }
    if (path === '/sandbox/faults') {
      if (method === 'GET') sendJson(res, 200, faults.list());
      else if (method === 'DELETE') {
        faults.clear();
        sendEmpty(res, 204);
      } else if (method === 'POST') {
        const fault = parseFault(await readFields(req));
        faults.arm(fault);
        sendJson(res, 201, fault);
      } else throw bad(`${method} not allowed`, 'invalid_request', 405);
      return true;
    }
    if (path === '/sandbox/tokens/expire' && method === 'POST') {
      const body = await readFields(req);
      if (typeof body.token !== 'string' || !body.token) throw bad('token is required');
      let found = false;
      for (const model of ['AccessToken', 'RefreshToken', 'ClientCredentials']) {
        const entry = state.entry(model, tokenId(body.token) ?? '');
        if (entry) {
          // Expired as oidc-provider sees it (exp in the past) and, for refresh tokens, idle too long.
          // An hour back: oidc-provider accepts tokens up to its clockTolerance past exp.
          entry.payload.exp = Math.floor(Date.now() / 1000) - 3600;
          entry.payload.lastUsedAt = 0;
          found = true;
        }
      }
      if (!found) throw bad('no such token', 'not_found', 404);
      state.changed();
      sendEmpty(res, 204);
      return true;
    }
    if (path === '/sandbox/connections/revoke' && method === 'POST') {
      const body = await readFields(req);
      if (typeof body.token !== 'string' || !body.token)
        throw bad('token (an access or refresh token) is required');
      const found = await grantOf(body.token);
      if (!found) throw bad('no connection has this token', 'not_found', 404);
      await revokeConnection(found.grantId);
      sendEmpty(res, 204);
      return true;
    }
    const logo = /^\/sandbox\/logos\/(\d+)\.svg$/.exec(path);
    if (logo && method === 'GET') {
      const p = findProvider(logo[1] as string);
      if (!p) throw bad('no such provider', 'not_found', 404);
      sendSvg(res, logoSvg(p));
      return true;
    }
    if (path === '/sandbox/state' && method === 'GET') {
      sendJson(res, 200, {
        clients: Object.values(state.data.clients).map((c) => ({ ...recipientView(c), kind: c.kind })),
        registrations: state.data.registrations.map(registrationView),
        connections: Object.values(state.data.connections),
        faults: faults.list(),
      });
      return true;
    }
    return false;
  }

  return {
    /** Answers the admin, revoke and sandbox-control routes; false when the path is none of them. */
    async handle(req: IncomingMessage, res: ServerResponse, path: string, url: URL): Promise<boolean> {
      if (path.startsWith('/sandbox/')) return sandboxControls(req, res, path);
      const isRevoke = path === '/api/v1/revoke';
      const isAdmin = /^\/api\/v1\/(providers|recipients)(\/|$)/.test(path) || path === '/api/v2/providers';
      if (!isRevoke && !isAdmin) return false;
      const target: FaultTarget = 'admin';
      const fault = faults.take(target, req.headers['x-sandbox-fault']);
      if (fault && (await faults.apply(fault, res, 'oauth'))) return true;
      if (isRevoke) {
        if (req.method !== 'DELETE' && req.method !== 'POST')
          throw bad('use DELETE /api/v1/revoke', 'invalid_request', 405);
        await revoke(req, res, url);
        return true;
      }
      return api(req, res, path, url);
    },
    stop(): void {
      if (timer) clearInterval(timer);
    },
  };
}
