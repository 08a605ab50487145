/**
 * Redaction of upstream text. A proxy, WAF or misbehaving server in front of Flinks may echo the request it got
 * (form body, JSON body, headers) into its error answer; everything the kit builds from that answer goes through
 * here before it reaches a message, a log line or an error's `cause`.
 */

/** What a redacted value is replaced with. */
export const REDACTED = '[REDACTED]';

/**
 * Names whose values are never kept, whatever the value, in `name=value`, `"name":"value"` and `name: value`.
 * `code` is added only where an authorization code is sent (FDX error bodies use `code` for their error number).
 */
const SENSITIVE_NAMES = [
  'client_secret',
  'code_verifier',
  'refresh_token',
  'access_token',
  'id_token',
  'authorization',
  'password',
];

function namedValue(names: readonly string[]): RegExp {
  return new RegExp(
    // name, optional closing quote, separator (= or :), then the value: quoted, a Basic/Bearer credential, or a word.
    `(["']?\\b(?:${names.join('|')})\\b["']?\\s*(?:=|:)\\s*)(?:"(?:[^"\\\\]|\\\\.)*"|'[^']*'|(?:Basic|Bearer)\\s+[^\\s&,;"'}\\]]+|[^\\s&,;"'}\\]]+)`,
    'gi',
  );
}

/** The forms a value takes once sent: raw, percent-encoded, form-encoded, JSON-escaped and in a Basic header. */
function spellings(value: string): string[] {
  const forms = new Set<string>([value]);
  forms.add(encodeURIComponent(value));
  forms.add(new URLSearchParams({ v: value }).toString().slice(2));
  forms.add(JSON.stringify(value).slice(1, -1));
  forms.add(btoa(String.fromCharCode(...new TextEncoder().encode(value))).replace(/=+$/, ''));
  return [...forms].filter((form) => form.length > 0);
}

/** A function that removes every given value (in each of its sent forms) and every sensitive `name=value` pair. */
export type Redactor = ((text: string) => string) & { readonly names: readonly string[] };

/**
 * Makes a {@link Redactor} for the given values (secret, code, verifier, tokens). Values shorter than 4 characters
 * are not searched for (they would blank out ordinary words); the named-pair rule still removes them.
 */
export function createRedactor(
  values: readonly (string | undefined)[],
  options: { names?: readonly string[] } = {},
): Redactor {
  const names = [...SENSITIVE_NAMES, ...(options.names ?? [])];
  const pairs = namedValue(names);
  const forms = values
    .filter((value): value is string => typeof value === 'string' && value.length >= 4)
    .flatMap(spellings)
    // Longest first, so a value that contains another is removed whole.
    .sort((a, b) => b.length - a.length);
  const redact = (text: string) => {
    let out = String(text);
    for (const form of forms) out = out.split(form).join(REDACTED);
    return out.replace(pairs, `$1${REDACTED}`);
  };
  return Object.assign(redact, { names });
}

/** A copy of a JSON-like value with every string redacted (keys included); depth and size are bounded. */
export function redactDeep(value: unknown, redact: Redactor, depth = 0): unknown {
  if (typeof value === 'string') return redact(value);
  if (typeof value !== 'object' || value === null) return value;
  if (depth >= 8) return REDACTED;
  if (Array.isArray(value)) return value.slice(0, 100).map((item) => redactDeep(item, redact, depth + 1));
  const out: Record<string, unknown> = {};
  for (const [key, item] of Object.entries(value).slice(0, 100)) {
    const name = redact(key);
    out[name] = redact.names.includes(name.toLowerCase()) ? REDACTED : redactDeep(item, redact, depth + 1);
  }
  return out;
}

/** An OAuth `error` code fit to pass on (RFC 6749 §5.2 is `%x20-21 / %x23-5B / %x5D-7E`; Flinks' are words). */
export function safeErrorCode(value: unknown, redact: Redactor): string | undefined {
  if (typeof value !== 'string' || !/^[\w.-]{1,64}$/.test(value)) return undefined;
  return redact(value) === value ? value : undefined;
}
