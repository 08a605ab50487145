// The one module that imports the polyfill: every other module of the extension takes `browser` (and its types)
// from here, so Chrome's `chrome.*` and Firefox's `browser.*` look the same everywhere.
import browser from 'webextension-polyfill';

export type { Runtime } from 'webextension-polyfill';
export { browser };
