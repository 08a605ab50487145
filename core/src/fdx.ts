/**
 * FDX v5 data types as Flinks Outbound serves them under `/api/fdx/5` (the subset Flinks documents, with the
 * fields FDX defines for it). Every object may carry more fields than listed; unknown ones are kept as they come.
 */

/** Paging block of FDX list answers. */
export interface FdxPage {
  /** Offset of the next page; absent on the last page. */
  nextOffset?: string | number;
  prevOffset?: string | number;
  totalElements?: number;
}

export interface FdxHateoasLink {
  href: string;
  action?: 'GET' | 'POST' | 'PUT' | 'DELETE' | 'PATCH';
  rel?: string;
  types?: string[];
}

export interface FdxPageLinks {
  next?: FdxHateoasLink;
  prev?: FdxHateoasLink;
  self?: FdxHateoasLink;
}

/** FDX error body; see the API doc's table for the codes (602 = customer not authorized). */
export interface FdxErrorBody {
  code: string | number;
  message?: string;
  debugMessage?: string;
}

export type FdxAccountStatus =
  | 'OPEN'
  | 'CLOSED'
  | 'DELINQUENT'
  | 'NEGATIVECURRENTBALANCE'
  | 'PAID'
  | 'PENDINGCLOSE'
  | 'PENDINGOPEN'
  | 'RESTRICTED';

export type FdxAccountCategory =
  | 'DEPOSIT_ACCOUNT'
  | 'LOAN_ACCOUNT'
  | 'LOC_ACCOUNT'
  | 'INVESTMENT_ACCOUNT'
  | 'INSURANCE_ACCOUNT'
  | 'ANNUITY_ACCOUNT'
  | 'COMMERCIAL_ACCOUNT'
  | 'DIGITAL_WALLET';

export type FdxDepositAccountType =
  | 'CHECKING'
  | 'SAVINGS'
  | 'CD'
  | 'COMMERCIALDEPOSIT'
  | 'ESCROW'
  | 'MONEYMARKET'
  | 'OTHERDEPOSIT';

export interface FdxCurrency {
  currencyCode: string;
  currencyRate?: number;
  originalCurrencyCode?: string;
}

/** Fields of `resultType=lightweight`. */
export interface FdxAccountDescriptor {
  accountId: string;
  accountCategory?: FdxAccountCategory;
  accountType?: string;
  accountNumberDisplay?: string;
  productName?: string;
  nickname?: string;
  status?: FdxAccountStatus;
  description?: string;
  currency?: FdxCurrency;
  fiAttributes?: { name: string; value: string }[];
  [field: string]: unknown;
}

/** Fields `resultType=details` (and `/accounts/{id}`) add to a deposit account. */
export interface FdxDepositAccount extends FdxAccountDescriptor {
  accountType?: FdxDepositAccountType | (string & {});
  /** The full account number (details only). */
  accountNumber?: string;
  /** Canada: `0` + institution + transit (EFT routing number); US: the ABA routing number. */
  routingTransitNumber?: string;
  balanceType?: FdxBalanceType;
  /** Whether money can be moved into / out of the account. */
  transferIn?: boolean;
  transferOut?: boolean;
  currentBalance?: number;
  availableBalance?: number;
  balanceAsOf?: string;
  openingDayBalance?: number;
  interestRate?: number;
  interestRateType?: 'FIXED' | 'VARIABLE';
  interestYtd?: number;
  openingDate?: string;
  maturityDate?: string;
}

/** `ASSET` (deposit, investment: a positive balance is the customer's) or `LIABILITY` (loan, line of credit). */
export type FdxBalanceType = 'ASSET' | 'LIABILITY';

export interface FdxLoanAccount extends FdxAccountDescriptor {
  balanceType?: FdxBalanceType;
  principalBalance?: number;
  balanceAsOf?: string;
  originalPrincipal?: number;
  interestRate?: number;
  loanTerm?: number;
  nextPaymentAmount?: number;
  nextPaymentDate?: string;
  payOffAmount?: number;
  maturityDate?: string;
}

export interface FdxLocAccount extends FdxAccountDescriptor {
  balanceType?: FdxBalanceType;
  creditLine?: number;
  availableCredit?: number;
  currentBalance?: number;
  balanceAsOf?: string;
  minimumPaymentAmount?: number;
  nextPaymentDate?: string;
  interestRate?: number;
}

/** One holding of an investment account (FDX 5.2: the ticker is `symbol`; there is no `TICKER` id type). */
export interface FdxHolding {
  holdingId?: string;
  /** CUSIP, ISIN, … (FDX 5.2 has no TICKER id type). */
  securityId?: string;
  securityIdType?: 'CUSIP' | 'ISIN' | 'SEDOL' | 'SICC' | 'VALOR' | 'WKN' | (string & {});
  symbol?: string;
  holdingName?: string;
  holdingType?: string;
  units?: number;
  currentUnitPrice?: number;
  marketValue?: number;
  currency?: FdxCurrency;
  [field: string]: unknown;
}

export interface FdxInvestmentAccount extends FdxAccountDescriptor {
  /** A TFSA is `TAXFREESAVINGSACCOUNT` in FDX 5.2. */
  accountType?: 'TAXFREESAVINGSACCOUNT' | (string & {});
  balanceType?: FdxBalanceType;
  currentValue?: number;
  availableCashBalance?: number;
  balanceAsOf?: string;
  holdings?: FdxHolding[];
}

/** One account as FDX wraps it: exactly one key says its kind. */
export type FdxAccount =
  | { depositAccount: FdxDepositAccount }
  | { loanAccount: FdxLoanAccount }
  | { locAccount: FdxLocAccount }
  | { investmentAccount: FdxInvestmentAccount };

/** `GET /accounts` */
export interface FdxAccounts {
  page?: FdxPage;
  links?: FdxPageLinks;
  accounts: FdxAccount[];
}

export type FdxDebitCreditMemo = 'DEBIT' | 'CREDIT' | 'MEMO';
export type FdxTransactionStatus = 'PENDING' | 'MEMO' | 'POSTED' | 'AUTHORIZATION';

export interface FdxTransactionBase {
  accountId: string;
  transactionId: string;
  /** FDX 5.2 type of the account kind's list, e.g. `POSDEBIT`, `DIRECTDEPOSIT`, `PAYMENT`, `INTEREST`, `PURCHASED`. */
  transactionType?: string;
  postedTimestamp?: string;
  transactionTimestamp?: string;
  description?: string;
  memo?: string;
  debitCreditMemo: FdxDebitCreditMemo;
  category?: string;
  subCategory?: string;
  reference?: string;
  status: FdxTransactionStatus;
  /** Absolute value; `debitCreditMemo` gives the direction. */
  amount: number;
  foreignAmount?: number;
  foreignCurrency?: string;
  [field: string]: unknown;
}

export interface FdxDepositTransaction extends FdxTransactionBase {
  payee?: string;
  checkNumber?: number;
}

/** One transaction as FDX wraps it: the key names the account kind. */
export type FdxTransaction =
  | { depositTransaction: FdxDepositTransaction }
  | { loanTransaction: FdxTransactionBase }
  | { locTransaction: FdxTransactionBase }
  | { investmentTransaction: FdxTransactionBase };

/** `GET /accounts/{accountId}/transactions` */
export interface FdxTransactions {
  page?: FdxPage;
  links?: FdxPageLinks;
  transactions: FdxTransaction[];
}

export interface FdxName {
  first?: string;
  middle?: string;
  last?: string;
  prefix?: string;
  suffix?: string;
  company?: string;
}

export interface FdxAddress {
  line1?: string;
  line2?: string;
  line3?: string;
  city?: string;
  region?: string;
  postalCode?: string;
  country?: string;
  type?: string;
}

export interface FdxTelephone {
  type?: 'HOME' | 'BUSINESS' | 'CELL' | 'FAX' | (string & {});
  country?: string;
  number: string;
}

/** `GET /customers/current` */
export interface FdxCustomer {
  customerId: string;
  name?: FdxName;
  dateOfBirth?: string;
  email?: string[];
  addresses?: FdxAddress[];
  telephones?: FdxTelephone[];
  accounts?: { accountId: string; relationship?: string; [field: string]: unknown }[];
  [field: string]: unknown;
}

export interface FdxPaymentNetwork {
  bankId: string;
  identifier: string;
  identifierType?: 'ACCOUNT_NUMBER' | 'TOKENIZED_ACCOUNT_NUMBER' | (string & {});
  type: 'CA_ACSS' | 'CA_LVTS' | 'US_ACH' | 'US_FEDWIRE' | 'US_CHIPS' | (string & {});
  transferIn: boolean;
  transferOut: boolean;
}

/** `GET /accounts/{accountId}/payment-networks` */
export interface FdxPaymentNetworks {
  page?: FdxPage;
  links?: FdxPageLinks;
  paymentNetworks: FdxPaymentNetwork[];
}
