import assert from 'node:assert/strict';
import { test } from 'node:test';
import { BoundedLines } from '../../../src/wire/bounded-lines.ts';

function run(max: number, chunks: string[]): { lines: string[]; overlong: number } {
  const b = new BoundedLines(max);
  const lines: string[] = [];
  for (const c of chunks) b.feed(c, (l) => lines.push(l));
  b.end((l) => lines.push(l));
  return { lines, overlong: b.overlong };
}

test('lines split across chunks come out whole', () => {
  assert.deepEqual(run(10, ['ab', 'c\nde', 'f\n', 'g']), {
    lines: ['abc', 'def', 'g'],
    overlong: 0,
  });
});

test('a line longer than the bound is dropped and counted, in one chunk or many', () => {
  assert.deepEqual(run(3, ['abcd\nxy\n']), { lines: ['xy'], overlong: 1 });
  assert.deepEqual(run(3, ['ab', 'cd', 'ef', 'gh\nxy\n']), { lines: ['xy'], overlong: 1 });
  // Exactly at the bound is still read.
  assert.deepEqual(run(3, ['abc\n', 'de', 'f']), { lines: ['abc', 'def'], overlong: 0 });
});

test('an endless line keeps no more than the bound', () => {
  const b = new BoundedLines(1000);
  for (let i = 0; i < 10_000; i++) b.feed('a'.repeat(100), () => assert.fail('no line'));
  assert.equal(b.overlong, 1);
  const lines: string[] = [];
  b.feed('tail\nnext\n', (l) => lines.push(l));
  assert.deepEqual(lines, ['next']);
});
