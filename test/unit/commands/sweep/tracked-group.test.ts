import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { TrackedGroup } from '../../../../src/commands/sweep/tracked-group.ts';
import { planGroup, type RecheckVerdict, type Rules } from '../../../../src/core/plan.ts';
import type { ListedGroup } from '../../../../src/wire/listing.ts';

const NOW_MS = 1_795_618_688_000;
const HOUR = 3_600_000;
const RULES: Rules = { ttlMs: HOUR, selectors: [], excludes: [] };

function stale(): TrackedGroup {
  const labels = { job: 'etl', run_id: 'r1' };
  const g: ListedGroup = {
    labels,
    displayLabels: labels,
    keySource: 'labels',
    pushTime: String((NOW_MS - 3 * HOUR) / 1000),
    pushFailureTime: undefined,
    ambiguousInstance: true,
  };
  return new TrackedGroup(planGroup(g, NOW_MS, RULES), false);
}

describe('TrackedGroup', () => {
  it("keeps the re-check's verdict in its flags without touching the other bits", () => {
    const verdicts: RecheckVerdict[] = ['delete', 'gone', 'repushed', 'not-stale', 'ambiguous'];
    for (const verdict of verdicts) {
      const t = stale();
      t.sent = true;
      assert.equal(t.verdict, undefined);
      t.verdict = verdict;
      assert.equal(t.verdict, verdict);
      assert.deepEqual(
        [t.stale, t.ambiguousInstance, t.sent, t.inFamily],
        [true, true, true, false],
      );
      t.inFamily = true;
      t.sent = false;
      assert.equal(t.verdict, verdict);
      t.verdict = undefined;
      assert.equal(t.verdict, undefined);
      assert.deepEqual(
        [t.stale, t.ambiguousInstance, t.sent, t.inFamily],
        [true, true, false, true],
      );
    }
  });
});
