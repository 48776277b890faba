/**
 * The listing caps as the parsers count them (--max-group-bytes, --max-listing-bytes), the sizes
 * the flags take, and the whole-request deadline every request runs under.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { resolveConfig } from '../../../src/config/config.ts';
import { parseConfigFile } from '../../../src/config/config-file.ts';
import { formatByteSize, parseByteSize } from '../../../src/core/byte-size.ts';
import { UsageError } from '../../../src/core/errors.ts';
import { describeNetworkError } from '../../../src/gateway/http-errors.ts';
import { RequestTimeoutError, requestDeadline } from '../../../src/gateway/http-transport.ts';
import { createExpositionParser } from '../../../src/wire/exposition.ts';
import {
  createListingParser,
  ListingLimitError,
  type ListingLimits,
  type ListingParser,
} from '../../../src/wire/listing.ts';

const GROUP = '{"labels":{"job":"a"},"push_time_seconds":{"metrics":[{"value":"1.5e+09"}]}}';
const BODY = `{"status":"success","data":[${GROUP},${GROUP}]}`;

/** Feeds `body` in chunks of `size` bytes; returns the group count or the cap error. */
function feed(
  parser: ListingParser,
  body: Buffer | string,
  size: number,
): number | ListingLimitError {
  const bytes = Buffer.from(body);
  let groups = 0;
  try {
    for (let at = 0; at < bytes.length; at += size)
      groups += parser.push(bytes.subarray(at, at + size)).length;
    return groups + parser.finish().rest.length;
  } catch (err) {
    if (err instanceof ListingLimitError) return err;
    throw err;
  }
}

function limitOf(result: number | ListingLimitError): string {
  return result instanceof ListingLimitError ? `${result.limit} ${result.maxBytes}` : 'none';
}

const json = (limits: ListingLimits) => createListingParser(limits);
const text = (limits: ListingLimits) => createExpositionParser(limits);

describe('JSON listing caps', () => {
  for (const size of [1, 7, 64, 1 << 20]) {
    it(`a group at --max-group-bytes passes, one byte over fails (chunks of ${size})`, () => {
      const length = Buffer.byteLength(GROUP);
      // Its 2 members' offsets count 8 bytes each (3 per member: 48 bytes).
      assert.equal(
        limitOf(feed(json({ maxGroupBytes: length + 47 }), BODY, size)),
        `group ${length + 47}`,
      );
      assert.equal(feed(json({ maxGroupBytes: length + 48 }), BODY, size), 2);
    });
    it(`the whole body may be exactly --max-listing-bytes (chunks of ${size})`, () => {
      const length = Buffer.byteLength(BODY);
      assert.equal(feed(json({ maxListingBytes: length }), BODY, size), 2);
      assert.equal(
        limitOf(feed(json({ maxListingBytes: length - 1 }), BODY, size)),
        `listing ${length - 1}`,
      );
    });
  }

  it('an endless string is refused once the group holds the cap, not later', () => {
    const parser = json({ maxGroupBytes: 1000 });
    parser.push(Buffer.from('{"status":"success","data":[{"labels":{"job":"'));
    const chunk = Buffer.alloc(100, 'a');
    let fed = 0;
    assert.throws(() => {
      for (;;) {
        parser.push(chunk);
        fed += chunk.length;
      }
    }, ListingLimitError);
    assert.ok(fed <= 1000, `kept ${fed} bytes`);
  });

  it('a group of endless tiny members is refused sooner than its bytes alone would be', () => {
    const parser = json({ maxGroupBytes: 64 * 1024 });
    parser.push(Buffer.from('{"status":"success","data":[{"labels":{"job":"a"}'));
    let fed = 0;
    assert.throws(() => {
      for (;;) {
        parser.push(Buffer.from(',"a":1'.repeat(100)));
        fed += 600;
      }
    }, ListingLimitError);
    // 6 bytes of text plus 3 offsets of 8 bytes per member: refused at about a fifth of the cap.
    assert.ok(fed < 16 * 1024, `fed ${fed} bytes`);
  });

  it('whitespace between groups is not kept, so only --max-listing-bytes ends it', () => {
    const parser = json({ maxGroupBytes: 200, maxListingBytes: 1 << 20 });
    parser.push(Buffer.from(`{"status":"success","data":[${GROUP}`));
    const spaces = Buffer.alloc(64 * 1024, ' ');
    let error: unknown;
    try {
      for (let i = 0; i < 100; i++) parser.push(spaces);
    } catch (err) {
      error = err;
    }
    assert.ok(error instanceof ListingLimitError && error.limit === 'listing', String(error));
  });

  it('without limits nothing changes', () => {
    assert.equal(feed(json({}), BODY, 5), 2);
  });
});

describe('text listing caps', () => {
  const LINE = 'push_time_seconds{instance="",job="a"} 1.5e+09';
  const PAGE = `# TYPE push_time_seconds gauge\n${LINE}\npushgateway_build_info 1\n`;
  for (const size of [1, 9, 1 << 20]) {
    it(`a line of exactly --max-group-bytes passes, one byte longer fails (chunks of ${size})`, () => {
      assert.equal(feed(text({ maxGroupBytes: LINE.length }), PAGE, size), 1);
      assert.equal(
        limitOf(feed(text({ maxGroupBytes: LINE.length - 1 }), PAGE, size)),
        `group ${LINE.length - 1}`,
      );
    });
    it(`the page may be exactly --max-listing-bytes (chunks of ${size})`, () => {
      assert.equal(feed(text({ maxListingBytes: PAGE.length }), PAGE, size), 1);
      assert.equal(
        limitOf(feed(text({ maxListingBytes: PAGE.length - 1 }), PAGE, size)),
        `listing ${PAGE.length - 1}`,
      );
    });
  }

  it('an endless line is refused once the carried start of it reaches the cap', () => {
    const parser = text({ maxGroupBytes: 1000 });
    parser.push(Buffer.from('pushgateway_build_info 1\npush_time_seconds{job="'));
    let fed = 0;
    assert.throws(() => {
      for (;;) {
        parser.push(Buffer.alloc(100, 'a'));
        fed += 100;
      }
    }, ListingLimitError);
    assert.ok(fed <= 1000, `kept ${fed} bytes`);
  });
});

describe('sizes', () => {
  it('parses bytes and binary or decimal units, case-insensitively', () => {
    const cases: Array<[string, number]> = [
      ['1048576', 1048576],
      ['16MiB', 16 * 2 ** 20],
      ['1gib', 2 ** 30],
      ['512 MiB', 512 * 2 ** 20],
      ['64KiB', 65536],
      ['2MB', 2e6],
      ['1kB', 1000],
      ['100B', 100],
      ['1TiB', 2 ** 40],
    ];
    for (const [input, bytes] of cases) assert.deepEqual(parseByteSize(input), { ok: true, bytes });
  });
  it('refuses zero, fractions, negative numbers and unknown units with a hint', () => {
    for (const input of ['0', '0MiB', '1.5GiB', '-1', 'MiB', '16 megs', '', '9999999TiB']) {
      const result = parseByteSize(input);
      assert.equal(result.ok, false, input);
      if (!result.ok) assert.match(result.error, /16MiB|greater than 0|too large/);
    }
  });
  it('formats the shortest exact spelling', () => {
    assert.equal(formatByteSize(16 * 2 ** 20), '16MiB');
    assert.equal(formatByteSize(2 ** 30), '1GiB');
    assert.equal(formatByteSize(2e6), '2MB');
    assert.equal(formatByteSize(1536), '1536 bytes', 'never 1.5KiB');
    assert.equal(formatByteSize(1000), '1kB');
    assert.equal(formatByteSize(1001), '1001 bytes');
  });
});

describe('requestDeadline', () => {
  it('aborts with a RequestTimeoutError after the timeout', async () => {
    const deadline = requestDeadline(30);
    await new Promise((r) => setTimeout(r, 80));
    assert.ok(deadline.signal.aborted);
    assert.ok(deadline.signal.reason instanceof RequestTimeoutError);
    assert.equal(
      describeNetworkError(deadline.signal.reason, { timeoutMs: 30_000 }),
      'timed out after 30s (raise --timeout if the gateway is just slow)',
    );
  });
  it('passes on the caller aborting, with its reason (pgsweep is stopping)', () => {
    const caller = new AbortController();
    const deadline = requestDeadline(60_000, caller.signal);
    caller.abort();
    assert.ok(deadline.signal.aborted);
    assert.equal(
      describeNetworkError(deadline.signal.reason, { timeoutMs: 60_000 }),
      'abandoned because pgsweep is stopping',
    );
    deadline.done();
  });
  it('done() stops the timer and forgets the caller', async () => {
    const caller = new AbortController();
    const deadline = requestDeadline(30, caller.signal);
    deadline.done();
    await new Promise((r) => setTimeout(r, 80));
    caller.abort();
    assert.equal(deadline.signal.aborted, false);
  });
});

describe('--max-group-bytes and --max-listing-bytes settings', () => {
  const TTL = { ttl: '2h' };
  it('default to 16MiB and 1GiB', () => {
    const config = resolveConfig(TTL, {});
    assert.equal(config.maxGroupBytes, 16 * 2 ** 20);
    assert.equal(config.maxListingBytes, 2 ** 30);
  });
  it('come from flags, then PGSWEEP_* variables, then the config file', () => {
    const file = parseConfigFile('maxGroupBytes: 1048576\nmaxListingBytes: 512MiB\n', 'c.yaml');
    assert.equal(resolveConfig(TTL, {}, file).maxGroupBytes, 2 ** 20);
    assert.equal(resolveConfig(TTL, {}, file).maxListingBytes, 512 * 2 ** 20);
    const env = { PGSWEEP_MAX_GROUP_BYTES: '32MiB', PGSWEEP_MAX_LISTING_BYTES: '2GiB' };
    assert.equal(resolveConfig(TTL, env, file).maxGroupBytes, 32 * 2 ** 20);
    assert.equal(resolveConfig(TTL, env, file).maxListingBytes, 2 ** 31);
    const flags = { ...TTL, maxGroupBytes: '64MiB', maxListingBytes: '4GiB' };
    assert.equal(resolveConfig(flags, env, file).maxGroupBytes, 64 * 2 ** 20);
    assert.equal(resolveConfig(flags, env, file).maxListingBytes, 2 ** 32);
  });
  it('a size that is not one is a usage error naming the setting', () => {
    assert.throws(
      () => resolveConfig({ ...TTL, maxGroupBytes: '16 megs' }, {}),
      (err: unknown) =>
        err instanceof UsageError &&
        /^--max-group-bytes: "16 megs" is not a size/.test(err.message),
    );
    assert.throws(
      () => resolveConfig(TTL, { PGSWEEP_MAX_LISTING_BYTES: '0' }),
      /PGSWEEP_MAX_LISTING_BYTES: "0" must be greater than 0/,
    );
    assert.throws(
      () => parseConfigFile('maxListingBytes: 1.5GiB\n', 'c.yaml'),
      /c\.yaml:1: maxListingBytes/,
    );
  });
});
