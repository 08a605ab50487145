import type { ErrorCode } from '../core/src/index.ts';

/** Every string the element shows, in one language. */
export interface Strings {
  connect: string;
  /** The main button once a bank is connected. */
  connectAnother: string;
  retry: string;
  cancel: string;
  reopen: string;
  /** While the bank's window is open; the bank's name when the picker knows it. */
  connecting: (bank?: string) => string;
  /** When the bank's window is lost or never sends the customer back. */
  stalled: string;
  exchanging: string;
  connected: (bank?: string) => string;
  /** The customer (or the bank) declined at the bank. */
  refused: (bank?: string) => string;
  exited: string;
  chooseBank: string;
  search: string;
  /** Above the few banks `providers-url` names as popular, before the customer types. */
  popular: string;
  loadingBanks: string;
  noBanks: (query: string) => string;
  none: string;
  banksCount: (count: number) => string;
  errors: Record<ErrorCode, string>;
}

// A customer can do nothing different about these, so they share a message; the event's code tells them apart.
const unverifiedEn = 'Your bank’s answer could not be verified. Please start again.';
const unfinishedEn = 'The connection could not be finished. Please try again.';
const unverifiedFr = 'La réponse de votre banque n’a pas pu être vérifiée. Veuillez recommencer.';
const unfinishedFr = 'La connexion n’a pas pu être finalisée. Veuillez réessayer.';

/** "4 banks", "1 bank"; "0 banque", "2 banques": the language's plural rules and digits. */
function count(lang: string, n: number, one: string, other: string): string {
  return `${n.toLocaleString(lang)} ${new Intl.PluralRules(lang).select(n) === 'one' ? one : other}`;
}

const en: Strings = {
  connect: 'Connect your bank',
  connectAnother: 'Connect another bank',
  retry: 'Try again',
  cancel: 'Cancel',
  reopen: 'Reopen the bank’s window',
  connecting: (bank) => `Connecting to ${bank ?? 'your bank'}… Continue in its window.`,
  stalled: 'Don’t see your bank’s window, or is it showing an error? Reopen it or cancel.',
  exchanging: 'Finishing the connection…',
  connected: (bank) => (bank ? `Connected to ${bank}.` : 'Your bank is connected.'),
  refused: (bank) => `The connection to ${bank ?? 'your bank'} was declined.`,
  exited: 'Connection cancelled.',
  chooseBank: 'Choose your bank',
  search: 'Search for your bank',
  popular: 'Popular banks',
  loadingBanks: 'Loading banks…',
  noBanks: (query) => `No bank matches “${query}”.`,
  none: 'No banks are available.',
  banksCount: (n) => count('en', n, 'bank', 'banks'),
  errors: {
    INVALID_CONFIG: 'This button is not set up correctly.',
    STATE_MISMATCH: unverifiedEn,
    ISSUER_MISMATCH: unverifiedEn,
    INVALID_CALLBACK: unverifiedEn,
    FLOW_EXPIRED: 'This attempt took too long. Please start again.',
    AUTHORIZATION_FAILED: 'Your bank could not connect. Please try again later.',
    POPUP_BLOCKED: 'Your browser blocked the bank’s window. Allow pop-ups for this site and try again.',
    EXCHANGE_FAILED: unfinishedEn,
    EXCHANGE_INVALID_RESPONSE: unfinishedEn,
    EXCHANGE_NETWORK_ERROR: 'The server could not be reached. Check your connection and try again.',
    EXCHANGE_TIMEOUT: 'The server took too long to answer. Please try again.',
    EXCHANGE_ABORTED: 'The connection was stopped before it finished.',
    PROVIDERS_FAILED: 'The list of banks could not be loaded.',
  },
};

const fr: Strings = {
  connect: 'Connecter votre banque',
  connectAnother: 'Connecter une autre banque',
  retry: 'Réessayer',
  cancel: 'Annuler',
  reopen: 'Rouvrir la fenêtre de la banque',
  connecting: (bank) => `Connexion à ${bank ?? 'votre banque'}… Poursuivez dans sa fenêtre.`,
  stalled:
    'Vous ne voyez pas la fenêtre de votre banque, ou elle affiche une erreur ? Rouvrez-la ou annulez.',
  exchanging: 'Finalisation de la connexion…',
  connected: (bank) => (bank ? `Connexion à ${bank} établie.` : 'Votre banque est connectée.'),
  refused: (bank) => `La connexion à ${bank ?? 'votre banque'} a été refusée.`,
  exited: 'Connexion annulée.',
  chooseBank: 'Choisissez votre banque',
  search: 'Rechercher votre banque',
  popular: 'Banques populaires',
  loadingBanks: 'Chargement des banques…',
  // French typography: narrow no-break spaces inside guillemets, as before ? ! : ;
  noBanks: (query) => `Aucune banque ne correspond à «\u202f${query}\u202f».`,
  none: 'Aucune banque n’est disponible.',
  banksCount: (n) => count('fr', n, 'banque', 'banques'),
  errors: {
    INVALID_CONFIG: 'Ce bouton n’est pas configuré correctement.',
    STATE_MISMATCH: unverifiedFr,
    ISSUER_MISMATCH: unverifiedFr,
    INVALID_CALLBACK: unverifiedFr,
    FLOW_EXPIRED: 'Cette tentative a pris trop de temps. Veuillez recommencer.',
    AUTHORIZATION_FAILED: 'Votre banque n’a pas pu se connecter. Veuillez réessayer plus tard.',
    POPUP_BLOCKED:
      'Votre navigateur a bloqué la fenêtre de la banque. Autorisez les fenêtres surgissantes pour ce site et réessayez.',
    EXCHANGE_FAILED: unfinishedFr,
    EXCHANGE_INVALID_RESPONSE: unfinishedFr,
    EXCHANGE_NETWORK_ERROR: 'Le serveur est injoignable. Vérifiez votre connexion et réessayez.',
    EXCHANGE_TIMEOUT: 'Le serveur a mis trop de temps à répondre. Veuillez réessayer.',
    EXCHANGE_ABORTED: 'La connexion a été interrompue avant la fin.',
    PROVIDERS_FAILED: 'La liste des banques n’a pas pu être chargée.',
  },
};

/** Picks the catalogue for a BCP 47 tag: French for `fr` and its regions, English otherwise. */
export function stringsFor(lang: string | null | undefined): Strings {
  return lang?.toLowerCase().startsWith('fr') ? fr : en;
}

/** The language to show: the element's `lang`, then `<html lang>`, then the browser's. */
export function resolveLang(own: string | null | undefined): string {
  return (
    own ||
    (typeof document === 'undefined' ? '' : document.documentElement.lang) ||
    (typeof navigator === 'undefined' ? 'en' : navigator.language)
  );
}
