/**
 * Build of the companion extension, one per browser: `vite build --mode extension-chrome|extension-firefox`
 * (the root vite.config.ts calls {@link extensionConfig}). It reads the partner's configuration from the
 * `FLINKS_*` environment variables, derives the manifest for the browser from the root manifest.json (least
 * privilege: host permissions only for the configured exchange and providers origins), checks the manifest's
 * version against package.json, and writes `dist/extension/<browser>/` plus `dist/extension/<browser>.zip`.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { deflateRawSync } from 'node:zlib';
import { crx, type ManifestV3Export } from '@crxjs/vite-plugin';
import type { Plugin, UserConfig } from 'vite';
import {
  checkSettings,
  ENV_NAMES,
  normalize,
  REQUIRED_FIELDS,
  requiredOrigins,
  type Settings,
  type SettingsField,
} from './settings-schema.ts';

export type ExtensionBrowser = 'chrome' | 'firefox';

export interface ExtensionBuildOptions {
  /** Where the `FLINKS_*` variables come from. Default `process.env`. */
  env?: Record<string, string | undefined>;
  /** Default `dist/extension/<browser>`. */
  outDir?: string;
  /** Path of the zip to write, or false for none. Default `dist/extension/<browser>.zip`. */
  zip?: string | false;
}

/** The extension's build-time configuration: the extension's `Settings`, read from `FLINKS_*` variables. */
export type BuildSettings = Settings;

const ROOT = resolve(dirname(new URL(import.meta.url).pathname), '..');
const EXTENSION_DIR = join(ROOT, 'extension');

/** Firefox ties the redirect URL (`https://<hash>.extensions.allizom.org/`) to this id: keep it stable. */
export const DEFAULT_GECKO_ID = 'flinks-connect@extension.flinks-connect';

function readJson(path: string): Record<string, unknown> {
  return JSON.parse(readFileSync(path, 'utf8')) as Record<string, unknown>;
}

/**
 * The extension's English messages (`_locales/en`), so the build explains a bad variable in the options page's
 * words.
 */
function englishMessages(): (key: string, substitutions?: string | string[]) => string {
  const messages = readJson(join(EXTENSION_DIR, '_locales', 'en', 'messages.json')) as Record<
    string,
    { message: string }
  >;
  return (key, substitutions = []) => {
    const values = typeof substitutions === 'string' ? [substitutions] : substitutions;
    const message = messages[key]?.message ?? key;
    return message.replace(/\$(\d)/g, (_, n: string) => values[Number(n) - 1] ?? '');
  };
}

/**
 * Reads and checks the `FLINKS_*` variables with the options page's own rules (settings-schema.ts). Unset ones
 * stay '' (the options page then asks for them).
 */
export function readBuildSettings(env: Record<string, string | undefined>): BuildSettings {
  const settings = normalize(
    Object.fromEntries(Object.entries(ENV_NAMES).map(([field, name]) => [field, env[name]])),
  );
  // The redirect URI is only known in the browser; any https URL stands in for it here.
  const errors = checkSettings(settings, 'https://extension.invalid/', englishMessages(), {
    complete: false,
  });
  const problems = Object.entries(errors).map(([field, message]) => {
    if (field === 'form') return message;
    const name = ENV_NAMES[field as SettingsField];
    const value = settings[field as SettingsField];
    // `FLINKS_X="value" must …` when the message quotes the value, else `FLINKS_X: …` (no value: it may hold a
    // password, which the message is about).
    return message.startsWith(`"${value}"`) ? `${name}=${message}` : `${name}: ${message}`;
  });
  if (problems.length) {
    throw new Error(`Invalid extension configuration:\n  ${problems.join('\n  ')}`);
  }
  return settings;
}

/** `scheme://host/*` for the exchange and providers URLs: the only hosts the extension may reach. */
export const hostPermissions: (settings: BuildSettings) => string[] = requiredOrigins;

/** Throws unless manifest.json and package.json carry the same version: one release, one number. */
export function assertSameVersion(manifestVersion: unknown, packageVersion: unknown): void {
  if (manifestVersion !== packageVersion) {
    throw new Error(
      `manifest.json version ${String(manifestVersion)} does not match package.json version ${String(packageVersion)}: ` +
        'set the same version in both before building the extension.',
    );
  }
}

/** The root manifest.json made into one browser's manifest, after checking its version against package.json. */
export function buildManifest(
  browser: ExtensionBrowser,
  settings: BuildSettings,
  env: Record<string, string | undefined> = {},
): Record<string, unknown> {
  const manifest = readJson(join(ROOT, 'manifest.json'));
  assertSameVersion(manifest.version, readJson(join(ROOT, 'package.json')).version);
  manifest.host_permissions = hostPermissions(settings);
  const worker = (manifest.background as { service_worker: string }).service_worker;
  if (browser === 'firefox') {
    // Firefox runs MV3 backgrounds as event pages (`scripts`), has no `minimum_chrome_version`, and needs a fixed
    // id for a stable `identity.getRedirectURL()`.
    manifest.background = { scripts: [worker], type: 'module' };
    delete manifest.minimum_chrome_version;
    manifest.browser_specific_settings = {
      gecko: {
        id: env.FLINKS_GECKO_ID?.trim() || DEFAULT_GECKO_ID,
        // 140 (the current ESR) is the first with `data_collection_permissions`, which AMO now asks for.
        strict_min_version: '140.0',
        data_collection_permissions: { required: ['none'] },
      },
      gecko_android: { strict_min_version: '142.0' },
    };
  } else {
    manifest.background = { service_worker: worker, type: 'module' };
  }
  return manifest;
}

/** The `_locales` folder has to sit at the extension's root; it lives in extension/_locales here. */
function localesPlugin(): Plugin {
  return {
    name: 'flinks-connect:locales',
    generateBundle() {
      const dir = join(EXTENSION_DIR, '_locales');
      for (const lang of readdirSync(dir)) {
        this.emitFile({
          type: 'asset',
          fileName: `_locales/${lang}/messages.json`,
          source: readFileSync(join(dir, lang, 'messages.json')),
        });
      }
    },
  };
}

const CRC_TABLE = Array.from({ length: 256 }, (_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});

function crc32(data: Uint8Array): number {
  let crc = 0xffffffff;
  for (const byte of data) crc = (CRC_TABLE[(crc ^ byte) & 0xff] as number) ^ (crc >>> 8);
  return (crc ^ 0xffffffff) >>> 0;
}

function listFiles(dir: string): string[] {
  return readdirSync(dir, { recursive: true, encoding: 'utf8' })
    .filter((f) => statSync(join(dir, f)).isFile())
    .sort();
}

/** A plain zip (deflate, no extra fields) of a folder: what the Chrome Web Store and addons.mozilla.org take. */
export function zipDirectory(dir: string): Buffer {
  const locals: Buffer[] = [];
  const centrals: Buffer[] = [];
  let offset = 0;
  // 1980-01-01 00:00: a fixed date keeps the zip reproducible.
  const dosTime = 0;
  const dosDate = (0 << 9) | (1 << 5) | 1;
  for (const file of listFiles(dir)) {
    const name = Buffer.from(file.split(sep).join('/'));
    const data = readFileSync(join(dir, file));
    const deflated = deflateRawSync(data, { level: 9 });
    const crc = crc32(data);
    const local = Buffer.alloc(30);
    local.writeUInt32LE(0x04034b50, 0);
    local.writeUInt16LE(20, 4);
    local.writeUInt16LE(0x0800, 6); // UTF-8 names
    local.writeUInt16LE(8, 8);
    local.writeUInt16LE(dosTime, 10);
    local.writeUInt16LE(dosDate, 12);
    local.writeUInt32LE(crc, 14);
    local.writeUInt32LE(deflated.length, 18);
    local.writeUInt32LE(data.length, 22);
    local.writeUInt16LE(name.length, 26);
    local.writeUInt16LE(0, 28);
    const central = Buffer.alloc(46);
    central.writeUInt32LE(0x02014b50, 0);
    central.writeUInt16LE(20, 4);
    central.writeUInt16LE(20, 6);
    central.writeUInt16LE(0x0800, 8);
    central.writeUInt16LE(8, 10);
    central.writeUInt16LE(dosTime, 12);
    central.writeUInt16LE(dosDate, 14);
    central.writeUInt32LE(crc, 16);
    central.writeUInt32LE(deflated.length, 20);
    central.writeUInt32LE(data.length, 24);
    central.writeUInt16LE(name.length, 28);
    central.writeUInt32LE(offset, 42);
    centrals.push(central, name);
    locals.push(local, name, deflated);
    offset += local.length + name.length + deflated.length;
  }
  const centralSize = centrals.reduce((n, b) => n + b.length, 0);
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(centrals.length / 2, 8);
  end.writeUInt16LE(centrals.length / 2, 10);
  end.writeUInt32LE(centralSize, 12);
  end.writeUInt32LE(offset, 16);
  return Buffer.concat([...locals, ...centrals, end]);
}

function zipPlugin(outDir: string, zipPath: string): Plugin {
  return {
    name: 'flinks-connect:zip',
    apply: 'build',
    async closeBundle() {
      await mkdir(dirname(zipPath), { recursive: true });
      await writeFile(zipPath, zipDirectory(outDir));
      console.log(`extension zip: ${relative(ROOT, zipPath)}`);
    },
  };
}

/** The vite configuration that builds the extension for one browser. */
export function extensionConfig(browser: ExtensionBrowser, options: ExtensionBuildOptions = {}): UserConfig {
  const env = options.env ?? process.env;
  const settings = readBuildSettings(env);
  const missing = REQUIRED_FIELDS.filter((f) => !settings[f]).map((f) => ENV_NAMES[f]);
  if (missing.length) {
    console.warn(
      `extension (${browser}): ${missing.join(', ')} not set; the build asks for them on its options page.`,
    );
  }
  if (!settings.provider_id && !settings.providers_url) {
    console.warn(
      `extension (${browser}): neither FLINKS_PROVIDER_ID (one bank, no server needed) nor FLINKS_PROVIDERS_URL ` +
        '(a bank picker) is set; the connect button fails until one is set here or on the options page.',
    );
  }
  const outDir = resolve(ROOT, options.outDir ?? `dist/extension/${browser}`);
  const zip = options.zip ?? resolve(ROOT, `dist/extension/${browser}.zip`);
  const manifest = buildManifest(browser, settings, env) as unknown as ManifestV3Export;
  return {
    root: ROOT,
    publicDir: false,
    logLevel: 'warn',
    define: {
      __FLINKS_BUILD_CONFIG__: JSON.stringify(settings),
      __FLINKS_BROWSER__: JSON.stringify(browser),
    },
    plugins: [
      crx({ manifest, browser }),
      localesPlugin(),
      ...(zip ? [zipPlugin(outDir, resolve(ROOT, zip))] : []),
    ],
    build: {
      outDir,
      emptyOutDir: true,
      target: 'es2022',
      // Readable output: store reviewers (addons.mozilla.org above all) read what they install.
      minify: false,
      sourcemap: false,
      modulePreload: false,
    },
  };
}
