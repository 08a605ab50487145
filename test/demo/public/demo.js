// The demo partner page's own script: it listens to <flinks-connect> events and shows what the partner's
// server answered. DOM APIs only (no innerHTML): the page runs under a strict CSP with Trusted Types.
const connect = document.querySelector('flinks-connect');
const status = document.getElementById('status');
const table = document.getElementById('accounts');
const log = document.getElementById('log');

const french = document.documentElement.lang.startsWith('fr');
// Canadian formats: "$4,733.18" in English, "4 733,18 $" in French.
const locale = french ? 'fr-CA' : 'en-CA';
const money = new Intl.NumberFormat(locale, { style: 'currency', currency: 'CAD' });
const plural = new Intl.PluralRules(locale);

// What a customer calls each FDX account type (the API's enums are not for people).
const TYPES = {
  en: {
    CHECKING: 'Chequing',
    SAVINGS: 'Savings',
    LINEOFCREDIT: 'Line of credit',
    MORTGAGE: 'Mortgage',
    TAXFREESAVINGSACCOUNT: 'TFSA',
  },
  fr: {
    CHECKING: 'Chèques',
    SAVINGS: 'Épargne',
    LINEOFCREDIT: 'Marge de crédit',
    MORTGAGE: 'Prêt hypothécaire',
    TAXFREESAVINGSACCOUNT: 'CELI',
  },
};

// French typography: a narrow no-break space (U+202F) before the colon.
const TEXT = {
  en: {
    connected: (n) => `Connected: ${n} ${plural.select(n) === 'one' ? 'account' : 'accounts'} shared.`,
    notConnected: (reason) => `Not connected (${reason}).`,
    failed: (message) => `Something went wrong: ${message}`,
    ending: 'ending in',
  },
  fr: {
    connected: (n) =>
      `Connecté\u202f: ${n} ${plural.select(n) === 'one' ? 'compte partagé' : 'comptes partagés'}.`,
    notConnected: (reason) => `Non connecté (${reason}).`,
    failed: (message) => `Une erreur est survenue\u202f: ${message}`,
    ending: 'se terminant par',
  },
}[french ? 'fr' : 'en'];

function cell(row, content, className) {
  const td = row.insertCell();
  td.dataset.label = table.tHead.rows[0].cells[row.cells.length - 1].textContent;
  td.append(...[content].flat());
  if (className) td.className = className;
}

/** "•••• 1234", read out as "ending in 1234": the masked digits are noise to a screen reader. */
function maskedNumber(display) {
  const last = /(\d{2,})$/.exec(display ?? '')?.[1];
  if (!last) return display ?? '';
  const hidden = document.createElement('span');
  hidden.className = 'visually-hidden';
  hidden.textContent = `${TEXT.ending} `;
  const dots = document.createElement('span');
  dots.setAttribute('aria-hidden', 'true');
  dots.textContent = '•••• ';
  // One element: on a phone the cell is a flex row (label, value), so its parts must not become items.
  const number = document.createElement('span');
  number.append(hidden, dots, last);
  return number;
}

function showAccounts(accounts) {
  const body = table.tBodies[0];
  body.replaceChildren();
  const types = TYPES[french ? 'fr' : 'en'];
  for (const wrapped of accounts) {
    const account = Object.values(wrapped)[0];
    const row = body.insertRow();
    // The bank's product name: the name the customer just saw on the bank's consent page.
    cell(row, account.productName ?? account.nickname ?? account.accountId);
    cell(row, types[account.accountType] ?? account.accountType ?? '');
    cell(row, maskedNumber(account.accountNumberDisplay), 'number');
    const balance = account.currentBalance ?? account.principalBalance ?? account.availableBalance;
    cell(row, typeof balance === 'number' ? money.format(balance) : '—', 'amount');
  }
  table.hidden = accounts.length === 0;
}

for (const name of [
  'flinks-open',
  'flinks-select-provider',
  'flinks-authorize',
  'flinks-consent',
  'flinks-success',
  'flinks-exit',
  'flinks-error',
]) {
  connect.addEventListener(name, (event) => {
    // The code and its verifier are not for display (and the page has no use for them: the server exchanges).
    const { code_verifier: _verifier, ...shown } = event.detail;
    if (name === 'flinks-consent') delete shown.code;
    log.textContent += `${name} ${JSON.stringify(shown)}\n`;
  });
}
connect.addEventListener('flinks-success', (event) => {
  const accounts = event.detail.result?.accounts ?? [];
  status.textContent = TEXT.connected(accounts.length);
  showAccounts(accounts);
});
connect.addEventListener('flinks-exit', (event) => {
  status.textContent = TEXT.notConnected(event.detail.reason);
});
connect.addEventListener('flinks-error', (event) => {
  status.textContent = TEXT.failed(event.detail.message);
});
