/**
 * `npm run sandbox -- --port N --seed S [--data-file F] [--access-token-ttl SECONDS] [--as-of YYYY-MM-DD]
 * [--registration-advance-ms N] [--client id:secret:redirect_uri[,redirect_uri…]] [--log]`: the Flinks Outbound
 * emulator alone.
 */
import { parseArgs } from 'node:util';
import {
  SANDBOX_PARTNER,
  SANDBOX_PROVIDERS,
  SANDBOX_TEST_USERS,
  type SandboxClient,
  startSandbox,
} from './index.ts';

function usage(message?: string): never {
  if (message) console.error(`${message}\n`);
  // The same options whether run as the package's bin (flinks-sandbox) or from this repository's source.
  const program = process.argv[1]?.endsWith('main.ts') ? 'npm run sandbox --' : 'flinks-sandbox';
  const indent = ' '.repeat(`Usage: ${program} `.length);
  console.error(
    `Usage: ${program} [--port N] [--host H] [--seed S] [--data-file F] [--access-token-ttl SECONDS]\n` +
      `${indent}[--as-of YYYY-MM-DD] [--registration-advance-ms N]\n` +
      `${indent}[--client id:secret:redirect_uri[,redirect_uri…]] [--log]`,
  );
  process.exit(message ? 2 : 0);
}

let values: ReturnType<typeof parse>;
function parse() {
  return parseArgs({
    options: {
      port: { type: 'string', default: process.env.SANDBOX_PORT ?? '3001' },
      host: { type: 'string', default: '127.0.0.1' },
      seed: { type: 'string' },
      'data-file': { type: 'string' },
      'access-token-ttl': { type: 'string' },
      'as-of': { type: 'string' },
      'registration-advance-ms': { type: 'string' },
      client: { type: 'string', multiple: true },
      log: { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h', default: false },
    },
    strict: true,
  }).values;
}
try {
  values = parse();
} catch (error) {
  usage((error as Error).message);
}
if (values.help) usage();

const port = Number(values.port);
if (!Number.isInteger(port) || port < 0 || port > 65535) usage(`--port ${values.port} is not a port number`);
const ttl = values['access-token-ttl'] === undefined ? undefined : Number(values['access-token-ttl']);
if (ttl !== undefined && (!Number.isInteger(ttl) || ttl < 1))
  usage('--access-token-ttl must be a positive integer');

const advance =
  values['registration-advance-ms'] === undefined ? undefined : Number(values['registration-advance-ms']);
if (advance !== undefined && (!Number.isInteger(advance) || advance < 1)) {
  usage('--registration-advance-ms must be a positive integer');
}

const clients: SandboxClient[] = (values.client ?? []).map((spec) => {
  const [client_id, client_secret, ...rest] = spec.split(':');
  const uris = rest.join(':');
  if (!client_id || !client_secret || !uris)
    usage(`--client ${spec}: expected id:secret:redirect_uri[,redirect_uri…]`);
  return {
    client_id,
    client_secret,
    kind: 'recipient',
    redirect_uris: uris.split(','),
    active_providers: [1000],
  };
});

try {
  const sandbox = await startSandbox({
    port,
    host: values.host,
    seed: values.seed,
    dataFile: values['data-file'],
    accessTokenTtl: ttl,
    asOf: values['as-of'],
    registrationAdvanceMs: advance,
    clients,
    log: values.log,
  });
  const list = (rows: string[]) => rows.map((r) => `    ${r}`).join('\n');
  console.log(`
  Flinks Outbound sandbox: ${sandbox.url}
    authorize  ${sandbox.authorizeUrl}
    token      ${sandbox.tokenUrl}
    FDX v5     ${sandbox.fdxUrl}
    issuer     ${sandbox.issuer}
    data       ${values['data-file'] ? `file ${values['data-file']}` : 'in memory'}, seed ${values.seed ?? 'flinks-sandbox'}

  Clients:
${list([SANDBOX_PARTNER, ...clients].map((c) => `${c.kind.padEnd(9)} ${c.client_id} / ${c.client_secret}  ${c.redirect_uris.join(' ')}`))}

  Providers:
${list(SANDBOX_PROVIDERS.map((p) => `${p.provider_id}  ${p.name} (${p.country})`))}

  Test users (any provider):
${list(SANDBOX_TEST_USERS.map((u) => `${u.username} / ${u.password}  ${u.description}`))}

  Ctrl+C stops it. See test/sandbox/README.md.
`);
  const stop = async () => {
    await sandbox.close();
    process.exit(0);
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
} catch (error) {
  const err = error as NodeJS.ErrnoException;
  console.error(
    err.code === 'EADDRINUSE'
      ? `Port ${port} is in use: pass another with --port N (0 picks a free one).`
      : `Could not start the sandbox: ${err.message}`,
  );
  process.exit(1);
}
