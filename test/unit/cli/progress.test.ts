import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createProgress, describeProgress } from '../../../src/cli/progress.ts';
import type { Log } from '../../../src/core/log.ts';

function recorder() {
  const lines: string[] = [];
  const log: Log = {
    debug() {},
    info: (_o, msg) => lines.push(`log: ${msg}`),
    warn() {},
    error() {},
  };
  return { lines, log, write: (t: string) => lines.push(`tty: ${JSON.stringify(t)}`) };
}

describe('progress', () => {
  it('describes phases with and without a total', () => {
    assert.equal(describeProgress({ phase: 'list', done: 12000 }), 'listing: 12,000 groups');
    assert.equal(
      describeProgress({ phase: 'delete', done: 500, total: 2000 }),
      'deleting: 500/2,000 (25%)',
    );
  });

  it('draws one self-updating line on a terminal, throttled, and clears it', () => {
    let t = 0;
    const r = recorder();
    const p = createProgress({
      enabled: true,
      tty: true,
      log: r.log,
      write: r.write,
      now: () => t,
    });
    p.onProgress({ phase: 'delete', done: 1, total: 10 });
    t += 10;
    p.onProgress({ phase: 'delete', done: 2, total: 10 }); // throttled
    t += 200;
    p.onProgress({ phase: 'delete', done: 3, total: 10 });
    p.done();
    assert.deepEqual(r.lines, [
      `tty: ${JSON.stringify('\r\x1b[2Kpgsweep: deleting: 1/10 (10%)')}`,
      `tty: ${JSON.stringify('\r\x1b[2Kpgsweep: deleting: 3/10 (30%)')}`,
      `tty: ${JSON.stringify('\r\x1b[2K')}`,
    ]);
  });

  it('logs every 10 s when stderr is not a terminal, the first line 10 s after the start', () => {
    let t = 0;
    const r = recorder();
    const p = createProgress({
      enabled: true,
      tty: false,
      log: r.log,
      write: r.write,
      now: () => t,
    });
    p.onProgress({ phase: 'list', done: 1000 });
    t += 5000;
    p.onProgress({ phase: 'list', done: 2000 });
    t += 6000;
    p.onProgress({ phase: 'list', done: 3000 });
    t += 5000;
    p.onProgress({ phase: 'list', done: 4000 });
    t += 5000;
    p.onProgress({ phase: 'list', done: 5000 });
    assert.deepEqual(r.lines, ['log: listing: 3,000 groups', 'log: listing: 5,000 groups']);
  });

  it('logs nothing for a sweep shorter than 10 s', () => {
    let t = 0;
    const r = recorder();
    const p = createProgress({
      enabled: true,
      tty: false,
      log: r.log,
      write: r.write,
      now: () => t,
    });
    p.onProgress({ phase: 'delete', done: 1, total: 6 });
    t += 300;
    p.onProgress({ phase: 'delete', done: 6, total: 6 });
    assert.deepEqual(r.lines, []);
  });

  it('is silent when disabled (JSON output)', () => {
    const r = recorder();
    const p = createProgress({ enabled: false, tty: true, log: r.log, write: r.write });
    p.onProgress({ phase: 'list', done: 1000 });
    p.done();
    assert.deepEqual(r.lines, []);
  });
});
