/**
 * The sandbox bank's own pages: sign-in, security question, consent and errors. Plain HTML forms with labels,
 * a `lang` attribute and one `<h1>`; CSS inline, no script, no third-party font.
 */
import type { DataCluster, SandboxAccount, SandboxProvider } from './data.ts';

export type Lang = 'en' | 'fr';

const CLUSTER_LABELS: Record<DataCluster, Record<Lang, string>> = {
  ACCOUNT_BASIC: {
    en: 'Account names, types and numbers (masked)',
    fr: 'Noms, types et numéros (masqués) des comptes',
  },
  ACCOUNT_DETAILED: { en: 'Balances and account details', fr: 'Soldes et détails des comptes' },
  ACCOUNT_PAYMENTS: {
    en: 'Full account and transit numbers',
    fr: 'Numéros de compte et de transit complets',
  },
  INVESTMENTS: { en: 'Investment holdings', fr: 'Placements détenus' },
  TRANSACTIONS: { en: 'Transactions (up to 24 months)', fr: 'Opérations (jusqu’à 24 mois)' },
  STATEMENTS: { en: 'Statements', fr: 'Relevés' },
  CUSTOMER_CONTACT: { en: 'Email, phone and address', fr: 'Courriel, téléphone et adresse' },
  CUSTOMER_PERSONAL: { en: 'Name and date of birth', fr: 'Nom et date de naissance' },
};

const T = {
  en: {
    signInTitle: (bank: string) => `Sign in to ${bank}`,
    intro: (client: string) => `${client} asks to connect to your accounts. Sign in to continue.`,
    username: 'Username',
    password: 'Password',
    signIn: 'Sign in',
    sandboxNote: 'Flinks sandbox: use a documented test user, e.g. greatday / everyday.',
    badCredentials: 'The username or password is incorrect.',
    mfaTitle: 'Security question',
    answer: 'Answer',
    continue: 'Continue',
    badAnswer: 'That answer is incorrect.',
    consentTitle: (client: string) => `Share your data with ${client}?`,
    consentIntro: (client: string, bank: string) =>
      `${client} asks ${bank} for the following information. You can change which accounts are shared.`,
    clusters: 'Information requested',
    accounts: 'Accounts to share',
    allow: 'Allow',
    deny: 'Deny',
    noAccount: 'Choose at least one account to share, or deny.',
    errorTitle: 'Something went wrong',
    language: 'Français',
  },
  fr: {
    signInTitle: (bank: string) => `Connexion à ${bank}`,
    intro: (client: string) => `${client} demande l’accès à vos comptes. Connectez-vous pour continuer.`,
    username: "Nom d'utilisateur",
    password: 'Mot de passe',
    signIn: 'Se connecter',
    sandboxNote:
      'Bac à sable Flinks\u202f: utilisez un utilisateur de test documenté, p. ex. greatday / everyday.',
    badCredentials: 'Le nom d’utilisateur ou le mot de passe est incorrect.',
    mfaTitle: 'Question de sécurité',
    answer: 'Réponse',
    continue: 'Continuer',
    badAnswer: 'Cette réponse est incorrecte.',
    consentTitle: (client: string) => `Partager vos données avec ${client}\u202f?`,
    consentIntro: (client: string, bank: string) =>
      `${client} demande à ${bank} les renseignements suivants. Vous pouvez choisir les comptes partagés.`,
    clusters: 'Renseignements demandés',
    accounts: 'Comptes à partager',
    allow: 'Autoriser',
    deny: 'Refuser',
    noAccount: 'Choisissez au moins un compte à partager, ou refusez.',
    errorTitle: 'Une erreur est survenue',
    language: 'English',
  },
} as const;

/** The strings of a language; exported so tests can check the French pages. */
export function strings(lang: Lang) {
  return T[lang];
}

export function escapeHtml(value: unknown): string {
  return String(value).replace(
    /[&<>"']/g,
    (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c] as string,
  );
}

/**
 * One type scale (h1 > h2 > body > note), the system font on every control (buttons and inputs do not inherit
 * it by default), and a dark palette under prefers-color-scheme: the `color-scheme` meta in the head lets the
 * browser paint a dark canvas before the CSS is read, so dark-mode customers see no white flash.
 */
const CSS = `
  :root {
    color-scheme: light dark;
    font-family: system-ui, -apple-system, "Segoe UI", Roboto, sans-serif;
    font-size: 100%;
    line-height: 1.5;
    --bg: #f3f5f8; --fg: #1b2330; --card: #fff; --muted: #4b5563; --brand: #0b3d91; --on-brand: #fff;
    --line: #c7ccd4; --field: #6b7280; --error: #a4161a; --focus: #b45309;
  }
  @media (prefers-color-scheme: dark) {
    :root {
      --bg: #0f141b; --fg: #e6e9ef; --card: #1a212c; --muted: #aab2bf; --brand: #8db4ff; --on-brand: #0b1426;
      --line: #3a4454; --field: #8a94a6; --error: #ff8a8a; --focus: #f5a623;
    }
    header { background: #0b2a63; }
  }
  body { margin: 0; background: var(--bg); color: var(--fg); }
  header { background: #0b3d91; color: #fff; padding: 0.75rem 1.5rem; display: flex; justify-content: space-between; align-items: center; font-weight: 600; }
  header a { color: #fff; font-weight: 400; }
  main { max-width: 32rem; margin: 2rem auto; background: var(--card); padding: 1.5rem 2rem; border-radius: 8px; box-shadow: 0 1px 4px rgb(0 0 0 / 0.15); }
  @media (max-width: 36rem) { main { margin: 0; border-radius: 0; padding: 1.25rem 1rem; box-shadow: none; } }
  h1 { font-size: 1.5rem; line-height: 1.25; margin: 0 0 0.75rem; }
  h2 { font-size: 1.125rem; line-height: 1.3; margin: 1.5rem 0 0.5rem; }
  button, input, select, textarea { font: inherit; }
  label { display: block; font-weight: 600; margin: 1rem 0 0.25rem; }
  input[type=text], input[type=password] { width: 100%; box-sizing: border-box; padding: 0.5rem; background: var(--card); color: var(--fg); border: 1px solid var(--field); border-radius: 4px; }
  fieldset { border: 1px solid var(--line); border-radius: 6px; margin: 1rem 0; }
  legend { font-weight: 600; padding: 0 0.25rem; }
  fieldset label { display: inline; font-weight: 400; margin: 0; }
  fieldset div { margin: 0.4rem 0; }
  button { padding: 0.6rem 1.2rem; border-radius: 4px; border: 2px solid var(--brand); margin: 1rem 0.5rem 0 0; cursor: pointer; font-weight: 600; }
  button.primary { background: var(--brand); color: var(--on-brand); }
  button.secondary { background: transparent; color: var(--brand); }
  button:focus-visible, input:focus-visible, a:focus-visible { outline: 3px solid var(--focus); outline-offset: 2px; }
  header a:focus-visible { outline-color: #f5a623; }
  .error { color: var(--error); font-weight: 600; }
  .note { color: var(--muted); font-size: 0.875rem; }
`;

function layout(lang: Lang, title: string, bank: string, body: string, switchHref?: string): string {
  const t = T[lang];
  const switcher = switchHref
    ? `<a href="${escapeHtml(switchHref)}" lang="${lang === 'en' ? 'fr' : 'en'}">${t.language}</a>`
    : '';
  return `<!doctype html>
<html lang="${lang}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="color-scheme" content="light dark">
<title>${escapeHtml(title)} — ${escapeHtml(bank)}</title>
<style>${CSS}</style>
</head>
<body>
<header><span>${escapeHtml(bank)}</span>${switcher}</header>
<main>
${body}
</main>
</body>
</html>`;
}

export interface SignInPage {
  lang: Lang;
  provider: SandboxProvider;
  clientName: string;
  action: string;
  switchHref?: string;
  error?: string;
  username?: string;
}

export function signInPage(p: SignInPage): string {
  const t = T[p.lang];
  const title = t.signInTitle(p.provider.name);
  return layout(
    p.lang,
    title,
    p.provider.name,
    `<h1>${escapeHtml(title)}</h1>
<p>${escapeHtml(t.intro(p.clientName))}</p>
${p.error ? `<p class="error" role="alert" id="error">${escapeHtml(p.error)}</p>` : ''}
<form method="post" action="${escapeHtml(p.action)}">
  <label for="username">${t.username}</label>
  <input type="text" id="username" name="username" autocomplete="username" required value="${escapeHtml(p.username ?? '')}"${p.error ? ' aria-describedby="error"' : ''}>
  <label for="password">${t.password}</label>
  <input type="password" id="password" name="password" autocomplete="current-password" required>
  <button type="submit" class="primary">${t.signIn}</button>
</form>
<p class="note">${escapeHtml(t.sandboxNote)}</p>`,
    p.switchHref,
  );
}

export interface MfaPage {
  lang: Lang;
  provider: SandboxProvider;
  question: string;
  action: string;
  error?: string;
}

export function mfaPage(p: MfaPage): string {
  const t = T[p.lang];
  return layout(
    p.lang,
    t.mfaTitle,
    p.provider.name,
    `<h1>${t.mfaTitle}</h1>
${p.error ? `<p class="error" role="alert" id="error">${escapeHtml(p.error)}</p>` : ''}
<form method="post" action="${escapeHtml(p.action)}">
  <label for="answer">${escapeHtml(p.question)}</label>
  <input type="text" id="answer" name="answer" autocomplete="off" required${p.error ? ' aria-describedby="error"' : ''}>
  <button type="submit" class="primary">${t.continue}</button>
</form>`,
  );
}

export interface ConsentPage {
  lang: Lang;
  provider: SandboxProvider;
  clientName: string;
  scopes: DataCluster[];
  accounts: SandboxAccount[];
  action: string;
  switchHref?: string;
  error?: string;
}

export function consentPage(p: ConsentPage): string {
  const t = T[p.lang];
  const title = t.consentTitle(p.clientName);
  const clusters = p.scopes.map((s) => `<li>${escapeHtml(CLUSTER_LABELS[s][p.lang])}</li>`).join('\n');
  const accounts = p.accounts
    .map((a, i) => {
      const label = `${a.basic.productName} (${a.basic.accountNumberDisplay})`;
      return `<div><input type="checkbox" id="account-${i}" name="accounts" value="${escapeHtml(a.accountId)}" checked> <label for="account-${i}">${escapeHtml(label)}</label></div>`;
    })
    .join('\n');
  return layout(
    p.lang,
    title,
    p.provider.name,
    `<h1>${escapeHtml(title)}</h1>
<p>${escapeHtml(t.consentIntro(p.clientName, p.provider.name))}</p>
${p.error ? `<p class="error" role="alert">${escapeHtml(p.error)}</p>` : ''}
<h2>${t.clusters}</h2>
<ul>
${clusters}
</ul>
<form method="post" action="${escapeHtml(p.action)}">
  <fieldset>
    <legend>${t.accounts}</legend>
${accounts}
  </fieldset>
  <button type="submit" class="primary" name="decision" value="allow">${t.allow}</button>
  <button type="submit" class="secondary" name="decision" value="deny" formnovalidate>${t.deny}</button>
</form>`,
    p.switchHref,
  );
}

export function errorPage(lang: Lang, title: string, message: string): string {
  return layout(
    lang,
    title || T[lang].errorTitle,
    'Flinks sandbox',
    `<h1>${escapeHtml(title || T[lang].errorTitle)}</h1>\n<p>${escapeHtml(message)}</p>`,
  );
}
