/**
 * The pure core: given a listing, a clock and rules, decide what to delete, keep or skip, and why.
 * It never prints, exits or does I/O; the sweep and the tests call it the same way.
 */
import { groupAge } from './age.ts';
import { groupPath, keyProblem } from './grouping-key.ts';
import type { ListedGroup } from './listing.ts';
import { type Labels, matchesAny, type Selector } from './matchers.ts';
import { type TtlPolicy, type TtlSource, ttlFor } from './ttl.ts';

/** `ttlMs` is the default TTL; `ttlRules` and declared TTLs refine it per group. */
export interface Rules extends TtlPolicy {
  /** OR-ed; empty means every group is considered. */
  readonly selectors: readonly Selector[];
  /** Any match means never touch. */
  readonly excludes: readonly Selector[];
}

export type Action = 'delete' | 'keep' | 'skip';

export type Reason =
  | 'stale'
  | 'fresh'
  | 'excluded'
  | 'not-selected'
  | 'future-push-time'
  | 'missing-push-time'
  | 'invalid-push-time'
  | 'key-unrecoverable';

export interface PlannedGroup {
  /** Labels to show; equal to `key` when the key is known. */
  readonly labels: Labels;
  /** The exact grouping key; present whenever action is 'delete'. */
  readonly key: Labels | undefined;
  readonly action: Action;
  readonly reason: Reason;
  readonly detail?: string;
  /** Older than the TTL (whether or not it can be deleted). */
  readonly stale: boolean;
  readonly ageMs?: number;
  readonly lastPushMs?: number;
  /** The TTL this group was judged by, and where it came from. */
  readonly ttlMs?: number;
  readonly ttlSource?: TtlSource;
  /** A declared TTL was clamped or unusable. */
  readonly ttlNote?: string;
  /** Raw push_time_seconds, compared verbatim by the re-check. */
  readonly pushTime: string | undefined;
  /** Text listing: delete both `key` and `key` plus `instance=""` (see exposition.ts). */
  readonly ambiguousInstance?: boolean;
  /** The group's JSON as first listed, when the archive needs it. */
  readonly raw?: string;
}

export function planGroup(group: ListedGroup, nowMs: number, rules: Rules): PlannedGroup {
  const labels = group.labels ?? group.displayLabels;
  const base = {
    labels,
    key: group.labels,
    pushTime: group.pushTime,
    ...(group.ambiguousInstance ? { ambiguousInstance: true } : {}),
    ...(group.raw === undefined ? {} : { raw: group.raw }),
  };
  const keep = (reason: Reason, extra: Partial<PlannedGroup> = {}): PlannedGroup => ({
    ...base,
    action: 'keep',
    reason,
    stale: false,
    ...extra,
  });

  if (rules.excludes.length > 0 && matchesAny(labels, rules.excludes)) return keep('excluded');
  if (rules.selectors.length > 0 && !matchesAny(labels, rules.selectors))
    return keep('not-selected');

  const age = groupAge(group, nowMs);
  if (!age.ok) {
    if (age.reason === 'future-push-time') {
      return keep('future-push-time', {
        detail: age.detail,
        ...(age.lastPushMs === undefined ? {} : { lastPushMs: age.lastPushMs }),
      });
    }
    return { ...base, action: 'skip', reason: age.reason, detail: age.detail, stale: false };
  }
  const ttl = ttlFor(labels, group.declaredTtl, rules);
  const timing = {
    ageMs: age.ageMs,
    lastPushMs: age.lastPushMs,
    ttlMs: ttl.ttlMs,
    ttlSource: ttl.source,
    ...(ttl.note === undefined ? {} : { ttlNote: ttl.note }),
  };
  if (age.ageMs <= ttl.ttlMs) return keep('fresh', timing);

  const problem = group.labels ? keyProblem(group.labels) : undefined;
  if (!group.labels || problem) {
    return {
      ...base,
      ...timing,
      key: undefined,
      action: 'skip',
      reason: 'key-unrecoverable',
      detail: problem?.detail ?? group.keyError ?? 'the grouping key cannot be rebuilt exactly',
      stale: true,
    };
  }
  return { ...base, ...timing, action: 'delete', reason: 'stale', stale: true };
}

export type RecheckVerdict = 'delete' | 'gone' | 'repushed' | 'not-stale';

/**
 * Narrows the GET-to-DELETE race (spec §7): a candidate is deleted only if a second listing still
 * shows it with the identical push_time_seconds string and it is still stale by that listing's
 * clock. `again` is its entry in that listing, undefined when it is not there.
 */
export function recheckVerdict(
  candidate: Pick<PlannedGroup, 'pushTime'>,
  again: ListedGroup | undefined,
  nowMs: number,
  rules: Rules,
): RecheckVerdict {
  if (!again) return 'gone';
  if (again.pushTime !== candidate.pushTime) return 'repushed';
  return planGroup(again, nowMs, rules).action === 'delete' ? 'delete' : 'not-stale';
}

export type ConfirmState = 'gone' | 'repushed' | 'pending';

/** One deleted group against its entry in a later listing (undefined when it is not there). */
export function confirmVerdict(
  deleted: Pick<PlannedGroup, 'pushTime'>,
  now: ListedGroup | undefined,
): ConfirmState {
  if (!now) return 'gone';
  return now.pushTime === deleted.pushTime ? 'pending' : 'repushed';
}

/**
 * Groups by their exact DELETE path (groupPath), to find them again in a later listing as it
 * streams past (findCandidate). Items without a path are left out: they are never deleted.
 */
export function candidateIndex<T>(
  items: readonly T[],
  pathOf: (item: T) => string | undefined,
): Map<string, T> {
  const index = new Map<string, T>();
  for (const item of items) {
    const path = pathOf(item);
    if (path !== undefined) index.set(path, item);
  }
  return index;
}

/** The indexed group a listed group is, if any: the same exact key, whatever the label order. */
export function findCandidate<T>(index: ReadonlyMap<string, T>, group: ListedGroup): T | undefined {
  // A key that cannot be addressed exactly has no path of its own to match.
  if (!group.labels || keyProblem(group.labels)) return undefined;
  return index.get(groupPath(group.labels));
}
