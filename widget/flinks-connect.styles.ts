import { css } from 'lit';

// Served through adoptedStyleSheets: no <style> element, so `style-src 'self'` holds.
export const styles = css`
  :host {
    --_accent: var(--flinks-connect-accent, #0b5cff);
    --_on-accent: var(--flinks-connect-on-accent, #ffffff);
    --_bg: var(--flinks-connect-background, #ffffff);
    --_fg: var(--flinks-connect-foreground, #1a1c21);
    --_muted: var(--flinks-connect-muted, #4d5361);
    --_border: var(--flinks-connect-border, #8a90a0);
    --_error: var(--flinks-connect-error, #b3261e);
    --_success: var(--flinks-connect-success, #17663a);
    --_focus: var(--flinks-connect-focus-ring, #0b5cff);
    --_radius: var(--flinks-connect-radius, 0.5rem);
    --_font: var(--flinks-connect-font, system-ui, -apple-system, 'Segoe UI', Roboto, sans-serif);
    display: inline-block;
    font-family: var(--_font);
    color: var(--_fg);
    max-width: 100%;
  }
  @media (prefers-color-scheme: dark) {
    :host {
      --_accent: var(--flinks-connect-accent, #8ab4ff);
      --_on-accent: var(--flinks-connect-on-accent, #0a1630);
      --_bg: var(--flinks-connect-background, #1b1d22);
      --_fg: var(--flinks-connect-foreground, #eceef3);
      --_muted: var(--flinks-connect-muted, #b9bfcc);
      --_border: var(--flinks-connect-border, #7d8496);
      --_error: var(--flinks-connect-error, #ffb4ab);
      --_success: var(--flinks-connect-success, #8fdba8);
      --_focus: var(--flinks-connect-focus-ring, #8ab4ff);
    }
  }
  [hidden] {
    display: none !important;
  }
  button {
    font: inherit;
    cursor: pointer;
    border-radius: var(--_radius);
    min-height: 2.75rem;
    padding: 0.625rem 1.25rem;
    transition: filter 0.15s ease;
  }
  button:focus-visible,
  input:focus-visible,
  [role='option']:focus-visible {
    outline: 3px solid var(--_focus);
    outline-offset: 2px;
  }
  button:disabled {
    cursor: progress;
    opacity: 0.75;
  }
  [part~='button'] {
    background: var(--_accent);
    color: var(--_on-accent);
    border: 1px solid transparent;
    font-weight: 600;
  }
  [part~='button']:hover:not(:disabled) {
    filter: brightness(1.08);
  }
  .secondary {
    background: transparent;
    color: var(--_fg);
    border: 1px solid var(--_border);
    min-height: 2.25rem;
    padding: 0.375rem 0.875rem;
  }
  [part~='status'] {
    margin-top: 0.5rem;
    color: var(--_muted);
    font-size: 0.9375rem;
    line-height: 1.4;
  }
  [part~='status']:empty {
    display: none;
  }
  :host([state='error']) [part~='status'] {
    color: var(--_error);
  }
  :host([state='connected']) [part~='status'] {
    color: var(--_success);
  }
  .status-row {
    display: flex;
    flex-wrap: wrap;
    gap: 0.5rem;
    align-items: center;
  }
  .spinner {
    inline-size: 1em;
    block-size: 1em;
    border: 2px solid currentColor;
    border-inline-end-color: transparent;
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
    background: var(--_bg);
    color: var(--_fg);
    border: 1px solid var(--_border);
    border-radius: var(--_radius);
    max-width: 24rem;
  }
  [part~='picker'] h2 {
    font-size: 1rem;
    margin: 0 0 0.5rem;
  }
  [part~='picker'] label {
    display: block;
    font-size: 0.875rem;
    margin-bottom: 0.25rem;
  }
  [part~='picker'] input {
    font: inherit;
    box-sizing: border-box;
    width: 100%;
    padding: 0.5rem;
    color: var(--_fg);
    background: var(--_bg);
    border: 1px solid var(--_border);
    border-radius: calc(var(--_radius) / 2);
  }
  [role='listbox'] {
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
    border-radius: calc(var(--_radius) / 2);
    cursor: pointer;
  }
  [part~='item'][aria-selected='true'],
  [part~='item']:hover {
    background: color-mix(in srgb, var(--_accent) 16%, transparent);
  }
  [part~='item'] img {
    inline-size: 1.5rem;
    block-size: 1.5rem;
    object-fit: contain;
  }
  .visually-hidden {
    position: absolute;
    width: 1px;
    height: 1px;
    overflow: hidden;
    clip-path: inset(50%);
    white-space: nowrap;
  }
  @media (prefers-reduced-motion: reduce) {
    *,
    *::before,
    *::after {
      animation: none !important;
      transition: none !important;
    }
  }
`;
