import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import minifyHTML from '@lit-labs/rollup-plugin-minify-html-literals';
import type { Plugin, UserConfig } from 'vite';

/**
 * The bundle is the package's default export, so a server importing it (SSR) must not crash. Lit's browser build
 * touches the DOM at module level (`extends HTMLElement`, `document.createTreeWalker`); its `node` build, chosen
 * by the `node` export condition, guards each of those itself and behaves the same in a browser. That build takes
 * its server stand-ins from `@lit-labs/ssr-dom-shim`, 10 KB of DOM emulation a browser never runs (2.7 KB brotli,
 * over the budget): the bundle gets `widget/server-dom.ts` in its place, the two names Lit imports and nothing
 * more. `widget/index.ts` defines nothing where there is no `window`.
 */
function serverSafeLit(): Plugin {
  const serverDom = fileURLToPath(new URL('server-dom.ts', import.meta.url));
  return {
    name: 'flinks-connect:server-safe-lit',
    enforce: 'pre',
    resolveId(source) {
      return source === '@lit-labs/ssr-dom-shim' ? serverDom : null;
    },
  };
}

/**
 * Minifies the widget's `html` templates and `css` styles at build time (whitespace, comments, CSS through
 * lightningcss), so the source stays readable and the bundle small. Only the widget's own files: Lit ships
 * minified.
 */
function minifyTemplates(): Plugin {
  // A Rollup plugin, typed against Rollup's context; Vite runs it as is (it uses only `this.error`).
  return minifyHTML({ include: ['widget/**/*.ts'], failOnError: true }) as unknown as Plugin;
}

interface Analyzer {
  /** The analyzer's own TypeScript 5 (this project's TypeScript 7 has no JS API). */
  ts: {
    createSourceFile(name: string, text: string, target: number, setParentNodes: boolean): unknown;
    ScriptTarget: { ES2022: number };
  };
  create(options: { modules: unknown[]; plugins: unknown[] }): {
    modules: { declarations?: Record<string, Described[] | undefined>[] }[];
  };
}

interface Described {
  name: string;
  privacy?: string;
  fieldName?: string;
  description?: string;
}

/**
 * Writes `custom-elements.json` (the Custom Elements Manifest that IDEs, Storybook and docs read) from the
 * class's header JSDoc and `static properties`, with @custom-elements-manifest/analyzer and its Lit plugin.
 * Internal state and private members are left out.
 */
function customElementsManifest(): Plugin {
  const files = ['widget/index.ts', 'widget/flinks-connect.ts', 'widget/relay.ts'];
  return {
    name: 'flinks-connect:custom-elements-manifest',
    apply: 'build',
    async closeBundle() {
      // The analyzer's published types miss `create`, `ts` and the Lit plugin: typed here by what is used.
      const analyzer = '@custom-elements-manifest/analyzer';
      const { create, ts } = (await import(analyzer)) as Analyzer;
      const { litPlugin } = (await import(`${analyzer}/src/features/framework-plugins/lit/lit.js`)) as {
        litPlugin: () => unknown[];
      };
      const modules = files.map((file) =>
        ts.createSourceFile(file, readFileSync(file, 'utf8'), ts.ScriptTarget.ES2022, true),
      );
      const manifest = create({ modules, plugins: litPlugin() });
      const internal = (item: Described) => item.privacy === 'private' || /^[#_]/.test(item.name);
      for (const module of manifest.modules) {
        for (const declaration of module.declarations ?? []) {
          if (declaration.members) declaration.members = declaration.members.filter((m) => !internal(m));
          if (declaration.events) declaration.events = declaration.events.filter((e) => e.name !== 'name');
          if (declaration.attributes) {
            declaration.attributes = declaration.attributes
              .map((a) =>
                a.name === 'lang'
                  ? {
                      name: 'lang',
                      description:
                        'Language of every visible string: en or fr. Default: <html lang>, then the browser.',
                    }
                  : a,
              )
              .filter((a) => !internal(a));
          }
        }
      }
      writeFileSync('custom-elements.json', `${JSON.stringify(manifest, null, 2)}\n`);
      writeFrameworkTypes(manifest, 'dist/types/frameworks');
    },
  };
}

interface ManifestElement {
  tagName?: string;
  name: string;
  attributes?: Described[];
  events?: Described[];
}

/**
 * Writes, from custom-elements.json, the template types that let each framework's type checker know
 * <flinks-connect>: its attributes (typed as the element's properties) and its events (typed with their
 * detail), in each framework's own syntax. One file per framework (`dist/types/frameworks/<name>.d.ts`), since a
 * file augmenting a module the partner does not have would not compile.
 */
function writeFrameworkTypes(manifest: { modules: { declarations?: unknown[] }[] }, dir: string): void {
  const element = manifest.modules
    .flatMap((m) => (m.declarations ?? []) as ManifestElement[])
    .find((d) => d.tagName === 'flinks-connect');
  if (!element?.attributes || !element.events) throw new Error('custom-elements.json lacks <flinks-connect>');
  const { tagName, name, attributes, events } = element as Required<ManifestElement>;
  const doc = (item: Described, indent: string) =>
    item.description
      ? `${indent}/** ${item.description.replace(/\*\//g, '*\\/').replace(/\s+/g, ' ')} */\n`
      : '';
  const attributeLines = attributes
    .map((a) => `${doc(a, '  ')}  '${a.name}'?: ${a.fieldName ? `${name}['${a.fieldName}']` : 'string'};`)
    .join('\n');
  const eventNames = events.map((e) => e.name);
  const header = `// Generated by the widget build from custom-elements.json: do not edit.
import type { ${name}, FlinksEventDetails } from '../widget/index.js';

/** The attributes of <${tagName}>. */
export interface ${name}Attributes {
${attributeLines}
}

/** Each event of <${tagName}> with its type. */
export interface ${name}Events {
${eventNames.map((e) => `  '${e}': CustomEvent<FlinksEventDetails['${e}']>;`).join('\n')}
}
`;
  const listeners = (prefix: string, camel = false) =>
    `{ [E in keyof ${name}Events as \`${prefix}\${${camel ? 'Camel<E>' : 'E'}}\`]?: (event: ${name}Events[E]) => void }`;
  const camel = `type Camel<S extends string> = S extends \`\${infer H}-\${infer T}\` ? \`\${Capitalize<H>}\${Camel<T>}\` : Capitalize<S>;\n`;
  const files: Record<string, string> = {
    react: `import type * as React from 'react';

declare module 'react' {
  namespace JSX {
    interface IntrinsicElements {
      /** React 19 sets properties and listens to \`on<event-name>\` props on custom elements. */
      '${tagName}': React.DetailedHTMLProps<React.HTMLAttributes<${name}>, ${name}> &
        ${name}Attributes &
        ${listeners('on')};
    }
  }
}
`,
    preact: `import type { JSX } from 'preact';

declare module 'preact' {
  namespace JSX {
    interface IntrinsicElements {
      '${tagName}': JSX.HTMLAttributes<${name}> & ${name}Attributes & ${listeners('on')};
    }
  }
}
`,
    solid: `import type { JSX } from 'solid-js';

declare module 'solid-js' {
  namespace JSX {
    interface IntrinsicElements {
      '${tagName}': JSX.HTMLAttributes<${name}> & ${name}Attributes & ${listeners('on:')};
    }
  }
}
`,
    vue: `import type { DefineComponent } from 'vue';

${camel}
declare module 'vue' {
  interface GlobalComponents {
    /** \`@flinks-success="…"\` and the other \`@flinks-*\` listeners are typed through these \`on…\` props. */
    '${tagName}': DefineComponent<${name}Attributes & ${listeners('on', true)}>;
  }
}
`,
    svelte: `import type { HTMLAttributes } from 'svelte/elements';

declare module 'svelte/elements' {
  interface SvelteHTMLElements {
    /** Svelte 5 listens with \`onflinks-success\`, Svelte 4 with \`on:flinks-success\`. */
    '${tagName}': HTMLAttributes<${name}> & ${name}Attributes & ${listeners('on')} & ${listeners('on:')};
  }
}
`,
  };
  mkdirSync(dir, { recursive: true });
  for (const [framework, body] of Object.entries(files)) {
    // The framework's import first, then the shared interfaces, then the augmentation.
    const [imports, ...rest] = body.split('\n\n');
    writeFileSync(
      join(dir, `${framework}.d.ts`),
      `${header.replace('\n', `\n${imports}\n`)}\n${rest.join('\n\n')}`,
    );
  }
}

/**
 * Writes the bundle's Subresource Integrity hash beside it (`flinks-connect.js.sri`) and prints it, so a page
 * loading the bundle from a CDN can pin it: `<script type="module" src="…" integrity="sha384-…" crossorigin>`.
 */
function subresourceIntegrity(): Plugin {
  return {
    name: 'flinks-connect:sri',
    apply: 'build',
    writeBundle(options, bundle) {
      for (const file of Object.keys(bundle).filter((name) => name.endsWith('.js'))) {
        const path = join(options.dir ?? 'dist/widget', file);
        const integrity = `sha384-${createHash('sha384').update(readFileSync(path)).digest('base64')}`;
        writeFileSync(`${path}.sri`, `${integrity}\n`);
        console.log(`${relative(process.cwd(), path)}  integrity="${integrity}"`);
      }
    },
  };
}

/**
 * The bundle's first line: V8's explicit compile hint (Chrome 136 and later; to other browsers, a comment). Every
 * function of the file is compiled on the background thread that compiles the module before it runs, instead of
 * lazily on the main thread when first called. More than half the bundle runs before the button is clickable, and
 * compiling it lazily was about a third of the element's start-up work: with the hint, its main-thread work from
 * first statement to clickable is about 10 ms instead of 16, and no start-up task of ours is over 50 ms. The price
 * is a longer wait before the module runs, for that compile: script end → clickable a few ms later, over all
 * (`npm run bench`, README "Performance"). Must stay the file's very first line.
 */
const COMPILE_HINT = '//# allFunctionsCalledOnLoad';

/**
 * `vite build` (default mode): `dist/widget/flinks-connect.js`, one self-contained minified ES module with Lit
 * inside, so a partner needs a single `<script type="module">` and no import map.
 */
export function widgetConfig(): UserConfig {
  return {
    publicDir: false,
    plugins: [serverSafeLit(), minifyTemplates(), customElementsManifest(), subresourceIntegrity()],
    // Lit's `node` builds are its server-safe ones (see serverSafeLit); no `browser` condition, which would win.
    resolve: { conditions: ['node', 'module', 'production'] },
    build: {
      outDir: 'dist/widget',
      emptyOutDir: true,
      target: 'es2022',
      minify: 'oxc',
      sourcemap: false,
      modulePreload: false,
      // Library-style input without `build.lib`: lib mode leaves ES output unminified.
      rolldownOptions: {
        input: 'widget/index.ts',
        preserveEntrySignatures: 'exports-only',
        output: {
          format: 'es',
          entryFileNames: 'flinks-connect.js',
          codeSplitting: false,
          // After minification, which would drop it as a comment.
          postBanner: COMPILE_HINT,
        },
      },
    },
  };
}
