import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  HEAP_BYTES_PER_GROUP,
  heapLimitWarning,
} from '../../../../src/commands/sweep/heap-limit.ts';

describe('heapLimitWarning', { timeout: 10_000 }, () => {
  const limit = 1024 * 2 ** 20;

  it('says nothing when --max-groups fits the heap, as the defaults do', () => {
    assert.equal(heapLimitWarning(1_000_000, limit + 3 * 2 ** 20), undefined);
    assert.equal(heapLimitWarning(limit / HEAP_BYTES_PER_GROUP, limit), undefined);
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
