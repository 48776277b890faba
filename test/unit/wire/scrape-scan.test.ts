import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { keyId } from '../../../src/wire/grouping-key.ts';
import { exposedLabels, parseSample, ScrapeScanner } from '../../../src/wire/scrape-scan.ts';

const PAGE = `# HELP m help
# TYPE m untyped
m{instance="",job="etl",run_id="r1"} 1
m{instance="",job="etl",run_id="r2"} 1
h_bucket{instance="",job="etl",le="+Inf",run_id="r1"} 3
# HELP push_failure_time_seconds Last Unix time when changing this group in the Pushgateway failed.
# TYPE push_failure_time_seconds gauge
push_failure_time_seconds{instance="",job="etl",run_id="r1"} 0
push_failure_time_seconds{instance="a",job="quote\\"d",note="line1\\nline2"} 0
# TYPE push_time_seconds gauge
push_time_seconds{instance="",job="etl",run_id="r1"} 1.79e+09
push_time_seconds{instance="",job="crash",zone="z"} 1.79e+09
push_time_seconds{instance="a",job="quote\\"d",note="line1\\nline2"} 1.79e+09
pushgateway_http_requests_total{code="200",handler="push",method="put"} 4
go_goroutines 12
`;

function scan(text: string, chunk = Number.POSITIVE_INFINITY) {
  const bytes = Buffer.from(text, 'utf8');
  const scanner = new ScrapeScanner();
  for (let i = 0; i < bytes.length; i += Math.min(chunk, bytes.length))
    scanner.push(bytes.subarray(i, i + chunk));
  return scanner.finish();
}

describe('ScrapeScanner', () => {
  it('counts samples per job and ignores the gateway own metrics', () => {
    const s = scan(PAGE);
    assert.deepEqual(Object.fromEntries(s.samplesByJob), { etl: 5, 'quote"d': 2, crash: 1 });
    assert.equal(s.bytes, Buffer.byteLength(PAGE));
    assert.equal(s.unreadable, 0);
  });

  it('collects the label sets of both push gauges, escapes undone', () => {
    const s = scan(PAGE);
    const crash = keyId(exposedLabels({ job: 'crash', zone: 'z' }));
    assert.equal(s.pushTime.has(crash), true);
    assert.equal(s.pushFailure.has(crash), false, 'the crashed group has no failure sample');
    const quoted = keyId({ instance: 'a', job: 'quote"d', note: 'line1\nline2' });
    assert.equal(s.pushTime.has(quoted), true);
    assert.equal(s.pushFailure.has(quoted), true);
  });

  it('gives the same result whatever the chunking, multi-byte characters included', () => {
    const text = `${PAGE}m{instance="",job="日本語🧹"} 1\n`;
    const whole = scan(text);
    for (const size of [1, 3, 17]) assert.deepEqual(scan(text, size), whole);
    assert.equal(whole.samplesByJob.get('日本語🧹'), 1);
  });

  it('keeps only what it is asked for', () => {
    const feed = (scanner: ScrapeScanner) => {
      scanner.push(Buffer.from(PAGE));
      return scanner.finish();
    };
    const gaugesOnly = feed(new ScrapeScanner({ perJob: false }));
    assert.equal(gaugesOnly.samplesByJob.size, 0);
    assert.equal(gaugesOnly.pushTime.size, 3);
    const jobsOnly = feed(new ScrapeScanner({ pushGauges: false }));
    assert.equal(jobsOnly.pushTime.size + jobsOnly.pushFailure.size, 0);
    assert.equal(jobsOnly.samplesByJob.get('etl'), 5);
  });

  it('counts lines it cannot read', () => {
    assert.equal(scan('m{job="x",a="unterminated} 1\n').unreadable, 1);
  });
});

describe('parseSample', () => {
  it('reads names and labels', () => {
    assert.deepEqual(parseSample('up 1'), { name: 'up', labels: {} });
    assert.deepEqual(parseSample('m{a="1",b="x\\\\y"} 2 1700000000000'), {
      name: 'm',
      labels: { a: '1', b: 'x\\y' },
    });
    assert.equal(parseSample('m{a="\\q"} 1'), undefined);
    assert.equal(parseSample('{a="1"} 1'), undefined);
  });
});

describe('exposedLabels', () => {
  it('adds instance="" only to keys without an instance', () => {
    assert.deepEqual(exposedLabels({ job: 'x' }), { job: 'x', instance: '' });
    assert.deepEqual(exposedLabels({ job: 'x', instance: 'i' }), { job: 'x', instance: 'i' });
  });
});
