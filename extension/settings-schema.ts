/**
 * The extension's settings, defined once for the two places that read them: the build (`vite.extension.ts`,
 * from `FLINKS_*` variables, on Node) and the extension (`settings.ts`, from the options page). No browser or
 * Node globals here: messages come through the `t` each side passes.
 */
import { checkScope, isLoopback, SCOPES, validateConfig } from '../core/src/index.ts';

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

/** A message of `_locales` by key with its `$1`, `$2` substitutions, as `browser.i18n.getMessage` gives it. */
export type Translate = (key: string, substitutions?: string | string[]) => string;

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

/** The fields without which no connect can start: the options page asks for them when the build left them unset. */
export const REQUIRED_FIELDS: readonly SettingsField[] = ['client_id', 'authorize_url', 'exchange_url'];

/** Trims every field and fills missing ones with ''. */
export function normalize(value: Partial<Record<SettingsField, unknown>>): Settings {
  const out = {} as Settings;
  for (const field of SETTINGS_FIELDS) {
    const v = value[field];
    out[field] = typeof v === 'string' ? v.trim() : '';
  }
  return out;
}

function checkUrl(value: string, required: boolean, t: Translate): string | undefined {
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
 * Validates settings field by field, with `t`'s messages. The exchange URL is required: the extension has no
 * page of the partner's to hand the code to. `complete: false` (the build) lets the required fields be unset,
 * since the options page then asks for them. Ends with core's own check so nothing core refuses gets through.
 */
export function checkSettings(
  settings: Settings,
  redirect_uri: string,
  t: Translate,
  { complete = true }: { complete?: boolean } = {},
): SettingsErrors {
  const errors: SettingsErrors = {};
  if (!settings.client_id) {
    if (complete) errors.client_id = t('errorClientIdRequired');
  } else if (/\s/.test(settings.client_id)) errors.client_id = t('errorClientIdSpaces');
  for (const field of ['authorize_url', 'exchange_url', 'issuer', 'providers_url'] as const) {
    const message = checkUrl(settings[field], complete && REQUIRED_FIELDS.includes(field), t);
    if (message) errors[field] = message;
  }
  if (settings.provider_id && !/^\d{1,12}$/.test(settings.provider_id)) {
    errors.provider_id = t('errorProviderId', settings.provider_id);
  }
  if (settings.scope) {
    const { unknown, hasAccountBasic } = checkScope(settings.scope);
    if (unknown.length) errors.scope = t('errorScopeUnknown', [unknown.join(', '), SCOPES.join(' ')]);
    else if (!hasAccountBasic) errors.scope = t('errorScopeBasic');
  }
  if (Object.keys(errors).length === 0 && settings.client_id && settings.authorize_url) {
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
      // invalid URLs are reported by checkSettings
    }
  }
  return [...origins];
}
