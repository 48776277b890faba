/** What `pgsweep restore` did with each archived group. Pure data. */
import type { Labels } from '../wire/labels.ts';

export type RestoreOutcome = 'restored' | 'would-restore' | 'skipped' | 'failed';
export type RestoreReason =
  | 'exists'
  | 'replaced'
  | 'conflict'
  | 'never-succeeded'
  | 'interrupted'
  | 'push-failed';

export interface RestoredGroup {
  readonly labels: Labels;
  /** The record's line in the archive file. */
  readonly line: number;
  readonly outcome: RestoreOutcome;
  readonly reason?: RestoreReason;
  readonly detail?: string;
}
