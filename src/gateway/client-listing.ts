/**
 * The listing's body, read as groups arrive: JSON or text exposition, within --max-group-bytes,
 * --max-listing-bytes and --max-groups. Any failure is one GatewayError saying nothing was deleted.
 */
import type { Dispatcher } from 'undici';
import { formatByteSize } from '../core/byte-size.ts';
import { GatewayError } from '../core/errors.ts';
import { createExpositionParser } from '../wire/exposition.ts';
import {
  createListingParser,
  type ListedGroup,
  ListingFormatError,
  ListingLimitError,
} from '../wire/listing.ts';
import { describeNetworkError } from './http-errors.ts';
import { type ErrorContext, type RequestDeadline, RequestTimeoutError } from './http-transport.ts';

/**
 * The text page could not be used where the JSON API may still work: it answered 500 (a store
 * whose groups are inconsistent, spec §4.7 and §9), or its body is not a page pgsweep can read
 * (empty, out of order, a line it cannot parse). `--listing auto` then lists with the JSON API.
 */
export class TextPageError extends GatewayError {
  /** The reason, short, for the log line that announces the switch. */
  readonly why: string;
  constructor(message: string, why: string) {
    super(message);
    this.why = why;
  }
}

export interface ListingLimits {
  /** Largest group (text listing: line) and whole listing body accepted (--max-*-bytes). */
  readonly maxGroupBytes?: number | undefined;
  readonly maxListingBytes?: number | undefined;
  /** --max-groups: a listing with more groups fails. */
  readonly maxGroups?: number | undefined;
}

/** The groups of a 200 listing; `stats` is filled in once the body has been read to its end. */
export function readListing(
  body: Dispatcher.ResponseData['body'],
  deadline: RequestDeadline,
  options: ListingLimits & {
    readonly mode: 'json' | 'text';
    readonly keepRaw: boolean;
    readonly target: string;
    readonly errorContext: ErrorContext;
  },
  stats: { bytes: number; groups: number },
): AsyncGenerator<ListedGroup> {
  const { target, errorContext } = options;
  const limits = {
    ...(options.maxGroupBytes ? { maxGroupBytes: options.maxGroupBytes } : {}),
    ...(options.maxListingBytes ? { maxListingBytes: options.maxListingBytes } : {}),
  };
  const parser =
    options.mode === 'json'
      ? createListingParser({ keepRaw: options.keepRaw, ...limits })
      : createExpositionParser(limits);
  const maxGroups = options.maxGroups ?? Number.POSITIVE_INFINITY;
  let count = 0;
  const tooMany = () =>
    new GatewayError(
      `the listing from ${target} holds more than --max-groups ${maxGroups} groups; nothing was deleted (raise --max-groups if the gateway really holds that many)`,
    );
  const badListing = (err: ListingFormatError) => {
    const message = `bad listing from ${target}: ${err.message}; nothing was deleted`;
    return options.mode === 'text'
      ? new TextPageError(message, err.message)
      : new GatewayError(message);
  };

  async function* groups(): AsyncGenerator<ListedGroup> {
    try {
      for await (const chunk of body) {
        for (const group of parser.push(chunk as Buffer)) {
          if (++count > maxGroups) throw tooMany();
          yield group;
        }
      }
    } catch (err) {
      if (err instanceof GatewayError) throw err;
      if (err instanceof ListingLimitError) throw new GatewayError(describeLimit(err, target));
      if (err instanceof ListingFormatError) throw badListing(err);
      if (err instanceof RequestTimeoutError) {
        throw new GatewayError(
          `GET ${target} ${describeNetworkError(err, errorContext)}; nothing was deleted`,
        );
      }
      throw new GatewayError(
        `listing from ${target} was cut off: ${describeNetworkError(err, errorContext)}; nothing was deleted`,
      );
    } finally {
      // Also when the reader stops early: the body is then destroyed and the timer must go.
      deadline.done();
    }
    try {
      const end = parser.finish();
      stats.bytes = end.bytes;
      stats.groups = end.groups;
      for (const group of end.rest) {
        if (++count > maxGroups) throw tooMany();
        yield group;
      }
    } catch (err) {
      if (err instanceof ListingFormatError) throw badListing(err);
      throw err;
    }
  }
  return groups();
}

/** A listing cap, named by its flag, in the words the user needs to act. */
function describeLimit(err: ListingLimitError, target: string): string {
  const size = formatByteSize(err.maxBytes);
  return err.limit === 'group'
    ? `a group in the listing from ${target} is larger than --max-group-bytes ${size}; nothing was deleted (raise --max-group-bytes if the gateway really holds groups that big)`
    : `the listing from ${target} is larger than --max-listing-bytes ${size}; nothing was deleted (raise --max-listing-bytes if the gateway is really that big)`;
}
