/**
 * Paces DELETEs so a sweep does not starve the gateway's pushers. DELETEs share the gateway's
 * 1000-slot write queue with pushes; when it fills, DELETE calls start to block and /-/healthy
 * answers 500 (a liveness probe would restart the gateway). The pacer keeps a window of DELETEs in
 * flight that halves on congestion (a slow DELETE, a 5xx/429, an unhealthy gateway) and pauses,
 * then grows back by one after a run of fast ones (AIMD, as TCP does). Pure timing logic; the
 * clock and sleep are injectable for tests.
 */
import { setTimeout as sleep } from 'node:timers/promises';

/** A DELETE slower than this means the write queue is full (it normally takes milliseconds). */
export const SLOW_DELETE_MS = 500;
const MIN_PAUSE_MS = 250;
const MAX_PAUSE_MS = 8000;

export interface PacerStats {
  readonly congestionEvents: number;
  readonly minWindow: number;
}

export class DeletePacer {
  private window: number;
  private inFlight = 0;
  private fastStreak = 0;
  private pausedUntil = 0;
  private pauseMs = MIN_PAUSE_MS;
  private congestionEvents = 0;
  private minWindow: number;

  constructor(
    private readonly maxWindow: number,
    private readonly now: () => number = () => performance.now(),
  ) {
    this.window = maxWindow;
    this.minWindow = maxWindow;
  }

  /** Waits for a free slot in the window and for any pause to end. */
  async acquire(signal?: AbortSignal): Promise<void> {
    for (;;) {
      if (signal?.aborted) return;
      const wait = this.pausedUntil - this.now();
      if (wait > 0) {
        await sleep(wait, undefined, signal ? { signal } : {}).catch(() => {});
        continue;
      }
      if (this.inFlight < this.window) {
        this.inFlight++;
        return;
      }
      await sleep(5, undefined, signal ? { signal } : {}).catch(() => {});
    }
  }

  /** Reports how a DELETE went: its latency and whether the gateway pushed back. */
  release(latencyMs: number, pushedBack: boolean): void {
    this.inFlight--;
    if (pushedBack || latencyMs > SLOW_DELETE_MS) this.congested();
    else if (++this.fastStreak >= this.window * 4 && this.window < this.maxWindow) {
      this.window++;
      this.fastStreak = 0;
      this.pauseMs = MIN_PAUSE_MS;
    }
  }

  /** The gateway says its write queue is full (/-/healthy 500): back off now. */
  congested(): void {
    const now = this.now();
    this.fastStreak = 0;
    // One event per pause: DELETEs finishing during the pause report the same congestion.
    if (now < this.pausedUntil) return;
    this.congestionEvents++;
    this.window = Math.max(1, Math.floor(this.window / 2));
    this.minWindow = Math.min(this.minWindow, this.window);
    this.pausedUntil = now + this.pauseMs;
    this.pauseMs = Math.min(MAX_PAUSE_MS, this.pauseMs * 2);
  }

  get currentWindow(): number {
    return this.window;
  }

  stats(): PacerStats {
    return { congestionEvents: this.congestionEvents, minWindow: this.minWindow };
  }
}
