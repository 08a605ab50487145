import { SCOPES } from './config.ts';

/** A `scope` read as Flinks data clusters. */
export interface ScopeCheck {
  /** The clusters asked for, in order. */
  scopes: string[];
  /** Those Flinks does not know (see {@link SCOPES}). */
  unknown: string[];
  /** Whether ACCOUNT_BASIC, which Flinks requires in every scope, is among them. */
  hasAccountBasic: boolean;
}

/**
 * Splits a space-separated `scope` and checks each cluster against Flinks's, so every part that accepts a scope
 * (the element's config, the extension's settings and build) refuses the same ones.
 * @see https://www.rfc-editor.org/rfc/rfc6749#section-3.3
 */
export function checkScope(scope: string): ScopeCheck {
  const scopes = scope.trim().split(/\s+/).filter(Boolean);
  return {
    scopes,
    unknown: scopes.filter((s) => !(SCOPES as readonly string[]).includes(s)),
    hasAccountBasic: scopes.includes('ACCOUNT_BASIC'),
  };
}
