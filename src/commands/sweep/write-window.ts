/**
 * Keeps pgsweep's share of the gateway's write queue bounded. A DELETE is answered 202 as soon as
 * it is queued, so its answer says nothing about the queue (1000 slots, shared with pushes; full
 * means /-/healthy 500 and blocked pushers). A write barrier (client.barrier) answers only once
 * every write queued before it has been applied, so writes are counted as unconfirmed from their
 * start until a barrier sent after their 202 comes back. No new write starts while `limit` are
 * unconfirmed, which leaves the rest of the queue to pushers even when a slow checked push stalls
 * the gateway's writer for seconds. Pure bookkeeping: the barrier is injected.
 */
import type { BarrierOutcome } from '../../gateway/client.ts';

/** Unconfirmed writes allowed at once: half the gateway's queue, the other half is for pushers. */
export const WRITE_WINDOW_LIMIT = 500;
/** A barrier is sent after this many newly answered writes (and whenever writers are waiting). */
export const WRITE_WINDOW_BATCH = 250;

export class WriteWindow {
  /** Writes started and not yet proven applied. */
  private unconfirmed = 0;
  /** Writes answered but sent before no barrier yet. */
  private uncovered = 0;
  private pending: Promise<void> | undefined;
  private waiters: Array<() => void> = [];
  private failure: string | undefined;
  private barriers = 0;
  private reachedGateway = false;

  constructor(
    private readonly barrier: () => Promise<BarrierOutcome>,
    private readonly limit = WRITE_WINDOW_LIMIT,
    private readonly batch = WRITE_WINDOW_BATCH,
  ) {}

  /** Why barriers cannot be used on this gateway, once one has failed; the window is then open. */
  get unusable(): string | undefined {
    return this.failure;
  }

  get barriersSent(): number {
    return this.barriers;
  }

  /** Some barrier reached the gateway's store, so its group needs removing. */
  get leftGroup(): boolean {
    return this.reachedGateway;
  }

  /** Waits until one more write may start. */
  async acquire(signal?: AbortSignal): Promise<void> {
    while (this.failure === undefined && this.unconfirmed >= this.limit && !signal?.aborted) {
      this.sendBarrier();
      await new Promise<void>((resolve) => {
        const done = () => {
          signal?.removeEventListener('abort', done);
          resolve();
        };
        this.waiters.push(done);
        signal?.addEventListener('abort', done, { once: true });
      });
    }
    this.unconfirmed++;
  }

  /** A write finished: `queued` when the gateway answered 202 (it is now in the queue). */
  written(queued: boolean): void {
    if (queued) this.uncovered++;
    else this.unconfirmed--;
    this.barrierIfDue();
    this.wake();
  }

  /**
   * After the last write: true once a barrier proves every queued write was applied; false when
   * barriers cannot be used here (then confirm some other way).
   */
  async drain(): Promise<boolean> {
    for (;;) {
      if (this.failure !== undefined) return false;
      if (this.pending) {
        await this.pending;
        continue;
      }
      if (this.uncovered === 0) return this.unconfirmed === 0;
      this.sendBarrier();
    }
  }

  /** A full batch is answered, or writers wait and some answered writes are not covered yet. */
  private barrierIfDue(): void {
    if (this.uncovered >= this.batch || (this.waiters.length > 0 && this.uncovered > 0))
      this.sendBarrier();
  }

  private sendBarrier(): void {
    if (this.pending || this.uncovered === 0 || this.failure !== undefined) return;
    const covers = this.uncovered;
    this.uncovered = 0;
    this.barriers++;
    this.pending = this.barrier()
      .then(
        (outcome) => {
          if (outcome.applied || outcome.queued) this.reachedGateway = true;
          if (outcome.applied) this.unconfirmed -= covers;
          else this.failure = outcome.why;
        },
        (err: unknown) => {
          this.failure = err instanceof Error ? err.message : String(err);
        },
      )
      .finally(() => {
        this.pending = undefined;
        this.barrierIfDue();
        this.wake();
      });
  }

  private wake(): void {
    const waiters = this.waiters;
    this.waiters = [];
    for (const w of waiters) w();
  }
}
