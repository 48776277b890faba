import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { rule as parseRule } from '../../../src/config/validate.ts';
import { parseSelector } from '../../../src/core/matchers.ts';
import {
  type ConfirmState,
  candidateIndex,
  confirmVerdict,
  exactMatchKey,
  findCandidate,
  type PlannedGroup,
  planGroup,
  type RecheckVerdict,
  type Rules,
  recheckVerdict,
} from '../../../src/core/plan.ts';
import type { TtlRule } from '../../../src/core/ttl.ts';
import { groupPath } from '../../../src/wire/grouping-key.ts';
import type { Labels } from '../../../src/wire/labels.ts';
import type { ListedGroup } from '../../../src/wire/listing.ts';

const NOW_MS = 1_795_618_688_000;
const HOUR = 3_600_000;
const TTL = 2 * HOUR;

function pushedAgo(ms: number): string {
  return String((NOW_MS - ms) / 1000);
}

function listed(labels: Labels, pushTime: string | undefined, pushFailureTime = '0'): ListedGroup {
  return { labels, displayLabels: labels, keySource: 'labels', pushTime, pushFailureTime };
}

/** A group whose key was hidden by a `labels` family and whose instance is "" (spec §2.6). */
function ambiguous(job: string, pushTime: string): ListedGroup {
  return {
    labels: undefined,
    displayLabels: { job, instance: '' },
    keySource: undefined,
    pushTime,
    pushFailureTime: '0',
    keyError: 'a pushed metric named "labels" hides the grouping key',
  };
}

function rules(over: Partial<Rules> = {}): Rules {
  return { ttlMs: TTL, selectors: [], excludes: [], ...over };
}

const sel = (text: string) => parseSelector(text);

function ttlRule(text: string): TtlRule {
  const r = parseRule(text);
  assert.ok(r.ok, `bad rule in test: ${text}`);
  return r.value;
}

/** A group that declares its own TTL with a pgsweep_ttl_seconds gauge. */
function declaring(labels: Labels, pushTime: string, declaredTtl: string): ListedGroup {
  return { ...listed(labels, pushTime), declaredTtl };
}

describe('planGroup', () => {
  it('deletes a stale group', () => {
    const g = listed({ job: 'etl', instance: 'a' }, pushedAgo(3 * HOUR));
    const p = planGroup(g, NOW_MS, rules());
    assert.equal(p.action, 'delete');
    assert.equal(p.reason, 'stale');
    assert.equal(p.stale, true);
    assert.deepEqual(p.key, { job: 'etl', instance: 'a' });
    assert.deepEqual(p.labels, { job: 'etl', instance: 'a' });
    assert.equal(p.ageMs, 3 * HOUR);
    assert.equal(p.lastPushMs, NOW_MS - 3 * HOUR);
    assert.equal(p.pushTime, g.pushTime);
  });

  it('keeps a fresh group', () => {
    const p = planGroup(listed({ job: 'etl' }, pushedAgo(HOUR)), NOW_MS, rules());
    assert.equal(p.action, 'keep');
    assert.equal(p.reason, 'fresh');
    assert.equal(p.stale, false);
    assert.equal(p.ageMs, HOUR);
  });

  it('keeps a group exactly at the TTL and deletes one just past it', () => {
    assert.equal(planGroup(listed({ job: 'a' }, pushedAgo(TTL)), NOW_MS, rules()).action, 'keep');
    assert.equal(
      planGroup(listed({ job: 'a' }, pushedAgo(TTL + 1000)), NOW_MS, rules()).action,
      'delete',
    );
  });

  it('uses the injected clock, not the local one', () => {
    const g = listed({ job: 'a' }, pushedAgo(HOUR));
    assert.equal(planGroup(g, NOW_MS, rules()).action, 'keep');
    assert.equal(planGroup(g, NOW_MS + 2 * HOUR, rules()).action, 'delete');
  });

  it('keeps an excluded group, even when it is also selected and stale', () => {
    const g = listed({ job: 'etl_prod', env: 'prod' }, pushedAgo(10 * HOUR));
    const p = planGroup(
      g,
      NOW_MS,
      rules({ selectors: [sel('{job=~"etl_.*"}')], excludes: [sel('{env="prod"}')] }),
    );
    assert.equal(p.action, 'keep');
    assert.equal(p.reason, 'excluded');
    assert.equal(p.stale, false);
  });

  it('keeps a group that no selector matches', () => {
    const p = planGroup(
      listed({ job: 'web' }, pushedAgo(10 * HOUR)),
      NOW_MS,
      rules({ selectors: [sel('{job=~"etl_.*"}'), sel('{job="batch"}')] }),
    );
    assert.equal(p.action, 'keep');
    assert.equal(p.reason, 'not-selected');
  });

  it('deletes a stale group that any selector matches', () => {
    const p = planGroup(
      listed({ job: 'batch' }, pushedAgo(10 * HOUR)),
      NOW_MS,
      rules({ selectors: [sel('{job=~"etl_.*"}'), sel('{job="batch"}')] }),
    );
    assert.equal(p.action, 'delete');
  });

  it('skips a stale group whose key is ambiguous, and still calls it stale', () => {
    const p = planGroup(ambiguous('amb', pushedAgo(3 * HOUR)), NOW_MS, rules());
    assert.equal(p.action, 'skip');
    assert.equal(p.reason, 'key-unrecoverable');
    assert.equal(p.stale, true);
    assert.equal(p.key, undefined);
    assert.deepEqual(p.labels, { job: 'amb', instance: '' });
    assert.match(p.detail ?? '', /labels/);
    assert.equal(p.ageMs, 3 * HOUR);
  });

  it('keeps a fresh group whose key is ambiguous', () => {
    const p = planGroup(ambiguous('amb', pushedAgo(HOUR)), NOW_MS, rules());
    assert.equal(p.action, 'keep');
    assert.equal(p.reason, 'fresh');
    assert.equal(p.stale, false);
  });

  it('matches selectors against the display labels of an ambiguous group', () => {
    const p = planGroup(
      ambiguous('amb', pushedAgo(3 * HOUR)),
      NOW_MS,
      rules({ excludes: [sel('{job="amb"}')] }),
    );
    assert.equal(p.reason, 'excluded');
  });

  it('skips a stale group whose key cannot be addressed exactly', () => {
    for (const labels of [
      { job: 'bad', v: '\uFFFD' },
      { job: 'x', 'a-b': '1' },
      { instance: 'i' },
    ]) {
      const p = planGroup(listed(labels, pushedAgo(3 * HOUR)), NOW_MS, rules());
      assert.equal(p.action, 'skip', JSON.stringify(labels));
      assert.equal(p.reason, 'key-unrecoverable');
      assert.equal(p.stale, true);
      assert.equal(p.key, undefined);
      assert.ok((p.detail ?? '').length > 0);
    }
  });

  it('skips a group with an invalid push time', () => {
    for (const pushTime of ['NaN', '+Inf', '-5']) {
      const p = planGroup(listed({ job: 'x' }, pushTime), NOW_MS, rules());
      assert.equal(p.action, 'skip', pushTime);
      assert.equal(p.reason, 'invalid-push-time');
      assert.equal(p.stale, false);
    }
  });

  it('skips a group with no push time', () => {
    const p = planGroup(listed({ job: 'x' }, undefined), NOW_MS, rules());
    assert.equal(p.action, 'skip');
    assert.equal(p.reason, 'missing-push-time');
  });

  it('deletes an old phantom (push time 0) by its failure time', () => {
    const p = planGroup(
      listed({ job: 'x', instance: '' }, '0', pushedAgo(5 * HOUR)),
      NOW_MS,
      rules(),
    );
    assert.equal(p.action, 'delete');
    assert.equal(p.ageMs, 5 * HOUR);
    assert.deepEqual(p.key, { job: 'x', instance: '' });
  });

  it('keeps a group pushed in the future and says so', () => {
    const p = planGroup(listed({ job: 'x' }, pushedAgo(-HOUR)), NOW_MS, rules());
    assert.equal(p.action, 'keep');
    assert.equal(p.reason, 'future-push-time');
    assert.equal(p.stale, false);
    assert.equal(p.lastPushMs, NOW_MS + HOUR);
    assert.match(p.detail ?? '', /future/);
  });
});

/** The sweep plans group by group as the listing streams in; this is the same over an array. */
const planSweep = (groups: readonly ListedGroup[], nowMs: number, r: Rules) =>
  groups.map((g) => planGroup(g, nowMs, r));

describe('planSweep', () => {
  it('plans every group, in order', () => {
    const groups = [
      listed({ job: 'old' }, pushedAgo(3 * HOUR)),
      listed({ job: 'new' }, pushedAgo(HOUR)),
      ambiguous('amb', pushedAgo(3 * HOUR)),
      listed({ job: 'nan' }, 'NaN'),
    ];
    const plan = planSweep(groups, NOW_MS, rules());
    assert.deepEqual(
      plan.map((p) => [p.labels.job, p.action, p.reason]),
      [
        ['old', 'delete', 'stale'],
        ['new', 'keep', 'fresh'],
        ['amb', 'skip', 'key-unrecoverable'],
        ['nan', 'skip', 'invalid-push-time'],
      ],
    );
  });

  it('returns an empty plan for an empty listing', () => {
    assert.deepEqual(planSweep([], NOW_MS, rules()), []);
  });
});

/** As the sweep does while a later listing streams past: find each candidate, then judge it. */
function findAll(
  planned: readonly PlannedGroup[],
  listing: readonly ListedGroup[],
): Map<PlannedGroup, ListedGroup> {
  const index = candidateIndex(planned, (p) => (p.key ? groupPath(p.key) : undefined));
  const found = new Map<PlannedGroup, ListedGroup>();
  for (const g of listing) {
    const p = findCandidate(index, g);
    if (p) found.set(p, g);
  }
  return found;
}

function recheckCandidates(
  candidates: readonly PlannedGroup[],
  second: readonly ListedGroup[],
  nowMs: number,
  r: Rules,
): Map<PlannedGroup, RecheckVerdict> {
  const found = findAll(candidates, second);
  return new Map(candidates.map((c) => [c, recheckVerdict(c, found.get(c), nowMs, r)]));
}

function confirmStates(
  deleted: readonly PlannedGroup[],
  later: readonly ListedGroup[],
): Map<PlannedGroup, ConfirmState> {
  const found = findAll(deleted, later);
  return new Map(deleted.map((d) => [d, confirmVerdict(d, found.get(d))]));
}

describe('recheck: candidateIndex, findCandidate and recheckVerdict', () => {
  const stale = listed({ job: 'a', instance: 'i' }, pushedAgo(3 * HOUR));
  const candidate = planGroup(stale, NOW_MS, rules());

  it('confirms a candidate whose push time string is unchanged', () => {
    const second = [listed({ instance: 'i', job: 'a' }, stale.pushTime)];
    const v = recheckCandidates([candidate], second, NOW_MS + 1000, rules());
    assert.equal(v.get(candidate), 'delete');
  });

  it('spares a candidate that was re-pushed', () => {
    const second = [listed({ job: 'a', instance: 'i' }, pushedAgo(0))];
    assert.equal(
      recheckCandidates([candidate], second, NOW_MS, rules()).get(candidate),
      'repushed',
    );
  });

  it('compares push times as strings, not numbers', () => {
    const respelled = `${stale.pushTime}.0`;
    assert.equal(Number(respelled), Number(stale.pushTime));
    const second = [listed({ job: 'a', instance: 'i' }, respelled)];
    assert.equal(
      recheckCandidates([candidate], second, NOW_MS, rules()).get(candidate),
      'repushed',
    );
  });

  it('reports a candidate that is gone', () => {
    const second = [
      listed({ job: 'a' }, stale.pushTime),
      listed({ job: 'a', instance: 'j' }, stale.pushTime),
      listed({ job: 'a', instance: 'i', extra: '' }, stale.pushTime),
    ];
    assert.equal(recheckCandidates([candidate], second, NOW_MS, rules()).get(candidate), 'gone');
    assert.equal(recheckCandidates([candidate], [], NOW_MS, rules()).get(candidate), 'gone');
  });

  it('says not-stale when the second listing no longer plans a delete', () => {
    const second = [listed({ job: 'a', instance: 'i' }, stale.pushTime)];
    const excluded = rules({ excludes: [sel('{job="a"}')] });
    assert.equal(
      recheckCandidates([candidate], second, NOW_MS, excluded).get(candidate),
      'not-stale',
    );
  });

  it('returns one verdict per candidate', () => {
    const other = planGroup(listed({ job: 'b' }, pushedAgo(4 * HOUR)), NOW_MS, rules());
    const second = [listed({ job: 'b' }, pushedAgo(0))];
    const v = recheckCandidates([candidate, other], second, NOW_MS, rules());
    assert.equal(v.size, 2);
    assert.equal(v.get(candidate), 'gone');
    assert.equal(v.get(other), 'repushed');
  });
});

describe('confirm: findCandidate and confirmVerdict', () => {
  const deleted: PlannedGroup = planGroup(
    listed({ job: 'a', instance: '' }, pushedAgo(3 * HOUR)),
    NOW_MS,
    rules(),
  );

  it('is gone when the key is no longer listed', () => {
    assert.equal(confirmStates([deleted], []).get(deleted), 'gone');
    const onlyJob = [listed({ job: 'a' }, deleted.pushTime)];
    assert.equal(confirmStates([deleted], onlyJob).get(deleted), 'gone');
  });

  it('is pending while the same push is still listed', () => {
    const later = [listed({ instance: '', job: 'a' }, deleted.pushTime)];
    assert.equal(confirmStates([deleted], later).get(deleted), 'pending');
  });

  it('is repushed when the key came back with a new push time', () => {
    const later = [listed({ job: 'a', instance: '' }, pushedAgo(0))];
    assert.equal(confirmStates([deleted], later).get(deleted), 'repushed');
  });
});

describe('candidateIndex and findCandidate', () => {
  const plan = (g: ReturnType<typeof listed>) => planGroup(g, NOW_MS, rules());

  it('finds a planned group again by its exact key, whatever the label order', () => {
    const a = plan(listed({ job: 'a', instance: 'i' }, pushedAgo(3 * HOUR)));
    const b = plan(listed({ job: 'b' }, pushedAgo(3 * HOUR)));
    const index = candidateIndex([a, b], (p) => (p.key ? groupPath(p.key) : undefined));
    assert.equal(index.size, 2);
    assert.equal(findCandidate(index, listed({ instance: 'i', job: 'a' }, '1')), a);
    assert.equal(findCandidate(index, listed({ job: 'b' }, '2')), b);
    assert.equal(findCandidate(index, listed({ job: 'b', instance: '' }, '2')), undefined);
  });

  it('leaves out groups without an exact key, on either side', () => {
    const skipped = plan(ambiguous('amb', pushedAgo(3 * HOUR)));
    assert.equal(skipped.key, undefined);
    const index = candidateIndex([skipped, plan(listed({ job: 'x' }, pushedAgo(3 * HOUR)))], (p) =>
      p.key ? groupPath(p.key) : undefined,
    );
    assert.equal(index.size, 1);
    assert.equal(findCandidate(index, ambiguous('x', '1')), undefined);
    assert.equal(findCandidate(index, listed({ job: 'amb', instance: '' }, '1')), undefined);
  });
});

describe('keys that need the gateway to be exact (exact-keys.ts)', () => {
  const lossy = listed({ job: 'bad', v: '\uFFFD' }, '0', pushedAgo(3 * HOUR));
  const escaped = listed({ job: 'u', U__foo: 'bar' }, pushedAgo(3 * HOUR));

  it('marks a stale group with U+FFFD in its key as needing its bytes, and a U__ name as needing the naming mode', () => {
    const p = planGroup(lossy, NOW_MS, rules());
    assert.equal(p.action, 'skip');
    assert.equal(p.exactKey, 'bytes');
    assert.equal(planGroup(escaped, NOW_MS, rules()).exactKey, 'name');
  });

  it('needs nothing for fresh, excluded, unaddressable or ordinary groups', () => {
    const fresh = listed({ job: 'bad', v: '\uFFFD' }, '0', pushedAgo(HOUR));
    assert.equal(planGroup(fresh, NOW_MS, rules()).exactKey, undefined);
    const excluded = rules({ excludes: [sel('{job="bad"}')] });
    assert.equal(planGroup(lossy, NOW_MS, excluded).exactKey, undefined);
    const dotted = listed({ job: 'x', 'a.b': '\uFFFD' }, pushedAgo(3 * HOUR));
    assert.equal(planGroup(dotted, NOW_MS, rules()).exactKey, undefined);
    assert.equal(
      planGroup(ambiguous('amb', pushedAgo(3 * HOUR)), NOW_MS, rules()).exactKey,
      undefined,
    );
    assert.equal(
      planGroup(listed({ job: 'x' }, pushedAgo(3 * HOUR)), NOW_MS, rules()).exactKey,
      undefined,
    );
  });

  it('finds such a group again by its listed form, and re-checks it like any candidate', () => {
    const candidates = [planGroup(lossy, NOW_MS, rules()), planGroup(escaped, NOW_MS, rules())];
    const index = candidateIndex(candidates, (p) => exactMatchKey(p.labels));
    const again = listed({ v: '\uFFFD', job: 'bad' }, '0', lossy.pushFailureTime);
    assert.equal(findCandidate(index, again), candidates[0]);
    assert.equal(findCandidate(index, listed({ U__foo: 'bar', job: 'u' }, '1')), candidates[1]);
    assert.equal(findCandidate(index, listed({ job: 'bad', v: '\uFFFDx' }, '0')), undefined);
    assert.equal(recheckVerdict(candidates[0] as PlannedGroup, again, NOW_MS, rules()), 'delete');
    const refailed = listed({ job: 'bad', v: '\uFFFD' }, '0', pushedAgo(0));
    assert.equal(
      recheckVerdict(candidates[0] as PlannedGroup, refailed, NOW_MS, rules()),
      'not-stale',
    );
  });

  it('never mistakes a listed form for a DELETE path', () => {
    assert.ok(!exactMatchKey({ job: 'x' }).startsWith('metrics/'));
    const index = candidateIndex(
      [planGroup(listed({ job: 'x' }, pushedAgo(3 * HOUR)), NOW_MS, rules())],
      (p) => (p.key ? groupPath(p.key) : undefined),
    );
    assert.equal(findCandidate(index, listed({ job: 'x', U__a: 'b' }, '1')), undefined);
  });
});

describe('planGroup: per-group TTLs', () => {
  const withRules = rules({
    ttlRules: [ttlRule('{job="nightly"}=36h'), ttlRule('{job=~"ci_.*"}=30m')],
  });

  it('judges an ordinary group by the default TTL and says so', () => {
    const p = planGroup(listed({ job: 'web' }, pushedAgo(3 * HOUR)), NOW_MS, withRules);
    assert.equal(p.action, 'delete');
    assert.equal(p.ttlMs, TTL);
    assert.equal(p.ttlSource, 'default');
    assert.equal(p.ttlNote, undefined);
  });

  it('keeps a group younger than its rule TTL, though older than the default', () => {
    const p = planGroup(listed({ job: 'nightly' }, pushedAgo(10 * HOUR)), NOW_MS, withRules);
    assert.equal(p.action, 'keep');
    assert.equal(p.reason, 'fresh');
    assert.equal(p.ttlMs, 36 * HOUR);
    assert.equal(p.ttlSource, 'rule');
  });

  it('deletes a group older than its rule TTL', () => {
    const p = planGroup(listed({ job: 'nightly' }, pushedAgo(37 * HOUR)), NOW_MS, withRules);
    assert.equal(p.action, 'delete');
    assert.equal(p.stale, true);
    assert.equal(p.ttlMs, 36 * HOUR);
    assert.equal(p.ttlSource, 'rule');
  });

  it('deletes a group older than a rule TTL shorter than the default', () => {
    const p = planGroup(listed({ job: 'ci_lint' }, pushedAgo(HOUR)), NOW_MS, withRules);
    assert.equal(p.action, 'delete');
    assert.equal(p.ttlMs, 30 * 60_000);
    assert.equal(p.ttlSource, 'rule');
  });

  it('lets a declared TTL beat the rules', () => {
    const g = declaring({ job: 'nightly' }, pushedAgo(HOUR), '600');
    const p = planGroup(g, NOW_MS, withRules);
    assert.equal(p.action, 'delete');
    assert.equal(p.ttlMs, 600_000);
    assert.equal(p.ttlSource, 'declared');
    const long = planGroup(
      declaring({ job: 'web' }, pushedAgo(5 * HOUR), '86400'),
      NOW_MS,
      withRules,
    );
    assert.equal(long.action, 'keep');
    assert.equal(long.ttlSource, 'declared');
  });

  it('ignores declared TTLs when useDeclaredTtl is false', () => {
    const g = declaring({ job: 'nightly' }, pushedAgo(HOUR), '600');
    const p = planGroup(g, NOW_MS, { ...withRules, useDeclaredTtl: false });
    assert.equal(p.action, 'keep');
    assert.equal(p.ttlMs, 36 * HOUR);
    assert.equal(p.ttlSource, 'rule');
    assert.equal(p.ttlNote, undefined);
  });

  it('carries a note when a declared TTL is clamped', () => {
    const p = planGroup(declaring({ job: 'web' }, pushedAgo(30_000), '5'), NOW_MS, withRules);
    assert.equal(p.action, 'keep');
    assert.equal(p.ttlMs, 60_000);
    assert.equal(p.ttlSource, 'declared');
    assert.match(p.ttlNote ?? '', /clamped to 1m/);
  });

  it('carries a note and falls back when a declared TTL is unusable', () => {
    const p = planGroup(
      declaring({ job: 'nightly' }, pushedAgo(3 * HOUR), 'NaN'),
      NOW_MS,
      withRules,
    );
    assert.equal(p.action, 'keep');
    assert.equal(p.ttlMs, 36 * HOUR);
    assert.equal(p.ttlSource, 'rule');
    assert.match(p.ttlNote ?? '', /not a usable TTL; ignored/);
  });

  it('keeps the TTL on a stale group that must be skipped', () => {
    const g: ListedGroup = { ...ambiguous('nightly', pushedAgo(40 * HOUR)), declaredTtl: '3600' };
    const p = planGroup(g, NOW_MS, withRules);
    assert.equal(p.action, 'skip');
    assert.equal(p.reason, 'key-unrecoverable');
    assert.equal(p.ttlMs, HOUR);
    assert.equal(p.ttlSource, 'declared');
  });

  it('has no TTL for groups whose age is unknown', () => {
    const p = planGroup(declaring({ job: 'x' }, 'NaN', '600'), NOW_MS, withRules);
    assert.equal(p.reason, 'invalid-push-time');
    assert.equal(p.ttlMs, undefined);
    assert.equal(p.ttlSource, undefined);
  });

  it('re-checks a candidate by its own TTL', () => {
    const g = declaring({ job: 'web', instance: 'i' }, pushedAgo(HOUR), '600');
    const candidate = planGroup(g, NOW_MS, withRules);
    assert.equal(candidate.action, 'delete');
    assert.equal(recheckCandidates([candidate], [g], NOW_MS, withRules).get(candidate), 'delete');
    // Without the declaration the same group is fresh (default 2h): not stale at re-check.
    const undeclared = listed({ job: 'web', instance: 'i' }, g.pushTime);
    assert.equal(
      recheckCandidates([candidate], [undeclared], NOW_MS, withRules).get(candidate),
      'not-stale',
    );
  });

  it('plans each group of a sweep by its own TTL', () => {
    const plan = planSweep(
      [
        listed({ job: 'web' }, pushedAgo(3 * HOUR)),
        listed({ job: 'nightly' }, pushedAgo(3 * HOUR)),
        declaring({ job: 'other' }, pushedAgo(3 * HOUR), '14400'),
      ],
      NOW_MS,
      withRules,
    );
    assert.deepEqual(
      plan.map((p) => [p.labels.job, p.action, p.ttlSource, p.ttlMs]),
      [
        ['web', 'delete', 'default', TTL],
        ['nightly', 'keep', 'rule', 36 * HOUR],
        ['other', 'keep', 'declared', 4 * HOUR],
      ],
    );
  });
});
