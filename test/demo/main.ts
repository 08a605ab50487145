/**
 * `npm start`: the sandbox (a local Flinks Outbound) and the demo partner site, on localhost.
 * Ports: PORT (default 3000) for the demo, SANDBOX_PORT (default 3001) for the sandbox.
 */
import { SANDBOX_TEST_USERS, startSandbox } from '../sandbox/index.ts';
import { DEMO_CLIENT } from './client.ts';
import { startDemo } from './server.ts';

function port(name: string, fallback: number): number {
  const value = Number(process.env[name] ?? fallback);
  if (!Number.isInteger(value) || value < 0 || value > 65535) {
    console.error(`${name}=${process.env[name]} is not a port number.`);
    process.exit(2);
  }
  return value;
}

const demoPort = port('PORT', 3000);
const redirectUri = `http://localhost:${demoPort}/callback`;
try {
  const sandbox = await startSandbox({
    port: port('SANDBOX_PORT', 3001),
    clients: [{ ...DEMO_CLIENT, redirect_uris: [redirectUri] }],
  });
  const demo = await startDemo({
    port: demoPort,
    client_id: DEMO_CLIENT.client_id,
    client_secret: DEMO_CLIENT.client_secret,
    authorizeUrl: sandbox.authorizeUrl,
    tokenUrl: sandbox.tokenUrl,
    issuer: sandbox.issuer,
    fdxUrl: `${sandbox.url}/api/fdx/5`,
    apiUrl: sandbox.url,
  });
  const users = SANDBOX_TEST_USERS.map((u) => `    ${u.username} / ${u.password}  ${u.description}`).join(
    '\n',
  );
  console.log(`
  Demo partner site:  ${demo.url}
  Flinks sandbox:     ${sandbox.url}

  Click "Connect your bank", then sign in at Flinks Capital with a test user:
${users}

  Ctrl+C stops both.
`);
  const stop = async () => {
    await Promise.allSettled([demo.close(), sandbox.close()]);
    process.exit(0);
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
} catch (error) {
  const err = error as NodeJS.ErrnoException;
  if (err.code === 'EADDRINUSE') {
    console.error(
      `A port is already in use (${err.message}). Set PORT and SANDBOX_PORT to free ports, e.g. PORT=4000 SANDBOX_PORT=4001 npm start`,
    );
  } else {
    console.error(`Could not start: ${err.message}`);
  }
  process.exit(1);
}
