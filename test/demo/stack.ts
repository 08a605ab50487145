import { getFreePort } from '../ports.ts';
import { type Sandbox, startSandbox } from '../sandbox/index.ts';
import { DEMO_CLIENT } from './client.ts';
import { type Demo, startDemo } from './server.ts';

export interface DemoStack {
  sandbox: Sandbox;
  demo: Demo;
  close(): Promise<void>;
}

/**
 * The sandbox and the demo partner site, wired to each other: the demo's redirect-uri registered for its client
 * at the sandbox. Port 0 (the default) takes free ports.
 */
export async function startDemoStack(
  options: { demoPort?: number; sandboxPort?: number } = {},
): Promise<DemoStack> {
  // The sandbox must know the demo's redirect-uri before the demo can start, so the demo's port comes first.
  const demoPort = options.demoPort || (await getFreePort());
  const sandbox = await startSandbox({
    port: options.sandboxPort ?? 0,
    clients: [{ ...DEMO_CLIENT, redirect_uris: [`http://localhost:${demoPort}/callback`] }],
  });
  try {
    const demo = await startDemo({
      port: demoPort,
      clientId: DEMO_CLIENT.client_id,
      clientSecret: DEMO_CLIENT.client_secret,
      authorizeUrl: sandbox.authorizeUrl,
      tokenUrl: sandbox.tokenUrl,
      issuer: sandbox.issuer,
      fdxUrl: `${sandbox.url}/api/fdx/5`,
      apiUrl: sandbox.url,
    });
    return {
      sandbox,
      demo,
      close: async () => {
        await Promise.allSettled([demo.close(), sandbox.close()]);
      },
    };
  } catch (error) {
    await sandbox.close();
    throw error;
  }
}
