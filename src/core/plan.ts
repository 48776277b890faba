/**
 * The pure core: given a listing, a clock and rules, decide what to delete, keep or skip, and why.
 * It never prints, exits or does I/O; the sweep and the tests call it the same way.
 */

import { groupPath, type KeyProblem, keyId, keyProblem } from '../wire/grouping-key.ts';
import type { Labels } from '../wire/labels.ts';
import type { ListedGroup } from '../wire/listing.ts';
import { groupAge } from './age.ts';
import { matchesAny, type Selector } from './matchers.ts';
import { type TtlPolicy, type TtlSource, ttlFor } from './ttl.ts';

/** `ttlMs` is the default TTL; `ttlRules` and declared TTLs refine it per group. */
export interface Rules extends TtlPolicy {
  /** OR-ed; empty means every group is considered. */
  readonly selectors: readonly Selector[];
  /** Any match means never touch. */
  readonly excludes: readonly Selector[];
}

export type Action = 'delete' | 'keep' | 'skip';

/**
 * What a stale group's key needs before it can be deleted exactly (see exact-keys.ts): `bytes`
 * when the listing replaced invalid UTF-8 with U+FFFD (the web UI has the real bytes), `name` when
 * a label name starts with `U__` (the gateway's UTF-8 naming mode decides how to send it).
 */
export type ExactKeyNeed = 'bytes' | 'name';

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
  readonly detail: string | undefined;
  /** Older than the TTL (whether or not it can be deleted). */
  readonly stale: boolean;
  readonly ageMs: number | undefined;
  readonly lastPushMs: number | undefined;
  /** The TTL this group was judged by, and where it came from. */
  readonly ttlMs: number | undefined;
  readonly ttlSource: TtlSource | undefined;
  /** A declared TTL was clamped or unusable. */
  readonly ttlNote: string | undefined;
  /** Raw push_time_seconds, compared verbatim by the re-check. */
  readonly pushTime: string | undefined;
  /** Text listing: delete both `key` and `key` plus `instance=""` (see exposition.ts). */
  readonly ambiguousInstance: boolean;
  /** The group's JSON as first listed, when the archive needs it. */
  readonly raw: string | undefined;
  /** A stale group skipped only because its key needs the gateway's help to be exact. */
  readonly exactKey: ExactKeyNeed | undefined;
}

/** What planGroup learnt about a group's timing; absent parts stay undefined. */
interface Timing {
  readonly ageMs?: number | undefined;
  readonly lastPushMs?: number | undefined;
  readonly ttlMs?: number | undefined;
  readonly ttlSource?: TtlSource | undefined;
  readonly ttlNote?: string | undefined;
}

export function planGroup(group: ListedGroup, nowMs: number, rules: Rules): PlannedGroup {
  const labels = group.labels ?? group.displayLabels;
  // Every plan has all fields, so all share one object shape: this runs once per listed group.
  const plan = (
    action: Action,
    reason: Reason,
    stale: boolean,
    detail: string | undefined,
    timing: Timing = {},
    // False for a key that cannot be rebuilt exactly: such a group has no key to delete by.
    keyKnown = true,
    exactKey: ExactKeyNeed | undefined = undefined,
  ): PlannedGroup => ({
    labels,
    key: keyKnown ? group.labels : undefined,
    action,
    reason,
    detail,
    stale,
    ageMs: timing.ageMs,
    lastPushMs: timing.lastPushMs,
    ttlMs: timing.ttlMs,
    ttlSource: timing.ttlSource,
    ttlNote: timing.ttlNote,
    pushTime: group.pushTime,
    ambiguousInstance: group.ambiguousInstance === true,
    raw: group.raw,
    exactKey,
  });

  if (rules.excludes.length > 0 && matchesAny(labels, rules.excludes))
    return plan('keep', 'excluded', false, undefined);
  if (rules.selectors.length > 0 && !matchesAny(labels, rules.selectors))
    return plan('keep', 'not-selected', false, undefined);

  const age = groupAge(group, nowMs);
  if (!age.ok) {
    if (age.reason === 'future-push-time')
      return plan('keep', 'future-push-time', false, age.detail, { lastPushMs: age.lastPushMs });
    return plan('skip', age.reason, false, age.detail);
  }
  const ttl = ttlFor(labels, group.declaredTtl, rules);
  const timing: Timing = {
    ageMs: age.ageMs,
    lastPushMs: age.lastPushMs,
    ttlMs: ttl.ttlMs,
    ttlSource: ttl.source,
    ttlNote: ttl.note,
  };
  if (age.ageMs <= ttl.ttlMs) return plan('keep', 'fresh', false, undefined, timing);

  const problem = group.labels ? keyProblem(group.labels) : undefined;
  if (!group.labels || problem) {
    const detail =
      problem?.detail ?? group.keyError ?? 'the grouping key cannot be rebuilt exactly';
    return plan('skip', 'key-unrecoverable', true, detail, timing, false, exactKeyNeed(problem));
  }
  return plan('delete', 'stale', true, undefined, timing);
}

function exactKeyNeed(problem: KeyProblem | undefined): ExactKeyNeed | undefined {
  if (problem?.code === 'lossy-value') return 'bytes';
  if (problem?.code === 'escaped-name') return 'name';
  return undefined;
}

/**
 * `delete` also for a group whose key was made exact with the gateway's help, as the first plan's
 * was; `ambiguous` when two listed groups answer to one candidate (the caller decides that).
 */
export type RecheckVerdict = 'delete' | 'gone' | 'repushed' | 'not-stale' | 'ambiguous';

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
  const p = planGroup(again, nowMs, rules);
  return p.action === 'delete' || p.exactKey !== undefined ? 'delete' : 'not-stale';
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
  if (!group.labels) return undefined;
  const problem = keyProblem(group.labels);
  if (!problem) return index.get(groupPath(group.labels));
  // A key made exact with the gateway's help is indexed by its listed form (exactMatchKey).
  if (exactKeyNeed(problem)) return index.get(exactMatchKey(group.labels));
  // Any other key that cannot be addressed exactly has no path of its own to match.
  return undefined;
}

/**
 * How a group whose key needed the gateway's help is found in later listings: by its labels as
 * listed (U+FFFD included). Never equal to a DELETE path, which starts with `metrics/`.
 */
export function exactMatchKey(listed: Labels): string {
  return `listed:${keyId(listed)}`;
}
