import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { tuneV8 } from '../../src/v8-flags.ts';

describe('tuneV8', () => {
  it('applies every setting when the user gave none', () => {
    assert.deepEqual(tuneV8([], ''), [
      '--semi-space-growth-factor=1',
      '--heap-growing-percent=10',
      '--liftoff-only',
    ]);
  });

  it("leaves a setting alone when the user's node flags or NODE_OPTIONS give it", () => {
    assert.deepEqual(tuneV8(['--heap-growing-percent=50'], ''), [
      '--semi-space-growth-factor=1',
      '--liftoff-only',
    ]);
    assert.deepEqual(
      tuneV8([], '--semi-space-growth-factor=2 --heap-growing-percent=30 --liftoff-only'),
      [],
    );
  });

  it('knows a flag however it is written: negated, with underscores', () => {
    assert.deepEqual(tuneV8(['--no-liftoff-only', '--heap_growing_percent=20'], ''), [
      '--semi-space-growth-factor=1',
    ]);
    assert.deepEqual(tuneV8(['--noliftoff_only'], '--semi_space_growth_factor=2'), [
      '--heap-growing-percent=10',
    ]);
  });
});
