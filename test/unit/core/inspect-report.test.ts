import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  inspectGroups,
  isUnbounded,
  OLDEST_COUNT,
  UNBOUNDED_MIN_VALUES,
} from '../../../src/core/inspect-report.ts';
import type { Labels } from '../../../src/wire/labels.ts';
import type { ListedGroup } from '../../../src/wire/listing.ts';

const NOW = Date.parse('2026-11-25T16:00:00Z');
const secondsAgo = (s: number) => String((NOW - s * 1000) / 1000);

function group(labels: Labels, pushTime: string, pushFailureTime = '0'): ListedGroup {
  return { labels, displayLabels: labels, keySource: 'labels', pushTime, pushFailureTime };
}

const noScrape = { unavailable: 'not read' };

describe('inspectGroups', () => {
  it('counts groups, jobs and series per job', () => {
    const groups = [
      group({ job: 'etl', run_id: 'a' }, secondsAgo(10)),
      group({ job: 'etl', run_id: 'b' }, secondsAgo(10)),
      group({ job: 'report' }, secondsAgo(10)),
    ];
    const r = inspectGroups(groups, NOW, 1234, {
      samplesByJob: new Map([
        ['etl', 8],
        ['report', 3],
      ]),
      bytes: 999,
    });
    assert.equal(r.groups, 3);
    assert.equal(r.listingBytes, 1234);
    assert.deepEqual(r.series, { total: 11, scrapeBytes: 999 });
    assert.deepEqual(r.jobs, [
      { job: 'etl', groups: 2, series: 8 },
      { job: 'report', groups: 1, series: 3 },
    ]);
  });

  it('leaves series out when the scrape could not be read, and says why', () => {
    const r = inspectGroups([group({ job: 'a' }, secondsAgo(1))], NOW, 10, noScrape);
    assert.deepEqual(r.series, { unavailable: 'not read' });
    assert.deepEqual(r.jobs, [{ job: 'a', groups: 1 }]);
  });

  it('flags a label with a new value for most groups, not one with few values', () => {
    const groups: ListedGroup[] = [];
    for (let i = 0; i < 30; i++) {
      groups.push(group({ job: 'etl', instance: `host${i % 3}`, run_id: `r${i}` }, secondsAgo(5)));
    }
    const r = inspectGroups(groups, NOW, 0, noScrape);
    const byName = Object.fromEntries(r.labels.map((l) => [l.name, l]));
    assert.deepEqual(byName.run_id, {
      name: 'run_id',
      groups: 30,
      distinctValues: 30,
      unbounded: true,
    });
    assert.deepEqual(byName.instance, {
      name: 'instance',
      groups: 30,
      distinctValues: 3,
      unbounded: false,
    });
    assert.equal(byName.job?.unbounded, false);
    assert.equal(r.labels[0]?.name, 'run_id', 'most distinct values first');
  });

  it('uses a minimum and a ratio for "unbounded"', () => {
    assert.equal(isUnbounded(UNBOUNDED_MIN_VALUES - 1, UNBOUNDED_MIN_VALUES - 1), false);
    assert.equal(isUnbounded(UNBOUNDED_MIN_VALUES, UNBOUNDED_MIN_VALUES), true);
    assert.equal(isUnbounded(50, 100), false, 'exactly half is not more than half');
    assert.equal(isUnbounded(51, 100), true);
  });

  it('buckets ages by the gateway clock, phantoms by their failure time', () => {
    const groups = [
      group({ job: 'a' }, secondsAgo(60)),
      group({ job: 'b' }, secondsAgo(15 * 60)), // exactly 15m is not "<15m"
      group({ job: 'c' }, secondsAgo(2 * 3600)),
      group({ job: 'd' }, secondsAgo(12 * 3600)),
      group({ job: 'e' }, secondsAgo(3 * 86400)),
      group({ job: 'f' }, secondsAgo(30 * 86400)),
      group({ job: 'phantom' }, '0', secondsAgo(30)),
      group({ job: 'nan' }, 'NaN'),
      group({ job: 'future' }, secondsAgo(-3600)),
    ];
    const r = inspectGroups(groups, NOW, 0, noScrape);
    assert.deepEqual(
      r.ages.map((a) => [a.bucket, a.groups]),
      [
        ['<15m', 2],
        ['<1h', 1],
        ['<6h', 1],
        ['<1d', 1],
        ['<7d', 1],
        ['>=7d', 1],
      ],
    );
    assert.equal(r.unknownAge, 2);
  });

  it('lists the oldest groups, oldest first, at most ten', () => {
    const groups: ListedGroup[] = [];
    for (let i = 0; i < 25; i++)
      groups.push(group({ job: `j${i}` }, secondsAgo(100 * ((i * 7) % 25))));
    const r = inspectGroups(groups, NOW, 0, noScrape);
    assert.equal(r.oldest.length, OLDEST_COUNT);
    const ages = r.oldest.map((g) => g.ageMs ?? -1);
    assert.deepEqual(
      ages,
      [...ages].sort((a, b) => b - a),
    );
    assert.equal(ages[0], 2_400_000);
  });

  it('tells never-succeeded groups from groups whose last push failed', () => {
    const r = inspectGroups(
      [
        group({ job: 'phantom' }, '0', secondsAgo(30)),
        group({ job: 'failed' }, secondsAgo(100), secondsAgo(10)),
        group({ job: 'recovered' }, secondsAgo(10), secondsAgo(100)),
        group({ job: 'ok' }, secondsAgo(10)),
      ],
      NOW,
      0,
      noScrape,
    );
    assert.equal(r.neverSucceeded.count, 1);
    assert.deepEqual(r.neverSucceeded.groups[0]?.labels, { job: 'phantom' });
    assert.equal(r.neverSucceeded.groups[0]?.ageFrom, 'push_failure_time');
    assert.equal(r.neverSucceeded.groups[0]?.ageMs, 30_000);
    assert.equal(r.lastPushFailed.count, 1);
    assert.deepEqual(r.lastPushFailed.groups[0]?.labels, { job: 'failed' });
  });

  it('counts keys the listing cannot show exactly, using their best-effort labels', () => {
    const hidden: ListedGroup = {
      labels: undefined,
      displayLabels: { job: 'hidden', instance: '' },
      keySource: undefined,
      pushTime: secondsAgo(1),
      pushFailureTime: '0',
      keyError: 'hidden',
    };
    const r = inspectGroups([hidden], NOW, 0, noScrape);
    assert.equal(r.inexactKeys, 1);
    assert.deepEqual(r.jobs, [{ job: 'hidden', groups: 1 }]);
  });
});
