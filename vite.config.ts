import { chmodSync } from 'node:fs';
import { join } from 'node:path';
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
 * `flinks-connect/core`, `/server` and `/sandbox` as ES modules, and the bins; dependencies stay external for npm
 * (oidc-provider is the sandbox's optional peer dependency).
 */
function libConfig(): UserConfig {
  return {
    plugins: [
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
          sandbox: 'test/sandbox/package.ts',
          'flinks-outbound': 'core/server/cli.ts',
          'flinks-sandbox': 'test/sandbox/bin.ts',
        },
        formats: ['es'],
      },
      rolldownOptions: {
        external: [/^node:/, 'oauth4webapi', 'oidc-provider'],
        output: { entryFileNames: '[name].js' },
      },
    },
  };
}
