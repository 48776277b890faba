import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { rule as parseRule, retentionProblem, ruleOf } from '../../../src/config/validate.ts';
import {
  FamilyRanker,
  type FamilyRules,
  familyOf,
  largestFamilies,
  retentionInUse,
} from '../../../src/core/families.ts';
import { surprise } from '../../../src/core/guards.ts';
import { parseSelector } from '../../../src/core/matchers.ts';
import type { TtlRule } from '../../../src/core/ttl.ts';
import type { Labels } from '../../../src/wire/labels.ts';

const NOW_MS = 1_795_618_688_000;
const HOUR = 3_600_000;

const at = (agoMs: number) => ({ pushTime: String((NOW_MS - agoMs) / 1000), pushFailureTime: '0' });

function rule(text: string): TtlRule {
  const r = parseRule(text);
  if (!r.ok) throw new Error(r.error);
  return r.value;
}

const rules = (over: Partial<FamilyRules> = {}): FamilyRules => ({
  selectors: [],
  excludes: [],
  keepLatest: { keep: 1, per: ['job', 'task_id'] },
  ...over,
});

/** Feeds the groups, then answers which of them are kept as latest. */
function latest(
  r: FamilyRules,
  groups: Array<[Labels, { pushTime: string; pushFailureTime: string }]>,
): boolean[] {
  const ranker = new FamilyRanker(r);
  for (const [labels, g] of groups) ranker.see(labels, g, NOW_MS);
  return groups.map(([labels, g]) => ranker.latestOf(labels, g.pushTime)?.latest === true);
}

describe('familyOf', () => {
  it('treats a missing --per label as the empty value, like Prometheus', () => {
    const missing = familyOf({ job: 'etl', run_id: 'r1' }, rules());
    const empty = familyOf({ job: 'etl', task_id: '', run_id: 'r2' }, rules());
    assert.equal(missing?.id, empty?.id);
    assert.deepEqual(missing?.labels, { job: 'etl', task_id: '' });
    assert.notEqual(missing?.id, familyOf({ job: 'etl', task_id: 'a' }, rules())?.id);
  });

  it('forms families per rule: the first matching rule gives keep and per', () => {
    const r = rules({
      ttlRules: [rule('{job=~"etl_.*"}=2h,keep=2,per=job'), rule('{job="x"}=1h')],
      keepLatest: { keep: 1, per: ['job', 'task_id'] },
    });
    const etl = familyOf({ job: 'etl_a', task_id: 't' }, r);
    assert.equal(etl?.keep, 2);
    assert.deepEqual(etl?.labels, { job: 'etl_a' });
    // A rule without keep= inherits --keep-latest/--per, but its groups are a family of their own.
    const x = familyOf({ job: 'x', task_id: 't' }, r);
    assert.equal(x?.keep, 1);
    assert.notEqual(x?.id, familyOf({ job: 'x', task_id: 't' }, rules())?.id);
  });

  it('keep=0 in a rule turns the retention off for its groups', () => {
    const r = rules({ ttlRules: [rule('{job="adhoc"}=1h,keep=0')] });
    assert.equal(familyOf({ job: 'adhoc' }, r), undefined);
    assert.ok(familyOf({ job: 'other' }, r));
  });

  it('is off without any keep', () => {
    assert.equal(retentionInUse(rules({ keepLatest: undefined })), false);
    assert.equal(
      retentionInUse(
        rules({ keepLatest: undefined, ttlRules: [rule('{a="b"}=1h,keep=1,per=job')] }),
      ),
      true,
    );
  });
});

describe('FamilyRanker', () => {
  const task = (run: string, task_id = 't1'): Labels => ({ job: 'dag', task_id, run_id: run });

  it('keeps the n newest of each family, whatever their age', () => {
    const r = rules({ keepLatest: { keep: 2, per: ['job', 'task_id'] } });
    assert.deepEqual(
      latest(r, [
        [task('r1'), at(72 * HOUR)],
        [task('r3'), at(24 * HOUR)],
        [task('r2'), at(48 * HOUR)],
        [task('r0'), at(96 * HOUR)],
        [task('only', 't2'), at(500 * HOUR)],
      ]),
      [false, true, true, false, true],
    );
  });

  it('keeps every group tied at the boundary (when unsure, keep)', () => {
    const same = at(30 * HOUR);
    assert.deepEqual(
      latest(rules(), [
        [task('a'), same],
        [task('b'), same],
        [task('old'), at(40 * HOUR)],
      ]),
      [true, true, false],
    );
    // Ties above the boundary take their places: keep=2 with three tied keeps all three.
    const r = rules({ keepLatest: { keep: 2, per: ['job'] } });
    assert.deepEqual(
      latest(r, [
        [task('a'), same],
        [task('b'), same],
        [task('c'), same],
        [task('old'), at(40 * HOUR)],
      ]),
      [true, true, true, false],
    );
  });

  it('does not rank phantoms, future pushes, excluded or unselected groups', () => {
    const phantom = { pushTime: '0', pushFailureTime: String((NOW_MS - HOUR) / 1000) };
    const future = at(-3 * HOUR);
    const r = rules({ excludes: [parseSelector('{run_id="ex"}')] });
    assert.deepEqual(
      latest(r, [
        [task('phantom'), phantom],
        [task('future'), future],
        [task('ex'), at(HOUR)],
        [task('real'), at(50 * HOUR)],
      ]),
      // The real run is the family's newest; the phantom itself is never protected.
      [false, true, true, true],
    );
    const ranker = new FamilyRanker(r);
    ranker.see(task('phantom'), phantom, NOW_MS);
    assert.equal(ranker.families.size, 0);
  });

  it('reports the largest families with their oldest group', () => {
    const ranker = new FamilyRanker(rules(), true);
    for (let i = 0; i < 5; i++) ranker.see(task(`r${i}`, 'big'), at((i + 1) * HOUR), NOW_MS);
    ranker.see(task('s', 'small'), at(HOUR), NOW_MS);
    const [big, small] = largestFamilies(ranker, 10);
    assert.equal(big?.size, 5);
    assert.deepEqual(big?.oldestLabels, task('r4', 'big'));
    assert.equal(small?.size, 1);
    assert.equal(largestFamilies(ranker, 1).length, 1);
    // Memory per family: at most `keep` push times, however many groups it has.
    assert.equal(big?.newest.length, 1);
  });
});

describe('rule syntax with keep= and per=', () => {
  it('parses the options after the TTL', () => {
    const r = rule('{job=~"etl_.*"}=2h,keep=1,per=job,task_id');
    assert.equal(r.ttlMs, 2 * HOUR);
    assert.equal(r.keep, 1);
    assert.deepEqual(r.per, ['job', 'task_id']);
    assert.equal(rule('{job="a"}=2h,per=job').keep, undefined);
    assert.equal(rule('{job="a"}=2h').per, undefined);
  });

  it('is not fooled by a label value that looks like the options', () => {
    const r = rule('{job="x,keep=3,per=a"}=2h');
    assert.equal(r.keep, undefined);
    assert.equal(r.per, undefined);
    assert.deepEqual(r.selector, parseSelector('{job="x,keep=3,per=a"}'));
  });

  it('rejects bad options with the rule named', () => {
    for (const [text, why] of [
      ['{job="a"}=2h,keep=-1', /keep "-1" is not a whole number/],
      ['{job="a"}=2h,keep=1,per=', /per must name one or more labels/],
      ['{job="a"}=2h,keep=1,per=job,9x', /"9x" is not a label name/],
      ['{job="a"}=2h,keep=1,per=job,job', /names a label twice/],
    ] as const) {
      const r = parseRule(text);
      assert.equal(r.ok, false, text);
      if (!r.ok) assert.match(r.error, why);
    }
    const obj = ruleOf('{job="a"}', '2h', undefined, { keep: 1, per: ['job'] });
    assert.ok(obj.ok && obj.value.keep === 1);
  });

  it('needs family labels for a keep, and a keep for family labels', () => {
    assert.match(retentionProblem(1, undefined, []) ?? '', /--keep-latest needs --per/);
    assert.match(retentionProblem(undefined, ['job'], []) ?? '', /--per needs --keep-latest/);
    assert.match(
      retentionProblem(undefined, undefined, [rule('{a="b"}=1h,keep=1')]) ?? '',
      /names no family labels/,
    );
    assert.equal(retentionProblem(undefined, ['job'], [rule('{a="b"}=1h,keep=1')]), undefined);
    assert.equal(retentionProblem(2, ['job'], []), undefined);
  });
});

describe('guards under --keep-latest', () => {
  it('a family candidate long past its TTL is routine; a young one still counts', () => {
    const old = { ageMs: 24 * HOUR, ttlMs: 2 * HOUR };
    assert.equal(surprise(old, HOUR), 'long-stale');
    assert.equal(surprise({ ...old, inFamily: true }, HOUR), undefined);
    assert.equal(surprise({ ageMs: 10 * 60_000, ttlMs: 60_000, inFamily: true }, HOUR), 'young');
  });
});
