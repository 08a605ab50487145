#!/usr/bin/env node
/**
 * `flinks-outbound`: the server kit from a terminal. Configuration comes from FLINKS_BASE_URL, FLINKS_CLIENT_ID
 * and FLINKS_CLIENT_SECRET (or flags). Errors go to stderr with a non-zero exit code; nothing printed to stderr
 * ever holds a secret or a token.
 */
import { readFileSync, realpathSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { isLoopback } from '../../src/config.ts';
import type { FdxAccount, FdxTransaction } from '../../src/fdx.ts';
import { type AdminClient, createAdminClient, type Registration } from '../admin.ts';
import { createConnections } from '../connections.ts';
import { FdxError, FlinksServerError } from '../errors.ts';
import { createFdxClient, type FdxClient } from '../fdx-client.ts';
import type { TokenEndpointOptions } from '../token-endpoint.ts';
import { createTokenManager } from '../token-manager.ts';
import { createFileTokenStore } from './file-store.ts';

/** Wrong usage: exit code 2 and the message. */
class UsageError extends Error {}

export interface CliEnvironment {
  env?: Record<string, string | undefined>;
  stdout?: { write(text: string): unknown };
  stderr?: { write(text: string): unknown; isTTY?: boolean };
  fetch?: typeof fetch;
}

function table(rows: Record<string, unknown>[], columns: string[]): string {
  if (rows.length === 0) return '(none)\n';
  const cells = rows.map((row) =>
    columns.map((c) => (row[c] === undefined || row[c] === null ? '' : String(row[c]))),
  );
  const widths = columns.map((c, i) => Math.max(c.length, ...cells.map((r) => (r[i] ?? '').length)));
  const line = (values: string[]) =>
    values
      .map((v, i) => v.padEnd(widths[i] ?? 0))
      .join('  ')
      .trimEnd();
  return `${[line(columns), ...cells.map(line)].join('\n')}\n`;
}

function fields(object: Record<string, unknown>): string {
  return `${Object.entries(object)
    .map(
      ([key, value]) =>
        `${key}: ${typeof value === 'object' && value !== null ? JSON.stringify(value) : String(value)}`,
    )
    .join('\n')}\n`;
}

/** Unwraps `{ depositAccount: {…} }` into `{ kind: 'deposit', …fields }`. */
function unwrap(wrapped: object): Record<string, unknown> {
  const [kind, value] = Object.entries(wrapped)[0] ?? ['?', {}];
  return { kind: kind.replace(/(Account|Transaction)$/, ''), ...(value as Record<string, unknown>) };
}

/** The package's version: package.json is two levels up from dist/lib/ and three from core/server/node/cli.ts. */
function packageVersion(): string {
  for (const path of ['../../package.json', '../../../package.json']) {
    try {
      const json = JSON.parse(readFileSync(new URL(path, import.meta.url), 'utf8')) as {
        name?: string;
        version: string;
      };
      if (json.name === 'flinks-connect') return json.version;
    } catch {
      // Not this level.
    }
  }
  return 'unknown';
}
/** The options every command may read; `node:util` `parseArgs` checks them. */
const OPTIONS = {
  help: { type: 'boolean', short: 'h' },
  version: { type: 'boolean', short: 'v' },
  json: { type: 'boolean' },
  'base-url': { type: 'string' },
  'client-id': { type: 'string' },
  'client-secret': { type: 'string' },
  'token-url': { type: 'string' },
  'fdx-url': { type: 'string' },
  'client-auth': { type: 'string' },
  'body-format': { type: 'string' },
  scope: { type: 'string', multiple: true },
  all: { type: 'boolean' },
  client: { type: 'string' },
  recipient: { type: 'string', multiple: true },
  form: { type: 'string' },
  wait: { type: 'boolean' },
  role: { type: 'string' },
  to: { type: 'string' },
  name: { type: 'string' },
  'redirect-uri': { type: 'string', multiple: true },
  description: { type: 'string' },
  'logo-uri': { type: 'string' },
  'terms-uri': { type: 'string' },
  'client-uri': { type: 'string' },
  country: { type: 'string' },
  contact: { type: 'string', multiple: true },
  'access-token': { type: 'string' },
  store: { type: 'string' },
  connection: { type: 'string' },
  details: { type: 'boolean' },
  start: { type: 'string' },
  end: { type: 'string' },
  limit: { type: 'string' },
  progress: { type: 'boolean' },
} as const;

type Values = ReturnType<
  typeof parseArgs<{ args: string[]; options: typeof OPTIONS; allowPositionals: true; strict: true }>
>['values'];

/** What a command runs with: its arguments, the parsed options, and helpers that read the configuration. */
export interface CommandContext {
  /** The positional arguments after the command's name. */
  args: string[];
  values: Values;
  env: Record<string, string | undefined>;
  stderr: { write(text: string): unknown; isTTY?: boolean };
  fetch?: typeof fetch;
  /** `--json`: commands print JSON, and progress stays off stderr. */
  json: boolean;
  /** Prints `value` as JSON with `--json`, else the text `human` makes. */
  print(value: unknown, human: () => string): void;
  /** FLINKS_BASE_URL or `--base-url`: an origin, without a path. */
  baseUrl(): string;
  credentials(): TokenEndpointOptions;
  /** The admin client of `--role` (default partner: scope `client:admin`). */
  admin(): AdminClient;
  /** An FDX client on `--access-token`, or on `--store` and `--connection`. */
  fdx(): FdxClient;
  /** Throws a usage error unless there are at least `count` arguments. */
  need(count: number, what: string): void;
  /** Provider ids from arguments (`1000 1001` or `1000,1001`). */
  ids(list: string[]): number[];
}

/** One `flinks-outbound` command. The help's command list is made from {@link COMMANDS}. */
export interface Command {
  /** The words that select it, e.g. `recipients create`. */
  name: string;
  /** Its arguments and required options as the help shows them, e.g. `<provider_id…>`; may be empty. */
  usage: string;
  /** What it does, for the help; a new line continues it under the first. */
  summary: string;
  /** Runs it; returns the exit code. */
  run(context: CommandContext): Promise<number>;
}

const REGISTRATION_COLUMNS = ['client_id', 'provider_id', 'provider_name', 'registration_status'];

/** Every command, in the order of the help. */
export const COMMANDS: readonly Command[] = [
  {
    name: 'token',
    usage: '',
    summary: 'Get a client-credentials access token (prints it to stdout)',
    async run({ values, credentials, print }) {
      const scopes = values.scope ?? ['client:admin'];
      const manager = createTokenManager({ ...credentials(), scope: scopes.join(' ') });
      const token = await manager.getAccessToken();
      print({ access_token: token, token_type: 'Bearer', scope: scopes.join(' ') }, () => `${token}\n`);
      return 0;
    },
  },
  {
    name: 'providers',
    usage: '',
    summary: 'List the data providers',
    async run({ admin, print }) {
      const providers = await admin().providers();
      print(providers, () => table(providers, ['provider_id', 'name']));
      return 0;
    },
  },
  {
    name: 'provider',
    usage: '<provider_id>',
    summary: 'Show one provider',
    async run({ args, need, admin, print }) {
      need(1, 'a provider id');
      const provider = await admin().provider(args[0] as string);
      print(provider, () => fields(provider));
      return 0;
    },
  },
  {
    name: 'register',
    usage: '<provider_id…>',
    summary: 'Ask Flinks to register you (or --recipient) with providers',
    async run({ args, values, env, stderr, json, need, ids, admin, baseUrl, print }) {
      need(1, 'at least one provider id');
      const providerIds = ids(args);
      const client = admin();
      const form = values.form ?? 'path';
      if (form !== 'path' && form !== 'body') throw new UsageError('--form must be path or body.');
      const recipientIds = values.recipient?.flatMap((r) => r.split(',')).filter(Boolean);
      const answer = await client.requestRegistration({
        providerIds,
        form,
        ...(recipientIds?.length ? { recipientIds } : {}),
      });
      if (!values.wait) {
        print(
          answer ?? { requested: providerIds },
          () => `Registration requested with ${providerIds.join(', ')}.\n`,
        );
        return 0;
      }
      const targets = recipientIds?.length ? recipientIds : [client.clientId];
      // Flinks reviews each request by hand: say so, instead of polling in silence for what can be days.
      stderr.write(
        'Waiting for Flinks to review the registration by hand (PENDING_APPROVAL, then PENDING_ACTIVATION, then ' +
          'ACTIVE); this can take days. Ctrl+C stops waiting; `flinks-outbound registrations` shows the status later.\n',
      );
      if (isLoopback(new URL(baseUrl()))) {
        const recipients = recipientIds?.length ? ` --recipient ${recipientIds.join(',')}` : '';
        stderr.write(
          `This is a local sandbox: no one reviews it. Advance it from another terminal with\n  flinks-outbound sandbox advance ${providerIds.join(' ')}${recipients} --to ACTIVE\n`,
        );
      }
      const results: Registration[] = [];
      let last = '';
      for (const clientId of targets) {
        results.push(
          ...(await client.waitForActive({
            providerIds,
            clientId,
            intervalMs: Number(env.FLINKS_POLL_MS ?? 5000),
            onStatus: (registrations) => {
              const line = registrations
                .map((r) => `${r.client_id} ${r.provider_id}: ${r.registration_status}`)
                .join(', ');
              if (!json && line !== last) stderr.write(`${line}\n`);
              last = line;
            },
          })),
        );
      }
      print(results, () => table(results, REGISTRATION_COLUMNS));
      return 0;
    },
  },
  {
    name: 'registrations',
    usage: '',
    summary: 'Show registration statuses (--all for every recipient)',
    async run({ values, admin, print }) {
      const list = await admin().registrations(
        values.all ? { all: true } : values.client ? { clientId: values.client } : {},
      );
      print(list, () => table(list, [...REGISTRATION_COLUMNS, 'requested_on']));
      return 0;
    },
  },
  {
    name: 'sandbox advance',
    usage: '[provider_id…]',
    summary:
      "Sandbox only: move registrations on a status (--recipient, --to STATUS),\nas Flinks' reviewers do by hand",
    // What Flinks' reviewers do by hand, so a registration can be walked to ACTIVE locally.
    async run({ args, values, ids, baseUrl, print, fetch: doFetch = globalThis.fetch }) {
      const to = values.to;
      if (to !== undefined && !['PENDING_APPROVAL', 'PENDING_ACTIVATION', 'ACTIVE'].includes(to)) {
        throw new UsageError('--to must be PENDING_APPROVAL, PENDING_ACTIVATION or ACTIVE.');
      }
      const providerIds = args.length ? ids(args) : [undefined];
      const recipients = values.recipient?.flatMap((r) => r.split(',')).filter(Boolean) ?? [undefined];
      const advanced: Registration[] = [];
      for (const client_id of recipients) {
        for (const provider_id of providerIds) {
          const response = await doFetch(`${baseUrl()}/sandbox/registrations/advance`, {
            method: 'POST',
            headers: { 'Content-Type': 'application/json' },
            body: JSON.stringify({ client_id, provider_id, to }),
          });
          const answer = (await response.json().catch(() => undefined)) as
            | Registration[]
            | { error_description?: string }
            | undefined;
          if (!response.ok || !Array.isArray(answer)) {
            const why = answer && !Array.isArray(answer) ? `: ${answer.error_description}` : '';
            throw new FlinksServerError(
              'HTTP_ERROR',
              `POST /sandbox/registrations/advance failed with HTTP ${response.status}${why} (is ${baseUrl()} the sandbox?).`,
              { status: response.status },
            );
          }
          advanced.push(...answer);
        }
      }
      print(advanced, () => table(advanced, REGISTRATION_COLUMNS));
      return 0;
    },
  },
  {
    name: 'recipients create',
    usage: '--name <name>',
    summary:
      'Create a data recipient (--scope, --redirect-uri, --contact: repeatable;\n--description, --logo-uri, --terms-uri, --client-uri, --country)',
    async run({ values, admin, print }) {
      if (!values.name) throw new UsageError('recipients create needs --name <name>.');
      const recipient = await admin().createRecipient({
        name: values.name,
        ...(values.scope ? { scope: values.scope.flatMap((s) => s.split(/\s+/)).filter(Boolean) } : {}),
        ...(values['redirect-uri'] ? { redirect_uris: values['redirect-uri'] } : {}),
        ...(values.description ? { description: values.description } : {}),
        ...(values['logo-uri'] ? { logo_uri: values['logo-uri'] } : {}),
        ...(values['terms-uri'] ? { terms_uri: values['terms-uri'] } : {}),
        ...(values['client-uri'] ? { client_uri: values['client-uri'] } : {}),
        ...(values.country ? { country: values.country } : {}),
        ...(values.contact ? { contacts: values.contact } : {}),
      });
      print(recipient, () => fields(recipient));
      return 0;
    },
  },
  {
    name: 'recipients list',
    usage: '',
    summary: 'List data recipients',
    async run({ admin, print }) {
      const recipients = await admin().recipients();
      print(recipients, () =>
        table(
          recipients.map((r) => ({ ...r, redirect_uris: r.redirect_uris?.join(' ') })),
          ['client_id', 'name', 'redirect_uris'],
        ),
      );
      return 0;
    },
  },
  {
    name: 'recipients show',
    usage: '<client_id>',
    summary: 'Show one data recipient',
    async run({ args, admin, print }) {
      if (!args[0]) throw new UsageError('recipients show needs a client id.');
      const recipient = await admin().recipient(args[0]);
      print(recipient, () => fields(recipient));
      return 0;
    },
  },
  {
    name: 'recipients set-redirects',
    usage: '<client_id> <uri…>',
    summary: "Replace a recipient's redirect URIs",
    async run({ args, admin, print }) {
      const [clientId, ...uris] = args;
      if (!clientId || uris.length === 0) {
        throw new UsageError('recipients set-redirects needs a client id and at least one redirect URI.');
      }
      for (const uri of uris)
        if (!URL.canParse(uri)) throw new UsageError(`"${uri}" is not an absolute URL.`);
      const recipient = await admin().setRedirectUris(clientId, uris);
      print(recipient, () => fields(recipient));
      return 0;
    },
  },
  {
    name: 'recipients rotate-secret',
    usage: '<client_id>',
    summary: 'Issue a new secret for a recipient',
    async run({ args, admin, print }) {
      if (!args[0]) throw new UsageError('recipients rotate-secret needs a client id.');
      const recipient = await admin().rotateSecret(args[0]);
      print(recipient, () => fields(recipient));
      return 0;
    },
  },
  {
    name: 'accounts',
    usage: '',
    summary: "List a connection's accounts (--details for balances)",
    async run({ values, fdx, print }) {
      const client = fdx();
      const accounts: FdxAccount[] = [];
      for await (const account of client.allAccounts(values.details ? { resultType: 'details' } : {})) {
        accounts.push(account);
      }
      print(accounts, () =>
        table(accounts.map(unwrap), [
          'accountId',
          'kind',
          'accountType',
          'accountNumberDisplay',
          'nickname',
          'status',
          ...(values.details ? ['currentBalance', 'availableBalance'] : []),
        ]),
      );
      return 0;
    },
  },
  {
    name: 'transactions',
    usage: '<account_id>',
    summary: 'List every transaction of an account, across all pages',
    async run({ args, values, stderr, need, fdx, print }) {
      need(1, 'an account id');
      const limit = values.limit === undefined ? undefined : Number(values.limit);
      if (limit !== undefined && (!Number.isInteger(limit) || limit <= 0)) {
        throw new UsageError('--limit must be a positive whole number.');
      }
      const showProgress = values.progress === true || stderr.isTTY === true;
      const transactions: FdxTransaction[] = [];
      let pages = 0;
      for await (const page of fdx().transactionPages(args[0] as string, {
        ...(values.start ? { startTime: values.start } : {}),
        ...(values.end ? { endTime: values.end } : {}),
        ...(limit ? { limit } : {}),
      })) {
        pages++;
        transactions.push(...(page.transactions ?? []));
        if (showProgress) {
          const total = page.page?.totalElements;
          const text = `page ${pages}: ${transactions.length}${total ? ` of ${total}` : ''} transactions`;
          stderr.write(stderr.isTTY ? `\r${text}` : `${text}\n`);
        }
      }
      if (showProgress && stderr.isTTY) stderr.write('\n');
      print(transactions, () =>
        table(transactions.map(unwrap), [
          'transactionId',
          'postedTimestamp',
          'debitCreditMemo',
          'amount',
          'status',
          'description',
        ]),
      );
      return 0;
    },
  },
];

/** Column where the help's summaries start. */
const SUMMARY_COLUMN = 41;

/** The help's list of commands: name and usage, then the summary, continued lines aligned under it. */
function commandHelp(commands: readonly Command[]): string {
  return commands
    .map(({ name, usage, summary }) => {
      const head = `  ${usage ? `${name} ${usage}` : name}`;
      const [first, ...more] = summary.split('\n');
      return [
        `${head.padEnd(Math.max(SUMMARY_COLUMN, head.length + 3))}${first}`,
        ...more.map((line) => `${' '.repeat(SUMMARY_COLUMN)}${line}`),
      ].join('\n');
    })
    .join('\n');
}

export const USAGE = `Usage: flinks-outbound <command> [arguments] [options]

Commands
${commandHelp(COMMANDS)}

Configuration (flags win over the environment)
  --base-url <url>        FLINKS_BASE_URL      API host, e.g. https://ob.flinksapp.com
  --client-id <id>        FLINKS_CLIENT_ID
  --client-secret <s>     FLINKS_CLIENT_SECRET (prefer the variable: flags show in the process list)
  --token-url <url>       FLINKS_TOKEN_URL     default <base-url>/api/v1/token
  --fdx-url <url>         FLINKS_FDX_URL       default <base-url>/api/fdx/5
  --client-auth <m>       client_secret_post (default) or client_secret_basic
  --body-format <f>       json (default, as Flinks documents) or form
  --role <r>              FLINKS_ROLE          partner (default: token scope client:admin) or recipient (no scope;
                                               providers then lists the ones you are ACTIVE with)
  --scope <scope>         token: the scope to ask for (default client:admin); recipients create: repeatable

Data access (accounts, transactions) needs a customer's consent, so one of:
  --access-token <t>      FLINKS_ACCESS_TOKEN  an access token from an exchange
  --store <file> --connection <id>             a file token store (refreshes the token when it expires)

Other options
  --json                  Print JSON instead of a table
  --all                   registrations: every recipient's
  --client <client_id>    registrations: this recipient's
  --recipient <id>        register: for this recipient (repeatable; default yourself)
  --form <path|body>      register: which documented request form (default path)
  --wait                  register: wait until every registration is ACTIVE
  --details               accounts: resultType=details
  --start <date> --end <date> --limit <n>       transactions: time range and page size
  --progress              show paging progress even when stderr is not a terminal
  -h, --help              Show this help
  -v, --version           Print the version

Exit codes: 0 success, 1 Flinks refused or failed, 2 wrong usage or configuration.
`;

/**
 * The command `positionals` name, and its arguments. A first word that only starts two-word commands
 * (`recipients`, `sandbox`) without a known second word is a usage error that lists the second words.
 */
function findCommand(positionals: string[]): { command: Command; args: string[] } {
  for (const command of COMMANDS) {
    const words = command.name.split(' ');
    if (words.every((word, i) => positionals[i] === word)) {
      return { command, args: positionals.slice(words.length) };
    }
  }
  const [first, second] = positionals;
  const group = COMMANDS.filter((c) => c.name.startsWith(`${first} `));
  if (group.length === 0) throw new UsageError(`Unknown command "${first}". See flinks-outbound --help.`);
  const actions = group.map((c) => c.name.slice((first as string).length + 1));
  const needs =
    group.length === 1 ? `${actions[0]} ${group[0]?.usage}`.trim() : `one of ${actions.join(', ')}`;
  throw new UsageError(`${first} needs ${needs}${second ? ` (not "${second}")` : ''}.`);
}

/** The helpers of a {@link CommandContext}: each reads the configuration only when a command needs it. */
function createContext(
  name: string,
  args: string[],
  values: Values,
  environment: CliEnvironment,
  env: Record<string, string | undefined>,
  stdout: { write(text: string): unknown },
  stderr: { write(text: string): unknown; isTTY?: boolean },
): CommandContext {
  const json = values.json === true;
  const setting = (flag: string | undefined, variable: string, what: string): string => {
    const value = flag ?? env[variable];
    if (!value) {
      throw new UsageError(
        `${what} is not set: set ${variable} or pass --${variable.slice(7).toLowerCase().replaceAll('_', '-')}.`,
      );
    }
    return value;
  };
  const baseUrl = () => {
    const value = setting(values['base-url'], 'FLINKS_BASE_URL', 'The Flinks API host').replace(/\/+$/, '');
    // The CLI adds /api/v1 and /api/fdx/5 itself: a path here doubles them and every call answers 404.
    if (URL.canParse(value) && new URL(value).pathname !== '/') {
      const url = new URL(value);
      throw new UsageError(
        `The base URL must not include a path: use ${url.origin}, not ${value} (the CLI adds /api/v1 and /api/fdx/5).`,
      );
    }
    return value;
  };
  const credentials = (): TokenEndpointOptions => {
    const clientAuth = values['client-auth'];
    if (
      clientAuth !== undefined &&
      clientAuth !== 'client_secret_post' &&
      clientAuth !== 'client_secret_basic'
    ) {
      throw new UsageError('--client-auth must be client_secret_post or client_secret_basic.');
    }
    const bodyFormat = values['body-format'];
    if (bodyFormat !== undefined && bodyFormat !== 'form' && bodyFormat !== 'json') {
      throw new UsageError('--body-format must be form or json.');
    }
    const base = baseUrl();
    return {
      tokenUrl: values['token-url'] ?? env.FLINKS_TOKEN_URL ?? `${base}/api/v1/token`,
      clientId: setting(values['client-id'], 'FLINKS_CLIENT_ID', 'The client id'),
      clientSecret: setting(values['client-secret'], 'FLINKS_CLIENT_SECRET', 'The client secret'),
      ...(clientAuth ? { clientAuth } : {}),
      ...(bodyFormat ? { bodyFormat } : {}),
      ...(environment.fetch ? { fetch: environment.fetch } : {}),
    };
  };
  const admin = (): AdminClient => {
    const base = baseUrl();
    const role = values.role ?? env.FLINKS_ROLE ?? 'partner';
    if (role !== 'partner' && role !== 'recipient')
      throw new UsageError('--role must be partner or recipient.');
    // A Partner's token has client:admin; a Data Recipient may ask for no scope at all.
    const tokens = createTokenManager({
      ...credentials(),
      ...(role === 'partner' ? { scope: 'client:admin' } : {}),
    });
    return createAdminClient({
      baseUrl: base,
      tokens,
      ...(environment.fetch ? { fetch: environment.fetch } : {}),
    });
  };
  const fdx = (): FdxClient => {
    const fdxUrl = values['fdx-url'] ?? env.FLINKS_FDX_URL ?? `${baseUrl()}/api/fdx/5`;
    const accessToken = values['access-token'] ?? env.FLINKS_ACCESS_TOKEN;
    const fetchOption = environment.fetch ? { fetch: environment.fetch } : {};
    if (values.store || values.connection) {
      if (!values.store || !values.connection) {
        throw new UsageError('Give both --store <file> and --connection <id>.');
      }
      const connections = createConnections({
        ...credentials(),
        store: createFileTokenStore(values.store),
        fdxBaseUrl: fdxUrl,
        fdx: fetchOption,
      });
      return connections.fdx(values.connection);
    }
    if (!accessToken) {
      throw new UsageError(
        'Data access needs a customer connection: pass --access-token (or FLINKS_ACCESS_TOKEN), or --store and --connection.',
      );
    }
    return createFdxClient({ baseUrl: fdxUrl, accessToken, ...fetchOption });
  };
  return {
    args,
    values,
    env,
    stderr,
    ...(environment.fetch ? { fetch: environment.fetch } : {}),
    json,
    print: (value, human) => {
      stdout.write(json ? `${JSON.stringify(value, null, 2)}\n` : human());
    },
    baseUrl,
    credentials,
    admin,
    fdx,
    need: (count, what) => {
      if (args.length < count) throw new UsageError(`${name} needs ${what}. See flinks-outbound --help.`);
    },
    ids: (list) =>
      list
        .flatMap((id) => id.split(','))
        .filter(Boolean)
        .map((id) => {
          if (!/^\d+$/.test(id))
            throw new UsageError(`"${id}" is not a provider id (a whole number such as 1000).`);
          return Number(id);
        }),
  };
}

/** What a failed command prints: the error, then what Flinks said (OAuth error, FDX code, missing scope, …). */
function reportError(
  error: unknown,
  json: boolean,
  stdout: { write(text: string): unknown },
  stderr: { write(text: string): unknown },
): number {
  if (error instanceof UsageError) {
    stderr.write(`flinks-outbound: ${error.message}\n`);
    return 2;
  }
  if (error instanceof TypeError && (error as { code?: string }).code?.startsWith('ERR_PARSE_ARGS')) {
    stderr.write(`flinks-outbound: ${error.message}\nSee flinks-outbound --help.\n`);
    return 2;
  }
  if (error instanceof TypeError) {
    // The kit throws TypeError for malformed settings (a URL that is not https, …).
    stderr.write(`flinks-outbound: ${error.message}\n`);
    return 2;
  }
  if (error instanceof FlinksServerError) {
    const extra = [
      error.oauth_error && `Flinks error: ${error.oauth_error}`,
      'fdx_code' in error && error.fdx_code !== undefined && `FDX code: ${error.fdx_code}`,
      error instanceof FdxError &&
        error.missing_scopes &&
        `Missing scope: the customer did not consent to ${error.missing_scopes.join(' or ')}; connect again with scope including it.`,
      error instanceof FdxError &&
        !error.missing_scopes &&
        error.fdx_code === 602 &&
        'The consent is revoked or expired: connect the bank again.',
      'correlation_id' in error && error.correlation_id && `ob-correlation-id: ${error.correlation_id}`,
    ].filter(Boolean);
    stderr.write(
      `flinks-outbound: ${error.code}: ${error.message}\n${extra.map((e) => `  ${e}\n`).join('')}`,
    );
    if (json) stdout.write(`${JSON.stringify({ error: error.code, message: error.message })}\n`);
    return 1;
  }
  stderr.write(
    `flinks-outbound: unexpected error: ${error instanceof Error ? error.message : String(error)}\n`,
  );
  return 1;
}

/** Runs the CLI with `argv` (without `node` and the script); returns the exit code. */
export async function main(argv: string[], environment: CliEnvironment = {}): Promise<number> {
  const env = environment.env ?? process.env;
  const stdout = environment.stdout ?? process.stdout;
  const stderr = environment.stderr ?? process.stderr;
  let json = false;
  try {
    const { values, positionals } = parseArgs({
      args: argv,
      allowPositionals: true,
      strict: true,
      options: OPTIONS,
    });
    json = values.json === true;
    if (values.version) {
      stdout.write(`${packageVersion()}\n`);
      return 0;
    }
    const [first] = positionals;
    if (values.help || first === undefined || first === 'help') {
      stdout.write(USAGE);
      return first === undefined && !values.help ? 2 : 0;
    }
    const { command, args } = findCommand(positionals);
    return await command.run(createContext(command.name, args, values, environment, env, stdout, stderr));
  } catch (error) {
    return reportError(error, json, stdout, stderr);
  }
}

const invoked = process.argv[1] ? realpathSync(process.argv[1]) : '';
if (invoked === realpathSync(fileURLToPath(import.meta.url))) {
  // A reader that stops early (`| head`) closes the pipe: stop quietly, as other command-line tools do.
  process.stdout.on('error', (error: NodeJS.ErrnoException) => {
    if (error.code !== 'EPIPE') throw error;
    process.exit(0);
  });
  process.exitCode = await main(process.argv.slice(2));
}
