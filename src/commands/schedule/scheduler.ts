/**
 * Schedule mode's clock: waits for each cron tick and starts a run, never two at once. A tick
 * that arrives while a run is still going is skipped (and reported through onSkip), not queued,
 * so a slow sweep never piles up work. No printing, no process state: the CLI supplies the run.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import type { ScheduleConfig } from '../../config/operate-config.ts';
import { cronParserModule } from '../../core/lazy-require.ts';

export interface SchedulerOptions {
  readonly schedule: ScheduleConfig;
  /** Aborted on SIGINT/SIGTERM: no new run starts; the one in flight is awaited. */
  readonly stop: AbortSignal;
  readonly runOnce: () => Promise<void>;
  /** A tick came while a run was still going. */
  readonly onSkip: (tick: Date) => void;
  /** Before each wait, the next tick (for a log line). */
  readonly onNext?: (tick: Date) => void;
  readonly now?: () => number;
}

/** The first tick strictly after `afterMs`. */
export function nextTick(schedule: ScheduleConfig, afterMs: number): number {
  return cronParserModule()
    .CronExpressionParser.parse(schedule.expression, {
      currentDate: new Date(afterMs),
      ...(schedule.timezone ? { tz: schedule.timezone } : {}),
    })
    .next()
    .getTime();
}

/** Resolves once stopped and the run in flight (if any) has ended. */
export async function runScheduler(options: SchedulerOptions): Promise<void> {
  const now = options.now ?? Date.now;
  let running: Promise<void> | undefined;
  let after = now();
  while (!options.stop.aborted) {
    const tick = nextTick(options.schedule, after);
    options.onNext?.(new Date(tick));
    await sleep(Math.max(0, tick - now()), undefined, { signal: options.stop }).catch(() => {});
    if (options.stop.aborted) break;
    // Count from the tick itself, or from now when the wait overran (a blocked event loop), so a
    // late timer never fires a burst of catch-up ticks.
    after = Math.max(tick, now());
    if (running) {
      options.onSkip(new Date(tick));
      continue;
    }
    running = options.runOnce().finally(() => {
      running = undefined;
    });
  }
  await running;
}
