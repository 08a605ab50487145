import { isLoopback, SCOPES, validateConfig } from '../core/src/index.ts';
import { browser } from './browser.ts';

/** The extension's configuration: build-time `FLINKS_*` variables, overridable on the options page. */
export interface Settings {
  client_id: string;
  authorize_url: string;
  exchange_url: string;
  scope: string;
  issuer: string;
  /** Skip the picker: one click goes straight to this bank (no providers endpoint needed). */
  provider_id: string;
  providers_url: string;
}

export type SettingsField = keyof Settings;
/** Per-field messages in the UI language; `form` is for what no single field explains. */
export type SettingsErrors = Partial<Record<SettingsField | 'form', string>>;

export const SETTINGS_FIELDS: readonly SettingsField[] = [
  'client_id',
  'authorize_url',
  'exchange_url',
  'scope',
  'issuer',
  'provider_id',
  'providers_url',
];

/** The `FLINKS_*` variable behind each field. */
export const ENV_NAMES: Record<SettingsField, string> = {
  client_id: 'FLINKS_CLIENT_ID',
  authorize_url: 'FLINKS_AUTHORIZE_URL',
  exchange_url: 'FLINKS_EXCHANGE_URL',
  scope: 'FLINKS_SCOPE',
  issuer: 'FLINKS_ISSUER',
  provider_id: 'FLINKS_PROVIDER_ID',
  providers_url: 'FLINKS_PROVIDERS_URL',
};

declare const __FLINKS_BUILD_CONFIG__: Settings;

/** The configuration baked in at build time (`extension/vite.extension.ts` reads the environment). */
export const BUILD_SETTINGS: Settings = normalize(__FLINKS_BUILD_CONFIG__);

const STORAGE_KEY = 'settings';

function t(key: string, substitutions?: string | string[]): string {
  return browser.i18n.getMessage(key, substitutions) || key;
}

/** Trims every field and fills missing ones with ''. */
export function normalize(value: Partial<Record<SettingsField, unknown>>): Settings {
  const out = {} as Settings;
  for (const field of SETTINGS_FIELDS) {
    const v = value[field];
    out[field] = typeof v === 'string' ? v.trim() : '';
  }
  return out;
}

function checkUrl(value: string, required: boolean): string | undefined {
  if (!value) return required ? t('errorRequiredUrl') : undefined;
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return t('errorInvalidUrl', value);
  }
  if (url.protocol !== 'https:' && !isLoopback(url)) return t('errorHttpsOnly', value);
  if (url.username || url.password) return t('errorUrlCredentials');
  if (url.hash) return t('errorUrlFragment');
  return undefined;
}

/**
 * Validates settings field by field, in the UI language. The exchange URL is required: the extension has no
 * page of the partner's to hand the code to. Ends with core's own check so nothing core refuses gets through.
 */
export function validateSettings(settings: Settings, redirect_uri: string): SettingsErrors {
  const errors: SettingsErrors = {};
  if (!settings.client_id) errors.client_id = t('errorClientIdRequired');
  else if (/\s/.test(settings.client_id)) errors.client_id = t('errorClientIdSpaces');
  const urlChecks: [SettingsField, boolean][] = [
    ['authorize_url', true],
    ['exchange_url', true],
    ['issuer', false],
    ['providers_url', false],
  ];
  for (const [field, required] of urlChecks) {
    const message = checkUrl(settings[field], required);
    if (message) errors[field] = message;
  }
  if (settings.provider_id && !/^\d{1,12}$/.test(settings.provider_id)) {
    errors.provider_id = t('errorProviderId', settings.provider_id);
  }
  if (settings.scope) {
    const scopes = settings.scope.split(/\s+/);
    const unknown = scopes.filter((s) => !(SCOPES as readonly string[]).includes(s));
    if (unknown.length) errors.scope = t('errorScopeUnknown', [unknown.join(', '), SCOPES.join(' ')]);
    else if (!scopes.includes('ACCOUNT_BASIC')) errors.scope = t('errorScopeBasic');
  }
  if (Object.keys(errors).length === 0) {
    try {
      validateConfig({
        client_id: settings.client_id,
        authorize_url: settings.authorize_url,
        redirect_uri,
        scope: settings.scope || undefined,
        provider_id: settings.provider_id || undefined,
        issuer: settings.issuer || undefined,
      });
    } catch (error) {
      errors.form = error instanceof Error ? error.message : String(error);
    }
  }
  return errors;
}

/**
 * Host permission patterns the settings need: the exchange and providers origins. `/authorize` needs none, the
 * bank's page opens in the browser's own auth window.
 */
export function requiredOrigins(settings: Settings): string[] {
  const origins = new Set<string>();
  for (const value of [settings.exchange_url, settings.providers_url]) {
    if (!value) continue;
    try {
      const url = new URL(value);
      origins.add(`${url.protocol}//${url.hostname}/*`);
    } catch {
      // invalid URLs are reported by validateSettings
    }
  }
  return [...origins];
}

/** The saved overrides, or undefined when there are none. */
export async function loadOverrides(): Promise<Settings | undefined> {
  const stored = (await browser.storage.local.get(STORAGE_KEY))[STORAGE_KEY];
  if (typeof stored !== 'object' || stored === null) return undefined;
  return normalize(stored as Partial<Record<SettingsField, unknown>>);
}

/**
 * The settings in force: saved overrides when they still validate, otherwise the build's configuration (a
 * corrupted or outdated override never leaves the extension unusable).
 */
export async function loadSettings(
  redirect_uri: string,
): Promise<{ settings: Settings; overridden: boolean }> {
  const overrides = await loadOverrides();
  if (overrides && Object.keys(validateSettings(overrides, redirect_uri)).length === 0) {
    return { settings: overrides, overridden: true };
  }
  return { settings: BUILD_SETTINGS, overridden: false };
}

export async function saveOverrides(settings: Settings | null): Promise<void> {
  if (settings === null) await browser.storage.local.remove(STORAGE_KEY);
  else await browser.storage.local.set({ [STORAGE_KEY]: settings });
}
