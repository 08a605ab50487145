import type { Plugin, UserConfig } from 'vite';

/**
 * Lit's browser build touches the DOM at module level (`extends HTMLElement`, `document.createTreeWalker`),
 * which throws where there is none. The bundle is the package's default export, so a server importing it (SSR)
 * must not crash: there Lit gets inert stand-ins, as its own node build does, and `widget/index.ts` defines
 * nothing.
 */
function serverSafeLit(): Plugin {
  const patches: [RegExp, RegExp, string][] = [
    [
      /@lit[\\/]reactive-element[\\/].*reactive-element\.js$/,
      /extends HTMLElement\b/,
      'extends (globalThis.HTMLElement ?? class {})',
    ],
    [
      /lit-html[\\/]lit-html\.js$/,
      /=\s*document\s*([,;])/,
      '=globalThis.document??{createTreeWalker:()=>({})}$1',
    ],
  ];
  return {
    name: 'flinks-connect:server-safe-lit',
    enforce: 'pre',
    transform(code, id) {
      const patch = patches.find(([file]) => file.test(id));
      if (!patch) return null;
      const patched = code.replace(patch[1], patch[2]);
      if (patched === code) this.error(`Lit changed: ${patch[1]} not found in ${id}`);
      return { code: patched, map: null };
    },
  };
}

/** Collapses the whitespace of `css` templates: the styles ship inside the 16 KB gzip budget. */
function compactCss(): Plugin {
  return {
    name: 'flinks-connect:compact-css',
    transform(code, id) {
      if (!id.endsWith('.styles.ts')) return null;
      const compacted = code.replace(/css`([^`]*)`/g, (_, body: string) => {
        const tight = body
          .replace(/\/\*[\s\S]*?\*\//g, '')
          .replace(/\s+/g, ' ')
          .replace(/\s*([{}:;,>])\s*/g, '$1')
          .replace(/;}/g, '}')
          .replace(/([\s:,(])0\./g, '$1.')
          .trim();
        return `css\`${tight}\``;
      });
      return { code: compacted, map: null };
    },
  };
}

/**
 * `vite build` (default mode): `dist/widget/flinks-connect.js`, one self-contained minified ES module with Lit
 * inside, so a partner needs a single `<script type="module">` and no import map.
 */
export function widgetConfig(): UserConfig {
  return {
    publicDir: false,
    plugins: [serverSafeLit(), compactCss()],
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
        output: { format: 'es', entryFileNames: 'flinks-connect.js', codeSplitting: false },
      },
    },
  };
}
