import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  formatSelector,
  MatcherSyntaxError,
  matchesAny,
  matchesSelector,
  parseSelector,
  type Selector,
} from '../../../src/core/matchers.ts';
import { type Labels, putLabel } from '../../../src/wire/labels.ts';

/** name/op/value of each matcher, without the compiled regex. */
function shape(selector: Selector): Array<[string, string, string]> {
  return selector.map((m) => [m.name, m.op, m.value]);
}

function matches(selector: string, labels: Labels): boolean {
  return matchesSelector(labels, parseSelector(selector));
}

function syntaxError(input: string, message?: RegExp): void {
  assert.throws(
    () => parseSelector(input),
    (e: unknown) => {
      assert.ok(
        e instanceof MatcherSyntaxError,
        `expected MatcherSyntaxError, got ${String(e)} for ${JSON.stringify(input)}`,
      );
      if (message) assert.match(e.message, message);
      return true;
    },
  );
}

describe('parseSelector', () => {
  it('parses all four operators', () => {
    assert.deepEqual(shape(parseSelector('{a="1", b!="2", c=~"3", d!~"4"}')), [
      ['a', '=', '1'],
      ['b', '!=', '2'],
      ['c', '=~', '3'],
      ['d', '!~', '4'],
    ]);
  });

  it('makes braces optional', () => {
    assert.deepEqual(shape(parseSelector('job="x", env!="prod"')), [
      ['job', '=', 'x'],
      ['env', '!=', 'prod'],
    ]);
    assert.deepEqual(shape(parseSelector('job="x"')), shape(parseSelector('{job="x"}')));
  });

  it('tolerates whitespace everywhere and a trailing comma', () => {
    assert.deepEqual(shape(parseSelector('  {  job  =~  "a.*"  ,  env != "p" , }  ')), [
      ['job', '=~', 'a.*'],
      ['env', '!=', 'p'],
    ]);
  });

  it('accepts double, single and backtick quotes', () => {
    assert.equal(parseSelector('{a="x"}')[0]?.value, 'x');
    assert.equal(parseSelector("{a='x'}")[0]?.value, 'x');
    assert.equal(parseSelector('{a=`x`}')[0]?.value, 'x');
    assert.equal(parseSelector(`{a='say "hi"'}`)[0]?.value, 'say "hi"');
    assert.equal(parseSelector('{a="it\'s"}')[0]?.value, "it's");
  });

  it('decodes escapes in double- and single-quoted strings', () => {
    assert.equal(parseSelector('{a="q\\"q"}')[0]?.value, 'q"q');
    assert.equal(parseSelector("{a='q\\'q'}")[0]?.value, "q'q");
    assert.equal(parseSelector('{a="b\\\\s"}')[0]?.value, 'b\\s');
    assert.equal(parseSelector('{a="1\\n2\\t3\\r"}')[0]?.value, '1\n2\t3\r');
    assert.equal(parseSelector('{a="\\x41\\u00e9\\U0001F600"}')[0]?.value, 'Aé😀');
  });

  it('keeps backslashes literal in backtick strings (regex friendly)', () => {
    const sel = parseSelector('{job=~`etl\\.\\d+`}');
    assert.equal(sel[0]?.value, 'etl\\.\\d+');
    assert.equal(matchesSelector({ job: 'etl.42' }, sel), true);
    assert.equal(matchesSelector({ job: 'etlx42' }, sel), false);
  });

  it('compiles a regex only for regex operators', () => {
    const [eq, re] = parseSelector('{a="x", b=~"y"}');
    assert.equal(eq?.regex, undefined);
    assert.equal(typeof re?.regex?.test, 'function');
  });

  it('rejects an empty selector', () => {
    syntaxError('{}', /no matchers/);
    syntaxError('', /no matchers/);
    syntaxError('  {  }  ', /no matchers/);
  });

  it('rejects unterminated strings', () => {
    syntaxError('{job="abc}', /unterminated string/);
    syntaxError("job='abc", /unterminated string/);
    syntaxError('{job=`abc}', /unterminated string/);
    syntaxError('{job="abc\\"}', /unterminated string/);
  });

  it('rejects a missing operator', () => {
    syntaxError('{job}', /expected one of = != =~ !~ after "job"/);
    syntaxError('{job "x"}', /expected one of/);
    syntaxError('{job=="x"}', /quoted value/);
  });

  it('rejects unquoted values and bad names', () => {
    syntaxError('{job=x}', /quoted value/);
    syntaxError('{9job="x"}', /label name/);
    syntaxError('{"job"="x"}', /label name/);
  });

  it('rejects a missing comma, a missing brace and trailing text', () => {
    syntaxError('{a="1" b="2"}', /expected "," or "}"/);
    syntaxError('{a="1"', /missing closing "}"/);
    syntaxError('{a="1"} x', /unexpected text after "}"/);
    syntaxError('a="1"}', /expected "," or "}"/);
  });

  it('rejects unknown escapes', () => {
    syntaxError('{a="\\q"}', /unknown escape/);
    syntaxError('{a="\\x4"}', /unknown escape/);
  });

  it('rejects an invalid regex', () => {
    syntaxError('{job=~"("}', /invalid regular expression/);
    syntaxError('{job!~"[a-"}', /invalid regular expression/);
    syntaxError('{job=~"*"}', /invalid regular expression/);
  });

  it('rejects an out-of-range \\U escape with MatcherSyntaxError', () => {
    // Bug probe: String.fromCodePoint(0x110000) throws a RangeError that escapes the parser.
    syntaxError('{job="\\U00110000"}');
  });

  it('rejects a regex that would break out of its anchors', () => {
    // RE2 (Prometheus) rejects the unbalanced ")"; pasted into ^(?:...)$ it becomes
    // ^(?:a)|(b)$, which is a prefix match for "a".
    syntaxError('{job=~"a)|(b"}');
  });

  it('names the position in the original input', () => {
    assert.throws(() => parseSelector('{job}'), /at position 5 /);
    // Bug probe: the position is counted in the trimmed text, so leading spaces shift it.
    assert.throws(() => parseSelector('   {job}'), /at position 8 /);
  });
});

describe('matchesSelector', () => {
  it('= and != compare exactly', () => {
    assert.equal(matches('{job="etl"}', { job: 'etl' }), true);
    assert.equal(matches('{job="etl"}', { job: 'etl_1' }), false);
    assert.equal(matches('{job="etl"}', { job: 'ETL' }), false);
    assert.equal(matches('{job!="etl"}', { job: 'etl' }), false);
    assert.equal(matches('{job!="etl"}', { job: 'etl_1' }), true);
  });

  it('anchors regexes at both ends', () => {
    assert.equal(matches('{job=~"etl"}', { job: 'etl' }), true);
    assert.equal(matches('{job=~"etl"}', { job: 'etl_1' }), false);
    assert.equal(matches('{job=~"etl"}', { job: 'x_etl' }), false);
    assert.equal(matches('{job=~"etl_.*"}', { job: 'etl_1' }), true);
    assert.equal(matches('{job!~"etl"}', { job: 'etl_1' }), true);
    assert.equal(matches('{job!~"etl"}', { job: 'etl' }), false);
  });

  it('keeps alternations inside the anchors', () => {
    assert.equal(matches('{job=~"a|b"}', { job: 'a' }), true);
    assert.equal(matches('{job=~"a|b"}', { job: 'b' }), true);
    assert.equal(matches('{job=~"a|b"}', { job: 'ab' }), false);
    assert.equal(matches('{job=~"a|b"}', { job: 'xb' }), false);
    assert.equal(matches('{job=~"a|b"}', { job: 'ax' }), false);
  });

  it('lets "." match newlines, as Prometheus does', () => {
    assert.equal(matches('{job=~"a.*b"}', { job: 'a\nb' }), true);
  });

  it('lets "." match one whole character, as RE2 does', () => {
    // Bug probe: without the `u` flag "." matches one UTF-16 unit, so an emoji is two characters.
    assert.equal(matches('{job=~"."}', { job: '😀' }), true);
  });

  it('is case sensitive', () => {
    assert.equal(matches('{job=~"etl"}', { job: 'ETL' }), false);
  });

  it('treats a missing label as the empty string', () => {
    assert.equal(matches('{instance=""}', { job: 'x' }), true);
    assert.equal(matches('{instance!=""}', { job: 'x' }), false);
    assert.equal(matches('{instance=~".*"}', { job: 'x' }), true);
    assert.equal(matches('{instance=~".+"}', { job: 'x' }), false);
    assert.equal(matches('{instance!~".+"}', { job: 'x' }), true);
    assert.equal(matches('{instance="a"}', { job: 'x' }), false);
    assert.equal(matches('{instance!="a"}', { job: 'x' }), true);
  });

  it('does not read inherited properties as labels', () => {
    assert.equal(matches('{constructor=""}', { job: 'x' }), true);
    assert.equal(matches('{toString=~".+"}', { job: 'x' }), false);
  });

  it('requires every matcher (AND)', () => {
    const sel = '{job=~"etl_.*", env!="prod"}';
    assert.equal(matches(sel, { job: 'etl_1', env: 'dev' }), true);
    assert.equal(matches(sel, { job: 'etl_1', env: 'prod' }), false);
    assert.equal(matches(sel, { job: 'web', env: 'dev' }), false);
    assert.equal(matches(sel, { job: 'etl_1' }), true);
  });

  it('gives the same answer when called repeatedly (no regex state)', () => {
    const sel = parseSelector('{job=~"etl.*"}');
    for (let i = 0; i < 3; i++) assert.equal(matchesSelector({ job: 'etl_1' }, sel), true);
  });
});

describe('Prometheus (RE2) regex semantics', () => {
  it('matches a catastrophic-backtracking pattern against a hostile 50k-character value in linear time', () => {
    // Bug probe: JavaScript's backtracking RegExp takes exponential time here (minutes and more).
    const hostile = `${'a'.repeat(50_000)}!`;
    for (const selector of ['{job=~"(a+)+$"}', '{job=~"(a|a)*b"}', '{job=~"(.*a){20}"}']) {
      const compiled = parseSelector(selector);
      const started = performance.now();
      assert.equal(matchesSelector({ job: hostile }, compiled), false, selector);
      const elapsed = performance.now() - started;
      assert.ok(elapsed < 500, `${selector} took ${elapsed.toFixed(0)} ms on a hostile value`);
    }
    assert.equal(matches('{job=~"(a+)+$"}', { job: 'a'.repeat(50_000) }), true);
  });

  it('refuses what Prometheus refuses (lookaround, backreferences, \\Z), naming the selector', () => {
    for (const pattern of ['(a)\\1', '(?=a)', '(?!a)', '(?<=a)', '(?<!a)', '\\Z', '\\k<x>']) {
      const selector = `{job=~\`${pattern}\`}`;
      syntaxError(selector, /invalid regular expression/);
      syntaxError(selector, /RE2 syntax: no lookaround, backreferences or \\Z/);
      assert.throws(
        () => parseSelector(selector),
        (e: Error) => e.message.includes(`in selector ${JSON.stringify(selector)}`),
      );
    }
  });

  it('refuses JavaScript-only syntax and repeat counts over 1000, as RE2 does', () => {
    // Bug probe: each of these compiles as a JavaScript RegExp, but Prometheus rejects the selector.
    syntaxError('{job=~`\\u0041`}', /invalid escape sequence/);
    syntaxError('{job=~`\\cA`}', /invalid escape sequence/);
    syntaxError('{job=~"a{1001}"}', /invalid repeat count/);
    syntaxError('{job=~"a**"}', /invalid nested repetition operator/);
  });

  it('accepts RE2-only syntax', () => {
    // Bug probe: none of these is valid in a JavaScript RegExp with the `u` flag.
    assert.equal(matches('{job=~"(?i)abc"}', { job: 'aBC' }), true);
    assert.equal(matches('{job=~"a(?i)bc"}', { job: 'aBC' }), true);
    assert.equal(matches('{job=~"a(?i)bc"}', { job: 'ABC' }), false);
    assert.equal(matches('{job=~`\\pL+`}', { job: 'héllo' }), true);
    assert.equal(matches('{job=~`\\pL+`}', { job: 'h3llo' }), false);
    assert.equal(matches('{job=~`\\p{Greek}+`}', { job: 'αβγ' }), true);
    assert.equal(matches('{job=~"[[:alpha:]]+"}', { job: 'abc' }), true);
    assert.equal(matches('{job=~"[[:alpha:]]+"}', { job: 'ab1' }), false);
    assert.equal(matches('{job=~"(?P<name>a)b"}', { job: 'ab' }), true);
    assert.equal(matches('{job=~`\\Qa.b\\E`}', { job: 'a.b' }), true);
    assert.equal(matches('{job=~`\\Qa.b\\E`}', { job: 'axb' }), false);
    assert.equal(matches('{job=~`\\x{41}`}', { job: 'A' }), true);
    assert.equal(matches('{job=~`\\Aab\\z`}', { job: 'ab' }), true);
  });

  it('anchors the whole expression: a prefix, a suffix or one side of an alternation is not enough', () => {
    assert.equal(matches('{job=~"a"}', { job: 'ba' }), false);
    assert.equal(matches('{job=~"a"}', { job: 'ab' }), false);
    assert.equal(matches('{job=~"a|b"}', { job: 'ab' }), false);
    assert.equal(matches('{job=~"a|ab"}', { job: 'ab' }), true);
    assert.equal(matches('{job!~"a|b"}', { job: 'ab' }), true);
    // `$` is the end of the text only, not before a trailing newline (RE2, unlike PCRE).
    assert.equal(matches('{job=~"a$"}', { job: 'a\n' }), false);
    assert.equal(matches('{job=~"(?m)a$"}', { job: 'a\n' }), false);
  });

  it('lets "." and negated classes match a newline, as Prometheus 3 does', () => {
    assert.equal(matches('{job=~"."}', { job: '\n' }), true);
    assert.equal(matches('{job=~".*"}', { job: 'a\nb\n' }), true);
    assert.equal(matches('{job=~"[^a]"}', { job: '\n' }), true);
    // (?-s) inside the expression still turns it off, as in Go.
    assert.equal(matches('{job=~"(?-s:.)"}', { job: '\n' }), false);
  });

  it('matches the empty pattern only against the empty (or missing) value', () => {
    assert.equal(matches('{job=~""}', { job: '' }), true);
    assert.equal(matches('{job=~""}', { job: 'x' }), false);
    assert.equal(matches('{instance=~""}', { job: 'x' }), true);
  });
});

describe('matchesAny', () => {
  const selectors = [parseSelector('{job="a"}'), parseSelector('{job="b", env="dev"}')];

  it('is true when any selector matches (OR)', () => {
    assert.equal(matchesAny({ job: 'a' }, selectors), true);
    assert.equal(matchesAny({ job: 'b', env: 'dev' }, selectors), true);
  });

  it('is false when none matches', () => {
    assert.equal(matchesAny({ job: 'b', env: 'prod' }, selectors), false);
    assert.equal(matchesAny({ job: 'c' }, selectors), false);
  });

  it('is false for an empty list', () => {
    assert.equal(matchesAny({ job: 'a' }, []), false);
  });
});

describe('formatSelector', () => {
  it('prints a selector that parses back to the same matchers', () => {
    const sel = parseSelector('job=~`a\\.b`, env!="x\\"y"');
    const text = formatSelector(sel);
    assert.equal(text, '{job=~"a\\\\.b", env!="x\\"y"}');
    assert.deepEqual(shape(parseSelector(text)), shape(sel));
  });
});

describe('putLabel', () => {
  it('sets a label named __proto__ as an own label, where plain assignment drops it', () => {
    const name = '__proto__' as string;
    const plain: Record<string, string> = {};
    plain[name] = 'y';
    assert.deepEqual(Object.keys(plain), [], 'the trap this guards against');
    const labels: Record<string, string> = {};
    putLabel(labels, 'job', 'x');
    putLabel(labels, name, 'y');
    assert.deepEqual(Object.keys(labels), ['job', '__proto__']);
    assert.equal(labels[name], 'y');
    assert.equal(Object.getPrototypeOf(labels), Object.prototype);
    assert.equal(matchesSelector(labels, parseSelector('{__proto__="y"}')), true);
  });
});
