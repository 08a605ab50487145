import { browser } from './browser.ts';
import { t } from './i18n.ts';
import {
  checkSettings,
  normalize,
  type Settings,
  type SettingsErrors,
  type SettingsField,
} from './settings-schema.ts';

export {
  normalize,
  requiredOrigins,
  SETTINGS_FIELDS,
  type Settings,
  type SettingsErrors,
  type SettingsField,
} from './settings-schema.ts';

declare const __FLINKS_BUILD_CONFIG__: Settings;

/** The configuration baked in at build time (`extension/vite.extension.ts` reads the environment). */
export const BUILD_SETTINGS: Settings = normalize(__FLINKS_BUILD_CONFIG__);

const STORAGE_KEY = 'settings';

/** Validates settings field by field, in the UI language (see {@link checkSettings}). */
export function validateSettings(settings: Settings, redirect_uri: string): SettingsErrors {
  return checkSettings(settings, redirect_uri, t);
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
