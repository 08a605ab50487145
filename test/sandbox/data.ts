/**
 * The sandbox's banks, test users and their data. Everything is derived from the seed with a hash-seeded PRNG,
 * so the same seed (and the same `asOf` day) gives the same bytes on every machine.
 */
import { createHash } from 'node:crypto';
import { SCOPES } from '../../core/src/config.ts';

/** A data cluster a provider can share (the FDX scopes of an authorization request): the API's own list. */
export const DATA_CLUSTERS = SCOPES;
export type DataCluster = (typeof DATA_CLUSTERS)[number];

export interface SandboxProvider {
  provider_id: number;
  name: string;
  country: 'CA' | 'US';
  provider_url: string;
  currency: 'CAD' | 'USD';
  /** What the bank can share; a request for a cluster it lacks is refused at /authorize. */
  scopes: DataCluster[];
  /** The connector Flinks reaches the bank through (`/api/v2/providers`). */
  connectorName: string;
  /** What the bank offers besides accounts, transactions and the customer: drives the generated data. */
  offers: {
    payment_networks: boolean;
    investments: boolean;
    loans: boolean;
  };
}

const ALL: DataCluster[] = [...DATA_CLUSTERS];
const without = (...drop: DataCluster[]): DataCluster[] => ALL.filter((s) => !drop.includes(s));

/** The test banks: Flinks Capital (1000) has everything; the others each lack something. */
export const PROVIDERS: readonly SandboxProvider[] = [
  {
    provider_id: 1000,
    name: 'Flinks Capital',
    country: 'CA',
    provider_url: 'https://flinks.com',
    currency: 'CAD',
    scopes: ALL,
    connectorName: 'FlinksCapitalFdx',
    offers: offers(),
  },
  {
    provider_id: 1001,
    name: 'Banque Laurentienne de Test',
    country: 'CA',
    provider_url: 'https://banque-test.example.ca',
    currency: 'CAD',
    scopes: without('INVESTMENTS'),
    connectorName: 'BanqueLaurentienneTestFdx',
    offers: offers({ investments: false }),
  },
  {
    provider_id: 1002,
    name: 'Northern Prairie Credit Union',
    country: 'CA',
    provider_url: 'https://npcu.example.ca',
    currency: 'CAD',
    scopes: without('ACCOUNT_PAYMENTS'),
    connectorName: 'NorthernPrairieFdx',
    offers: offers({ payment_networks: false }),
  },
  {
    provider_id: 1003,
    name: 'Maritime Trust',
    country: 'CA',
    provider_url: 'https://maritime-trust.example.ca',
    currency: 'CAD',
    scopes: without('STATEMENTS'),
    connectorName: 'MaritimeTrustFdx',
    offers: offers({ loans: false }),
  },
  {
    // Flinks' own examples use provider 2000 for NBC (National Bank of Canada).
    provider_id: 2000,
    name: 'NBC',
    country: 'CA',
    provider_url: 'https://www.nbc.ca',
    currency: 'CAD',
    scopes: ALL,
    connectorName: 'NbcFdx',
    offers: offers(),
  },
  {
    provider_id: 3000,
    name: 'Liberty Test Bank',
    country: 'US',
    provider_url: 'https://liberty-test-bank.example.com',
    currency: 'USD',
    scopes: without('INVESTMENTS', 'STATEMENTS'),
    connectorName: 'LibertyTestBankFdx',
    offers: offers({ investments: false }),
  },
];

function offers(overrides: Partial<SandboxProvider['offers']> = {}): SandboxProvider['offers'] {
  return { payment_networks: true, investments: true, loans: true, ...overrides };
}

/** The FDX account types a customer can hold at the bank (`availableAccountTypes` of `/api/v2/providers`). */
export function accountTypesOf(provider: SandboxProvider): string[] {
  return [
    'CHECKING',
    'SAVINGS',
    'LINEOFCREDIT',
    ...(provider.offers.loans ? ['MORTGAGE'] : []),
    ...(provider.offers.investments ? ['TAXFREESAVINGSACCOUNT'] : []),
  ];
}

export function findProvider(id: number | string): SandboxProvider | undefined {
  const n = typeof id === 'number' ? id : /^\d+$/.test(id) ? Number(id) : Number.NaN;
  return PROVIDERS.find((p) => p.provider_id === n);
}

export interface TestUser {
  username: string;
  password: string;
  description: string;
  /** A second step after the password: the answer to a security question. */
  mfa?: { question: string; question_fr: string; answer: string };
  /** The bank refuses the sign-in with this message, whatever the password. */
  failure?: { message: string; message_fr: string };
  /** Preferred language of the customer's names. */
  locale: 'en' | 'fr';
}

/** The documented test users; each can sign in at every sandbox bank. */
export const TEST_USERS: readonly TestUser[] = [
  {
    username: 'greatday',
    password: 'everyday',
    description: 'signs in at once; chequing, savings, line of credit, mortgage and TFSA (by bank)',
    locale: 'en',
  },
  {
    username: 'bonjour',
    password: 'toutlemonde',
    description: 'a French-speaking customer, same kinds of accounts plus a closed one',
    locale: 'fr',
  },
  {
    username: 'mfa',
    password: 'everyday',
    description: 'asks a security question after the password; the answer is "flinks"',
    mfa: {
      question: 'What is the name of your first bank?',
      question_fr: 'Quel est le nom de votre première banque\u202f?',
      answer: 'flinks',
    },
    locale: 'en',
  },
  {
    username: 'locked',
    password: 'everyday',
    description: 'sign-in always fails: the bank says the account is locked',
    failure: {
      message: 'This online banking profile is locked. Call your branch.',
      message_fr: 'Ce profil de services bancaires en ligne est verrouillé. Appelez votre succursale.',
    },
    locale: 'en',
  },
];

export function findUser(username: string): TestUser | undefined {
  return TEST_USERS.find((u) => u.username === username.trim().toLowerCase());
}

// ---------------------------------------------------------------------------------------------------------
// Deterministic randomness

/** A PRNG (sfc32) seeded from a SHA-256 of the parts. */
export function prng(...parts: (string | number)[]): () => number {
  const h = createHash('sha256').update(parts.join('\u0000')).digest();
  let a = h.readUInt32LE(0);
  let b = h.readUInt32LE(4);
  let c = h.readUInt32LE(8);
  let d = h.readUInt32LE(12);
  return () => {
    a >>>= 0;
    b >>>= 0;
    c >>>= 0;
    d >>>= 0;
    let t = (a + b) | 0;
    a = b ^ (b >>> 9);
    b = (c + (c << 3)) | 0;
    c = (c << 21) | (c >>> 11);
    d = (d + 1) | 0;
    t = (t + d) | 0;
    c = (c + t) | 0;
    return (t >>> 0) / 4294967296;
  };
}

function pick<T>(random: () => number, list: readonly T[]): T {
  return list[Math.floor(random() * list.length)] as T;
}

function int(random: () => number, min: number, max: number): number {
  return min + Math.floor(random() * (max - min + 1));
}

function money(n: number): number {
  return Math.round(n * 100) / 100;
}

function digits(random: () => number, n: number): string {
  let s = '';
  for (let i = 0; i < n; i++) s += String(Math.floor(random() * 10));
  return s;
}

// ---------------------------------------------------------------------------------------------------------
// Customers and accounts

export type AccountCategory = 'DEPOSIT_ACCOUNT' | 'LOAN_ACCOUNT' | 'LOC_ACCOUNT' | 'INVESTMENT_ACCOUNT';
const WRAPPER: Record<AccountCategory, string> = {
  DEPOSIT_ACCOUNT: 'depositAccount',
  LOAN_ACCOUNT: 'loanAccount',
  LOC_ACCOUNT: 'locAccount',
  INVESTMENT_ACCOUNT: 'investmentAccount',
};
const TX_WRAPPER: Record<AccountCategory, string> = {
  DEPOSIT_ACCOUNT: 'depositTransaction',
  LOAN_ACCOUNT: 'loanTransaction',
  LOC_ACCOUNT: 'locTransaction',
  INVESTMENT_ACCOUNT: 'investmentTransaction',
};

export interface SandboxAccount {
  accountId: string;
  category: AccountCategory;
  /** Fields of the lightweight representation. */
  basic: Record<string, unknown>;
  /** Fields added by resultType=details. */
  details: Record<string, unknown>;
  /** Payment-network entries (deposit accounts at banks that support them). */
  paymentNetworks: Record<string, unknown>[];
  /** Seed parts from which the account's transactions are generated. */
  seedParts: (string | number)[];
  openingBalance: number;
}

export interface SandboxCustomer {
  customerId: string;
  body: Record<string, unknown>;
  accounts: SandboxAccount[];
}

const FIRST_EN = ['Jordan', 'Avery', 'Morgan', 'Taylor', 'Riley', 'Casey', 'Emily', 'Liam', 'Olivia', 'Noah'];
const LAST_EN = ['Campbell', 'MacDonald', 'Wilson', 'Thompson', 'Singh', 'Chen', 'Anderson', 'Patel'];
const FIRST_FR = ['Mathilde', 'Étienne', 'Geneviève', 'François', 'Chloé', 'Benoît', 'Élodie', 'Rémi'];
const LAST_FR = ['Tremblay', 'Gagnon', 'Côté', 'Bouchard', 'Lévesque', 'Bélanger', 'Gauthier', 'Pelletier'];
const STREETS = [
  'rue Saint-Denis',
  'King Street West',
  'boulevard René-Lévesque',
  'Jasper Avenue',
  'Main Street',
];
const CITIES = [
  { city: 'Montréal', region: 'QC', postal: 'H2X 1Y4' },
  { city: 'Toronto', region: 'ON', postal: 'M5V 2T6' },
  { city: 'Québec', region: 'QC', postal: 'G1R 4P5' },
  { city: 'Edmonton', region: 'AB', postal: 'T5J 0N3' },
  { city: 'Halifax', region: 'NS', postal: 'B3J 1S9' },
];
const US_CITIES = [{ city: 'Burlington', region: 'VT', postal: '05401' }];

function isoDate(d: Date): string {
  return d.toISOString().slice(0, 10);
}

/** Builds the customer (with accounts) a test user has at a provider. */
export function buildCustomer(
  seed: string,
  provider: SandboxProvider,
  user: TestUser,
  asOf: Date,
): SandboxCustomer {
  const r = prng(seed, 'customer', provider.provider_id, user.username);
  const fr = user.locale === 'fr';
  const first = pick(r, fr ? FIRST_FR : FIRST_EN);
  const last = pick(r, fr ? LAST_FR : LAST_EN);
  const place = pick(r, provider.country === 'US' ? US_CITIES : CITIES);
  const customerId = `cust-${provider.provider_id}-${digits(r, 8)}`;
  const currency = provider.currency;
  const asOfIso = asOf.toISOString();
  const accounts: SandboxAccount[] = [];
  let seq = 0;
  const nextId = (prefix: string) => `${prefix}-${provider.provider_id}-${digits(r, 6)}${++seq}`;
  const display = () => `****${digits(r, 4)}`;
  const french = provider.provider_id === 1001 || fr;

  const deposit = (type: 'CHECKING' | 'SAVINGS', productName: string, nickname: string, balance: number) => {
    const accountId = nextId(type === 'CHECKING' ? 'chq' : 'sav');
    const institution = String(int(r, 1, 999)).padStart(3, '0');
    const transit = digits(r, 5);
    const number = digits(r, 7);
    // Canada's EFT routing number is 0 + institution + transit; a US one is a 9-digit ABA number.
    const routing = provider.country === 'US' ? digits(r, 9) : `0${institution}${transit}`;
    accounts.push({
      accountId,
      category: 'DEPOSIT_ACCOUNT',
      basic: {
        accountId,
        accountCategory: 'DEPOSIT_ACCOUNT',
        accountType: type,
        accountNumberDisplay: `****${number.slice(-4)}`,
        productName,
        nickname,
        status: 'OPEN',
        description: `${productName} ${number.slice(-4)}`,
        currency: { currencyCode: currency },
      },
      details: {
        accountNumber: number,
        routingTransitNumber: routing,
        balanceType: 'ASSET',
        transferIn: true,
        transferOut: true,
        currentBalance: balance,
        availableBalance: money(balance - (type === 'CHECKING' ? int(r, 0, 150) : 0)),
        balanceAsOf: asOfIso,
        openingDayBalance: money(balance - int(r, -200, 200)),
        interestRate: type === 'SAVINGS' ? money(0.5 + r() * 3) : 0.01,
        interestRateType: 'VARIABLE',
        lastActivityDate: isoDate(asOf),
      },
      paymentNetworks: provider.offers.payment_networks
        ? [
            {
              bankId: provider.country === 'US' ? routing : `${institution}${transit}`,
              identifier: number,
              identifierType: 'ACCOUNT_NUMBER',
              type: provider.country === 'US' ? 'US_ACH' : 'CA_ACSS',
              transferIn: true,
              transferOut: true,
            },
          ]
        : [],
      seedParts: [seed, provider.provider_id, user.username, accountId],
      openingBalance: balance,
    });
  };

  deposit(
    'CHECKING',
    french ? 'Compte chèques Avantage' : 'Everyday Chequing',
    french ? 'Compte courant' : 'Main chequing',
    money(1500 + r() * 6000),
  );
  deposit(
    'SAVINGS',
    french ? 'Épargne à intérêt élevé' : 'High Interest Savings',
    french ? 'Coussin' : 'Rainy day',
    money(4000 + r() * 20000),
  );

  if (user.locale === 'fr') {
    // A closed account, so that FDX 705 (account is closed) can be seen.
    deposit('SAVINGS', 'Épargne Stratégie (fermé)', 'Ancien compte', 0);
    const closed = accounts.at(-1) as SandboxAccount;
    closed.basic.status = 'CLOSED';
    closed.details = { ...closed.details, availableBalance: 0, openingDayBalance: 0, interestRate: 0 };
    closed.paymentNetworks = [];
  }

  {
    const accountId = nextId('loc');
    const creditLine = int(r, 5, 25) * 1000;
    const used = money(r() * creditLine * 0.6);
    accounts.push({
      accountId,
      category: 'LOC_ACCOUNT',
      basic: {
        accountId,
        accountCategory: 'LOC_ACCOUNT',
        accountType: 'LINEOFCREDIT',
        accountNumberDisplay: display(),
        productName: french ? 'Marge de crédit personnelle' : 'Personal Line of Credit',
        nickname: french ? 'Marge' : 'LOC',
        status: 'OPEN',
        description: french ? 'Marge de crédit' : 'Line of credit',
        currency: { currencyCode: currency },
      },
      details: {
        balanceType: 'LIABILITY',
        creditLine,
        availableCredit: money(creditLine - used),
        currentBalance: used,
        balanceAsOf: asOfIso,
        interestRate: money(6 + r() * 4),
        interestRateType: 'VARIABLE',
        minimumPaymentAmount: money(Math.max(25, used * 0.03)),
        nextPaymentDate: isoDate(new Date(asOf.getTime() + int(r, 3, 27) * 86400000)),
      },
      paymentNetworks: [],
      seedParts: [seed, provider.provider_id, user.username, accountId],
      openingBalance: used,
    });
  }

  if (provider.offers.loans) {
    const accountId = nextId('mtg');
    const original = int(r, 250, 700) * 1000;
    const principal = money(original * (0.45 + r() * 0.5));
    accounts.push({
      accountId,
      category: 'LOAN_ACCOUNT',
      basic: {
        accountId,
        accountCategory: 'LOAN_ACCOUNT',
        accountType: 'MORTGAGE',
        accountNumberDisplay: display(),
        productName: french ? 'Prêt hypothécaire à taux fixe 5 ans' : '5-Year Fixed Mortgage',
        nickname: french ? 'Maison' : 'Home',
        status: 'OPEN',
        description: french ? 'Hypothèque résidentielle' : 'Residential mortgage',
        currency: { currencyCode: currency },
      },
      details: {
        balanceType: 'LIABILITY',
        principalBalance: principal,
        originalPrincipal: original,
        balanceAsOf: asOfIso,
        interestRate: money(3.5 + r() * 2.5),
        interestRateType: 'FIXED',
        loanTerm: 300,
        paymentFrequency: 'MONTHLY',
        nextPaymentAmount: money(original / 300 + principal * 0.004),
        nextPaymentDate: isoDate(new Date(asOf.getTime() + int(r, 1, 28) * 86400000)),
        originatingDate: isoDate(new Date(asOf.getTime() - int(r, 800, 3000) * 86400000)),
      },
      paymentNetworks: [],
      seedParts: [seed, provider.provider_id, user.username, accountId],
      openingBalance: principal,
    });
  }

  if (provider.offers.investments) {
    const accountId = nextId('tfsa');
    const cash = money(r() * 2000);
    const holdings = [
      { symbol: 'XIC', name: 'iShares Core S&P/TSX Capped Composite Index ETF' },
      { symbol: 'VFV', name: 'Vanguard S&P 500 Index ETF' },
      { symbol: 'ZAG', name: 'BMO Aggregate Bond Index ETF' },
    ].map((h) => {
      const units = int(r, 20, 400);
      const unitPrice = money(15 + r() * 120);
      return {
        holdingId: `${accountId}-${h.symbol}`,
        // FDX 5.2 has no TICKER security id type: the ticker goes in symbol.
        symbol: h.symbol,
        holdingName: h.name,
        holdingType: 'MUTUALFUND',
        units,
        currentUnitPrice: unitPrice,
        marketValue: money(units * unitPrice),
        currency: { currencyCode: currency },
      };
    });
    const value = money(cash + holdings.reduce((s, h) => s + h.marketValue, 0));
    accounts.push({
      accountId,
      category: 'INVESTMENT_ACCOUNT',
      basic: {
        accountId,
        accountCategory: 'INVESTMENT_ACCOUNT',
        accountType: 'TAXFREESAVINGSACCOUNT',
        accountNumberDisplay: display(),
        productName: french ? 'CELI autogéré' : 'Self-directed TFSA',
        nickname: french ? 'CELI' : 'TFSA',
        status: 'OPEN',
        description: french ? "Compte d'épargne libre d'impôt" : 'Tax-Free Savings Account',
        currency: { currencyCode: currency },
      },
      details: {
        balanceType: 'ASSET',
        currentValue: value,
        availableCashBalance: cash,
        balanceAsOf: asOfIso,
        holdings,
      },
      paymentNetworks: [],
      seedParts: [seed, provider.provider_id, user.username, accountId],
      openingBalance: value,
    });
  }

  const email = `${first}.${last}`
    .normalize('NFD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .replace(/[^a-z.]/g, '');
  const body = {
    customerId,
    name: { first, last },
    dateOfBirth: `${int(r, 1955, 2002)}-${String(int(r, 1, 12)).padStart(2, '0')}-${String(int(r, 1, 28)).padStart(2, '0')}`,
    email: [`${email}@example.${provider.country === 'US' ? 'com' : 'ca'}`],
    addresses: [
      {
        line1: `${int(r, 10, 9999)} ${pick(r, STREETS)}`,
        city: place.city,
        region: place.region,
        postalCode: place.postal,
        country: provider.country,
        type: 'HOME',
      },
    ],
    telephones: [{ type: 'HOME', country: '1', number: `${int(r, 204, 905)}555${digits(r, 4)}` }],
    accounts: accounts.map((a) => ({ accountId: a.accountId, relationship: 'PRIMARY' })),
  };
  return { customerId, body, accounts };
}

/** The account wrapped the FDX way: `{depositAccount:{…}}`, `{loanAccount:{…}}`, … */
export function wrapAccount(account: SandboxAccount, details: boolean): Record<string, unknown> {
  return { [WRAPPER[account.category]]: details ? { ...account.basic, ...account.details } : account.basic };
}

// ---------------------------------------------------------------------------------------------------------
// Transactions

export interface SandboxTransaction {
  /** Milliseconds since the epoch of postedTimestamp, for filtering. */
  time: number;
  body: Record<string, unknown>;
}

const DEBITS = [
  ['Tim Hortons', 2, 18],
  ['Loblaws', 20, 180],
  ['Metro', 15, 160],
  ['IGA', 12, 140],
  ['Provigo', 15, 150],
  ['Sobeys', 20, 170],
  ['Canadian Tire', 10, 250],
  ['Shoppers Drug Mart', 5, 90],
  ['Pharmaprix', 5, 80],
  ['Jean Coutu', 5, 70],
  ['Petro-Canada', 30, 95],
  ['Esso', 30, 95],
  ['Couche-Tard', 3, 40],
  ['SAQ', 15, 120],
  ['Dollarama', 3, 40],
  ['Simons', 30, 200],
  ['Uber Eats', 15, 70],
  ['Amazon.ca', 10, 200],
  ['Indigo', 12, 80],
  ['Cineplex', 12, 60],
  ['Costco Wholesale', 60, 350],
  ['STM', 3.75, 97],
  ['Presto', 10, 60],
] as const;
const BILLS = [
  ['Hydro-Québec', 60, 220],
  ['Bell Canada', 70, 140],
  ['Vidéotron', 50, 120],
  ['Rogers', 60, 130],
  ['Enbridge Gas', 40, 180],
] as const;

/** 24 months of an account's transactions up to `asOf`, newest last; hundreds per deposit account. */
export function buildTransactions(account: SandboxAccount, asOf: Date): SandboxTransaction[] {
  const r = prng(...account.seedParts, 'transactions', isoDate(asOf));
  const end = Date.UTC(asOf.getUTCFullYear(), asOf.getUTCMonth(), asOf.getUTCDate());
  const start = Date.UTC(asOf.getUTCFullYear() - 2, asOf.getUTCMonth(), asOf.getUTCDate());
  const out: SandboxTransaction[] = [];
  const wrapper = TX_WRAPPER[account.category];
  const type = account.basic.accountType;
  let n = 0;
  const add = (
    day: number,
    description: string,
    amount: number,
    memo: 'DEBIT' | 'CREDIT',
    transactionType: string,
  ) => {
    const time = day + int(r, 7 * 3600, 22 * 3600) * 1000;
    n += 1;
    const pending = end - day < 2 * 86400000 && memo === 'DEBIT' && r() < 0.5;
    out.push({
      time,
      body: {
        [wrapper]: {
          accountId: account.accountId,
          transactionId: `${account.accountId}-t${String(n).padStart(5, '0')}`,
          postedTimestamp: new Date(time).toISOString(),
          transactionTimestamp: new Date(time - int(r, 0, 36) * 3600000).toISOString(),
          description,
          debitCreditMemo: memo,
          amount: money(amount),
          transactionType,
          status: pending ? 'PENDING' : 'POSTED',
        },
      },
    });
  };
  for (let day = start; day <= end; day += 86400000) {
    const d = new Date(day);
    const dom = d.getUTCDate();
    if (account.category === 'DEPOSIT_ACCOUNT' && type === 'CHECKING') {
      if (dom === 1 || dom === 15)
        add(day, 'Payroll deposit / Dépôt de paie', 1800 + r() * 900, 'CREDIT', 'DIRECTDEPOSIT');
      if (dom === 3) {
        const [name, lo, hi] = pick(r, BILLS);
        add(day, `${name} — bill payment`, lo + r() * (hi - lo), 'DEBIT', 'BILLPAYMENT');
      }
      if (dom === 20 && d.getUTCMonth() % 3 === 0)
        add(day, 'GST/HST credit — Canada', 80 + r() * 40, 'CREDIT', 'DIRECTDEPOSIT');
      const count = r() < 0.55 ? int(r, 1, 2) : 0;
      for (let i = 0; i < count; i++) {
        const [name, lo, hi] = pick(r, DEBITS);
        add(day, name, lo + r() * (hi - lo), 'DEBIT', 'POSDEBIT');
      }
      if (r() < 0.03)
        add(
          day,
          `Interac e-Transfer from ${pick(r, [...FIRST_EN, ...FIRST_FR])}`,
          20 + r() * 300,
          'CREDIT',
          'TRANSFER',
        );
    } else if (account.category === 'DEPOSIT_ACCOUNT') {
      if (dom === 2) add(day, 'Transfer from chequing / Virement', 100 + r() * 400, 'CREDIT', 'TRANSFER');
      if (dom === 28) add(day, 'Interest / Intérêts', 2 + r() * 30, 'CREDIT', 'INTEREST');
      if (r() < 0.3) add(day, 'Online transfer to chequing', 20 + r() * 200, 'DEBIT', 'TRANSFER');
      if (r() < 0.25) add(day, 'Interac e-Transfer received', 15 + r() * 250, 'CREDIT', 'TRANSFER');
    } else if (account.category === 'LOC_ACCOUNT') {
      if (r() < 0.25) add(day, pick(r, DEBITS)[0], 20 + r() * 400, 'DEBIT', 'WITHDRAWAL');
      if (dom === 10) add(day, 'Payment — thank you / Paiement', 100 + r() * 500, 'CREDIT', 'PAYMENT');
      if (dom === 25) add(day, 'Interest charge', 10 + r() * 60, 'DEBIT', 'INTEREST');
      if (r() < 0.2) add(day, 'Cash advance', 40 + r() * 200, 'DEBIT', 'WITHDRAWAL');
    } else if (account.category === 'LOAN_ACCOUNT') {
      if (dom === 1 || dom === 15)
        add(day, 'Mortgage payment / Versement hypothécaire', 900 + r() * 300, 'CREDIT', 'PAYMENT');
      if (dom === 28) add(day, 'Interest / Intérêts', 600 + r() * 200, 'DEBIT', 'INTEREST');
      if (r() < 0.2) add(day, 'Property tax instalment', 80 + r() * 150, 'DEBIT', 'FEE');
    } else {
      if (dom === 5) add(day, 'Contribution / Cotisation', 250 + r() * 250, 'CREDIT', 'CONTRIBUTION');
      if (r() < 0.3) add(day, `Buy ${pick(r, ['XIC', 'VFV', 'ZAG'])}`, 100 + r() * 900, 'DEBIT', 'PURCHASED');
      if (r() < 0.15)
        add(day, `Dividend ${pick(r, ['XIC', 'VFV', 'ZAG'])}`, 5 + r() * 60, 'CREDIT', 'DIVIDEND');
      if (r() < 0.1) add(day, `Sell ${pick(r, ['XIC', 'VFV', 'ZAG'])}`, 100 + r() * 700, 'CREDIT', 'SOLD');
    }
  }
  out.sort((a, b) => a.time - b.time);
  return out;
}

// ---------------------------------------------------------------------------------------------------------
// Statements

export interface SandboxStatement {
  statementId: string;
  /** Last day of the statement's month, YYYY-MM-DD. */
  statementDate: string;
  /** Epoch ms of the month's first and last instant, for filtering and the document. */
  start: number;
  end: number;
}

/** One statement per month for the 24 months before `asOf`, oldest first. */
export function buildStatements(account: SandboxAccount, asOf: Date): SandboxStatement[] {
  const out: SandboxStatement[] = [];
  for (let back = 24; back >= 1; back--) {
    const start = Date.UTC(asOf.getUTCFullYear(), asOf.getUTCMonth() - back, 1);
    const end = Date.UTC(asOf.getUTCFullYear(), asOf.getUTCMonth() - back + 1, 1) - 1;
    const month = new Date(start).toISOString().slice(0, 7).replace('-', '');
    out.push({
      statementId: `${account.accountId}-s${month}`,
      statementDate: isoDate(new Date(end)),
      start,
      end,
    });
  }
  return out;
}

/** A small, valid PDF (one page of text) for a statement: the month's totals and its transactions. */
export function statementPdf(
  bank: SandboxProvider,
  account: SandboxAccount,
  statement: SandboxStatement,
  transactions: SandboxTransaction[],
): Buffer {
  const inMonth = transactions.filter((t) => t.time >= statement.start && t.time <= statement.end);
  const sum = (memo: string) =>
    money(
      inMonth
        .map((t) => Object.values(t.body)[0] as { debitCreditMemo: string; amount: number })
        .filter((t) => t.debitCreditMemo === memo)
        .reduce((s, t) => s + t.amount, 0),
    );
  const lines = [
    `${bank.name} - Statement ${statement.statementDate.slice(0, 7)}`,
    `${account.basic.productName} ${account.basic.accountNumberDisplay}`,
    `Transactions: ${inMonth.length}   Credits: ${sum('CREDIT').toFixed(2)}   Debits: ${sum('DEBIT').toFixed(2)} ${bank.currency}`,
    '',
    ...inMonth.slice(0, 40).map((t) => {
      const tx = Object.values(t.body)[0] as {
        postedTimestamp: string;
        description: string;
        amount: number;
        debitCreditMemo: string;
      };
      return `${tx.postedTimestamp.slice(0, 10)}  ${tx.debitCreditMemo === 'DEBIT' ? '-' : '+'}${tx.amount.toFixed(2)}  ${tx.description}`;
    }),
  ];
  // PDF text strings are Latin-1 here: accents survive, anything else becomes '?'.
  const pdfText = (s: string) =>
    s
      .replace(/[—–]/g, '-')
      .replace(/[^\x20-\xff]/g, '?')
      .replace(/[\\()]/g, (c) => `\\${c}`);
  const content = `BT /F1 10 Tf 50 800 Td 14 TL ${lines.map((l) => `(${pdfText(l)}) '`).join(' ')} ET`;
  const objects = [
    '<< /Type /Catalog /Pages 2 0 R >>',
    '<< /Type /Pages /Kids [3 0 R] /Count 1 >>',
    '<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 842] /Resources << /Font << /F1 4 0 R >> >> /Contents 5 0 R >>',
    '<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>',
    `<< /Length ${Buffer.byteLength(content, 'latin1')} >>\nstream\n${content}\nendstream`,
  ];
  let pdf = '%PDF-1.4\n';
  const offsets: number[] = [];
  objects.forEach((body, i) => {
    offsets.push(Buffer.byteLength(pdf, 'latin1'));
    pdf += `${i + 1} 0 obj\n${body}\nendobj\n`;
  });
  const xref = Buffer.byteLength(pdf, 'latin1');
  pdf += `xref\n0 ${objects.length + 1}\n0000000000 65535 f \n`;
  pdf += offsets.map((o) => `${String(o).padStart(10, '0')} 00000 n \n`).join('');
  pdf += `trailer\n<< /Size ${objects.length + 1} /Root 1 0 R >>\nstartxref\n${xref}\n%%EOF\n`;
  return Buffer.from(pdf, 'latin1');
}

// ---------------------------------------------------------------------------------------------------------
// Data inventory

/** `data_inventory` of `GET /api/v1/providers/{id}`: the FDX field paths the bank fills, per kind of data. */
export interface DataInventory {
  account: string[];
  customers: string[];
  detailed_accounts: string[];
  lightweight_accounts: string[];
  payments: string[];
  transactions: string[];
}

/** Dotted paths of the leaves of `value` (`[]` marks an array's items), e.g. `depositAccount.currency.currencyCode`. */
function fieldPaths(value: unknown, prefix: string, out: Set<string>): Set<string> {
  if (Array.isArray(value)) {
    for (const item of value) fieldPaths(item, `${prefix}[]`, out);
  } else if (typeof value === 'object' && value !== null) {
    for (const [key, inner] of Object.entries(value))
      fieldPaths(inner, prefix ? `${prefix}.${key}` : key, out);
  } else if (prefix) out.add(prefix);
  return out;
}

const inventories = new Map<number, DataInventory>();

/**
 * The bank's data inventory, read off the data it generates (so it never claims a field the sandbox does not
 * fill): every field of a test customer's accounts, transactions, payment networks and customer record.
 */
export function dataInventoryOf(provider: SandboxProvider): DataInventory {
  const cached = inventories.get(provider.provider_id);
  if (cached) return cached;
  const user = TEST_USERS[0] as TestUser;
  const asOf = new Date(Date.UTC(2026, 0, 31));
  const customer = buildCustomer('inventory', provider, user, asOf);
  const sorted = (set: Set<string>) => [...set].sort();
  const light = new Set<string>();
  const detailed = new Set<string>();
  const transactions = new Set<string>();
  const payments = new Set<string>();
  for (const account of customer.accounts) {
    fieldPaths(wrapAccount(account, false), '', light);
    fieldPaths(wrapAccount(account, true), '', detailed);
    for (const t of buildTransactions(account, asOf).slice(0, 50)) fieldPaths(t.body, '', transactions);
    if (account.paymentNetworks.length)
      fieldPaths({ paymentNetworks: account.paymentNetworks }, '', payments);
  }
  const { accounts: _accounts, ...customerFields } = customer.body;
  const inventory: DataInventory = {
    account: sorted(detailed),
    customers: sorted(fieldPaths(customerFields, '', new Set())),
    detailed_accounts: sorted(detailed),
    lightweight_accounts: sorted(light),
    payments: sorted(payments),
    transactions: sorted(transactions),
  };
  inventories.set(provider.provider_id, inventory);
  return inventory;
}
