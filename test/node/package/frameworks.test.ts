/**
 * The template types generated for each framework from custom-elements.json. React's are type-checked in
 * react.test.ts and Vue's below, against vue itself; Preact, Solid and Svelte are not installed here, so for
 * them these check what each file declares.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { _typecheck } from './_tsc.ts';

const root = new URL('../../../', import.meta.url);
const rootPath = root.pathname;
const manifest = JSON.parse(readFileSync(new URL('custom-elements.json', root), 'utf8'));
const element = manifest.modules
  .flatMap((m: { declarations?: unknown[] }) => m.declarations ?? [])
  .find((d: { tagName?: string }) => d.tagName === 'flinks-connect');
const augments: Record<string, RegExp> = {
  react: /declare module 'react' \{\n {2}namespace JSX \{\n {4}interface IntrinsicElements \{/,
  preact: /declare module 'preact' \{\n {2}namespace JSX \{\n {4}interface IntrinsicElements \{/,
  solid: /declare module 'solid-js' \{\n {2}namespace JSX \{\n {4}interface IntrinsicElements \{/,
  vue: /declare module 'vue' \{\n {2}interface GlobalComponents \{/,
  svelte: /declare module 'svelte\/elements' \{\n {2}interface SvelteHTMLElements \{/,
};

describe('the framework template types (dist/types/frameworks/)', () => {
  for (const [framework, augmentation] of Object.entries(augments)) {
    it(`declare <flinks-connect> for ${framework} with every attribute and event of custom-elements.json`, () => {
      const types = readFileSync(new URL(`dist/types/frameworks/${framework}.d.ts`, root), 'utf8');
      assert.match(types, augmentation);
      assert.match(types, /\n {4,6}'flinks-connect': /);
      for (const attribute of element.attributes)
        assert.ok(types.includes(`'${attribute.name}'?: `), attribute.name);
      for (const event of element.events) {
        assert.ok(
          types.includes(`'${event.name}': CustomEvent<FlinksEventDetails['${event.name}']>;`),
          event.name,
        );
      }
    });
  }
});

describe('the Vue types, checked by tsc against vue itself', () => {
  it('types <flinks-connect> in GlobalComponents: its attributes and listeners pass, a misspelt attribute fails', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'flinks-vue-types-'));
    try {
      await writeFile(
        join(dir, 'app.ts'),
        `import type { GlobalComponents } from 'vue';
import type {} from '${join(rootPath, 'dist/types/frameworks/vue.d.ts')}';
type Props = InstanceType<GlobalComponents['flinks-connect']>['$props'];
export const ok: Props = {
  'client-id': 'dc-1',
  'provider-id': '1000',
  'hide-when-connected': true,
  onFlinksSuccess: (event) => event.detail.session_id.toUpperCase(),
};
// @ts-expect-error not an attribute of <flinks-connect>
export const misspelt: Props = { 'client-idd': 'dc-1' };
// @ts-expect-error a flinks-exit listener gets the exit's detail, which has no code
export const wrong: Props = { onFlinksExit: (event) => event.detail.code };
`,
      );
      const diagnostics = await _typecheck(dir, ['app.ts'], {
        paths: { vue: [join(rootPath, 'node_modules/vue')] },
      });
      assert.equal(diagnostics, '');
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
