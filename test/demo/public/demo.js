// The demo partner page's own script: it listens to <flinks-connect> events and shows what the partner's
// server answered. DOM APIs only (no innerHTML): the page runs under a strict CSP with Trusted Types.
const connect = document.querySelector('flinks-connect');
const status = document.getElementById('status');
const table = document.getElementById('accounts');
const log = document.getElementById('log');

function cell(row, text, className) {
  const td = row.insertCell();
  td.textContent = text;
  if (className) td.className = className;
}

function showAccounts(accounts) {
  const body = table.tBodies[0];
  body.replaceChildren();
  // Canadian formats: "$4,733.18" in English, "4 733,18 $" in French.
  const locale = document.documentElement.lang.startsWith('fr') ? 'fr-CA' : 'en-CA';
  const money = new Intl.NumberFormat(locale, {
    style: 'currency',
    currency: 'CAD',
  });
  for (const wrapped of accounts) {
    const account = Object.values(wrapped)[0];
    const row = body.insertRow();
    cell(row, account.nickname ?? account.productName ?? account.accountId);
    cell(row, account.accountType ?? '');
    cell(row, account.accountNumberDisplay ?? '');
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
  status.textContent = `Connected: ${accounts.length} account(s) shared.`;
  showAccounts(accounts);
});
connect.addEventListener('flinks-exit', (event) => {
  status.textContent = `Not connected (${event.detail.reason}).`;
});
connect.addEventListener('flinks-error', (event) => {
  status.textContent = `Something went wrong: ${event.detail.message}`;
});
