/**
 * What `pgsweep doctor` finds and does: the checks, the problems, the fixes. Shared by the doctor
 * that fills it in and the formatters that print it. Pure data.
 */
import type { Labels } from '../wire/labels.ts';

export const CHECKS = [
  'write-queue',
  'listing',
  'scrape',
  'collisions',
  'phantoms',
  'invalid-utf8-keys',
] as const;
export type CheckName = (typeof CHECKS)[number];

export type ProblemKind =
  | 'write-queue-full'
  | 'unhealthy'
  | 'listing-crash'
  | 'listing-error'
  | 'scrape-error'
  | 'collision'
  | 'phantom'
  | 'invalid-utf8-key';

const CHECK_OF: Readonly<Record<ProblemKind, CheckName>> = {
  'write-queue-full': 'write-queue',
  unhealthy: 'write-queue',
  'listing-crash': 'listing',
  'listing-error': 'listing',
  'scrape-error': 'scrape',
  collision: 'collisions',
  phantom: 'phantoms',
  'invalid-utf8-key': 'invalid-utf8-keys',
};

export interface Problem {
  readonly kind: ProblemKind;
  /** What is wrong and why it matters, in one sentence or two. */
  readonly detail: string;
  /** The group at fault as the listing shows it (invalid bytes as U+FFFD). */
  readonly group?: Labels;
  /** Its exact key bytes from the web UI, when the listing cannot carry them. */
  readonly rawKey?: ReadonlyMap<string, Buffer>;
  /** What --fix deletes (a path relative to the base URL), if it may. */
  readonly fix?: FixTarget;
  /** Why --fix leaves it alone. */
  readonly unfixable?: string;
}

export interface FixTarget {
  readonly path: string;
  /**
   * How to find the group in a later listing: keyId() of its listed labels, and whether it must
   * still be a never-succeeded group there. Undefined for the listing crash (no listing to look in).
   */
  readonly listedKeyId?: string;
}

export interface Check {
  readonly check: CheckName;
  readonly status: 'ok' | 'problem' | 'unknown';
  /** For `unknown`: why it could not be checked. */
  readonly detail?: string;
}

export interface Diagnosis {
  readonly checks: Check[];
  readonly problems: Problem[];
}

export function checkOf(kind: ProblemKind): CheckName {
  return CHECK_OF[kind];
}

export interface FixAction {
  readonly kind: ProblemKind;
  /** The group as reported (exact bytes shown for invalid UTF-8). */
  readonly group: string;
  readonly problem: Problem;
  readonly path: string;
  readonly outcome: 'deleted' | 'failed' | 'skipped';
  readonly detail?: string;
}

export interface DoctorReport {
  readonly gateway: string;
  readonly fix: boolean;
  readonly before: Diagnosis;
  readonly fixes: FixAction[];
  /** The re-check after --fix deleted something. */
  readonly after?: Diagnosis;
  readonly healthy: boolean;
  readonly interrupted: boolean;
}
