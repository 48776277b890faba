/**
 * `pgsweep restore`: puts archived groups back, each with a PUT to its exact key, so the group is
 * exactly its archived state (the gateway sets push_time_seconds to the time of the restore).
 * Never prints. Decisions (docs/reference.md: Restore):
 * - each record goes back to the gateway it was archived from; --from-gateway maps one other;
 * - a key the gateway holds again (re-pushed since the sweep) is newer data: skipped unless
 *   --overwrite;
 * - a key whose `instance=""` twin is in the gateway is skipped even with --overwrite: the two
 *   cannot both be healthy, and a rejected push to a new key leaves a phantom (spec §4.7);
 * - a group that never had a successful push held nothing to restore: skipped.
 */

import { mapLimit } from '../../core/concurrency.ts';
import { matchesAny, type Selector } from '../../core/matchers.ts';
import type { RestoredGroup } from '../../core/restore-report.ts';
import { parseBaseUrl } from '../../gateway/base-url.ts';
import type { GatewayClient } from '../../gateway/client.ts';
import { formatLabels, groupPath, keyId } from '../../wire/grouping-key.ts';
import type { Labels } from '../../wire/labels.ts';
import type { ArchivedRecord, Select } from './archive.ts';

export interface RestoreOptions {
  readonly dryRun: boolean;
  readonly overwrite: boolean;
  readonly concurrency: number;
}

/** A gateway URL as `--url` normalises it, or the text itself when it is not one. */
export function gatewayId(url: string): string {
  try {
    return parseBaseUrl(url).href;
  } catch {
    return url;
  }
}

/**
 * Which records a run restores, and to which of `targets` (normalised --url values): those
 * archived from that gateway, or with `from` (--from-gateway, one target only) those archived
 * from `from`; then --selector and --exclude as in a sweep.
 */
export function selectRecords(
  targets: readonly string[],
  from: string | undefined,
  selectors: readonly Selector[],
  excludes: readonly Selector[],
): { select: Select; targetOf: (gateway: string) => string | undefined } {
  const fromId = from === undefined ? undefined : gatewayId(from);
  const targetOf = (gateway: string): string | undefined => {
    const id = gatewayId(gateway);
    if (fromId !== undefined) return id === fromId ? targets[0] : undefined;
    return targets.includes(id) ? id : undefined;
  };
  const select: Select = (gateway, labels) => {
    if (targetOf(gateway) === undefined) return 'other-gateway';
    if (selectors.length > 0 && !matchesAny(labels, selectors)) return 'not-selected';
    if (matchesAny(labels, excludes)) return 'excluded';
    return undefined;
  };
  return { select, targetOf };
}

/** `{job=x}` and `{job=x, instance=""}` name different groups that expose the same series. */
function twinOf(labels: Labels): Labels | undefined {
  if (!Object.hasOwn(labels, 'instance')) return { ...labels, instance: '' };
  if (labels.instance !== '') return undefined;
  const { instance: _, ...rest } = labels;
  return rest;
}

/** The keys the gateway holds now; a key only recoverable up to `instance=""` counts both ways. */
async function keysNow(client: GatewayClient, signal: AbortSignal): Promise<Set<string>> {
  const listing = await client.list(signal);
  const keys = new Set<string>();
  for await (const g of listing.groups) {
    const labels = g.labels ?? g.displayLabels;
    keys.add(keyId(labels));
    if (g.labels === undefined) {
      const twin = twinOf(labels);
      if (twin) keys.add(keyId(twin));
    }
  }
  return keys;
}

/** Restores one gateway's records (already chosen and rebuilt); pushes nothing in a dry run. */
export async function restoreGateway(
  records: readonly ArchivedRecord[],
  client: GatewayClient,
  options: RestoreOptions,
  signals: { stop: AbortSignal; abandon: AbortSignal },
): Promise<RestoredGroup[]> {
  // Listed before anything is pushed: a listing that fails stops the run with nothing pushed.
  const existing = await keysNow(client, signals.abandon);
  const pushTimes = new Map<string, number>();
  for (const r of records) if (r.pushTime > 0) pushTimes.set(keyId(r.labels), r.pushTime);

  const plan = (r: ArchivedRecord): RestoredGroup | undefined => {
    const base = { labels: r.labels, line: r.line };
    if (r.pushTime === 0) {
      const detail = 'the archived group never had a successful push: it held nothing to restore';
      return { ...base, outcome: 'skipped', reason: 'never-succeeded', detail };
    }
    const twin = twinOf(r.labels);
    const twinId = twin ? keyId(twin) : undefined;
    if (twin && twinId !== undefined) {
      const twinArchived = pushTimes.get(twinId);
      if (existing.has(twinId) || (twinArchived !== undefined && twinArchived >= r.pushTime)) {
        const where = existing.has(twinId) ? 'the gateway holds' : 'a newer record restores';
        const detail = `${where} ${formatLabels(twin)}, which exposes the same series: both cannot be pushed`;
        return { ...base, outcome: 'skipped', reason: 'conflict', detail };
      }
    }
    if (existing.has(keyId(r.labels)) && !options.overwrite) {
      const detail =
        'the gateway holds this group again (pushed since it was archived); --overwrite replaces it';
      return { ...base, outcome: 'skipped', reason: 'exists', detail };
    }
    return undefined;
  };

  return mapLimit(records, options.concurrency, async (r): Promise<RestoredGroup> => {
    const skip = plan(r);
    if (skip) return skip;
    const replaces = existing.has(keyId(r.labels));
    const base = {
      labels: r.labels,
      line: r.line,
      ...(replaces
        ? {
            reason: 'replaced' as const,
            detail: 'replaces the group the gateway held (--overwrite)',
          }
        : {}),
    };
    if (options.dryRun) return { ...base, outcome: 'would-restore' };
    if (signals.stop.aborted) {
      return { ...base, outcome: 'skipped', reason: 'interrupted', detail: 'pgsweep was stopping' };
    }
    const result = await client.put(groupPath(r.labels), r.body, signals.abandon);
    if (result.status === 200) return { ...base, outcome: 'restored' };
    if (result.status === 202) {
      const detail = 'queued unchecked (the gateway runs with --push.disable-consistency-check)';
      return { ...base, outcome: 'restored', detail };
    }
    const answer =
      result.status === 0
        ? result.detail
        : result.status >= 300 && result.status < 400
          ? `answered ${result.status} (a redirect, never followed: check --url)`
          : `answered ${result.status}${result.detail ? ` (${result.detail})` : ''}`;
    // A rejected push to a new key leaves a never-succeeded group behind (spec §3.1).
    const phantom =
      result.status === 400 && !replaces
        ? '; the gateway may now hold a never-succeeded group under this key (pgsweep doctor --fix removes it)'
        : '';
    return { ...base, outcome: 'failed', reason: 'push-failed', detail: `PUT ${answer}${phantom}` };
  });
}
