/** The streaming listing parser gives the same groups however the bytes are chunked. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { createListingParser, type ListedGroup, parseListing } from '../../src/listing.ts';

function group(job: string, extra: Record<string, string>, value: string) {
  const labels = { job, ...extra };
  const family = (v: string) => ({
    time_stamp: '2026-11-25T14:58:08.258042352Z',
    type: 'GAUGE',
    help: 'with "quotes", \\ backslashes, [brackets] and {braces}',
    metrics: [{ labels: { instance: '', ...labels }, value: v }],
  });
  return {
    labels,
    last_push_successful: true,
    push_time_seconds: family(value),
    push_failure_time_seconds: family('0'),
  };
}

function parseChunked(body: Buffer, cuts: number[]): ListedGroup[] {
  const parser = createListingParser();
  const out: ListedGroup[] = [];
  let from = 0;
  for (const cut of [...cuts].sort((a, b) => a - b)) {
    out.push(...parser.push(body.subarray(from, cut)));
    from = cut;
  }
  out.push(...parser.push(body.subarray(from)));
  out.push(...parser.finish().rest);
  return out;
}

describe('createListingParser', () => {
  const text = JSON.stringify({
    status: 'success',
    data: [
      group('a', { v: '"}],[{' }, '1.7e+09'),
      group('ü日本', { path: '/x\\y' }, '1'),
      group('e', { instance: '' }, '0'),
    ],
  });
  const body = Buffer.from(text, 'utf8');

  it('gives the same groups for every single split point', () => {
    const whole = parseListing(text);
    assert.equal(whole.length, 3);
    for (let cut = 0; cut <= body.length; cut++) {
      assert.deepEqual(parseChunked(body, [cut]), whole, `split at ${cut}`);
    }
  });

  it('gives the same groups for random chunkings, including byte-by-byte inside UTF-8', () => {
    const whole = parseListing(text);
    fc.assert(
      fc.property(
        fc.uniqueArray(fc.integer({ min: 0, max: body.length }), { maxLength: 40 }),
        (cuts) => {
          assert.deepEqual(parseChunked(body, cuts), whole);
        },
      ),
      { numRuns: 300 },
    );
  });

  it('rejects every strict prefix of the body as incomplete', () => {
    for (let end = 0; end < body.length; end++) {
      assert.throws(
        () => parseChunked(body.subarray(0, end), []),
        /listing/,
        `prefix of ${end} bytes`,
      );
    }
  });

  it('rejects trailing garbage and a second top-level value', () => {
    assert.throws(() => parseListing(`${text}x`), /not valid JSON/);
    assert.throws(() => parseListing(`${text}{}`), /not valid JSON/);
  });

  it('reports the byte and group counts', () => {
    const parser = createListingParser();
    parser.push(body);
    assert.deepEqual(parser.finish(), { bytes: body.length, groups: 3, rest: [] });
  });
});
