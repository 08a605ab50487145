/**
 * The bank's side of /authorize: sign-in (with the MFA and locked-out test users), then consent with account
 * selection, then back to oidc-provider, which redirects to the client with a code or access_denied.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type Provider from 'oidc-provider';
import {
  buildCustomer,
  DATA_CLUSTERS,
  type DataCluster,
  findProvider,
  findUser,
  type SandboxProvider,
} from './data.ts';
import { HttpError, readFields, sendHtml } from './http.ts';
import { consentPage, errorPage, type Lang, mfaPage, signInPage, strings } from './pages.ts';
import type { SandboxState } from './state.ts';

export type { Lang };

interface Deps {
  provider: Provider;
  state: SandboxState;
  seed: string;
  asOf: Date;
  parseLang: (value: string | undefined | null) => Lang | undefined;
}

/** The account id oidc-provider keeps for a customer: one per bank and user. */
export function subjectOf(providerId: number, username: string): string {
  return `${providerId}:${username}`;
}

export function parseSubject(sub: string): { providerId: number; username: string } | undefined {
  const m = /^(\d+):(.+)$/.exec(sub);
  return m ? { providerId: Number(m[1]), username: m[2] as string } : undefined;
}

export function createInteractions({ provider, state, seed, asOf, parseLang }: Deps) {
  /** Interactions waiting for the answer to a security question: uid → username. */
  const pendingMfa = new Map<string, string>();

  /**
   * The language the customer picked with the switcher. oidc-provider starts a new interaction (a new uid, no
   * `?lang`) after sign-in, so without this the consent page fell back to the /authorize language.
   */
  const chosenLang = (req: IncomingMessage): Lang | undefined =>
    parseLang(/(?:^|;\s*)sandbox_lang=(en|fr)(?:;|$)/.exec(req.headers.cookie ?? '')?.[1]);

  /** The language the pages would have without `?lang` in their address. */
  const inheritedLang = (req: IncomingMessage, params: Record<string, string | undefined>): Lang =>
    chosenLang(req) ??
    parseLang(params.lang) ??
    parseLang(params.ui_locales) ??
    parseLang(req.headers['accept-language']) ??
    'en';

  const langOf = (req: IncomingMessage, url: URL, params: Record<string, string | undefined>): Lang =>
    parseLang(url.searchParams.get('lang')) ?? inheritedLang(req, params);

  const switchHref = (uid: string, lang: Lang) => `/interaction/${uid}?lang=${lang === 'en' ? 'fr' : 'en'}`;

  const clientName = (id: string | undefined) =>
    id ? (state.client(id)?.client_name ?? id) : 'The application';

  const bankOf = (params: Record<string, string | undefined>): SandboxProvider => {
    const bank = findProvider(params.provider_id ?? '');
    // oidc-provider validated provider_id at /authorize, so this is only reached with a stale interaction.
    if (!bank)
      throw new HttpError(400, { error: 'invalid_request', error_description: 'unknown provider_id' });
    return bank;
  };

  const requestedScopes = (params: Record<string, string | undefined>): DataCluster[] =>
    DATA_CLUSTERS.filter((c) => (params.scope ?? '').split(' ').includes(c));

  const customerAccounts = (bank: SandboxProvider, username: string, scopes: DataCluster[]) => {
    const user = findUser(username);
    if (!user) return [];
    return buildCustomer(seed, bank, user, asOf).accounts.filter(
      (a) => a.category !== 'INVESTMENT_ACCOUNT' || scopes.includes('INVESTMENTS'),
    );
  };

  async function details(req: IncomingMessage, res: ServerResponse) {
    try {
      return await provider.interactionDetails(req, res);
    } catch {
      throw new HttpError(400, {
        error: 'invalid_request',
        error_description: 'this sign-in has expired or was already used: start again from the application',
      });
    }
  }

  async function showPage(
    req: IncomingMessage,
    res: ServerResponse,
    url: URL,
    uid: string,
    error?: string,
    status = 200,
    username?: string,
  ) {
    const interaction = await details(req, res);
    if (interaction.uid !== uid)
      throw new HttpError(400, { error: 'invalid_request', error_description: 'interaction mismatch' });
    const { params } = interaction;
    const lang = langOf(req, url, params);
    const explicit = parseLang(url.searchParams.get('lang'));
    // The customer switched language: remembered for this browser session, as a bank's site would, and only
    // for the bank's own pages.
    if (explicit && explicit !== inheritedLang(req, params))
      res.setHeader('set-cookie', `sandbox_lang=${explicit}; Path=/interaction; HttpOnly; SameSite=Lax`);
    const bank = bankOf(params);
    if (interaction.prompt.name === 'login') {
      const mfaUser = pendingMfa.get(uid);
      if (mfaUser) {
        const user = findUser(mfaUser);
        return sendHtml(
          res,
          status,
          mfaPage({
            lang,
            provider: bank,
            question: (lang === 'fr' ? user?.mfa?.question_fr : user?.mfa?.question) ?? '',
            action: `/interaction/${uid}/mfa?lang=${lang}`,
            error,
          }),
        );
      }
      return sendHtml(
        res,
        status,
        signInPage({
          lang,
          provider: bank,
          clientName: clientName(params.client_id),
          action: `/interaction/${uid}/login?lang=${lang}`,
          switchHref: switchHref(uid, lang),
          error,
          username,
        }),
      );
    }
    if (interaction.prompt.name === 'consent') {
      const sub = parseSubject(interaction.session?.accountId ?? '');
      const scopes = requestedScopes(params);
      return sendHtml(
        res,
        status,
        consentPage({
          lang,
          provider: bank,
          clientName: clientName(params.client_id),
          scopes,
          accounts: sub ? customerAccounts(bank, sub.username, scopes) : [],
          action: `/interaction/${uid}/consent?lang=${lang}`,
          switchHref: switchHref(uid, lang),
          error,
        }),
      );
    }
    return sendHtml(
      res,
      400,
      errorPage(lang, 'invalid_request', `unexpected prompt ${interaction.prompt.name}`),
    );
  }

  async function finishLogin(
    req: IncomingMessage,
    res: ServerResponse,
    bank: SandboxProvider,
    username: string,
  ) {
    await provider.interactionFinished(
      req,
      res,
      { login: { accountId: subjectOf(bank.provider_id, username) } },
      { mergeWithLastSubmission: false },
    );
  }

  async function login(req: IncomingMessage, res: ServerResponse, url: URL, uid: string) {
    const fields = await readFields(req);
    const interaction = await details(req, res);
    if (interaction.uid !== uid || interaction.prompt.name !== 'login') {
      throw new HttpError(400, { error: 'invalid_request', error_description: 'no sign-in is pending here' });
    }
    const lang = langOf(req, url, interaction.params);
    const t = strings(lang);
    const bank = bankOf(interaction.params);
    const username = typeof fields.username === 'string' ? fields.username.trim() : '';
    const password = typeof fields.password === 'string' ? fields.password : '';
    const user = findUser(username);
    if (user?.failure) {
      return showPage(
        req,
        res,
        url,
        uid,
        lang === 'fr' ? user.failure.message_fr : user.failure.message,
        403,
      );
    }
    // A mistyped password should not cost the customer their username too.
    if (!user || user.password !== password)
      return showPage(req, res, url, uid, t.badCredentials, 401, username);
    if (user.mfa) {
      pendingMfa.set(uid, user.username);
      return showPage(req, res, url, uid);
    }
    return finishLogin(req, res, bank, user.username);
  }

  async function mfa(req: IncomingMessage, res: ServerResponse, url: URL, uid: string) {
    const fields = await readFields(req);
    const interaction = await details(req, res);
    const username = pendingMfa.get(uid);
    if (interaction.uid !== uid || interaction.prompt.name !== 'login' || !username) {
      throw new HttpError(400, {
        error: 'invalid_request',
        error_description: 'no security question is pending here',
      });
    }
    const lang = langOf(req, url, interaction.params);
    const user = findUser(username);
    const answer = typeof fields.answer === 'string' ? fields.answer.trim().toLowerCase() : '';
    if (!user?.mfa || answer !== user.mfa.answer)
      return showPage(req, res, url, uid, strings(lang).badAnswer, 401);
    pendingMfa.delete(uid);
    return finishLogin(req, res, bankOf(interaction.params), user.username);
  }

  async function consent(req: IncomingMessage, res: ServerResponse, url: URL, uid: string) {
    const fields = await readFields(req);
    const interaction = await details(req, res);
    if (interaction.uid !== uid || interaction.prompt.name !== 'consent') {
      throw new HttpError(400, { error: 'invalid_request', error_description: 'no consent is pending here' });
    }
    const { params } = interaction;
    const lang = langOf(req, url, params);
    if (fields.decision === 'deny') {
      return provider.interactionFinished(
        req,
        res,
        { error: 'access_denied', error_description: 'The customer denied access to their accounts.' },
        { mergeWithLastSubmission: false },
      );
    }
    if (fields.decision !== 'allow') {
      throw new HttpError(400, {
        error: 'invalid_request',
        error_description: 'decision must be allow or deny',
      });
    }
    const bank = bankOf(params);
    const sub = parseSubject(interaction.session?.accountId ?? '');
    if (!sub || sub.providerId !== bank.provider_id) {
      throw new HttpError(400, {
        error: 'invalid_request',
        error_description: 'the customer is not signed in at this bank',
      });
    }
    const scopes = requestedScopes(params);
    const available = customerAccounts(bank, sub.username, scopes).map((a) => a.accountId);
    const ticked = fields.accounts === undefined ? [] : ([] as unknown[]).concat(fields.accounts);
    const chosen = available.filter((id) => ticked.includes(id));
    if (ticked.some((id) => typeof id !== 'string' || !available.includes(id))) {
      throw new HttpError(400, {
        error: 'invalid_request',
        error_description: 'an unknown account was selected',
      });
    }
    if (chosen.length === 0) return showPage(req, res, url, uid, strings(lang).noAccount, 400);

    const clientId = params.client_id as string;
    const grant = new provider.Grant({ accountId: interaction.session?.accountId as string, clientId });
    grant.addOIDCScope(scopes.join(' '));
    const grantId = await grant.save();
    state.data.connections[grantId] = {
      grantId,
      client_id: clientId,
      provider_id: bank.provider_id,
      username: sub.username,
      scopes,
      accountIds: chosen,
      created_at: new Date().toISOString(),
    };
    state.changed();
    return provider.interactionFinished(
      req,
      res,
      { consent: { grantId } },
      { mergeWithLastSubmission: true },
    );
  }

  return {
    /** Answers /interaction/… routes; false when the path is not one of them. */
    async handle(req: IncomingMessage, res: ServerResponse, path: string, url: URL): Promise<boolean> {
      const m = /^\/interaction\/([\w-]+)(?:\/(login|mfa|consent))?$/.exec(path);
      if (!m) return false;
      const uid = m[1] as string;
      const action = m[2];
      try {
        if (!action && req.method === 'GET') await showPage(req, res, url, uid);
        else if (action === 'login' && req.method === 'POST') await login(req, res, url, uid);
        else if (action === 'mfa' && req.method === 'POST') await mfa(req, res, url, uid);
        else if (action === 'consent' && req.method === 'POST') await consent(req, res, url, uid);
        else
          throw new HttpError(405, {
            error: 'invalid_request',
            error_description: `${req.method} not allowed here`,
          });
      } catch (error) {
        // These are the customer's pages: errors are shown as a page, not as JSON.
        if (!(error instanceof HttpError) || res.headersSent) throw error;
        const lang =
          parseLang(url.searchParams.get('lang')) ?? parseLang(req.headers['accept-language']) ?? 'en';
        sendHtml(
          res,
          error.status,
          errorPage(lang, String(error.body.error), String(error.body.error_description)),
        );
      }
      return true;
    },
  };
}
