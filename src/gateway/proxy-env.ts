/**
 * HTTP_PROXY, HTTPS_PROXY and NO_PROXY (either case), checked before any request: undici reads
 * them when the first request is sent and a malformed one ended the run with an unexpected
 * TypeError. Errors name the variable and never print the password a proxy URL may carry.
 */
import { UsageError } from '../core/errors.ts';

/** Undici's lookup: the lower-case name wins when it is set at all, even to "". */
function effective(env: NodeJS.ProcessEnv, lower: string, upper: string) {
  const name = env[lower] !== undefined ? lower : upper;
  const value = env[name];
  return value ? { name, value } : undefined;
}

// biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what we look for
const CONTROL = /[\x00-\x1f\x7f]/;

/** The URL with any user name and password shown as `***`, quoted so it stays on one line. */
export function redactUrl(text: string): string {
  // URL parsing drops tabs and newlines silently: show those values as they are.
  if (!CONTROL.test(text)) {
    try {
      const url = new URL(text);
      const credentials = url.username !== '' || url.password !== '';
      // An "@" the parser did not take as userinfo (`http://u:1?pw@h`) may still end a password.
      if (
        (url.protocol === 'http:' || url.protocol === 'https:') &&
        (credentials || !text.includes('@'))
      ) {
        if (credentials) {
          url.username = '***';
          url.password = '';
        }
        return JSON.stringify(url.href);
      }
    } catch {
      // Not a URL: redact by hand below.
    }
  }
  // Whatever precedes the last "@" may be credentials, even without a scheme (user:pw@host).
  const at = text.lastIndexOf('@');
  if (at < 0) return JSON.stringify(text);
  const scheme = /^[A-Za-z][A-Za-z0-9+.-]*:\/\//.exec(text.slice(0, at))?.[0] ?? '';
  return JSON.stringify(`${scheme}***${text.slice(at)}`);
}

function checkProxyUrl(name: string, value: string): void {
  const shown = redactUrl(value);
  const fix = 'write it as http://host:port (or https://), e.g. http://proxy.example:3128';
  if (CONTROL.test(value)) {
    throw new UsageError(`${name} ${shown} contains a control character: ${fix}`);
  }
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new UsageError(`${name} ${shown} is not a valid URL: ${fix}`);
  }
  if ((url.protocol !== 'http:' && url.protocol !== 'https:') || url.hostname === '') {
    throw new UsageError(`${name} ${shown} is not an http:// or https:// proxy URL: ${fix}`);
  }
  if (url.search !== '' || url.hash !== '') {
    // A proxy URL has no use for them; a "?" or "#" in an unescaped password ends up here.
    throw new UsageError(
      `${name} ${shown} has a query or fragment: ${fix} (escape ? and # in a password as %3F and %23)`,
    );
  }
  try {
    // undici decodes these for the Proxy-Authorization header and throws on bad escapes.
    decodeURIComponent(url.username);
    decodeURIComponent(url.password);
  } catch {
    throw new UsageError(
      `${name} ${shown}: its user name or password has an invalid %-escape (write a literal % as %25)`,
    );
  }
}

/** Throws a UsageError for a proxy variable undici would fail on (or silently misread). */
export function checkProxyEnv(env: NodeJS.ProcessEnv): void {
  for (const [lower, upper] of [
    ['http_proxy', 'HTTP_PROXY'],
    ['https_proxy', 'HTTPS_PROXY'],
  ] as const) {
    const proxy = effective(env, lower, upper);
    if (proxy) checkProxyUrl(proxy.name, proxy.value);
  }
  const noProxy = effective(env, 'no_proxy', 'NO_PROXY');
  if (!noProxy) return;
  for (const entry of noProxy.value.split(/[,\s]/)) {
    // Entries are compared with host names: a URL would never match, so the proxy would be used.
    if (entry.includes('://') || CONTROL.test(entry)) {
      throw new UsageError(
        `${noProxy.name} entry ${redactUrl(entry)} is not a host name: list hosts or domains, e.g. localhost,.svc,10.1.2.3:9091`,
      );
    }
  }
}
