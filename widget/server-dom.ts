/**
 * What Lit's `node` build imports from `@lit-labs/ssr-dom-shim`, for the widget bundle (see `vite.widget.ts`):
 * a base class to extend where there is no `HTMLElement`, and no registry, so a server importing the bundle gets
 * inert classes and no `customElements` global. A browser never uses either: Lit prefers its real globals.
 */
export const HTMLElement = class {} as unknown as typeof globalThis.HTMLElement;
export const customElements: CustomElementRegistry | undefined = undefined;
