import { css } from 'lit';

// Served through adoptedStyleSheets: no <style> element, so `style-src 'self'` holds.
export const styles = css`
  :host {
    /* light-dark() follows prefers-color-scheme; color-scheme: light (or dark) on the element forces one. */
    color-scheme: light dark;
    --_accent: var(--flinks-connect-accent, light-dark(#0b5cff, #8ab4ff));
    --_bg: var(--flinks-connect-background, light-dark(#fff, #1b1d22));
    --_fg: var(--flinks-connect-foreground, light-dark(#1a1c21, #eceef3));
    --_border: var(--flinks-connect-border, light-dark(#6b7180, #8d94a6));
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
    color: var(--flinks-connect-muted, light-dark(#4d5361, #b9bfcc));
    background: var(--_bg);
    padding: 0.25rem 0.5rem;
    border-radius: var(--_radius);
  }
  :host([state='error']) [part~='status'] {
    color: var(--flinks-connect-error, light-dark(#b3261e, #ffb4ab));
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
  [part~='picker'] {
    margin-top: 0.5rem;
    padding: 0.75rem;
    max-width: 24rem;
    background: var(--_bg);
    border: 1px solid var(--_border);
    border-radius: var(--_radius);
  }
  h2 {
    font-size: 1rem;
    margin: 0 0 0.5rem;
  }
  input {
    display: block;
    box-sizing: border-box;
    width: 100%;
    margin-top: 0.25rem;
    padding: 0.5rem;
    background: var(--_bg);
    border: 1px solid var(--_border);
  }
  ul {
    list-style: none;
    margin: 0.5rem 0;
    padding: 0;
    max-height: 16rem;
    overflow: auto;
  }
  [part~='item'] {
    display: flex;
    gap: 0.5rem;
    align-items: center;
    padding: 0.5rem;
    border-radius: var(--_radius);
    cursor: pointer;
  }
  [part~='item'][aria-selected='true'],
  [part~='item']:hover {
    background: color-mix(in srgb, var(--_accent) 18%, transparent);
  }
  @media (prefers-reduced-motion: reduce) {
    * {
      animation-duration: 3s !important;
    }
  }
`;
