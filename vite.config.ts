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

/** `flinks-connect/core` and `flinks-connect/server` as ES modules; dependencies stay external for npm. */
function libConfig(): UserConfig {
  return {
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
          'flinks-outbound': 'core/server/cli.ts',
        },
        formats: ['es'],
      },
      rolldownOptions: { external: [/^node:/, 'oauth4webapi'], output: { entryFileNames: '[name].js' } },
    },
  };
}
