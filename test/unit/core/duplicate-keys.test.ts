import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { DuplicateKeys } from '../../../src/core/duplicate-keys.ts';

describe('DuplicateKeys', () => {
  it('finds the second copy of a key, whatever the label order', () => {
    const keys = new DuplicateKeys();
    assert.equal(keys.seen({ job: 'a', instance: 'x' }), false);
    assert.equal(keys.seen({ job: 'b' }), false);
    assert.equal(keys.seen({ instance: 'x', job: 'a' }), true);
    assert.equal(keys.seen({ job: 'b' }), true);
    assert.equal(keys.size, 2);
  });

  it('tells apart keys that differ only in how their strings split', () => {
    const keys = new DuplicateKeys(1);
    const distinct = [
      { job: 'a' },
      { job: 'a', instance: '' },
      { job: 'ab' },
      { job: 'a', b: '' },
      { job: 'a\u0000b' },
      { job: 'a', x: 'y\u0001z' },
      { job: 'a', xy: 'z' },
      { job: 'a', x: 'yz' },
      { job: '' },
    ];
    for (const k of distinct) assert.equal(keys.seen(k), false, JSON.stringify(k));
  });

  it('does not check keys holding U+FFFD: two real groups can show the same lossy labels', () => {
    const keys = new DuplicateKeys();
    assert.equal(keys.seen({ job: 'bad', v: '\uFFFD' }), false);
    assert.equal(keys.seen({ job: 'bad', v: '\uFFFD' }), false);
  });

  it('stays exact past many growths: 100k distinct keys, then each again', () => {
    for (const seed of [0, 0xffffffff, 12345]) {
      const keys = new DuplicateKeys(seed);
      const key = (i: number) => ({ job: `etl_${i % 50}`, run_id: `r${i}` });
      for (let i = 0; i < 100_000; i++) assert.equal(keys.seen(key(i)), false);
      assert.equal(keys.size, 100_000);
      for (let i = 0; i < 100_000; i += 997) assert.equal(keys.seen(key(i)), true);
    }
  });

  it('holds 100k keys in 2 MiB', () => {
    const keys = new DuplicateKeys();
    for (let i = 0; i < 100_000; i++) keys.seen({ job: 'j', run_id: String(i) });
    assert.equal(keys.bytes, 2 * 1024 * 1024);
  });
});
