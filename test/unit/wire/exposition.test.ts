import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createExpositionParser, parseSeriesLine } from '../../../src/wire/exposition.ts';
import type { ListedGroup } from '../../../src/wire/listing.ts';

const PAGE = [
  'a{instance="i\\"q",job="y"} 1',
  '# TYPE pgsweep_ttl_seconds untyped',
  'pgsweep_ttl_seconds{instance="i\\"q",job="y"} 60',
  '# HELP push_failure_time_seconds Last Unix time when changing this group in the Pushgateway failed.',
  '# TYPE push_failure_time_seconds gauge',
  'push_failure_time_seconds{instance="i\\"q",job="y"} 0',
  'push_failure_time_seconds{instance="",job="x",run_id="r1"} 1.5e+09',
  'push_failure_time_seconds{instance="",job="x",run_id="r1",x="spoof"} 9e+18',
  '# TYPE push_time_seconds gauge',
  'push_time_seconds{instance="i\\"q",job="y"} 1.7956262147116663e+09',
  'push_time_seconds{instance="",job="x",run_id="r1"} 1.7956262146826265e+09',
  'push_time_seconds{instance="",job="multi\\nline\\\\",run_id="r2"} 0',
  'pushgateway_build_info{branch="debian/sid",version="1.5.1"} 1',
  '',
].join('\n');

function parse(body: string, chunk = body.length): ListedGroup[] {
  const parser = createExpositionParser();
  const bytes = Buffer.from(body);
  const groups: ListedGroup[] = [];
  for (let i = 0; i < bytes.length; i += chunk)
    groups.push(...parser.push(bytes.subarray(i, i + chunk)));
  return [...groups, ...parser.finish().rest];
}

describe('parseSeriesLine', () => {
  it('reads labels with escapes and the value', () => {
    assert.deepEqual(parseSeriesLine('{a="1",b="x\\"y\\\\z\\n"} 1.5'), {
      labels: { a: '1', b: 'x"y\\z\n' },
      value: '1.5',
    });
    assert.deepEqual(parseSeriesLine(' 7'), { labels: {}, value: '7' });
  });

  it('keeps a label named __proto__ as a label', () => {
    const parsed = parseSeriesLine('{__proto__="y",job="x"} 1');
    assert.deepEqual(Object.keys(parsed?.labels ?? {}), ['__proto__', 'job']);
    assert.equal(Object.getOwnPropertyDescriptor(parsed?.labels, '__proto__')?.value, 'y');
  });

  it('rejects broken lines', () => {
    assert.equal(parseSeriesLine('{a=1} 1'), undefined);
    assert.equal(parseSeriesLine('{a="1} 1'), undefined);
    assert.equal(parseSeriesLine('{a="\\q"} 1'), undefined);
  });
});

describe('createExpositionParser', () => {
  it('turns push_time_seconds series into groups, marking instance="" as ambiguous', () => {
    const groups = parse(PAGE);
    const byJob = new Map(groups.map((g) => [g.labels?.job, g]));
    assert.equal(groups.length, 3);
    assert.deepEqual(byJob.get('y')?.labels, { instance: 'i"q', job: 'y' });
    assert.equal(byJob.get('y')?.ambiguousInstance, false);
    assert.equal(byJob.get('y')?.declaredTtl, '60');
    assert.deepEqual(byJob.get('x')?.labels, { job: 'x', run_id: 'r1' });
    assert.equal(byJob.get('x')?.ambiguousInstance, true);
    assert.equal(
      byJob.get('x')?.pushFailureTime,
      '1.5e+09',
      'a spoofed series with extra labels is not this group',
    );
    // 0 means never failed; it is not kept (no reader tells it from no failure time).
    assert.equal(byJob.get('y')?.pushFailureTime, undefined);
    assert.deepEqual(byJob.get('multi\nline\\')?.labels, { job: 'multi\nline\\', run_id: 'r2' });
  });

  it('keeps a label named __proto__ in the key, also when instance="" is dropped from it', () => {
    const page = [
      '# TYPE push_time_seconds gauge',
      'push_time_seconds{__proto__="y",instance="",job="x"} 1.5e+09',
      'pushgateway_build_info{version="1.5.1"} 1',
      '',
    ].join('\n');
    const [g] = parse(page);
    assert.equal(g?.ambiguousInstance, true);
    assert.deepEqual(Object.keys(g?.labels ?? {}), ['__proto__', 'job']);
  });

  it('gives the same groups for any chunk size', () => {
    const whole = parse(PAGE);
    for (const size of [1, 2, 3, 7, 64]) assert.deepEqual(parse(PAGE, size), whole);
  });

  it('decodes multi-byte UTF-8 exactly wherever the chunks split it', () => {
    const page = [
      'café_total{job="über"} 1',
      'push_time_seconds{instance="",job="über",run_id="🚀-東京"} 1.7e+09',
      'pushgateway_build_info{version="1.5.1"} 1',
      '',
    ].join('\n');
    const whole = parse(page);
    assert.deepEqual(whole[0]?.labels, { job: 'über', run_id: '🚀-東京' });
    for (const size of [1, 2, 3, 5, 11]) assert.deepEqual(parse(page, size), whole);
  });

  it('reads a line longer than many chunks', () => {
    const long = 'x'.repeat(5000);
    const page = `push_time_seconds{instance="",job="${long}"} 1.7e+09\npushgateway_build_info 1\n`;
    for (const size of [7, 100, 4096, page.length]) {
      const groups = parse(page, size);
      assert.equal(groups.length, 1);
      assert.equal(groups[0]?.labels?.job, long);
    }
  });

  it('hands each group over at its push_time_seconds line, before the page ends', () => {
    const parser = createExpositionParser();
    const cut = PAGE.indexOf('pushgateway_build_info');
    const early = parser.push(Buffer.from(PAGE.slice(0, cut)));
    assert.equal(early.length, 3);
    assert.equal(early.find((g) => g.labels?.job === 'y')?.declaredTtl, '60');
    assert.deepEqual(parser.push(Buffer.from(PAGE.slice(cut))), []);
    assert.deepEqual(parser.finish(), { bytes: Buffer.byteLength(PAGE), groups: 3, rest: [] });
  });

  it('refuses a page whose families are not in sorted order', () => {
    // A declared TTL listed after the push times would come too late for its group.
    const late = [
      'push_time_seconds{instance="",job="x"} 1.7e+09',
      'pgsweep_ttl_seconds{instance="",job="x"} 86400',
      'pushgateway_build_info{version="1.5.1"} 1',
      '',
    ].join('\n');
    assert.throws(() => parse(late), /pgsweep_ttl_seconds after push_time_seconds/);
    const failureLate = late.replace('pgsweep_ttl_seconds', 'push_failure_time_seconds');
    assert.throws(() => parse(failureLate), /push_failure_time_seconds after push_time_seconds/);
  });

  it('rejects a page cut mid-line, or without the gateway build info line', () => {
    assert.throws(() => parse(PAGE.slice(0, -5)), /truncated/);
    assert.throws(() => parse(''), /pushgateway_build_info/);
    assert.throws(() => parse('push_time_seconds{job="x"} 1\n'), /pushgateway_build_info/);
  });
});
