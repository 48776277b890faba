/**
 * Grouping keys: validating a key read from the listing and building the exact DELETE path for it.
 * Rules come from the Pushgateway's router (see shared/pushgateway-api.md §4): `%2F` and `.`/`..`
 * segments are rewritten by Go before the handler sees them, empty values vanish, so those must use
 * the `@base64` form. Everything else uses whichever encoding is shorter.
 */
import { compareLabelNames, type Labels, putLabel } from './labels.ts';

/** Label names the 1.x Pushgateway accepts in a URL without UTF-8 name escaping. */
const LEGACY_LABEL_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*$/;
const UNRESERVED = /^[A-Za-z0-9\-._~]$/;
const ALL_UNRESERVED = /^[A-Za-z0-9\-._~]+$/;

export type KeyProblem =
  | { code: 'missing-job'; detail: string }
  | { code: 'unsupported-label-name'; detail: string }
  | { code: 'lossy-value'; detail: string }
  | { code: 'escaped-name'; detail: string };

/**
 * Why a key cannot be addressed exactly from the listing alone, or undefined when it can. The
 * worst problem wins: a name no URL can carry, then a lossy value, then a `U__` name. The last two
 * can still be made exact with the gateway's help (exact-keys.ts).
 */
export function keyProblem(labels: Labels): KeyProblem | undefined {
  const job = Object.hasOwn(labels, 'job') ? labels.job : undefined;
  if (typeof job !== 'string' || job === '') {
    return { code: 'missing-job', detail: 'grouping key has no job label' };
  }
  let lossy: string | undefined;
  let escaped: string | undefined;
  // for-in, not Object.entries: this runs for every group of every listing.
  for (const name in labels) {
    if (!LEGACY_LABEL_NAME.test(name) || name.startsWith('__')) {
      return {
        code: 'unsupported-label-name',
        detail: `label name ${JSON.stringify(name)} cannot be addressed in a URL unambiguously`,
      };
    }
    // `U__` names are decoded as escapes by Pushgateway >= 1.11 in UTF-8 mode (spec §10.2).
    if (escaped === undefined && name.startsWith('U__')) escaped = name;
    const value = labels[name] as string;
    // The JSON listing replaces invalid UTF-8 with U+FFFD, so the real bytes are unknown;
    // a lone surrogate cannot be encoded at all.
    if (lossy === undefined && (value.includes('\uFFFD') || !value.isWellFormed())) lossy = name;
  }
  if (lossy !== undefined) {
    return {
      code: 'lossy-value',
      detail: `value of label "${lossy}" is not exact in the JSON listing (invalid UTF-8 was replaced)`,
    };
  }
  if (escaped !== undefined) {
    return {
      code: 'escaped-name',
      detail: `label name "${escaped}" starts with U__, which a gateway with UTF-8 names on decodes as an escape`,
    };
  }
  return undefined;
}

/** Percent-encodes every byte except RFC 3986 unreserved characters. */
export function percentEncode(value: string): string {
  let out = '';
  for (const ch of value) {
    if (UNRESERVED.test(ch)) out += ch;
    else
      for (const byte of Buffer.from(ch, 'utf8'))
        out += `%${byte.toString(16).toUpperCase().padStart(2, '0')}`;
  }
  return out;
}

/** Base64url without padding; the empty value is written `=` because an empty segment vanishes. */
export function base64UrlEncode(value: string): string {
  if (value === '') return '=';
  return Buffer.from(value, 'utf8').toString('base64url');
}

/** True when the plain form would be rewritten by the server's path handling. */
function needsBase64(value: string): boolean {
  return value === '' || value === '.' || value === '..' || value.includes('/');
}

/** One `name/value` or `name@base64/value` pair, choosing the shortest safe form. */
export function encodeSegment(name: string, value: string): string {
  // The common case, kept cheap: a value needing no escapes is its own shortest form (base64 is
  // never shorter than its input).
  if (value !== '.' && value !== '..' && ALL_UNRESERVED.test(value)) return `${name}/${value}`;
  const b64 = base64UrlEncode(value);
  if (needsBase64(value)) return `${name}@base64/${b64}`;
  const plain = percentEncode(value);
  return b64.length + '@base64'.length < plain.length
    ? `${name}@base64/${b64}`
    : `${name}/${plain}`;
}

/**
 * The path (relative to the base URL) that addresses exactly this group:
 * `metrics/job/<job>` then the other labels sorted by name. Call keyProblem first.
 */
export function groupPath(labels: Labels): string {
  const names = Object.keys(labels)
    .filter((n) => n !== 'job')
    .sort();
  // One flat string (no concatenation node): sweeps keep 100k of these.
  const parts = ['metrics', encodeSegment('job', labels.job ?? '')];
  for (const name of names) parts.push(encodeSegment(name, labels[name] ?? ''));
  return parts.join('/');
}

/** The labels a groupPath() addresses: its inverse, for groups that are kept only as a path. */
export function labelsOfPath(path: string): Labels {
  const parts = path.split('/');
  const labels: Record<string, string> = {};
  // parts[0] is "metrics"; then name, value, name, value...
  for (let i = 1; i + 1 < parts.length; i += 2) {
    const name = parts[i] ?? '';
    const value = parts[i + 1] ?? '';
    if (name.endsWith('@base64'))
      putLabel(
        labels,
        name.slice(0, -'@base64'.length),
        value === '=' ? '' : Buffer.from(value, 'base64url').toString('utf8'),
      );
    else putLabel(labels, name, decodeURIComponent(value));
  }
  return labels;
}

/** A stable identity for a grouping key, used to match groups across two listings. */
export function keyId(labels: Labels): string {
  return JSON.stringify(
    Object.keys(labels)
      .sort()
      .map((n) => [n, labels[n]]),
  );
}

/** `{job="x", instance=""}` for logs and tables. */
export function formatLabels(labels: Labels): string {
  const names = Object.keys(labels).sort(compareLabelNames);
  return `{${names.map((n) => `${n}=${JSON.stringify(labels[n])}`).join(', ')}}`;
}
