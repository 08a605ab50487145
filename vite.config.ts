import { defineConfig, type UserConfig } from 'vite';

// One config, one build per mode: `vite build` (widget), `vite build --mode extension-chrome|extension-firefox`.
// Each part keeps its build settings beside its code.
export default defineConfig(async ({ mode }): Promise<UserConfig> => {
  if (mode.startsWith('extension')) {
    const { extensionConfig } = await import('./extension/vite.extension.ts');
    return extensionConfig(mode === 'extension-firefox' ? 'firefox' : 'chrome');
  }
  const { widgetConfig } = await import('./widget/vite.widget.ts');
  return widgetConfig();
});
