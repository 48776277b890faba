import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { GroupReport } from '../../../src/core/sweep-report.ts';
import {
  compareKeys,
  packedSortKey,
  sortedGroups,
  sortKey,
} from '../../../src/output/group-order.ts';
import type { Labels } from '../../../src/wire/labels.ts';

describe('packedSortKey', () => {
  it('orders label sets exactly as compareKeys orders their sortKey arrays', () => {
    // Prefixes, NULs, SOHs and missing labels are where a packed key could go wrong.
    const parts = ['', 'a', 'ab', 'a\0', 'a\0b', 'a\x01', '\0', 'b', 'é', '😀'];
    const sets: Labels[] = [];
    for (const job of parts)
      for (const value of parts) {
        sets.push({ job });
        sets.push({ job, instance: value });
        sets.push({ job, instance: value, x: job });
        sets.push({ job, a: value });
      }
    for (const a of sets)
      for (const b of sets) {
        const byArray = Math.sign(compareKeys(sortKey(a), sortKey(b)));
        const pa = packedSortKey(a);
        const pb = packedSortKey(b);
        const byPacked = pa < pb ? -1 : pa > pb ? 1 : 0;
        assert.equal(byPacked, byArray, `${JSON.stringify(a)} vs ${JSON.stringify(b)}`);
      }
  });
});

describe('sortedGroups', () => {
  const report = (labels: Labels, n: number): GroupReport => ({
    labels,
    outcome: 'deleted',
    reason: 'stale',
    stale: true,
    // Tells equal keys apart, to see that ties keep their listed order.
    ageMs: n,
  });

  it('merges its sorted runs into what one stable sort of the whole list gives', () => {
    // Several runs of 4096, keys in no order, many ties spread across runs.
    let seed = 7;
    const next = () => {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      return seed;
    };
    const groups = Array.from({ length: 10_000 }, (_, n) =>
      report(
        next() % 3 === 0
          ? { job: `j${next() % 50}` }
          : { job: `j${next() % 50}`, run_id: `r${next() % 40}`, ...(n % 7 ? {} : { a: '' }) },
        n,
      ),
    );
    const expected = groups
      .map((g) => ({ g, key: sortKey(g.labels) }))
      .sort((a, b) => compareKeys(a.key, b.key))
      .map(({ g }) => g.ageMs);
    assert.deepEqual(
      sortedGroups(groups).map((g) => g.ageMs),
      expected,
    );
  });

  it('leaves out groups that are not notable, and copes with none at all', () => {
    const quiet: GroupReport = {
      ...report({ job: 'a' }, 1),
      outcome: 'kept',
      reason: 'fresh',
      stale: false,
    };
    assert.deepEqual(sortedGroups([quiet]), []);
    assert.deepEqual(sortedGroups([]), []);
  });
});
