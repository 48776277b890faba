/**
 * The checks only `pgsweep restore` needs: its --archive-file, and --from-gateway's one target.
 * --overwrite and --from-gateway are settings like any other (settings/table.ts) but never
 * config-file keys: a file shared with scheduled sweeps must not make a restore replace live
 * groups or cross gateways. Pure: problems are appended to the caller's list.
 */
import type { GatewayUrl } from '../gateway/base-url.ts';

export interface RestoreConfig {
  /** Replace groups the gateway holds again (skipped by default). */
  readonly overwrite: boolean;
  /** Restore the records archived from this gateway to the one --url. */
  readonly fromGateway: string | undefined;
}

export const RESTORE_DEFAULTS: RestoreConfig = { overwrite: false, fromGateway: undefined };

export function resolveRestore(
  given: {
    readonly overwrite: boolean;
    readonly fromGateway: { readonly value: GatewayUrl; readonly from: string } | undefined;
  },
  archiveFile: string | undefined,
  urls: readonly GatewayUrl[],
  problems: string[],
): RestoreConfig {
  if (archiveFile === undefined) {
    problems.push(
      'pgsweep restore needs --archive-file <path> (or PGSWEEP_ARCHIVE_FILE): the file a sweep wrote with --archive-file',
    );
  } else if (archiveFile === '-') {
    problems.push(
      'pgsweep restore reads --archive-file from a file, not from stdin: save the records to a file first',
    );
  }
  const from = given.fromGateway;
  if (from && urls.length !== 1) {
    problems.push(`${from.from} restores to one gateway: give exactly one --url with it`);
    return { overwrite: given.overwrite, fromGateway: undefined };
  }
  return { overwrite: given.overwrite, fromGateway: from?.value.text };
}
