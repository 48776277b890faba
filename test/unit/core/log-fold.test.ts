import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Log } from '../../../src/core/log.ts';
import { FOLD_AFTER, foldingLog } from '../../../src/core/log-fold.ts';

function recorder() {
  const lines: string[] = [];
  const at =
    (level: string) =>
    (_o: Record<string, unknown>, msg: string): void => {
      lines.push(`${level}: ${msg}`);
    };
  const log: Log = { debug: at('debug'), info: at('info'), warn: at('warn'), error: at('error') };
  return { lines, log };
}

describe('foldingLog', () => {
  it('logs the first few lines of a kind, then one line with the count of the rest', () => {
    const r = recorder();
    const f = foldingLog(r.log);
    for (let i = 0; i < 10; i++)
      f.log.warn({ group: `{job="j${i}"}`, reason: 'missing-push-time' }, `skipping group: ${i}`);
    f.flush();
    assert.equal(FOLD_AFTER, 3);
    assert.deepEqual(r.lines, [
      'warn: skipping group: 0',
      'warn: skipping group: 1',
      'warn: skipping group: 2',
      'warn: 7 more groups skipped for the same reason (missing-push-time)',
    ]);
  });

  it('folds each reason apart, and leaves lines without a group alone', () => {
    const r = recorder();
    const f = foldingLog(r.log, 1);
    f.log.warn(
      { group: 'a', reason: 'declared-ttl' },
      'pgsweep_ttl_seconds 5 is outside [1m, 90d]',
    );
    f.log.warn(
      { group: 'b', reason: 'declared-ttl' },
      'pgsweep_ttl_seconds 6 is outside [1m, 90d]',
    );
    f.log.warn({ group: 'c', reason: 'invalid-push-time' }, 'skipping group: NaN');
    f.log.warn({}, 'a run-wide warning');
    f.log.warn({}, 'a run-wide warning');
    f.flush();
    assert.deepEqual(r.lines, [
      'warn: pgsweep_ttl_seconds 5 is outside [1m, 90d]',
      'warn: skipping group: NaN',
      'warn: a run-wide warning',
      'warn: a run-wide warning',
      'warn: 1 more group logged for the same reason (declared-ttl)',
    ]);
  });

  it('says nothing more when no kind went past the limit, and starts over after a flush', () => {
    const r = recorder();
    const f = foldingLog(r.log, 1);
    f.log.error({ group: 'a' }, 'delete failed: 400');
    f.flush();
    f.log.error({ group: 'b' }, 'delete failed: 400');
    f.flush();
    assert.deepEqual(r.lines, ['error: delete failed: 400', 'error: delete failed: 400']);
  });
});

describe('foldingLog over a logger whose methods need `this` (pino)', () => {
  it('passes debug lines through as method calls', () => {
    class Recorder {
      readonly lines: string[] = [];
      debug(_o: Record<string, unknown>, msg: string): void {
        this.lines.push(`debug: ${msg}`);
      }
      info(_o: Record<string, unknown>, msg: string): void {
        this.lines.push(`info: ${msg}`);
      }
      warn(_o: Record<string, unknown>, msg: string): void {
        this.lines.push(`warn: ${msg}`);
      }
      error(_o: Record<string, unknown>, msg: string): void {
        this.lines.push(`error: ${msg}`);
      }
    }
    const r = new Recorder();
    const f = foldingLog(r);
    f.log.debug({ group: 'a' }, 'delete queued');
    f.log.info({}, 'planned sweep');
    assert.deepEqual(r.lines, ['debug: delete queued', 'info: planned sweep']);
  });
});
