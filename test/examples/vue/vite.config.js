import vue from '@vitejs/plugin-vue';
import { defineConfig } from 'vite';

export default defineConfig({
  // <flinks-connect> is a custom element, not a Vue component.
  plugins: [vue({ template: { compilerOptions: { isCustomElement: (tag) => tag === 'flinks-connect' } } })],
  build: { rollupOptions: { input: ['index.html', 'callback.html'] } },
});
