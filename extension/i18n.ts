import { browser } from './browser.ts';

/** A message of `_locales` in the browser's UI language (English when the language has none). */
export function t(key: string, substitutions?: string | string[]): string {
  return browser.i18n.getMessage(key, substitutions) || key;
}

/** `en` or `fr`: the languages the extension and `<flinks-connect>` ship. */
export function uiLanguage(): 'en' | 'fr' {
  return browser.i18n.getUILanguage().toLowerCase().startsWith('fr') ? 'fr' : 'en';
}

/** Fills every `[data-i18n]` element's text and sets the document language. */
export function localize(root: ParentNode = document): void {
  document.documentElement.lang = uiLanguage();
  for (const element of root.querySelectorAll<HTMLElement>('[data-i18n]')) {
    element.textContent = t(element.dataset.i18n as string);
  }
}
