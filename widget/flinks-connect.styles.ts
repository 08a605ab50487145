import { unsafeCSS } from 'lit';

/**
 * The stylesheet's text, as written: a tag of its own rather than Lit's `css`, whose checks of interpolated values
 * (there are none here, and the signature allows none) cost 115 B brotli of the bundle's budget. Still named `css`,
 * so the build minifies it as it does Lit's (`minifyTemplates` in vite.widget.ts).
 */
const css = (text: TemplateStringsArray): string => text[0] as string;

// Served through adoptedStyleSheets: no <style> element, so `style-src 'self'` holds. `unsafeCSS` only because
// Lit names so any text it did not parse itself; this one is a constant of the bundle.
export const styles = unsafeCSS(css`
  :host {
    /* light-dark() follows prefers-color-scheme; color-scheme: light (or dark) on the element forces one. */
    color-scheme: light dark;
    --_accent: var(--flinks-connect-accent, light-dark(#0b5cff, #8ab4ff));
    --_bg: var(--flinks-connect-background, light-dark(#fff, #1b1d22));
    --_fg: var(--flinks-connect-foreground, light-dark(#1a1c21, #eceef3));
    --_border: var(--flinks-connect-border, light-dark(#6b7180, #8d94a6));
    --_muted: var(--flinks-connect-muted, light-dark(#4d5361, #b9bfcc));
    --_error: var(--flinks-connect-error, light-dark(#b3261e, #ffb4ab));
    --_radius: var(--flinks-connect-radius, 0.5rem);
    display: inline-block;
    max-width: 100%;
    font-family: var(--flinks-connect-font, system-ui, sans-serif);
    color: var(--_fg);
  }
  :host([hidden]) {
    display: none;
  }
  button,
  input {
    font: inherit;
    color: inherit;
    border-radius: var(--_radius);
  }
  button {
    cursor: pointer;
    min-height: 2.75rem;
    padding: 0.5rem 1.25rem;
    border: 1px solid var(--_border);
    background: var(--_bg);
  }
  :focus-visible {
    outline: 3px solid var(--flinks-connect-focus-ring, var(--_accent));
    outline-offset: 2px;
  }
  [part~='button'] {
    background: var(--_accent);
    color: var(--flinks-connect-on-accent, light-dark(#fff, #0a1630));
    border-color: transparent;
    font-weight: 600;
  }
  :disabled {
    cursor: progress;
    opacity: 0.75;
  }
  .row {
    display: flex;
    flex-wrap: wrap;
    gap: 0.5rem;
    align-items: center;
    margin-top: 0.5rem;
  }
  /* Its own background: text contrast must not depend on the page behind it (dark widget, light page). */
  [part~='status']:not(:empty) {
    display: flex;
    align-items: center;
    gap: 0.5rem;
    box-sizing: border-box;
    min-height: 2.75rem;
    color: var(--_muted);
    background: var(--_bg);
    padding: 0.25rem 0.75rem;
    border-radius: var(--_radius);
  }
  :host([state='error']) [part~='status'],
  [role='alert'] {
    color: var(--_error);
  }
  :host([state='connected']) [part~='status'] {
    color: var(--flinks-connect-success, light-dark(#17663a, #8fdba8));
  }
  .spinner {
    display: inline-block;
    width: 1em;
    height: 1em;
    border: 2px solid;
    border-right-color: transparent;
    border-radius: 50%;
    animation: spin 0.8s linear infinite;
  }
  @keyframes spin {
    to {
      transform: rotate(1turn);
    }
  }
  /* The picker: a modal dialog, centred on wide screens, a full-height sheet on narrow ones. */
  [part~='dialog'] {
    box-sizing: border-box;
    width: min(100% - 2rem, 28rem);
    max-width: none;
    height: min(100% - 2rem, 40rem);
    max-height: none;
    padding: 1.25rem;
    flex-direction: column;
    gap: 0.5rem;
    color: var(--_fg);
    background: var(--_bg);
    border: 1px solid var(--_border);
    border-radius: calc(var(--_radius) * 2);
  }
  [part~='dialog'][open] {
    display: flex;
  }
  [part~='dialog']::backdrop {
    background: var(--flinks-connect-backdrop, rgb(10 12 16 / 0.6));
  }
  @media (max-width: 32rem) {
    [part~='dialog'] {
      width: 100%;
      height: 100%;
      margin: 0;
      border: 0;
      border-radius: 0;
    }
  }
  h2 {
    font-size: 1.25rem;
    margin: 0 0 0.5rem;
  }
  .caption,
  .count {
    margin: 0;
    font-size: 0.875rem;
    color: var(--_muted);
  }
  /* Stays at the top while the list scrolls under it; its shadow hides the rows passing above it. */
  input {
    position: sticky;
    top: 0.25rem;
    z-index: 1;
    box-shadow: 0 -0.5rem 0 0.25rem var(--_bg);
    box-sizing: border-box;
    width: 100%;
    min-height: 2.75rem;
    padding: 0.5rem 0.75rem;
    background: var(--_bg);
    border: 1px solid var(--_border);
  }
  /* The scroller: room around the search field for its focus ring. */
  .body {
    flex: 1;
    min-height: 0;
    overflow: auto;
    display: flex;
    flex-direction: column;
    gap: 0.5rem;
    margin: 0 -0.25rem;
    padding: 0.25rem;
  }
  ul {
    list-style: none;
    margin: 0;
    padding: 0;
  }
  [part~='item'] {
    display: flex;
    gap: 0.75rem;
    align-items: center;
    min-height: 2.75rem;
    padding: 0.25rem 0.75rem;
    border-radius: var(--_radius);
    cursor: pointer;
  }
  [part~='item']:hover {
    background: color-mix(in srgb, var(--_accent) 12%, transparent);
  }
  /* The active option has no DOM focus (that stays in the search field): it gets a ring of its own. */
  [part~='item'][aria-selected='true'] {
    background: color-mix(in srgb, var(--_accent) 18%, transparent);
    outline: 2px solid var(--_accent);
    outline-offset: -2px;
  }
  /* A logo, or a monogram: the bank's initials on a colour derived from its name (set as --hue). */
  [part~='logo'] {
    flex: none;
    display: grid;
    place-items: center;
    width: 2rem;
    height: 2rem;
    border-radius: 50%;
    overflow: hidden;
    font-size: 0.8125rem;
    font-weight: 700;
    color: #fff;
  }
  [part~='logo']:empty {
    background: oklch(45% 0.12 var(--hue));
  }
  [part~='logo']:empty::before {
    content: attr(data-initials);
  }
  [part~='logo'] img {
    width: 100%;
    height: 100%;
    object-fit: contain;
  }
  .note {
    margin: 1rem 0;
    text-align: center;
  }
  /* Connected: a check in the success colour. */
  .check::after {
    content: '✓';
    font-weight: 700;
  }
  /* The main goal is reached: "Connect another bank" steps back to a secondary button. */
  :host([state='connected']) [part~='button'] {
    color: var(--_fg);
    background: var(--_bg);
    border-color: var(--_border);
    font-weight: 400;
  }
  @media (prefers-reduced-motion: reduce) {
    * {
      animation-duration: 3s !important;
    }
  }
`);
