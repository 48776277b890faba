/**
 * Progress for long sweeps: a single self-updating line on a terminal (stderr), or a log line
 * every few seconds otherwise. Silent in JSON output mode, so machine output stays clean.
 */
import type { Log } from '../core/log.ts';
import type { Progress, ProgressReporter } from '../core/sweep-report.ts';

const TTY_EVERY_MS = 100;
const LOG_EVERY_MS = 10_000;

export interface ProgressOptions {
  readonly enabled: boolean;
  readonly tty: boolean;
  readonly log: Log;
  readonly write: (text: string) => void;
  readonly now?: () => number;
}

export function describeProgress(p: Progress): string {
  const count = p.done.toLocaleString('en-US');
  if (p.total === undefined) return `${p.phase === 'list' ? 'listing' : p.phase}: ${count} groups`;
  const pct = p.total === 0 ? 100 : Math.floor((p.done / p.total) * 100);
  return `${p.phase === 'delete' ? 'deleting' : p.phase}: ${count}/${p.total.toLocaleString('en-US')} (${pct}%)`;
}

export function createProgress(options: ProgressOptions): ProgressReporter {
  const now = options.now ?? (() => performance.now());
  if (!options.enabled) return { onProgress() {}, done() {} };
  // Logged, the first line comes one interval after the start, not at once: a short sweep logs
  // none. A terminal line is drawn at once (it is redrawn in place, so it costs nothing).
  let last = options.tty ? Number.NEGATIVE_INFINITY : now();
  let drawn = false;
  return {
    onProgress(p) {
      const t = now();
      const finished = p.total !== undefined && p.done === p.total;
      if (t - last < (options.tty ? TTY_EVERY_MS : LOG_EVERY_MS) && !finished) return;
      last = t;
      if (options.tty) {
        options.write(`\r\x1b[2Kpgsweep: ${describeProgress(p)}`);
        drawn = true;
      } else if (!finished) {
        options.log.info(
          { phase: p.phase, done: p.done, ...(p.total === undefined ? {} : { total: p.total }) },
          describeProgress(p),
        );
      }
    },
    done() {
      if (drawn) options.write('\r\x1b[2K');
      drawn = false;
    },
  };
}
