/**
 * `npm start`: the sandbox (a local Flinks Outbound) and the demo partner site, on localhost.
 * Ports: PORT (default 3000) for the demo, SANDBOX_PORT (default 3001) for the sandbox.
 */
import { SANDBOX_TEST_USERS } from '../sandbox/index.ts';
import { startDemoStack } from './stack.ts';

function port(name: string, fallback: number): number {
  const value = Number(process.env[name] ?? fallback);
  if (!Number.isInteger(value) || value < 0 || value > 65535) {
    console.error(`${name}=${process.env[name]} is not a port number.`);
    process.exit(2);
  }
  return value;
}

const demoPort = port('PORT', 3000);
try {
  const { sandbox, demo, close } = await startDemoStack({
    demoPort,
    sandboxPort: port('SANDBOX_PORT', 3001),
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
    await close();
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
