/**
 * The extension as the Chrome Web Store and addons.mozilla.org take it: the zips `npm run build` writes
 * (dist/extension/<browser>.zip), their icons, names and descriptions within the stores' limits, and the store
 * listing and privacy statement in English and French (extension/store/).
 */
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { inflateRawSync } from 'node:zlib';

const root = new URL('../../../', import.meta.url);
const read = (path: string) => readFileSync(new URL(path, root), 'utf8');
const BROWSERS = ['chrome', 'firefox'] as const;
const LANGUAGES = ['en', 'fr'] as const;
/** Chrome asks for 16, 48 and 128 (32 for Windows); AMO for 48 and 96 (high-density screens). */
const STORE_ICON_SIZES = [16, 32, 48, 96, 128];

/** A zip's entries, read from its central directory (deflate or stored). */
function unzip(path: string): Map<string, Buffer> {
  const zip = readFileSync(new URL(path, root));
  const end = zip.lastIndexOf(Buffer.from([0x50, 0x4b, 0x05, 0x06]));
  assert.ok(end >= 0, `${path} is a zip`);
  const entries = new Map<string, Buffer>();
  let at = zip.readUInt32LE(end + 16);
  for (let i = 0; i < zip.readUInt16LE(end + 10); i++) {
    const size = zip.readUInt32LE(at + 20);
    const nameLength = zip.readUInt16LE(at + 28);
    const local = zip.readUInt32LE(at + 42);
    const name = zip.subarray(at + 46, at + 46 + nameLength).toString('utf8');
    const start = local + 30 + zip.readUInt16LE(local + 26) + zip.readUInt16LE(local + 28);
    const data = zip.subarray(start, start + size);
    entries.set(name, zip.readUInt16LE(at + 10) === 8 ? inflateRawSync(data) : Buffer.from(data));
    at += 46 + nameLength + zip.readUInt16LE(at + 30) + zip.readUInt16LE(at + 32);
  }
  return entries;
}

/** Width and height from a PNG's IHDR. */
function pngSize(png: Buffer): [number, number] {
  assert.equal(png.subarray(1, 4).toString('latin1'), 'PNG');
  return [png.readUInt32BE(16), png.readUInt32BE(20)];
}

/** The text under a `## heading` of a Markdown file, without HTML comments. */
function section(markdown: string, heading: string): string {
  const match = new RegExp(`^## ${heading}\\n([\\s\\S]*?)(?=^## |(?![\\s\\S]))`, 'm').exec(markdown);
  assert.ok(match?.[1], `a "## ${heading}" section`);
  return match[1].replace(/<!--[\s\S]*?-->/g, '').trim();
}

describe('the extension zips for the stores', () => {
  for (const browser of BROWSERS) {
    const zip = () => unzip(`dist/extension/${browser}.zip`);
    const manifest = () => JSON.parse(zip().get('manifest.json')?.toString('utf8') ?? '{}');

    it(`${browser}.zip holds the manifest, both languages, pages, scripts, styles and icons only`, () => {
      const names = [...zip().keys()];
      const stray = names.filter(
        (name) =>
          !/^(manifest\.json|service-worker-loader\.js|_locales\/(en|fr)\/messages\.json|assets\/[\w.-]+\.(js|css)|extension\/(popup|options)\.html|extension\/icons\/icon-\d+\.png)$/.test(
            name,
          ),
      );
      assert.deepEqual(stray, [], 'no source, source map, test or document');
      for (const lang of LANGUAGES) assert.ok(names.includes(`_locales/${lang}/messages.json`), lang);
      assert.ok(names.includes('extension/popup.html') && names.includes('extension/options.html'));
    });

    it(`${browser}.zip declares an icon at each size the stores ask for, each a PNG of that size`, () => {
      const entries = zip();
      const { icons, action } = manifest();
      assert.deepEqual(
        STORE_ICON_SIZES.filter((size) => !icons[size]),
        [],
        'every store size is in manifest.icons',
      );
      for (const [size, path] of [...Object.entries(icons), ...Object.entries(action.default_icon)]) {
        const png = entries.get(path as string);
        assert.ok(png, `${path} is in the zip`);
        assert.deepEqual(pngSize(png), [Number(size), Number(size)], `${path} is ${size}×${size}`);
      }
    });

    it(`${browser}.zip names and describes itself within the stores' limits in English and French`, () => {
      const entries = zip();
      assert.equal(manifest().name, '__MSG_extName__');
      assert.equal(manifest().description, '__MSG_extDescription__');
      for (const lang of LANGUAGES) {
        const messages = JSON.parse(entries.get(`_locales/${lang}/messages.json`)?.toString('utf8') ?? '{}');
        // Chrome: name ≤ 75 and description ≤ 132 characters; AMO: name ≤ 50.
        assert.ok(messages.extName.message.length <= 50, `${lang} name: ${messages.extName.message}`);
        assert.ok(messages.extDescription.message.length <= 132, `${lang} description`);
      }
    });
  }
});

describe('the store listing and privacy statement (extension/store/)', () => {
  const manifest = JSON.parse(read('manifest.json'));
  const headings = {
    en: { summary: 'Summary', justification: 'Permission justifications \\(Chrome\\)' },
    fr: { summary: 'Résumé', justification: 'Justification des autorisations \\(Chrome\\)' },
  };

  for (const lang of LANGUAGES) {
    it(`has a ${lang} listing: a summary within Chrome's 132 characters, and a reason for each permission`, () => {
      const listing = read(`extension/store/listing.${lang}.md`);
      const summary = section(listing, headings[lang].summary);
      assert.ok(summary.length <= 132, `${summary.length} characters: ${summary}`);
      const justification = section(listing, headings[lang].justification);
      for (const permission of manifest.permissions) {
        assert.match(justification, new RegExp(`\\*\\*${permission}\\*\\*`), permission);
      }
      assert.ok(section(listing, 'Description').length > summary.length);
    });
  }

  it('has a privacy statement in both languages naming every storage area the extension uses', () => {
    const code = readdirSync(new URL('extension/', root))
      .filter((file) => file.endsWith('.ts'))
      .map((file) => read(`extension/${file}`))
      .join('\n');
    const areas = [
      ...new Set([...code.matchAll(/\bstorage\.(local|session|sync|managed)\b/g)].map((m) => m[0])),
    ];
    assert.ok(areas.length > 0);
    for (const lang of LANGUAGES) {
      const privacy = read(`extension/store/privacy.${lang}.md`);
      for (const area of areas)
        assert.ok(privacy.includes(`\`${area}\``), `privacy.${lang}.md names ${area}`);
    }
  });

  it('says in both languages where it sends data: each URL the extension is configured with', () => {
    for (const lang of LANGUAGES) {
      const privacy = read(`extension/store/privacy.${lang}.md`);
      for (const url of ['authorize-url', 'exchange-url', 'providers-url']) {
        assert.ok(privacy.includes(`(\`${url}\``), `privacy.${lang}.md names ${url}`);
      }
      const rows = (markdown: string) => markdown.split('\n').filter((line) => line.startsWith('| ')).length;
      assert.equal(rows(privacy), rows(read('extension/store/privacy.en.md')), 'same tables in both');
    }
  });
});
