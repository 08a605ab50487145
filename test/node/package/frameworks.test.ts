/**
 * The template types generated for each framework from custom-elements.json. React's are type-checked in
 * react.test.ts; Preact, Solid, Vue and Svelte are not installed here, so these check what each file declares.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';

const root = new URL('../../../', import.meta.url);
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
