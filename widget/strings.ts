import type { ErrorCode } from '../core/src/index.ts';

/** Every string the element shows, in one language. */
export interface Strings {
  connect: string;
  retry: string;
  cancel: string;
  opening: string;
  authorizing: string;
  focusPopup: string;
  exchanging: string;
  connected: string;
  exited: string;
  chooseBank: string;
  search: string;
  loadingBanks: string;
  noBanks: (query: string) => string;
  banksCount: (count: number) => string;
  close: string;
  errors: Record<ErrorCode, string>;
  /** Shown when an error has no specific message. */
  genericError: string;
}

const en: Strings = {
  connect: 'Connect your bank',
  retry: 'Try again',
  cancel: 'Cancel',
  opening: 'Opening your bank…',
  authorizing: 'Continue in the window that opened to sign in to your bank.',
  focusPopup: 'Show the bank window',
  exchanging: 'Finishing the connection…',
  connected: 'Your bank is connected.',
  exited: 'The connection was cancelled. You can try again at any time.',
  chooseBank: 'Choose your bank',
  search: 'Search for your bank',
  loadingBanks: 'Loading banks…',
  noBanks: (query) => `No bank matches “${query}”.`,
  banksCount: (count) => `${new Intl.NumberFormat('en').format(count)} bank${count === 1 ? '' : 's'}`,
  close: 'Close',
  genericError: 'Something went wrong. Please try again.',
  errors: {
    INVALID_CONFIG: 'This connection button is not set up correctly.',
    STATE_MISMATCH:
      'This answer from your bank does not match a connection started here. Please start again.',
    ISSUER_MISMATCH: 'The answer did not come from the expected bank. Please start again.',
    INVALID_CALLBACK: 'Your bank sent back an answer we could not read. Please start again.',
    FLOW_EXPIRED: 'This connection attempt took too long. Please start again.',
    AUTHORIZATION_FAILED: 'Your bank could not complete the connection. Please try again later.',
    POPUP_BLOCKED: 'Your browser blocked the bank window. Allow pop-ups for this site and try again.',
    EXCHANGE_FAILED: 'We could not finish connecting your bank. Please try again.',
    EXCHANGE_INVALID_RESPONSE:
      'We received an unexpected answer while finishing the connection. Please try again.',
    EXCHANGE_NETWORK_ERROR: 'We could not reach the server. Check your connection and try again.',
    EXCHANGE_TIMEOUT: 'Finishing the connection took too long. Please try again.',
    EXCHANGE_ABORTED: 'The connection was stopped before it finished.',
    PROVIDERS_FAILED: 'The list of banks could not be loaded.',
  },
};

const fr: Strings = {
  connect: 'Connecter votre banque',
  retry: 'Réessayer',
  cancel: 'Annuler',
  opening: 'Ouverture de votre banque…',
  authorizing: 'Poursuivez dans la fenêtre qui s’est ouverte pour vous connecter à votre banque.',
  focusPopup: 'Afficher la fenêtre de la banque',
  exchanging: 'Finalisation de la connexion…',
  connected: 'Votre banque est connectée.',
  exited: 'La connexion a été annulée. Vous pouvez réessayer à tout moment.',
  chooseBank: 'Choisissez votre banque',
  search: 'Rechercher votre banque',
  loadingBanks: 'Chargement des banques…',
  noBanks: (query) => `Aucune banque ne correspond à « ${query} ».`,
  banksCount: (count) => `${new Intl.NumberFormat('fr').format(count)} banque${count > 1 ? 's' : ''}`,
  close: 'Fermer',
  genericError: 'Une erreur est survenue. Veuillez réessayer.',
  errors: {
    INVALID_CONFIG: 'Ce bouton de connexion n’est pas configuré correctement.',
    STATE_MISMATCH:
      'Cette réponse de votre banque ne correspond à aucune connexion commencée ici. Veuillez recommencer.',
    ISSUER_MISMATCH: 'La réponse ne vient pas de la banque attendue. Veuillez recommencer.',
    INVALID_CALLBACK: 'Votre banque a renvoyé une réponse illisible. Veuillez recommencer.',
    FLOW_EXPIRED: 'Cette tentative de connexion a pris trop de temps. Veuillez recommencer.',
    AUTHORIZATION_FAILED: 'Votre banque n’a pas pu établir la connexion. Veuillez réessayer plus tard.',
    POPUP_BLOCKED:
      'Votre navigateur a bloqué la fenêtre de la banque. Autorisez les fenêtres contextuelles pour ce site et réessayez.',
    EXCHANGE_FAILED: 'Nous n’avons pas pu finaliser la connexion à votre banque. Veuillez réessayer.',
    EXCHANGE_INVALID_RESPONSE:
      'Nous avons reçu une réponse inattendue en finalisant la connexion. Veuillez réessayer.',
    EXCHANGE_NETWORK_ERROR: 'Le serveur est injoignable. Vérifiez votre connexion et réessayez.',
    EXCHANGE_TIMEOUT: 'La finalisation de la connexion a pris trop de temps. Veuillez réessayer.',
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
  if (own) return own;
  const doc = typeof document === 'undefined' ? '' : document.documentElement.lang;
  if (doc) return doc;
  return typeof navigator === 'undefined' ? 'en' : (navigator.language ?? 'en');
}
