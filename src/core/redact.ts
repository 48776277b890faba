/**
 * The secrets pgsweep knows (credentials, header values, proxy userinfo) and the functions that
 * strip them from text. The command line applies them at every write to stdout and stderr, so no
 * message, log line or quoted server response can carry a secret out, whoever composed it.
 */

const MASK = '***';

/**
 * Shorter values are masked only where they stand as a credential (`Authorization: Bearer ab`,
 * `x-api-key: ab`, `user:ab`): masking a 1-character password everywhere would mask that letter
 * in every line, and masking it nowhere would print it.
 */
export const MIN_PLAIN_SECRET = 4;

/** Exact strings masked wherever they appear, longest first. */
let plain: string[] = [];
/** Words a short secret follows (`name: value`, `"name":"value"`, `name=value`, `Bearer value`). */
const contextNames = new Set<string>();
const contextValues = new Set<string>();
let contextual: RegExp | undefined;

const escapeRegExp = (s: string) => s.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');

/** The forms a value takes when printed: as is, inside a JSON string, percent-encoded. */
function forms(value: string): string[] {
  return [value, JSON.stringify(value).slice(1, -1), encodeURIComponent(value)];
}

/**
 * Registers a secret value. `names` are the words it follows when it appears as a credential
 * (a header name, `password`, `bearer`): there even values below MIN_PLAIN_SECRET are masked.
 */
export function registerSecret(value: string, names: readonly string[] = []): void {
  if (value === '') return;
  const added = forms(value).filter((f) => f.length >= MIN_PLAIN_SECRET && !plain.includes(f));
  if (added.length > 0) plain = [...plain, ...added].sort((a, b) => b.length - a.length);
  if (names.length === 0) return;
  for (const name of names) contextNames.add(name);
  for (const form of forms(value)) contextValues.add(form);
  const alternatives = (set: Set<string>) =>
    [...set]
      .sort((a, b) => b.length - a.length)
      .map(escapeRegExp)
      .join('|');
  // Any registered value after any registered name: masking a little more is the safe side.
  contextual = new RegExp(
    `(\\b(?:${alternatives(contextNames)})["']?(?:\\s*[:=]\\s*|\\s+)["']?)(?:${alternatives(contextValues)})`,
    'gi',
  );
}

/**
 * A header sent with every request: its whole value is a secret (and so is the credential of an
 * `Authorization: <scheme> <credential>` value on its own).
 */
export function registerHeaderSecret(name: string, value: string): void {
  const scheme = /^(\S+)\s+(\S+)$/.exec(value);
  if (scheme?.[1] && scheme[2] && /authorization$/i.test(name)) {
    registerSecret(scheme[2], [scheme[1]]);
  }
  registerSecret(value, [name]);
}

/**
 * Proxy credentials from HTTP_PROXY/HTTPS_PROXY userinfo, in every form they can be printed:
 * percent-encoded as given, decoded, and as the `Proxy-Authorization: Basic` value undici sends.
 */
export function registerProxySecrets(env: NodeJS.ProcessEnv): void {
  for (const name of ['http_proxy', 'HTTP_PROXY', 'https_proxy', 'HTTPS_PROXY']) {
    const raw = env[name];
    if (!raw) continue;
    // Up to the last `@` of the authority: a password may hold an unencoded `@`.
    const userinfo =
      /^[a-z][a-z0-9+.-]*:\/\/([^/?#]*)@/i.exec(raw)?.[1] ?? /^([^/]*)@/.exec(raw)?.[1];
    if (!userinfo) continue;
    const colon = userinfo.indexOf(':');
    const user = colon < 0 ? userinfo : userinfo.slice(0, colon);
    const password = colon < 0 ? '' : userinfo.slice(colon + 1);
    const decode = (s: string) => {
      try {
        return decodeURIComponent(s);
      } catch {
        return s;
      }
    };
    registerSecret(userinfo);
    if (password === '') {
      // `http://token@proxy`: the user name is the credential.
      registerSecret(user);
      registerSecret(decode(user));
      continue;
    }
    registerSecret(password, [user]);
    registerSecret(decode(password), [decode(user)]);
    registerSecret(`${decode(user)}:${decode(password)}`);
    registerSecret(Buffer.from(`${decode(user)}:${decode(password)}`).toString('base64'), [
      'basic',
    ]);
  }
}

/** Forgets every registered secret (tests only). */
export function clearSecrets(): void {
  plain = [];
  contextNames.clear();
  contextValues.clear();
  contextual = undefined;
}

// From the scheme's `://` to the last `@` of the token: a password may hold an unencoded `@`.
const USERINFO = /\b([a-z][a-z0-9+.-]*:\/\/)[^\s/?#"'<>`]*@/gi;
const QUERY = /\b([a-z][a-z0-9+.-]*:\/\/[^\s?#"'<>`]*)[?#][^\s"'<>`]*/gi;

/**
 * For results (reports, archive records): every registered secret and any URL userinfo masked.
 * Label values are otherwise printed exactly, query strings included.
 */
export function redact(text: string): string {
  let out = text;
  for (const secret of plain) if (out.includes(secret)) out = out.split(secret).join(MASK);
  if (contextual) out = out.replace(contextual, `$1${MASK}`);
  if (out.includes('://')) out = out.replace(USERINFO, `$1${MASK}@`);
  return out;
}

/** For messages (errors, logs): redact(), and the query and fragment of any URL as well. */
export function redactMessage(text: string): string {
  const out = redact(text);
  return out.includes('://') ? out.replace(QUERY, `$1?${MASK}`) : out;
}

/**
 * A URL (or what was meant to be one) for an error message: no userinfo, query or fragment, even
 * when it does not parse.
 */
export function redactUrl(raw: string): string {
  let s = raw;
  const at = s.lastIndexOf('@');
  if (at >= 0) {
    const scheme = s.indexOf('://');
    const from = scheme >= 0 && scheme < at ? scheme + 3 : 0;
    s = `${s.slice(0, from)}${MASK}${s.slice(at)}`;
  }
  const q = s.search(/[?#]/);
  if (q >= 0) s = `${s.slice(0, q + 1)}${MASK}`;
  return redact(s);
}

/**
 * Redacts a stream of text line by line, so a secret split between two chunks is still found
 * (secrets never hold a line break: credentials.ts and the header check refuse them).
 */
export function* redactLines(
  chunks: Iterable<string>,
  fn: (text: string) => string = redact,
): Generator<string> {
  let carry = '';
  for (const chunk of chunks) {
    const text = carry + chunk;
    const end = text.lastIndexOf('\n') + 1;
    carry = text.slice(end);
    if (end > 0) yield fn(text.slice(0, end));
  }
  if (carry !== '') yield fn(carry);
}
