/**
 * Validators shared by every settings source (flags, environment, config file), so a value means
 * the same wherever it is written. Each returns a Result instead of throwing.
 */

import { parseByteSize } from '../core/byte-size.ts';
import { parseDuration } from '../core/duration.ts';
import { UsageError } from '../core/errors.ts';
import { MatcherSyntaxError, parseSelector, type Selector } from '../core/matchers.ts';
import type { TtlRule } from '../core/ttl.ts';
import { type GatewayUrl, parseBaseUrl } from '../gateway/base-url.ts';

export type Result<T> = { ok: true; value: T } | { ok: false; error: string };

const ok = <T>(value: T): Result<T> => ({ ok: true, value });
const err = <T>(error: string): Result<T> => ({ ok: false, error });

/** Largest --keep-latest / keep=: each family holds this many push times in memory. */
export const MAX_KEEP_LATEST = 1000;

const TRUE_WORDS = new Set(['true', '1', 'yes', 'on', 'y', 'enabled']);
const FALSE_WORDS = new Set(['false', '0', 'no', 'off', 'n', 'disabled']);

/** A boolean environment variable: true/false, 1/0, yes/no, on/off, y/n, enabled/disabled. */
export function boolean(text: string): Result<boolean> {
  const word = text.toLowerCase();
  if (TRUE_WORDS.has(word)) return ok(true);
  if (FALSE_WORDS.has(word)) return ok(false);
  return err(`${JSON.stringify(text)} is not a boolean (use true or false)`);
}

/** A duration that may be 0 (which turns a check off). */
export function duration(text: string): Result<number> {
  const parsed = parseDuration(text);
  return parsed.ok ? ok(parsed.ms) : err(parsed.error);
}

export function positiveDuration(text: string): Result<number> {
  const parsed = parseDuration(text);
  if (!parsed.ok) return err(parsed.error);
  if (parsed.ms === 0) return err(`"${text}" must be greater than 0 (e.g. 2h)`);
  return ok(parsed.ms);
}

/** A size: bytes, or a whole number with a unit (16MiB, 1GiB). */
export function byteSize(text: string): Result<number> {
  const parsed = parseByteSize(text);
  return parsed.ok ? ok(parsed.bytes) : err(parsed.error);
}

export function selector(text: string): Result<Selector> {
  try {
    return ok(parseSelector(text));
  } catch (e) {
    if (e instanceof MatcherSyntaxError) return err(e.message);
    throw e;
  }
}

/**
 * `{job="nightly"}=36h`, optionally `,keep=1` and `,per=job,task_id` after the TTL. The options are
 * taken off the end first (label names hold no `}`, so a selector's values cannot fake them); then
 * the TTL follows the last `=` (durations never contain one).
 */
export function rule(text: string): Result<TtlRule> {
  let rest = text;
  let per: string | undefined;
  let keep: string | undefined;
  const perAt = rest.lastIndexOf(',per=');
  if (perAt >= 0 && !rest.slice(perAt).includes('}')) {
    per = rest.slice(perAt + 5);
    rest = rest.slice(0, perAt);
  }
  const keepMatch = /,keep=([^,=}]*)$/.exec(rest);
  if (keepMatch) {
    keep = keepMatch[1];
    rest = rest.slice(0, keepMatch.index);
  }
  const at = rest.lastIndexOf('=');
  const matchers = at < 0 ? '' : rest.slice(0, at).trim();
  const ttl = at < 0 ? '' : rest.slice(at + 1).trim();
  if (at < 0 || matchers === '' || ttl === '' || !/^[0-9]/.test(ttl)) {
    return err(
      `rule "${text}" must look like '{job="nightly_report"}=36h' (optionally followed by ',keep=1,per=job,task_id')`,
    );
  }
  return ruleOf(matchers, ttl, text, { keep, per });
}

export function ruleOf(
  matchers: string,
  ttl: string,
  text = `${matchers}=${ttl}`,
  retention: {
    keep?: string | number | undefined;
    per?: string | readonly string[] | undefined;
  } = {},
): Result<TtlRule> {
  const sel = selector(matchers);
  if (!sel.ok) return err(sel.error);
  const ms = positiveDuration(ttl);
  if (!ms.ok) return err(`rule "${text}": ${ms.error}`);
  const out: { selector: Selector; ttlMs: number; text: string; keep?: number; per?: string[] } = {
    selector: sel.value,
    ttlMs: ms.value,
    text,
  };
  if (retention.keep !== undefined) {
    const keep = wholeNumber(String(retention.keep), 0, MAX_KEEP_LATEST);
    if (!keep.ok) return err(`rule "${text}": keep ${keep.error}`);
    out.keep = keep.value;
  }
  if (retention.per !== undefined) {
    const per = labelNames(retention.per);
    if (!per.ok) return err(`rule "${text}": per ${per.error}`);
    out.per = per.value;
  }
  return ok(out);
}

/** `job,task_id` (or a list): the label names that make a family. */
export function labelNames(input: string | readonly string[]): Result<string[]> {
  const names = typeof input === 'string' ? input.split(',').map((s) => s.trim()) : [...input];
  if (names.length === 0 || names.some((n) => n === ''))
    return err('must name one or more labels, e.g. job,task_id');
  const bad = names.find((n) => !/^[a-zA-Z_][a-zA-Z0-9_]*$/.test(n));
  if (bad !== undefined) return err(`${JSON.stringify(bad)} is not a label name`);
  if (new Set(names).size !== names.length) return err('names a label twice');
  return ok(names);
}

/**
 * --keep-latest needs family labels (--per, or per= in each rule it reaches) and --per needs
 * something to keep: each alone is a usage error rather than a guess.
 */
export function retentionProblem(
  keepLatest: number | undefined,
  per: readonly string[] | undefined,
  rules: readonly TtlRule[],
): string | undefined {
  const ruleKeeps = rules.some((r) => (r.keep ?? 0) > 0);
  if (per !== undefined && keepLatest === undefined && !ruleKeeps) {
    return '--per needs --keep-latest <n> (or keep=<n> in a --rule): it names the labels of the families whose newest groups are kept';
  }
  if (per !== undefined) return undefined;
  if (keepLatest !== undefined) {
    return `--keep-latest needs --per <labels>: which labels make a family, e.g. --keep-latest ${keepLatest} --per job`;
  }
  const bare = rules.find((r) => (r.keep ?? 0) > 0 && r.per === undefined);
  return bare
    ? `rule "${bare.text}" keeps the latest groups but names no family labels: add ,per=<labels> (or --per)`
    : undefined;
}

/** A gateway URL, parsed here once for the whole run. */
export function url(text: string): Result<GatewayUrl> {
  try {
    return ok(parseBaseUrl(text, 'URL'));
  } catch (e) {
    if (e instanceof UsageError) return err(e.message.replace(/^URL /, ''));
    throw e;
  }
}

const HEADER_NAME = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;
/** Headers that carry credentials: they must come from files or the environment, never a flag. */
const SECRET_HEADERS = new Set(['authorization', 'proxy-authorization', 'cookie']);
/** Headers the HTTP client manages itself. */
const RESERVED_HEADERS = new Set(['host', 'content-length', 'transfer-encoding', 'connection']);

export function header(text: string): Result<[string, string]> {
  const at = text.indexOf(':');
  const name = at < 0 ? '' : text.slice(0, at).trim();
  const value = at < 0 ? '' : text.slice(at + 1).trim();
  if (at < 0 || !HEADER_NAME.test(name))
    return err(`header must look like 'X-Scope-OrgID: team-a'`);
  return headerOf(name, value);
}

export function headerOf(name: string, value: string): Result<[string, string]> {
  const lower = name.toLowerCase();
  if (!HEADER_NAME.test(name)) return err(`"${name}" is not a valid header name`);
  if (SECRET_HEADERS.has(lower)) {
    return err(
      `${name} carries a secret: use --bearer-token-file, --password-file or PGSWEEP_BEARER_TOKEN instead`,
    );
  }
  if (RESERVED_HEADERS.has(lower))
    return err(`${name} is set by pgsweep itself and cannot be overridden`);
  // HTTP field values: visible Latin-1 plus space and tab; anything else fails on every request.
  if (/[\r\n]/.test(value)) return err(`the value of ${name} must not contain a line break`);
  if (/[^\t\x20-\x7e\x80-\xff]/.test(value)) {
    return err(
      `the value of ${name} has a control or non-Latin-1 character HTTP headers cannot carry`,
    );
  }
  return ok([name, value]);
}

export function wholeNumber(text: string, min: number, max: number): Result<number> {
  const n = Number(text);
  if (!/^\d+$/.test(text) || n < min || n > max)
    return err(`"${text}" is not a whole number from ${min} to ${max}`);
  return ok(n);
}

export function ratio(text: string): Result<number> {
  const n = Number(text);
  if (!/^(0|1|0?\.\d+|1\.0*)$/.test(text) || n <= 0 || n > 1) {
    return err(`"${text}" is not a fraction above 0 and at most 1 (e.g. 0.5)`);
  }
  return ok(n);
}

export function oneOf<T extends string>(allowed: readonly T[]): (text: string) => Result<T> {
  return (text) =>
    (allowed as readonly string[]).includes(text)
      ? ok(text as T)
      : err(`"${text}" is not one of ${allowed.join(', ')}`);
}

export function nonEmpty(text: string): Result<string> {
  return text.trim() === '' ? err('must not be empty') : ok(text);
}
