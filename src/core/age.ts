/**
 * When did a group last succeed, and how old is it? The age policy lives here alone
 * (spec §3 and §9): push_time_seconds' value is the truth; the failure time is trusted only
 * when push_time_seconds is 0 (a group that never had a successful push), because pushers
 * can write anything into push_failure_time_seconds otherwise.
 */
import { parseGoFloat } from '../wire/go-float.ts';
import type { ListedGroup } from '../wire/listing.ts';

/** Date truncates to whole seconds, so a group pushed within the last second can look future. */
export const FUTURE_TOLERANCE_MS = 1000;

export type AgeResult =
  | { ok: true; ageMs: number; lastPushMs: number; source: 'push_time' | 'push_failure_time' }
  | {
      ok: false;
      reason: 'missing-push-time' | 'invalid-push-time' | 'future-push-time';
      detail: string;
      lastPushMs?: number;
    };

export function groupAge(
  group: Pick<ListedGroup, 'pushTime' | 'pushFailureTime'>,
  nowMs: number,
): AgeResult {
  if (group.pushTime === undefined) {
    return {
      ok: false,
      reason: 'missing-push-time',
      detail: 'the group has no push_time_seconds value',
    };
  }
  const pushed = parseGoFloat(group.pushTime);
  if (!Number.isFinite(pushed) || pushed < 0) {
    return {
      ok: false,
      reason: 'invalid-push-time',
      detail: `push_time_seconds is ${JSON.stringify(group.pushTime)}, not a usable time`,
    };
  }
  let lastSeconds = pushed;
  let source: 'push_time' | 'push_failure_time' = 'push_time';
  if (pushed === 0) {
    // Never succeeded ("phantom" from a rejected first push): the server set the failure time.
    const failed =
      group.pushFailureTime === undefined ? Number.NaN : parseGoFloat(group.pushFailureTime);
    if (!Number.isFinite(failed) || failed <= 0) {
      return {
        ok: false,
        reason: 'invalid-push-time',
        detail: 'the group never had a successful push and has no usable push_failure_time_seconds',
      };
    }
    lastSeconds = failed;
    source = 'push_failure_time';
  }
  const lastPushMs = lastSeconds * 1000;
  const ageMs = nowMs - lastPushMs;
  if (ageMs < -FUTURE_TOLERANCE_MS) {
    return {
      ok: false,
      reason: 'future-push-time',
      detail: `last push is ${Math.round(-ageMs / 1000)}s in the future of the gateway's clock`,
      lastPushMs,
    };
  }
  return { ok: true, ageMs: Math.max(0, ageMs), lastPushMs, source };
}
