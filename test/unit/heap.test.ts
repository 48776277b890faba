import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { tuneHeap } from '../../src/heap.ts';

describe('tuneHeap', () => {
  it('sets both heap settings when the user gave none', () => {
    assert.deepEqual(tuneHeap([], ''), [
      '--semi-space-growth-factor=1',
      '--heap-growing-percent=10',
    ]);
  });

  it("leaves a setting alone when the user's node flags or NODE_OPTIONS give it", () => {
    assert.deepEqual(tuneHeap(['--heap-growing-percent=50'], ''), ['--semi-space-growth-factor=1']);
    assert.deepEqual(tuneHeap([], '--semi-space-growth-factor=2 --heap-growing-percent=30'), []);
  });
});
