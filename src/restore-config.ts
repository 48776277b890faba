/**
 * Settings only `pgsweep restore` takes: --overwrite and --from-gateway, and its need for
 * --archive-file. Both come from a flag or its PGSWEEP_* variable, never from a config file: a file
 * shared with scheduled sweeps must not make a restore replace live groups or cross gateways.
 * Pure: problems are appended to the caller's list.
 */
import type { GatewayUrl } from './base-url.ts';
import { boolean, url } from './validate.ts';

export interface RestoreConfig {
  /** Replace groups the gateway holds again (skipped by default). */
  readonly overwrite: boolean;
  /** Restore the records archived from this gateway to the one --url. */
  readonly fromGateway: string | undefined;
}

export interface RestoreFlags {
  overwrite?: boolean;
  fromGateway?: string;
}

export const RESTORE_DEFAULTS: RestoreConfig = { overwrite: false, fromGateway: undefined };

type Env = Readonly<Record<string, string | undefined>>;

export function resolveRestore(
  flags: RestoreFlags,
  env: Env,
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
  let overwrite = flags.overwrite ?? false;
  const envOverwrite = env.PGSWEEP_OVERWRITE;
  if (flags.overwrite === undefined && envOverwrite) {
    const parsed = boolean(envOverwrite);
    if (parsed.ok) overwrite = parsed.value;
    else problems.push(`PGSWEEP_OVERWRITE=${parsed.error}`);
  }
  const fromText = flags.fromGateway ?? (env.PGSWEEP_FROM_GATEWAY || undefined);
  const from = flags.fromGateway !== undefined ? '--from-gateway' : 'PGSWEEP_FROM_GATEWAY';
  let fromGateway: string | undefined;
  if (fromText !== undefined) {
    const parsed = url(fromText);
    if (!parsed.ok) problems.push(`${from}: ${parsed.error}`);
    else if (urls.length !== 1) {
      problems.push(`${from} restores to one gateway: give exactly one --url with it`);
    } else fromGateway = parsed.value.text;
  }
  return { overwrite, fromGateway };
}
