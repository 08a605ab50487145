import { chmodSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { defineConfig, type UserConfig } from 'vite';

// One config, one build per mode: `vite build` (widget), `vite build --mode lib` (the npm package's core and
// server entries), `vite build --mode extension-chrome|extension-firefox`. Each part keeps its settings beside it.
export default defineConfig(async ({ mode }): Promise<UserConfig> => {
  if (mode === 'lib') return libConfig();
  if (mode.startsWith('extension')) {
    const { extensionConfig } = await import('./extension/vite.extension.ts');
    return extensionConfig(mode === 'extension-firefox' ? 'firefox' : 'chrome');
  }
  const { widgetConfig } = await import('./widget/vite.widget.ts');
  return widgetConfig();
});

/** The package's bins: run as `npx flinks-outbound`, so they must be executable after every build. */
const BINS = ['flinks-outbound.js', 'flinks-sandbox.js'];

/**
 * `flinks-connect/core`, `/server`, `/sandbox` and `/react` as ES modules, and the bins; dependencies stay external for npm
 * (oidc-provider and react are optional peer dependencies).
 */
function libConfig(): UserConfig {
  return {
    plugins: [
      {
        // flinks-connect/react wraps the element from the package's own entry, so a page that also loads
        // `flinks-connect` defines <flinks-connect> once. @lit/react (1 KB) is bundled in its browser build: its
        // Node build only serves lit-ssr-react, and bundling spares partners one more dependency.
        name: 'flinks-connect:react-wrapper',
        enforce: 'pre',
        resolveId(source, importer) {
          if (!importer?.endsWith('widget/react.ts')) return null;
          if (source === './index.ts') return { id: 'flinks-connect', external: true };
          if (source === '@lit/react') {
            return fileURLToPath(new URL('node_modules/@lit/react/index.js', import.meta.url));
          }
          return null;
        },
      },
      {
        name: 'flinks-connect:executable-bins',
        writeBundle(options) {
          for (const bin of BINS) chmodSync(join(options.dir ?? 'dist/lib', bin), 0o755);
        },
      },
    ],
    build: {
      outDir: 'dist/lib',
      emptyOutDir: true,
      minify: false,
      sourcemap: true,
      target: 'es2022',
      ssr: true,
      lib: {
        entry: {
          core: 'core/src/index.ts',
          server: 'core/server/index.ts',
          'server-node': 'core/server/node/index.ts',
          sandbox: 'test/sandbox/package.ts',
          react: 'widget/react.ts',
          'flinks-outbound': 'core/server/node/cli.ts',
          'flinks-sandbox': 'test/sandbox/bin.ts',
        },
        formats: ['es'],
      },
      rolldownOptions: {
        external: [/^node:/, 'oauth4webapi', 'oidc-provider', 'react'],
        output: { entryFileNames: '[name].js' },
      },
    },
  };
}
