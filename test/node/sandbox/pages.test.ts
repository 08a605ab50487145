import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { TEST_USERS } from '../../sandbox/data.ts';
import { DriveError, driveAuthorize } from '../../sandbox/drive.ts';
import type { Sandbox } from '../../sandbox/index.ts';
import { strings } from '../../sandbox/pages.ts';
import { _authorizeUrl, _connect, _fdx, _withSandbox, REDIRECT_URI } from './_sandbox.ts';

/** Runs the flow (denying at the end) and returns the pages the sandbox showed on the way. */
async function _pages(url: URL, acceptLanguage = 'en') {
  const pages: { html: string; status: number }[] = [];
  await driveAuthorize(url.href, {
    username: 'greatday',
    password: 'everyday',
    decision: 'deny',
    acceptLanguage,
    onPage: (p) => pages.push(p),
  });
  return pages;
}

/** The sign-in page. */
async function _firstPage(_sb: Sandbox, url: URL, headers: Record<string, string> = {}) {
  return (await _pages(url, headers['accept-language']))[0] as { html: string; status: number };
}

/** The consent page. */
async function _consentPage(_sb: Sandbox, url: URL, headers: Record<string, string> = {}) {
  return (await _pages(url, headers['accept-language'])).at(-1) as { html: string; status: number };
}

describe('sandbox sign-in test users', { concurrency: true }, () => {
  it('asks the mfa user a security question and connects with the right answer', () =>
    _withSandbox(async (sb) => {
      const final = await driveAuthorize(_authorizeUrl(sb, { state: 'mfa' }).href, {
        username: 'mfa',
        password: 'everyday',
        decision: 'allow',
        mfaAnswer: 'Flinks',
      });
      assert.ok(final.searchParams.get('code'), final.href);
      assert.equal(final.searchParams.get('state'), 'mfa');
    }));

  it('keeps the mfa user on the question with a wrong answer', () =>
    _withSandbox(async (sb) => {
      await assert.rejects(
        driveAuthorize(_authorizeUrl(sb).href, {
          username: 'mfa',
          password: 'everyday',
          decision: 'allow',
          mfaAnswer: 'wrong',
        }),
        (e: unknown) => e instanceof DriveError && e.status === 401 && /answer is incorrect/.test(e.message),
      );
    }));

  it('refuses the locked user whatever the password, with the bank’s message', () =>
    _withSandbox(async (sb) => {
      await assert.rejects(
        driveAuthorize(_authorizeUrl(sb).href, {
          username: 'locked',
          password: 'everyday',
          decision: 'allow',
        }),
        (e: unknown) => e instanceof DriveError && e.status === 403 && /locked/.test(e.message),
      );
    }));

  it('keeps the username on the sign-in page after a wrong password', () =>
    _withSandbox(async (sb) => {
      const error = await driveAuthorize(_authorizeUrl(sb).href, {
        username: 'greatday',
        password: 'wrong',
        decision: 'allow',
      }).catch((e: unknown) => e);
      assert.ok(error instanceof DriveError && error.status === 401, String(error));
      assert.match(error.page, /<input type="text" id="username" name="username"[^>]*value="greatday"/);
      assert.match(error.page, /<input type="password" id="password" name="password"[^>]*required>/);
      assert.doesNotMatch(error.page, /value="wrong"/, 'the password is never sent back');
    }));

  it('refuses an unknown user', () =>
    _withSandbox(async (sb) => {
      await assert.rejects(
        driveAuthorize(_authorizeUrl(sb).href, { username: 'nobody', password: 'x', decision: 'allow' }),
        (e: unknown) => e instanceof DriveError && e.status === 401,
      );
    }));

  it('signs in at another bank the client is ACTIVE with, and shows that bank’s name', () =>
    _withSandbox(
      async (sb) => {
        const { html } = await _firstPage(sb, _authorizeUrl(sb, { provider_id: '1003' }));
        assert.match(html, /<h1>Sign in to Maritime Trust<\/h1>/);
        const tokens = await _connect(sb, { provider_id: '1003' });
        const accounts = await _fdx(sb, 'accounts', tokens.access_token);
        assert.ok(
          accounts.body.accounts.every((a: object) => !('loanAccount' in a)),
          'Maritime Trust has no loans',
        );
      },
      {
        clients: [
          {
            client_id: 'dc-0b6f2a43-5a55-4b7e-9b1c-2f3c4d5e6f70',
            client_secret: 'recipient-test-secret',
            kind: 'recipient',
            name: 'Test Budget App',
            redirect_uris: [REDIRECT_URI],
            active_providers: [1000, 1003],
          },
        ],
      },
    ));
});

describe('sandbox consent page', { concurrency: true }, () => {
  it('lists the requested data clusters and the accounts, with Allow and Deny buttons', () =>
    _withSandbox(async (sb) => {
      const { html, status } = await _consentPage(
        sb,
        _authorizeUrl(sb, { scope: 'ACCOUNT_BASIC TRANSACTIONS CUSTOMER_CONTACT' }),
      );
      assert.equal(status, 200);
      assert.match(html, /<html lang="en">/);
      assert.match(html, /<h1>Share your data with Test Budget App\?<\/h1>/);
      assert.match(html, /Transactions \(up to 24 months\)/);
      assert.match(html, /Email, phone and address/);
      assert.doesNotMatch(html, /Investment holdings/, 'only what was requested');
      const boxes = [
        ...html.matchAll(
          /<input type="checkbox" id="(account-\d+)" name="accounts" value="[^"]+" checked> <label for="\1">/g,
        ),
      ];
      assert.equal(
        boxes.length,
        4,
        'each account has a labelled, ticked checkbox (no TFSA without INVESTMENTS)',
      );
      assert.match(html, /<legend>Accounts to share<\/legend>/);
      assert.match(html, /<button type="submit"[^>]*value="allow">Allow<\/button>/);
      assert.match(html, /<button type="submit"[^>]*value="deny"[^>]*>Deny<\/button>/);
      assert.doesNotMatch(html, /<script/);
    }));

  it('asks again when Allow comes with no account ticked', () =>
    _withSandbox(async (sb) => {
      await assert.rejects(
        driveAuthorize(_authorizeUrl(sb).href, {
          username: 'greatday',
          password: 'everyday',
          decision: 'allow',
          accounts: [],
        }),
        (e: unknown) => e instanceof DriveError && e.status === 400 && /at least one account/.test(e.message),
      );
    }));

  it('refuses an account id that the customer does not have', () =>
    _withSandbox(async (sb) => {
      await assert.rejects(
        driveAuthorize(_authorizeUrl(sb).href, {
          username: 'greatday',
          password: 'everyday',
          decision: 'allow',
          accounts: ['chq-0000-someone-else'],
        }),
        (e: unknown) => e instanceof DriveError && e.status === 400,
      );
    }));
});

describe('sandbox pages in French', { concurrency: true }, () => {
  it('serves French from Accept-Language, with French labels and lang="fr"', () =>
    _withSandbox(async (sb) => {
      const { html } = await _firstPage(sb, _authorizeUrl(sb), {
        'accept-language': 'fr-CA,fr;q=0.9,en;q=0.5',
      });
      assert.match(html, /<html lang="fr">/);
      assert.match(html, /<h1>Connexion à Flinks Capital<\/h1>/);
      assert.match(html, /<label for="username">Nom d'utilisateur<\/label>/);
      assert.match(html, /<label for="password">Mot de passe<\/label>/);
      assert.match(html, />Se connecter<\/button>/);
      assert.match(html, /<a href="[^"]+lang=en" lang="en">English<\/a>/, 'a link to switch language');
    }));

  it('serves French from lang=fr or ui_locales=fr on /authorize, down to the consent page', () =>
    _withSandbox(async (sb) => {
      for (const param of [{ lang: 'fr' }, { ui_locales: 'fr-CA' }]) {
        const { html } = await _consentPage(sb, _authorizeUrl(sb, param), { 'accept-language': 'en' });
        assert.match(html, /<html lang="fr">/, JSON.stringify(param));
        assert.match(html, /<h1>Partager vos données avec Test Budget App\u202f\?<\/h1>/);
        assert.match(html, />Autoriser<\/button>/);
        assert.match(html, />Refuser<\/button>/);
      }
    }));

  it('keeps French on the consent page when the customer switched to French on the sign-in page', () =>
    _withSandbox(async (sb) => {
      const pages: string[] = [];
      let switched = false;
      // Follows the sign-in page's language link (a GET of the same interaction with ?lang=fr), as a click would.
      const clickFrench: typeof fetch = (input, init) => {
        const url = new URL(String(input));
        if (!switched && /^\/interaction\/[\w-]+$/.test(url.pathname)) {
          switched = true;
          url.searchParams.set('lang', 'fr');
        }
        return fetch(url, init);
      };
      await driveAuthorize(_authorizeUrl(sb).href, {
        username: 'greatday',
        password: 'everyday',
        decision: 'deny',
        acceptLanguage: 'en',
        fetch: clickFrench,
        onPage: (p) => pages.push(p.html),
      });
      assert.equal(pages.length, 2);
      assert.match(pages[0] as string, /<h1>Connexion à Flinks Capital<\/h1>/);
      assert.match(pages[1] as string, /<html lang="fr">/, 'the consent page after sign-in');
      assert.match(pages[1] as string, />Autoriser<\/button>/);
    }));

  it('puts a narrow no-break space before ? ! : ; in every French string', () => {
    const t = strings('fr');
    const texts = [
      ...Object.values(t).map((v) => (typeof v === 'function' ? v('Test Budget App', 'Flinks Capital') : v)),
      ...TEST_USERS.flatMap((u) => [u.mfa?.question_fr, u.failure?.message_fr]).filter(
        (v) => v !== undefined,
      ),
    ];
    assert.ok(texts.length > 20);
    for (const text of texts) assert.doesNotMatch(text, /(?:^|[^\u202f])[?!:;]/, text);
    assert.match(t.consentTitle('X'), /X\u202f\?$/);
  });

  it('runs the whole flow in French', () =>
    _withSandbox(async (sb) => {
      const final = await driveAuthorize(_authorizeUrl(sb, { state: 'fr' }).href, {
        username: 'bonjour',
        password: 'toutlemonde',
        decision: 'deny',
        acceptLanguage: 'fr',
      });
      assert.equal(final.searchParams.get('error'), 'access_denied');
      assert.equal(final.searchParams.get('state'), 'fr');
    }));
});
