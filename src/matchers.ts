/**
 * PromQL-style label matchers for --selector/--exclude:
 * `{job=~"etl_.*", env!="prod"}` (braces optional). Regexes are fully anchored, as in Prometheus.
 */
export type MatchOp = '=' | '!=' | '=~' | '!~';

export interface Matcher {
  readonly name: string;
  readonly op: MatchOp;
  readonly value: string;
  /** Present for regex operators: the anchored expression. */
  readonly regex?: RegExp;
}

/** All matchers must hold (AND). */
export type Selector = readonly Matcher[];

export type Labels = Readonly<Record<string, string>>;

/**
 * Sets one label on a map being built. `labels[name] = value` would silently drop a label named
 * `__proto__` (on a plain object that is the prototype setter, which ignores strings), so the key
 * would lose a label and address a sibling group. As an own property it is kept, and keyProblem
 * then refuses the key (names starting with `__` cannot be addressed).
 */
export function putLabel(labels: Record<string, string>, name: string, value: string): void {
  if (name === '__proto__')
    Object.defineProperty(labels, name, {
      value,
      enumerable: true,
      writable: true,
      configurable: true,
    });
  else labels[name] = value;
}

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
    matchers.push(makeMatcher(name, op as MatchOp, value));
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

/** JavaScript regex features RE2 (and so Prometheus) rejects: lookaround and backreferences. */
const NOT_RE2 = /\(\?<?[=!]|\\[1-9]|\\k</;

function makeMatcher(name: string, op: MatchOp, value: string): Matcher {
  if (op === '=' || op === '!=') return { name, op, value };
  const invalid = (why: string): never => {
    throw new MatcherSyntaxError(
      `invalid regular expression ${JSON.stringify(value)} for label "${name}": ${why}`,
    );
  };
  if (NOT_RE2.test(value)) invalid('lookaround and backreferences are not supported by Prometheus');
  // RE2's leading (?i) has no inline equivalent in Node 20's RegExp: map it to the flag.
  const caseless = value.startsWith('(?i)');
  const body = caseless ? value.slice(4) : value;
  // `u`: `.` and classes work on code points, as in RE2; `s`: Prometheus anchors as ^(?s:re)$.
  const flags = caseless ? 'sui' : 'su';
  try {
    // Compiled alone first so a value such as `a)|(b` cannot escape the anchors below.
    new RegExp(body, flags);
    return { name, op, value, regex: new RegExp(`^(?:${body})$`, flags) };
  } catch (err) {
    return invalid((err as Error).message);
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
