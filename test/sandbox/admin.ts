/**
 * The Flinks admin API (providers, recipients, registrations), DELETE /revoke, and the sandbox-only controls
 * under /sandbox (advance a registration, faults, expire a token).
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type Provider from 'oidc-provider';
import type { Faults } from './faults.ts';
import type { SandboxState } from './state.ts';

interface Deps {
  provider: Provider;
  state: SandboxState;
  faults: Faults;
  url: string;
  registrationAdvanceMs?: number;
}

export function createAdmin(_deps: Deps) {
  return {
    async handle(_req: IncomingMessage, _res: ServerResponse, _path: string, _url: URL): Promise<boolean> {
      return false;
    },
    stop(): void {},
  };
}
