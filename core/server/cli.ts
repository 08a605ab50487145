#!/usr/bin/env node
/**
 * `flinks-outbound`: the server kit from a terminal. Configuration comes from FLINKS_BASE_URL, FLINKS_CLIENT_ID
 * and FLINKS_CLIENT_SECRET (or flags). Errors go to stderr with a non-zero exit code; nothing printed to stderr
 * ever holds a secret or a token.
 */
import { readFileSync, realpathSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { isLoopback } from '../src/config.ts';
import type { FdxAccount, FdxTransaction } from '../src/fdx.ts';
import { createAdminClient, type Registration } from './admin.ts';
import { createConnections } from './connections.ts';
import { FdxError, FlinksServerError } from './errors.ts';
import { createFdxClient, type FdxClient } from './fdx-client.ts';
import { createFileTokenStore } from './file-store.ts';
import type { TokenEndpointOptions } from './token-endpoint.ts';
import { createTokenManager } from './token-manager.ts';

export const USAGE = `Usage: flinks-outbound <command> [arguments] [options]

Commands
  token                                  Get a client-credentials access token (prints it to stdout)
  providers                              List the data providers
  provider <provider_id>                 Show one provider
  register <provider_id…>                Ask Flinks to register you (or --recipient) with providers
  registrations                          Show registration statuses (--all for every recipient)
  sandbox advance [provider_id…]         Sandbox only: move registrations on a status (--recipient, --to STATUS),
                                         as Flinks' reviewers do by hand
  recipients create --name <name>        Create a data recipient (--scope, --redirect-uri, --contact: repeatable;
                                         --description, --logo-uri, --terms-uri, --client-uri, --country)
  recipients list                        List data recipients
  recipients show <client_id>            Show one data recipient
  recipients set-redirects <client_id> <uri…>   Replace a recipient's redirect URIs
  recipients rotate-secret <client_id>   Issue a new secret for a recipient
  accounts                               List a connection's accounts (--details for balances)
  transactions <account_id>              List every transaction of an account, across all pages

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

/** The package's version; package.json is two levels up from both core/server/cli.ts and dist/lib/. */
function packageVersion(): string {
  const path = ['..', '..', 'package.json'].join('/');
  return (JSON.parse(readFileSync(new URL(path, import.meta.url), 'utf8')) as { version: string }).version;
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
      options: {
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
      },
    });
    json = values.json === true;
    const [command, ...args] = positionals;
    if (values.version) {
      stdout.write(`${packageVersion()}\n`);
      return 0;
    }
    if (values.help || command === undefined || command === 'help') {
      stdout.write(USAGE);
      return command === undefined && !values.help ? 2 : 0;
    }
    const print = (value: unknown, human: () => string) => {
      stdout.write(json ? `${JSON.stringify(value, null, 2)}\n` : human());
    };

    const setting = (flag: string | undefined, name: string, what: string): string => {
      const value = flag ?? env[name];
      if (!value)
        throw new UsageError(
          `${what} is not set: set ${name} or pass --${name.slice(7).toLowerCase().replaceAll('_', '-')}.`,
        );
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
        token_url: values['token-url'] ?? env.FLINKS_TOKEN_URL ?? `${base}/api/v1/token`,
        client_id: setting(values['client-id'], 'FLINKS_CLIENT_ID', 'The client id'),
        client_secret: setting(values['client-secret'], 'FLINKS_CLIENT_SECRET', 'The client secret'),
        ...(clientAuth ? { client_auth: clientAuth } : {}),
        ...(bodyFormat ? { body_format: bodyFormat } : {}),
        ...(environment.fetch ? { fetch: environment.fetch } : {}),
      };
    };
    const admin = () => {
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
        base_url: base,
        tokens,
        ...(environment.fetch ? { fetch: environment.fetch } : {}),
      });
    };
    const fdx = (): FdxClient => {
      const fdxUrl = values['fdx-url'] ?? env.FLINKS_FDX_URL ?? `${baseUrl()}/api/fdx/5`;
      const accessToken = values['access-token'] ?? env.FLINKS_ACCESS_TOKEN;
      const fetchOption = environment.fetch ? { fetch: environment.fetch } : {};
      if (values.store || values.connection) {
        if (!values.store || !values.connection)
          throw new UsageError('Give both --store <file> and --connection <id>.');
        const connections = createConnections({
          ...credentials(),
          store: createFileTokenStore(values.store),
          fdx_base_url: fdxUrl,
          fdx: fetchOption,
        });
        return connections.fdx(values.connection);
      }
      if (!accessToken) {
        throw new UsageError(
          'Data access needs a customer connection: pass --access-token (or FLINKS_ACCESS_TOKEN), or --store and --connection.',
        );
      }
      return createFdxClient({ base_url: fdxUrl, access_token: accessToken, ...fetchOption });
    };
    const need = (count: number, what: string) => {
      if (args.length < count) throw new UsageError(`${command} needs ${what}. See flinks-outbound --help.`);
    };
    const ids = (list: string[]) =>
      list
        .flatMap((id) => id.split(','))
        .filter(Boolean)
        .map((id) => {
          if (!/^\d+$/.test(id))
            throw new UsageError(`"${id}" is not a provider id (a whole number such as 1000).`);
          return Number(id);
        });

    switch (command) {
      case 'token': {
        const scopes = values.scope ?? ['client:admin'];
        const manager = createTokenManager({ ...credentials(), scope: scopes.join(' ') });
        const token = await manager.getAccessToken();
        print({ access_token: token, token_type: 'Bearer', scope: scopes.join(' ') }, () => `${token}\n`);
        return 0;
      }
      case 'providers': {
        const providers = await admin().providers();
        print(providers, () => table(providers, ['provider_id', 'name']));
        return 0;
      }
      case 'provider': {
        need(1, 'a provider id');
        const provider = await admin().provider(args[0] as string);
        print(provider, () => fields(provider));
        return 0;
      }
      case 'register': {
        need(1, 'at least one provider id');
        const provider_ids = ids(args);
        const client = admin();
        const form = values.form ?? 'path';
        if (form !== 'path' && form !== 'body') throw new UsageError('--form must be path or body.');
        const recipient_ids = values.recipient?.flatMap((r) => r.split(',')).filter(Boolean);
        const answer = await client.requestRegistration({
          provider_ids,
          form,
          ...(recipient_ids?.length ? { recipient_ids } : {}),
        });
        if (!values.wait) {
          print(
            answer ?? { requested: provider_ids },
            () => `Registration requested with ${provider_ids.join(', ')}.\n`,
          );
          return 0;
        }
        const targets = recipient_ids?.length ? recipient_ids : [client.client_id];
        // Flinks reviews each request by hand: say so, instead of polling in silence for what can be days.
        stderr.write(
          'Waiting for Flinks to review the registration by hand (PENDING_APPROVAL, then PENDING_ACTIVATION, then ' +
            'ACTIVE); this can take days. Ctrl+C stops waiting; `flinks-outbound registrations` shows the status later.\n',
        );
        if (isLoopback(new URL(baseUrl()))) {
          const recipients = recipient_ids?.length ? ` --recipient ${recipient_ids.join(',')}` : '';
          stderr.write(
            `This is a local sandbox: no one reviews it. Advance it from another terminal with\n  flinks-outbound sandbox advance ${provider_ids.join(' ')}${recipients} --to ACTIVE\n`,
          );
        }
        const results: Registration[] = [];
        let last = '';
        for (const client_id of targets) {
          results.push(
            ...(await client.waitForActive({
              provider_ids,
              client_id,
              interval_ms: Number(env.FLINKS_POLL_MS ?? 5000),
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
        print(results, () =>
          table(results, ['client_id', 'provider_id', 'provider_name', 'registration_status']),
        );
        return 0;
      }
      case 'sandbox': {
        // Sandbox-only: what Flinks' reviewers do by hand, so a registration can be walked to ACTIVE locally.
        const [action, ...rest] = args;
        if (action !== 'advance') throw new UsageError('sandbox needs advance <provider_id…>.');
        const to = values.to;
        if (to !== undefined && !['PENDING_APPROVAL', 'PENDING_ACTIVATION', 'ACTIVE'].includes(to)) {
          throw new UsageError('--to must be PENDING_APPROVAL, PENDING_ACTIVATION or ACTIVE.');
        }
        const provider_ids = rest.length ? ids(rest) : [undefined];
        const recipients = values.recipient?.flatMap((r) => r.split(',')).filter(Boolean) ?? [undefined];
        const doFetch = environment.fetch ?? globalThis.fetch;
        const advanced: Registration[] = [];
        for (const client_id of recipients) {
          for (const provider_id of provider_ids) {
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
        print(advanced, () =>
          table(advanced, ['client_id', 'provider_id', 'provider_name', 'registration_status']),
        );
        return 0;
      }
      case 'registrations': {
        const list = await admin().registrations(
          values.all ? { all: true } : values.client ? { client_id: values.client } : {},
        );
        print(list, () =>
          table(list, ['client_id', 'provider_id', 'provider_name', 'registration_status', 'requested_on']),
        );
        return 0;
      }
      case 'recipients': {
        const [action, ...rest] = args;
        const client = admin();
        switch (action) {
          case 'create': {
            if (!values.name) throw new UsageError('recipients create needs --name <name>.');
            const recipient = await client.createRecipient({
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
          }
          case 'list': {
            const recipients = await client.recipients();
            print(recipients, () =>
              table(
                recipients.map((r) => ({ ...r, redirect_uris: r.redirect_uris?.join(' ') })),
                ['client_id', 'name', 'redirect_uris'],
              ),
            );
            return 0;
          }
          case 'show': {
            if (!rest[0]) throw new UsageError('recipients show needs a client id.');
            const recipient = await client.recipient(rest[0]);
            print(recipient, () => fields(recipient));
            return 0;
          }
          case 'set-redirects': {
            const [clientId, ...uris] = rest;
            if (!clientId || uris.length === 0) {
              throw new UsageError(
                'recipients set-redirects needs a client id and at least one redirect URI.',
              );
            }
            for (const uri of uris)
              if (!URL.canParse(uri)) throw new UsageError(`"${uri}" is not an absolute URL.`);
            const recipient = await client.setRedirectUris(clientId, uris);
            print(recipient, () => fields(recipient));
            return 0;
          }
          case 'rotate-secret': {
            if (!rest[0]) throw new UsageError('recipients rotate-secret needs a client id.');
            const recipient = await client.rotateSecret(rest[0]);
            print(recipient, () => fields(recipient));
            return 0;
          }
          default:
            throw new UsageError(
              `recipients needs one of create, list, show, set-redirects, rotate-secret${action ? ` (not "${action}")` : ''}.`,
            );
        }
      }
      case 'accounts': {
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
      }
      case 'transactions': {
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
      }
      default:
        throw new UsageError(`Unknown command "${command}". See flinks-outbound --help.`);
    }
  } catch (error) {
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
