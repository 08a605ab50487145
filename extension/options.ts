import { browser } from './browser.ts';
import { localize, t } from './i18n.ts';
import { type SettingsView, send } from './messages.ts';
import {
  requiredOrigins,
  SETTINGS_FIELDS,
  type Settings,
  type SettingsErrors,
  type SettingsField,
  validateSettings,
} from './settings.ts';

const form = document.querySelector('#settings') as HTMLFormElement;
const summary = document.querySelector('#summary') as HTMLElement;
const notice = document.querySelector('#notice') as HTMLElement;
const source = document.querySelector('#source') as HTMLElement;
const HINTS: Record<SettingsField, string> = {
  client_id: 'hintClientId',
  authorize_url: 'hintAuthorizeUrl',
  exchange_url: 'hintExchangeUrl',
  scope: 'hintScope',
  issuer: 'hintIssuer',
  provider_id: 'hintProviderId',
  providers_url: 'hintProvidersUrl',
};

localize();
(document.querySelector('#redirect-uri') as HTMLElement).textContent = browser.identity.getRedirectURL();

function input(field: SettingsField): HTMLInputElement {
  return form.elements.namedItem(field) as HTMLInputElement;
}

function paragraph(id: string, className: string): HTMLParagraphElement {
  const p = document.createElement('p');
  p.id = id;
  p.className = className;
  return p;
}

// Each field gets a hint (what to enter, and the build's value) and an error slot, both described by the input.
for (const field of SETTINGS_FIELDS) {
  const wrapper = form.querySelector(`[data-field="${field}"]`) as HTMLElement;
  const hint = paragraph(`${field}-hint`, 'hint');
  const error = paragraph(`${field}-error`, 'field-error');
  error.hidden = true;
  wrapper.append(hint, error);
  input(field).setAttribute('aria-describedby', `${field}-hint ${field}-error`);
}

function show(view: SettingsView): void {
  for (const field of SETTINGS_FIELDS) {
    input(field).value = view.settings[field];
    const hint = document.getElementById(`${field}-hint`) as HTMLElement;
    const build = view.defaults[field];
    hint.textContent = `${t(HINTS[field])} ${build ? t('buildValue', build) : t('buildValueNone')}`;
  }
  source.textContent = t(view.overridden ? 'usingOverrides' : 'usingBuild');
}

function showErrors(errors: SettingsErrors): void {
  for (const field of SETTINGS_FIELDS) {
    const error = document.getElementById(`${field}-error`) as HTMLElement;
    const message = errors[field];
    error.textContent = message ?? '';
    error.hidden = !message;
    input(field).setAttribute('aria-invalid', message ? 'true' : 'false');
  }
  const messages = [
    errors.form,
    Object.keys(errors).some((k) => k !== 'form') ? t('errorsSummary') : undefined,
  ];
  summary.textContent = messages.filter(Boolean).join(' ');
  summary.hidden = !summary.textContent;
  const first = SETTINGS_FIELDS.find((field) => errors[field]);
  if (first) input(first).focus();
}

function showNotice(message: string): void {
  notice.textContent = message;
  notice.hidden = false;
}

function read(): Settings {
  const settings = {} as Settings;
  for (const field of SETTINGS_FIELDS) settings[field] = input(field).value.trim();
  return settings;
}

/** Gives back optional host permissions the settings no longer need (least privilege). */
async function dropUnusedOrigins(keep: string[]): Promise<void> {
  const required = new Set([...(browser.runtime.getManifest().host_permissions ?? []), ...keep]);
  const granted = (await browser.permissions.getAll()).origins ?? [];
  const unused = granted.filter((origin) => !required.has(origin));
  if (unused.length) await browser.permissions.remove({ origins: unused }).catch(() => false);
}

form.addEventListener('submit', (event) => {
  event.preventDefault();
  notice.hidden = true;
  const settings = read();
  const errors = validateSettings(settings, browser.identity.getRedirectURL());
  if (Object.keys(errors).length) {
    showErrors(errors);
    return;
  }
  const origins = requiredOrigins(settings);
  // Asked first, inside the click: the browser only shows the permission prompt for a user action.
  const granted = origins.length ? browser.permissions.request({ origins }) : Promise.resolve(true);
  void granted
    .catch(() => false)
    .then(async (ok) => {
      if (!ok) {
        showErrors({ form: t('errorPermissionDenied', origins.join(', ')) });
        return;
      }
      const answer = await send({ type: 'save-settings', settings });
      if (!answer.ok) {
        showErrors(answer.errors);
        return;
      }
      showErrors({});
      show(answer.view);
      showNotice(t('saved'));
      await dropUnusedOrigins(origins);
    });
});

(document.querySelector('#reset') as HTMLButtonElement).addEventListener('click', async () => {
  notice.hidden = true;
  const answer = await send({ type: 'save-settings', settings: null });
  if (answer.ok) {
    showErrors({});
    show(answer.view);
    showNotice(t('resetDone'));
    await dropUnusedOrigins(requiredOrigins(answer.view.settings));
  }
});

const view = await send({ type: 'get-settings' });
show(view);
showErrors(view.errors);
