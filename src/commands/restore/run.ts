/**
 * The `pgsweep restore` run: reads and checks the whole archive first (a problem there is a usage
 * error and nothing is pushed), then restores each gateway's records to it in turn. Returns the
 * result for the CLI to print; logs only what the result does not show.
 */

import type { Config } from '../../config/config.ts';
import type { RequestSettings } from '../../config/credentials.ts';
import { PgsweepError } from '../../core/errors.ts';
import type { Log } from '../../core/log.ts';
import { createClient } from '../../gateway/client.ts';
import type { RestoreGatewayRun, RestoreRun } from '../../output/restore.ts';
import { readArchive } from './archive.ts';
import { restoreGateway, selectRecords } from './restore.ts';

export async function runRestore(
  config: Config,
  request: RequestSettings,
  log: Log,
  signals: { stop: AbortSignal; abandon: AbortSignal },
): Promise<RestoreRun> {
  const path = config.archiveFile ?? '';
  const targets = config.urls.map((u) => u.href);
  const { select, targetOf } = selectRecords(
    targets,
    config.restore.fromGateway,
    config.selectors,
    config.excludes,
  );
  const archive = readArchive(
    path,
    {
      maxLineBytes: config.maxGroupBytes,
      maxKeptBytes: config.maxListingBytes,
      maxKept: config.maxGroups,
    },
    select,
  );
  if (archive.tornLine !== undefined) {
    log.warn(
      { line: archive.tornLine },
      `--archive-file line ${archive.tornLine} is a record cut short (no newline at the end of the file): its write failed, so its group was never deleted; skipped`,
    );
  }
  const other = archive.dropped.get('other-gateway') ?? 0;
  if (other > 0) {
    log.warn(
      { records: other },
      `${other} records were archived from another gateway than --url and are not restored (list them with: jq -r .gateway <file> | sort -u); to restore them to --url, pass --from-gateway <that URL>`,
    );
  }

  const gateways: RestoreGatewayRun[] = [];
  for (const [i, url] of config.urls.entries()) {
    if (signals.stop.aborted) break;
    const records = archive.records.filter((r) => targetOf(r.gateway) === targets[i]);
    const client = createClient({
      url,
      timeoutMs: config.timeoutMs,
      // One listing, then up to --concurrency PUTs at once.
      connections: config.concurrency,
      headers: request.headers,
      tls: request.tls,
      listing: 'json',
      maxGroupBytes: config.maxGroupBytes,
      maxListingBytes: config.maxListingBytes,
      maxGroups: config.maxGroups,
    });
    try {
      const groups = await restoreGateway(
        records,
        client,
        {
          dryRun: config.dryRun,
          overwrite: config.restore.overwrite,
          concurrency: config.concurrency,
        },
        signals,
      );
      gateways.push({ gateway: client.baseUrl, groups });
    } catch (err) {
      if (!(err instanceof PgsweepError)) throw err;
      // The listing's errors speak of deleting; before a restore, nothing was pushed.
      const error = err.message.replaceAll('nothing was deleted', 'nothing was restored');
      gateways.push({ gateway: client.baseUrl, error });
    } finally {
      await client.close();
    }
  }
  return {
    archiveFile: path,
    dryRun: config.dryRun,
    overwrite: config.restore.overwrite,
    gateways,
    records: archive.total,
    superseded: archive.superseded,
    otherGateway: other,
    notSelected: archive.dropped.get('not-selected') ?? 0,
    excluded: archive.dropped.get('excluded') ?? 0,
    interrupted: signals.stop.aborted,
  };
}
