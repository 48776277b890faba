/**
 * Reads a listed group's facts straight from its JSON bytes, without JSON.parse, when the members
 * a sweep reads are in the plain shape the gateway writes: `labels` an object of plain strings
 * with a non-empty `job`, and each metric family an object whose first sample has a plain string
 * `value`. Anything else (an escape in a string it keeps, a duplicate name, another shape) returns
 * undefined and the group is read by JSON.parse (listing.ts), so both paths give the same facts
 * and the same errors. Every byte of the members it reads is checked as JSON, as JSON.parse would.
 *
 * Why: JSON.parse built a family's help text, timestamps and sample labels as objects only for
 * them to be dropped; that was most of the allocation of a listing and a third of its CPU time.
 */
import type { MemberSpans } from './listing-splitter.ts';
import type { Labels } from './matchers.ts';
import { DECLARED_TTL_METRIC } from './ttl.ts';

/** The facts listing.ts's parseGroup returns for a group whose `labels` member is usable. */
export interface FastGroupFacts {
  readonly labels: Labels;
  readonly pushTime: string | undefined;
  readonly pushFailureTime: string | undefined;
  readonly declaredTtl: string | undefined;
}

// Literals here as in listing-splitter.ts, not shared imports: V8 does not fold an imported
// binding into a constant, and importing them measured 14% slower in both byte loops.
const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const COLON = 0x3a;
const COMMA = 0x2c;
const LBRACE = 0x7b;
const RBRACE = 0x7d;
const LBRACKET = 0x5b;
const RBRACKET = 0x5d;

/** Not JSON, or not a shape this path reads: let JSON.parse decide. */
const GIVE_UP = -1;

function isSpace(b: number | undefined): boolean {
  return b === 0x20 || b === 0x0a || b === 0x0d || b === 0x09;
}

function skipSpace(json: Buffer, i: number, end: number): number {
  while (i < end && isSpace(json[i])) i++;
  return i;
}

/** Whether json[start, end) spells `name` (ASCII). */
function spells(json: Buffer, start: number, end: number, name: string): boolean {
  if (end - start !== name.length) return false;
  for (let k = 0; k < name.length; k++) if (json[start + k] !== name.charCodeAt(k)) return false;
  return true;
}

/**
 * The end (after the closing quote) of the string opening at `i`, or GIVE_UP if it is not valid
 * JSON or, with `plain`, if it has any escape (its text would need decoding).
 */
function skipString(json: Buffer, i: number, end: number, plain: boolean): number {
  if (json[i] !== QUOTE) return GIVE_UP;
  for (i++; i < end; i++) {
    const b = json[i] as number;
    if (b === QUOTE) return i + 1;
    if (b < 0x20) return GIVE_UP;
    if (b === BACKSLASH) {
      if (plain) return GIVE_UP;
      const e = json[i + 1];
      if (e === 0x75) {
        // \uXXXX
        for (let k = 2; k < 6; k++) if (!isHex(json[i + k])) return GIVE_UP;
        i += 5;
      } else if (
        e === QUOTE ||
        e === BACKSLASH ||
        e === 0x2f ||
        e === 0x62 ||
        e === 0x66 ||
        e === 0x6e ||
        e === 0x72 ||
        e === 0x74
      )
        i++;
      else return GIVE_UP;
    }
  }
  return GIVE_UP;
}

function isHex(b: number | undefined): boolean {
  return (
    b !== undefined &&
    ((b >= 0x30 && b <= 0x39) || (b >= 0x41 && b <= 0x46) || (b >= 0x61 && b <= 0x66))
  );
}

function isDigit(b: number | undefined): boolean {
  return b !== undefined && b >= 0x30 && b <= 0x39;
}

/** JSON's number grammar: -?(0|[1-9]\d*)(\.\d+)?([eE][+-]?\d+)? */
function skipNumber(json: Buffer, i: number, end: number): number {
  if (json[i] === 0x2d) i++;
  if (json[i] === 0x30) i++;
  else if (isDigit(json[i])) while (i < end && isDigit(json[i])) i++;
  else return GIVE_UP;
  if (json[i] === 0x2e) {
    i++;
    if (!isDigit(json[i])) return GIVE_UP;
    while (i < end && isDigit(json[i])) i++;
  }
  if (json[i] === 0x65 || json[i] === 0x45) {
    i++;
    if (json[i] === 0x2b || json[i] === 0x2d) i++;
    if (!isDigit(json[i])) return GIVE_UP;
    while (i < end && isDigit(json[i])) i++;
  }
  return i > end ? GIVE_UP : i;
}

function skipLiteral(json: Buffer, i: number, end: number, word: string): number {
  return i + word.length <= end && spells(json, i, i + word.length, word)
    ? i + word.length
    : GIVE_UP;
}

/** The end of the JSON value starting at `i` (no leading space), or GIVE_UP. */
function skipValue(json: Buffer, i: number, end: number, depth = 0): number {
  // Deeper than any listing nests; recursion stays bounded on hostile input.
  if (depth > 64) return GIVE_UP;
  const b = json[i];
  if (b === QUOTE) return skipString(json, i, end, false);
  if (b === LBRACE || b === LBRACKET) {
    const object = b === LBRACE;
    const close = object ? RBRACE : RBRACKET;
    i = skipSpace(json, i + 1, end);
    if (json[i] === close) return i + 1;
    for (;;) {
      if (object) {
        i = skipString(json, i, end, false);
        if (i === GIVE_UP) return GIVE_UP;
        i = skipSpace(json, i, end);
        if (json[i] !== COLON) return GIVE_UP;
        i = skipSpace(json, i + 1, end);
      }
      i = skipValue(json, i, end, depth + 1);
      if (i === GIVE_UP) return GIVE_UP;
      i = skipSpace(json, i, end);
      if (json[i] === close) return i + 1;
      if (json[i] !== COMMA) return GIVE_UP;
      i = skipSpace(json, i + 1, end);
    }
  }
  if (b === 0x74) return skipLiteral(json, i, end, 'true');
  if (b === 0x66) return skipLiteral(json, i, end, 'false');
  if (b === 0x6e) return skipLiteral(json, i, end, 'null');
  return skipNumber(json, i, end);
}

/**
 * Walks the object at `i` member by member: `onMember(nameStart, nameEnd, valueStart)` returns
 * where the value ends (or GIVE_UP). Member names must be plain strings (an escaped name might
 * spell one that is read). Returns the end of the object, or GIVE_UP.
 */
function walkObject(
  json: Buffer,
  i: number,
  end: number,
  onMember: (nameStart: number, nameEnd: number, valueStart: number) => number,
): number {
  if (json[i] !== LBRACE) return GIVE_UP;
  i = skipSpace(json, i + 1, end);
  if (json[i] === RBRACE) return i + 1;
  for (;;) {
    const nameEnd = skipString(json, i, end, true);
    if (nameEnd === GIVE_UP) return GIVE_UP;
    let at = skipSpace(json, nameEnd, end);
    if (json[at] !== COLON) return GIVE_UP;
    at = skipSpace(json, at + 1, end);
    i = onMember(i + 1, nameEnd - 1, at);
    if (i === GIVE_UP) return GIVE_UP;
    i = skipSpace(json, i, end);
    if (json[i] === RBRACE) return i + 1;
    if (json[i] !== COMMA) return GIVE_UP;
    i = skipSpace(json, i + 1, end);
  }
}

/** A grouping-key object of plain strings with a non-empty `job`; undefined otherwise. */
function readLabels(
  json: Buffer,
  i: number,
  end: number,
): { labels: Labels; end: number } | undefined {
  const labels: Record<string, string> = {};
  let hasJob = false;
  const after = walkObject(json, i, end, (nameStart, nameEnd, at) => {
    const valueEnd = skipString(json, at, end, true);
    if (valueEnd === GIVE_UP) return GIVE_UP;
    const name = json.toString('utf8', nameStart, nameEnd);
    // A repeated name (JSON.parse keeps the last), or one that is not a plain own property.
    if (Object.hasOwn(labels, name) || name === '__proto__') return GIVE_UP;
    const value = json.toString('utf8', at + 1, valueEnd - 1);
    if (name === 'job') hasJob = value !== '';
    labels[name] = value;
    return valueEnd;
  });
  return after === GIVE_UP || !hasJob ? undefined : { labels, end: after };
}

/**
 * A metric family's first sample value, as listing.ts's firstSample reads it: the family object's
 * `metrics` array, its first element's `value` when that is a string. `null` when the family has
 * no such value (JSON.parse would give undefined too); GIVE_UP when JSON.parse must decide.
 */
function readFirstValue(
  json: Buffer,
  i: number,
  end: number,
): { value: string | null; end: number } | undefined {
  let value: string | null = null;
  let seenMetrics = false;
  const after = walkObject(json, i, end, (nameStart, nameEnd, at) => {
    if (!spells(json, nameStart, nameEnd, 'metrics')) return skipValue(json, at, end);
    if (seenMetrics) return GIVE_UP;
    seenMetrics = true;
    if (json[at] !== LBRACKET) return GIVE_UP;
    const first = skipSpace(json, at + 1, end);
    if (json[first] !== LBRACE) return GIVE_UP;
    let seenValue = false;
    const firstEnd = walkObject(json, first, end, (s, e, v) => {
      if (!spells(json, s, e, 'value')) return skipValue(json, v, end);
      if (seenValue) return GIVE_UP;
      seenValue = true;
      const valueEnd = skipString(json, v, end, true);
      if (valueEnd === GIVE_UP) return GIVE_UP;
      value = json.toString('utf8', v + 1, valueEnd - 1);
      return valueEnd;
    });
    if (firstEnd === GIVE_UP || !seenValue) return GIVE_UP;
    // The rest of the array: checked, not read.
    let k = skipSpace(json, firstEnd, end);
    for (;;) {
      if (json[k] === RBRACKET) return k + 1;
      if (json[k] !== COMMA) return GIVE_UP;
      k = skipValue(json, skipSpace(json, k + 1, end), end);
      if (k === GIVE_UP) return GIVE_UP;
      k = skipSpace(json, k, end);
    }
  });
  return after === GIVE_UP ? undefined : { value, end: after };
}

/** The members a sweep reads from a group (listing.ts reads the same ones with JSON.parse). */
export const READ_MEMBER_NAMES = [
  'labels',
  'push_time_seconds',
  'push_failure_time_seconds',
  DECLARED_TTL_METRIC,
] as const;
// Their indices in READ_MEMBER_NAMES.
const LABELS = 0;
const PUSH = 1;
const FAILURE = 2;
const TTL = 3;
const FAMILIES = [PUSH, FAILURE, TTL] as const;

/**
 * The read members' facts from the group's JSON text, or undefined when JSON.parse must read it.
 */
export function readGroupFast(json: Buffer, members: MemberSpans): FastGroupFacts | undefined {
  if (members.length === 0) return undefined;
  // Where each read member's value starts and ends (-1: not in the group).
  const starts = [-1, -1, -1, -1];
  const ends = [-1, -1, -1, -1];
  for (let m = 0; m + 2 < members.length; m += 3) {
    const nameStart = (members[m] ?? 0) + 1;
    const nameEnd = members[m + 1] ?? 0;
    const valueEnd = members[m + 2] ?? 0;
    let which = READ_MEMBER_NAMES.length - 1;
    while (which >= 0 && !spells(json, nameStart, nameEnd, READ_MEMBER_NAMES[which] ?? '')) which--;
    if (which < 0) {
      // An escaped name might spell a read one.
      for (let k = nameStart; k < nameEnd; k++) if (json[k] === BACKSLASH) return undefined;
      continue;
    }
    if (starts[which] !== -1) return undefined; // repeated: JSON.parse keeps the last
    let at = skipSpace(json, nameEnd + 1, valueEnd);
    if (json[at] !== COLON) return undefined;
    at = skipSpace(json, at + 1, valueEnd);
    starts[which] = at;
    ends[which] = valueEnd;
  }

  const labelsAt = starts[LABELS] ?? -1;
  if (labelsAt < 0) return undefined;
  const labels = readLabels(json, labelsAt, ends[LABELS] ?? 0);
  if (!labels || !onlySpaceUntil(json, labels.end, ends[LABELS] ?? 0)) return undefined;

  const values: (string | undefined)[] = [undefined, undefined, undefined, undefined];
  for (const which of FAMILIES) {
    const at = starts[which] ?? -1;
    if (at < 0) continue;
    const end = ends[which] ?? 0;
    // A family that is not an object has no first value; JSON.parse checks that it is JSON.
    if (json[at] !== LBRACE) return undefined;
    const read = readFirstValue(json, at, end);
    if (!read || !onlySpaceUntil(json, read.end, end)) return undefined;
    values[which] = read.value ?? undefined;
  }
  return {
    labels: labels.labels,
    pushTime: values[PUSH],
    pushFailureTime: values[FAILURE],
    declaredTtl: values[TTL],
  };
}

function onlySpaceUntil(json: Buffer, i: number, end: number): boolean {
  return skipSpace(json, i, end) === end;
}
