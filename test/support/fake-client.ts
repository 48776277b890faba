/**
 * An in-memory GatewayClient for unit tests of the sweep's orchestration: a store of groups, a
 * write queue that a barrier (or the next listing) applies, and scripts for the answers a test
 * wants to control. It records every call, so a test can say what was and was not sent.
 */

import { type SweepHooks, type SweepOptions, sweep } from '../../src/commands/sweep/sweep.ts';
import { GatewayError } from '../../src/core/errors.ts';
import type { GroupReport, SweepReport } from '../../src/core/sweep-report.ts';
import {
  BARRIER_PATH,
  type BarrierOutcome,
  type DeleteResult,
  type GatewayClient,
  type Listing,
  type ProbeResult,
  type PushResult,
} from '../../src/gateway/client.ts';
import { groupPath } from '../../src/wire/grouping-key.ts';
import type { Labels } from '../../src/wire/labels.ts';
import type { ListedGroup } from '../../src/wire/listing.ts';

/** The gateway's clock in every test: a whole second, as a Date header carries. */
export const NOW_MS = 1_795_618_688_000;
export const MINUTE = 60_000;
export const HOUR = 60 * MINUTE;

/** push_time_seconds as the gateway writes it, for a push `ageMs` before NOW_MS. */
export function pushTimeAgo(ageMs: number, nowMs = NOW_MS): string {
  return String((nowMs - ageMs) / 1000);
}

/** One group as the JSON listing parser hands it over (see listing.ts). */
export function listed(labels: Labels, pushTime: string | undefined): ListedGroup {
  return { labels, displayLabels: labels, keySource: 'labels', pushTime, pushFailureTime: '0' };
}

/** How the fake answers one DELETE. `apply` (default: status 202) queues the removal. */
export interface DeleteAnswer {
  readonly status: number;
  readonly body?: string;
  readonly attempts?: number;
  /** false: answered 202 but never reaches the store (say, a proxy answered for the gateway). */
  readonly apply?: boolean;
}

/** `n` counts DELETEs from 1. May throw (a transport error) or never settle (until aborted). */
export type DeleteScript = (path: string, n: number) => DeleteAnswer | Promise<DeleteAnswer>;

/** Called as listing `n` (from 1) is asked for: change the store (re-push, remove) or throw. */
export type ListScript = (n: number) => void;

/** Rewrites what listing `n` shows (duplicates, junk) without touching the store. */
export type ListRewrite = (n: number, groups: ListedGroup[]) => ListedGroup[];

export interface FakeCalls {
  lists: number;
  /** Every DELETE path in the order sent, the barrier group's included. */
  readonly deletes: string[];
  barriers: number;
  healthy: number;
}

export class FakeGateway implements GatewayClient {
  readonly baseUrl = 'http://gateway.test/';
  readonly maxLineBytes = 1 << 20;
  readonly maxBodyBytes = 64 << 20;
  readonly calls: FakeCalls = { lists: 0, deletes: [], barriers: 0, healthy: 0 };
  /** The gateway's clock, sent as Date. */
  nowMs = NOW_MS;
  onList: ListScript | undefined;
  rewriteList: ListRewrite | undefined;
  onDelete: DeleteScript | undefined;
  /** `unusable`: the barrier's answer proves nothing (a gateway that accepts timestamps). */
  barrierMode: 'applies' | 'unusable' = 'applies';
  /** Whether the next listing applies queued deletes (without a barrier, the writer's own pace). */
  applyOnList = true;
  health = 200;
  private readonly store = new Map<string, ListedGroup>();
  private readonly queue: string[] = [];

  /** Stores (or replaces, as a push does) a group last pushed `ageMs` ago. */
  seed(labels: Labels, ageMs: number): this {
    return this.seedGroup(listed(labels, pushTimeAgo(ageMs, this.nowMs)));
  }

  /** Stores a group exactly as given (odd push times, unreadable keys). */
  seedGroup(group: ListedGroup): this {
    this.store.set(groupPath(group.labels ?? group.displayLabels), group);
    return this;
  }

  remove(labels: Labels): void {
    this.store.delete(groupPath(labels));
  }

  has(labels: Labels): boolean {
    return this.store.has(groupPath(labels));
  }

  /** The DELETEs of groups, without the barrier group's clean-up. */
  get groupDeletes(): string[] {
    return this.calls.deletes.filter((p) => p !== BARRIER_PATH);
  }

  async list(signal?: AbortSignal): Promise<Listing> {
    signal?.throwIfAborted();
    const n = ++this.calls.lists;
    this.onList?.(n);
    // Stopped while the gateway built its answer: the body is never read.
    signal?.throwIfAborted();
    if (this.applyOnList) this.applyQueue();
    const snapshot = [...this.store.values()];
    const groups = this.rewriteList?.(n, snapshot) ?? snapshot;
    const stats = { bytes: 0, groups: 0 };
    async function* stream(): AsyncGenerator<ListedGroup> {
      for (const g of groups) {
        stats.groups++;
        yield g;
      }
    }
    return { date: { ok: true, ms: this.nowMs }, dateMs: this.nowMs, groups: stream(), stats };
  }

  async deleteGroup(path: string, signal?: AbortSignal): Promise<DeleteResult> {
    signal?.throwIfAborted();
    this.calls.deletes.push(path);
    const answer = await abortable(
      Promise.resolve(this.onDelete?.(path, this.calls.deletes.length) ?? { status: 202 }),
      signal,
    );
    if (answer.apply ?? answer.status === 202) this.queue.push(path);
    return { status: answer.status, body: answer.body ?? '', attempts: answer.attempts ?? 1 };
  }

  async healthy(): Promise<number> {
    this.calls.healthy++;
    return this.health;
  }

  /** Applies every queued write first, as the gateway's single writer would, then answers. */
  async barrier(): Promise<BarrierOutcome> {
    this.calls.barriers++;
    if (this.barrierMode === 'unusable')
      return { applied: false, why: 'the push was accepted (200)', queued: true };
    this.applyQueue();
    // The rejected push leaves its phantom group behind (client.ts, BARRIER_PATH).
    this.seedGroup({ ...listed({ job: 'pgsweep_barrier' }, '0'), pushFailureTime: pushTimeAgo(0) });
    return { applied: true };
  }

  async close(): Promise<void> {}

  /** The sweep reads pages only to resolve unreadable keys; here no page is reachable. */
  async get(): Promise<ProbeResult> {
    return {
      kind: 'network-error',
      code: 'ECONNREFUSED',
      message: 'no pages in the fake',
      midBody: false,
    };
  }

  async push(): Promise<PushResult> {
    throw new Error('FakeGateway: the sweep never pushes metrics');
  }

  async put(): Promise<PushResult> {
    throw new Error('FakeGateway: the sweep never restores groups');
  }

  private applyQueue(): void {
    for (const path of this.queue.splice(0)) this.store.delete(path);
  }
}

/** A promise that rejects when `signal` aborts first, as an HTTP request given up would. */
function abortable<T>(p: Promise<T>, signal: AbortSignal | undefined): Promise<T> {
  if (!signal) return p;
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(new GatewayError('request aborted'));
    signal.addEventListener('abort', onAbort, { once: true });
    p.then(resolve, reject).finally(() => signal.removeEventListener('abort', onAbort));
  });
}

/** A Log that keeps every line, to assert on warnings and errors. */
export function recordingLog() {
  const lines: Array<{ level: string; msg: string; obj: Record<string, unknown> }> = [];
  const at =
    (level: string) =>
    (obj: Record<string, unknown>, msg: string): void => {
      lines.push({ level, msg, obj });
    };
  return {
    lines,
    log: { debug: at('debug'), info: at('info'), warn: at('warn'), error: at('error') },
    /** Messages at `level`. */
    at(level: string): string[] {
      return lines.filter((l) => l.level === level).map((l) => l.msg);
    },
  };
}

/** A real-run sweep with a 1h TTL, no guards and the re-check on, as the CLI's defaults are. */
export function sweepOptions(over: Partial<SweepOptions> = {}): SweepOptions {
  return {
    ttlMs: HOUR,
    selectors: [],
    excludes: [],
    dryRun: false,
    recheck: true,
    concurrency: 4,
    confirmTimeoutMs: 5000,
    ...over,
  };
}

/** Runs one sweep against `gateway` on its own clock, recording the log. */
export async function runSweep(
  gateway: FakeGateway,
  over: Partial<SweepOptions> = {},
  hooks: SweepHooks = {},
) {
  const recorded = recordingLog();
  const report = await sweep(gateway, sweepOptions(over), recorded.log, {
    localNow: () => gateway.nowMs,
    ...hooks,
  });
  return { report, ...recorded };
}

/** The reported group with exactly these labels, or undefined when it is not reported. */
export function reported(report: SweepReport, labels: Labels): GroupReport | undefined {
  const id = groupPath(labels);
  return report.groups.find((g) => groupPath(g.labels) === id);
}

/** `outcome/reason` of the reported group with these labels, for compact assertions. */
export function verdictOf(report: SweepReport, labels: Labels): string | undefined {
  const g = reported(report, labels);
  return g && `${g.outcome}/${g.reason}`;
}
