/**
 * `flinks-connect/sandbox`: start the Flinks Outbound emulator from code, e.g. in a partner's own tests.
 *
 * The sandbox runs on oidc-provider, an optional peer dependency of the package: partners who only use the
 * widget or the server kit do not install it. The sandbox is loaded here on first import so that, without
 * oidc-provider, the import fails with how to fix it rather than a bare "Cannot find package".
 */
import { missingOidcProvider } from './peer.ts';

export type { DriveOptions } from './drive.ts';
export type { Sandbox, SandboxClient, SandboxOptions } from './index.ts';

const sandbox = await import('./index.ts').catch((error: unknown) => {
  throw missingOidcProvider(error) ?? error;
});

export const {
  /** Starts the sandbox on `options.port` (default 0: a free port) and resolves once it listens. */
  startSandbox,
  /** The built-in partner (scope client:admin): it creates recipients and registers them with providers. */
  SANDBOX_PARTNER,
  /** The documented test users; each signs in at every sandbox bank. */
  SANDBOX_TEST_USERS,
  /** The sandbox's banks (provider_id, name, country, data inventory). */
  SANDBOX_PROVIDERS,
  /** Signs in at the sandbox bank and answers its consent page without a browser; resolves the callback URL. */
  driveAuthorize,
  DriveError,
} = sandbox;
