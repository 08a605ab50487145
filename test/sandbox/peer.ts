/** What to do when oidc-provider, the sandbox's optional peer dependency, is not installed. */
export const OIDC_PROVIDER_MISSING =
  'The Flinks Outbound sandbox needs oidc-provider, an optional peer dependency of flinks-connect ' +
  '(widget-only installs skip it). Install it beside flinks-connect:\n' +
  '  npm install --save-dev oidc-provider@9';

/** An Error saying how to install oidc-provider when `error` is Node failing to find it; undefined otherwise. */
export function missingOidcProvider(error: unknown): Error | undefined {
  const { code, message } = (error ?? {}) as { code?: unknown; message?: unknown };
  if (code !== 'ERR_MODULE_NOT_FOUND' || !String(message).includes("'oidc-provider'")) return undefined;
  return new Error(OIDC_PROVIDER_MISSING, { cause: error });
}
