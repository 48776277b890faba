/**
 * PromQL-style label matchers for --selector/--exclude:
 * `{job=~"etl_.*", env!="prod"}` (braces optional). Regexes follow Prometheus 3: RE2 syntax, fully
 * anchored, `.` matching newlines, and matched in linear time (RE2), so a label value a pusher
 * controls cannot stall a run the way a backtracking RegExp can.
 */
import type { Labels } from '../wire/labels.ts';
import { re2jsModule } from './lazy-require.ts';

export type MatchOp = '=' | '!=' | '=~' | '!~';

export interface Matcher {
  readonly name: string;
  readonly op: MatchOp;
  readonly value: string;
  /** Present for regex operators: the anchored expression. */
  readonly regex?: LabelRegex;
}

/** A compiled label regex; `test` is true when the whole value matches. */
export interface LabelRegex {
  test(value: string): boolean;
}

/** All matchers must hold (AND). */
export type Selector = readonly Matcher[];

export class MatcherSyntaxError extends Error {}

const NAME = /[a-zA-Z_][a-zA-Z0-9_]*/y;
const SIMPLE_ESCAPES: Readonly<Record<string, string>> = {
  n: '\n',
  t: '\t',
  r: '\r',
  '\\': '\\',
  '"': '"',
  "'": "'",
  a: '\x07',
  b: '\b',
  f: '\f',
  v: '\v',
};

/** Parses one selector; throws MatcherSyntaxError with a message naming the position. */
export function parseSelector(input: string): Selector {
  let pos = 0;
  const src = input;
  const fail = (what: string): never => {
    throw new MatcherSyntaxError(
      `${what} at position ${pos + 1} in selector ${JSON.stringify(input)}`,
    );
  };
  const skipSpace = (): void => {
    while (pos < src.length && /\s/.test(src.charAt(pos))) pos++;
  };

  skipSpace();
  let braced = false;
  if (src[pos] === '{') {
    braced = true;
    pos++;
  }
  const matchers: Matcher[] = [];
  for (;;) {
    skipSpace();
    if (braced && src[pos] === '}') break;
    if (pos >= src.length) break;
    NAME.lastIndex = pos;
    const nameMatch = NAME.exec(src);
    if (!nameMatch) fail('expected a label name');
    const name = (nameMatch as RegExpExecArray)[0];
    pos = NAME.lastIndex;
    skipSpace();
    const op = (['=~', '!~', '!=', '='] as const).find((o) => src.startsWith(o, pos));
    if (!op) fail(`expected one of = != =~ !~ after "${name}"`);
    pos += (op as MatchOp).length;
    skipSpace();
    const value = readString();
    matchers.push(makeMatcher(name, op as MatchOp, value, input));
    skipSpace();
    if (src[pos] === ',') {
      pos++;
      continue;
    }
    if (braced && src[pos] === '}') break;
    if (pos >= src.length) break;
    fail('expected "," or "}"');
  }
  if (braced) {
    if (src[pos] !== '}') fail('missing closing "}"');
    pos++;
    skipSpace();
    if (pos < src.length) fail('unexpected text after "}"');
  }
  if (matchers.length === 0) {
    throw new MatcherSyntaxError(
      `selector ${JSON.stringify(input)} has no matchers (write e.g. '{job=~"etl_.*"}')`,
    );
  }
  return matchers;

  function readString(): string {
    const quote = src[pos];
    if (quote !== '"' && quote !== "'" && quote !== '`') {
      return fail('expected a quoted value such as "x"');
    }
    pos++;
    let out = '';
    while (pos < src.length) {
      const ch = src.charAt(pos);
      if (ch === quote) {
        pos++;
        return out;
      }
      if (ch === '\\' && quote !== '`') {
        const next = src.charAt(pos + 1);
        const simple = SIMPLE_ESCAPES[next];
        if (simple !== undefined) {
          out += simple;
          pos += 2;
          continue;
        }
        const hex = /^(?:x([0-9a-fA-F]{2})|u([0-9a-fA-F]{4})|U([0-9a-fA-F]{8}))/.exec(
          src.slice(pos + 1),
        );
        if (hex) {
          const code = Number.parseInt(hex[1] ?? hex[2] ?? hex[3] ?? '', 16);
          if (code > 0x10ffff) fail(`escape "\\${hex[0]}" is not a Unicode code point`);
          out += String.fromCodePoint(code);
          pos += 1 + hex[0].length;
          continue;
        }
        fail(`unknown escape "\\${next}"`);
      }
      out += ch;
      pos++;
    }
    return fail('unterminated string');
  }
}

/** What RE2 refuses that users bring from PCRE or JavaScript, for a hint in the error. */
const NOT_RE2 = /\(\?<?[=!]|\\[1-9]|\\k<|\\Z/;

/**
 * Compiles as Prometheus 3 does (model/labels/regexp.go, NewFastRegexMatcher): the value must
 * parse as an RE2 expression on its own, then `^(?s:value)$` is matched. Checking the value
 * alone first keeps `a)|(b` from escaping the anchors, as Prometheus refuses it too.
 */
function makeMatcher(name: string, op: MatchOp, value: string, selector: string): Matcher {
  if (op === '=' || op === '!=') return { name, op, value };
  const { RE2JS, RE2JSException, RE2JSSyntaxException } = re2jsModule();
  try {
    RE2JS.compile(value);
    return { name, op, value, regex: RE2JS.compile(`^(?s:${value})$`) };
  } catch (err) {
    if (!(err instanceof RE2JSException)) throw err;
    const why =
      err instanceof RE2JSSyntaxException
        ? `${err.getDescription()}${err.getPattern() ? `: ${JSON.stringify(err.getPattern())}` : ''}`
        : err.message;
    const hint = NOT_RE2.test(value)
      ? ' (Prometheus regexes use RE2 syntax: no lookaround, backreferences or \\Z)'
      : '';
    throw new MatcherSyntaxError(
      `invalid regular expression ${JSON.stringify(value)} for label "${name}" in selector ${JSON.stringify(selector)}: ${why}${hint}`,
    );
  }
}

/** A missing label matches as the empty string, as in Prometheus. */
export function matchesSelector(labels: Labels, selector: Selector): boolean {
  return selector.every((m) => {
    const actual = Object.hasOwn(labels, m.name) ? (labels[m.name] ?? '') : '';
    switch (m.op) {
      case '=':
        return actual === m.value;
      case '!=':
        return actual !== m.value;
      case '=~':
        return m.regex?.test(actual) ?? false;
      // '!~'
      default:
        return !(m.regex?.test(actual) ?? true);
    }
  });
}

/** True if any selector matches (OR). */
export function matchesAny(labels: Labels, selectors: readonly Selector[]): boolean {
  return selectors.some((s) => matchesSelector(labels, s));
}

export function formatSelector(selector: Selector): string {
  return `{${selector.map((m) => `${m.name}${m.op}${JSON.stringify(m.value)}`).join(', ')}}`;
}
