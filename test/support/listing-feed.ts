/**
 * Feeding a listing parser bytes cut at chosen points, for the listing fuzz tests (JSON and text).
 * Not a test file itself.
 */
import fc from 'fast-check';
import {
  type ListedGroup,
  ListingFormatError,
  type ListingParser,
} from '../../src/wire/listing.ts';

export type Outcome = { groups: ListedGroup[] } | { error: string };

/** The parser fed `body` cut at `cuts`; throws anything but a ListingFormatError. */
export function feed(parser: ListingParser, body: Buffer, cuts: readonly number[]): Outcome {
  const groups: ListedGroup[] = [];
  let from = 0;
  try {
    for (const cut of [...cuts, body.length].sort((a, b) => a - b)) {
      groups.push(...parser.push(body.subarray(from, cut)));
      from = cut;
    }
    groups.push(...parser.finish().rest);
  } catch (err) {
    if (err instanceof ListingFormatError) return { error: err.message };
    throw new Error(`not a ListingFormatError: ${String(err)}`, { cause: err });
  }
  return { groups };
}

/**
 * Cut points: random positions, or fixed-size chunks of 1 to `maxChunk` bytes (splitting UTF-8
 * and escapes).
 */
export const cutsFor = (length: number, maxChunk: number) =>
  fc.oneof(
    fc.uniqueArray(fc.integer({ min: 0, max: length }), { maxLength: 12 }),
    fc
      .integer({ min: 1, max: maxChunk })
      .map((size) => Array.from({ length: Math.floor(length / size) }, (_, i) => (i + 1) * size)),
  );
