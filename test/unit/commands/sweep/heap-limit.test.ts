import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import {
  HEAP_BYTES_PER_GROUP,
  heapLimitWarning,
} from '../../../../src/commands/sweep/heap-limit.ts';
import { SETTINGS } from '../../../../src/config/settings/table.ts';

/** The --max-old-space-size bin/pgsweep.js starts Node with, in MiB. */
function binOldSpaceMiB(): number {
  const bin = readFileSync(new URL('../../../../bin/pgsweep.js', import.meta.url), 'utf8');
  const mib = /--max-old-space-size=(\d+)/.exec(bin.split('\n')[0] ?? '')?.[1];
  assert.ok(mib, 'the first line of bin/pgsweep.js sets --max-old-space-size');
  return Number(mib);
}

describe('heapLimitWarning', { timeout: 10_000 }, () => {
  const limit = 1024 * 2 ** 20;

  it('says nothing when --max-groups fits the heap, as the defaults do', () => {
    assert.equal(heapLimitWarning(1_000_000, limit + 3 * 2 ** 20), undefined);
    assert.equal(heapLimitWarning(limit / HEAP_BYTES_PER_GROUP, limit), undefined);
  });

  it('the default --max-groups fits the heap bin/pgsweep.js gives Node, so no run warns by default', () => {
    const heap = binOldSpaceMiB() * 2 ** 20;
    assert.equal(heapLimitWarning(Number(SETTINGS.maxGroups.default), heap), undefined);
    // And the bound is not far below what fits: a larger default would warn.
    assert.ok(heapLimitWarning(2 * Number(SETTINGS.maxGroups.default), heap));
  });

  it('names --max-groups, both sizes and the option that fixes it when it may not fit', () => {
    const warning = heapLimitWarning(5_000_000, limit);
    assert.ok(warning);
    assert.match(warning, /--max-groups 5000000/);
    assert.match(warning, /about 4883 MiB of heap/);
    assert.match(warning, /limit of 1024 MiB/);
    assert.match(warning, /node --max-old-space-size=4883 /);
  });
});
