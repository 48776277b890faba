/**
 * Each problem doctor can name, built from what the gateway answered: what is wrong, why it matters,
 * and what --fix may delete (never more than the diagnosis proves). Pure.
 */
import type { Problem } from '../../core/doctor-report.ts';
import type { ProbeResult } from '../../gateway/client.ts';
import { describeAccessProblem, isAccessProblem } from '../../gateway/http-errors.ts';
import { snippet } from '../../gateway/http-read.ts';
import { formatLabels, groupPath, keyId, keyProblem } from '../../wire/grouping-key.ts';
import type { ListedGroup } from '../../wire/listing.ts';
import { exposedLabels } from '../../wire/scrape-scan.ts';
import {
  formatRawKey,
  hasInvalidUtf8,
  isLastPushSuccessCrash,
  listedLabelsOf,
  rawGroupPath,
  type UiPage,
} from '../../wire/ui-keys.ts';
import { type GroupScan, isPhantom, type Kept, type Observations } from './observations.ts';

/** What /-/healthy says about the gateway; throws nothing, access problems are handled earlier. */
export function healthProblems(healthy: ProbeResult, baseUrl: string): Problem[] {
  if (healthy.kind === 'network-error') {
    return [
      {
        kind: 'unhealthy',
        detail: `GET ${baseUrl}-/healthy failed: ${healthy.message}`,
        unfixable: 'not a group problem',
      },
    ];
  }
  if (healthy.status === 200) return [];
  if (/write queue is full/.test(healthy.head)) {
    return [
      {
        kind: 'write-queue-full',
        detail:
          "the gateway's write queue (1000 slots) is full: every push and delete waits for a slot. Usually a flood of pushes or a slow persistence disk",
        unfixable: 'deleting groups cannot drain the queue; find what floods the gateway',
      },
    ];
  }
  const body = snippet(healthy.head, 120);
  return [
    {
      kind: 'unhealthy',
      detail: `GET ${baseUrl}-/healthy answered ${healthy.status}${body ? ` (${body})` : ''}`,
      unfixable: 'not a group problem',
    },
  ];
}

/** Placeholder, replaced once all problems are known (see diagnose). */
export const SCRAPE_UNFIXABLE = 'scrape';

export function scrapeProblems(scrape: ProbeResult, baseUrl: string): Problem[] {
  const target = `GET ${baseUrl}metrics`;
  const unfixable = SCRAPE_UNFIXABLE;
  if (scrape.kind === 'network-error') {
    return [{ kind: 'scrape-error', detail: `${target} failed: ${scrape.message}`, unfixable }];
  }
  if (isAccessProblem(scrape.status)) {
    const location = scrape.headers.location;
    return [
      {
        kind: 'scrape-error',
        detail: describeAccessProblem(
          `${baseUrl}metrics`,
          scrape.status,
          typeof location === 'string' ? location : undefined,
        ),
        unfixable: 'not a group problem',
      },
    ];
  }
  if (scrape.status !== 200) {
    const body = snippet(scrape.head, 200);
    return [
      {
        kind: 'scrape-error',
        detail: `${target} answered ${scrape.status}${body ? ` (${body})` : ''}: Prometheus cannot scrape this gateway`,
        unfixable,
      },
    ];
  }
  if (scrape.bytes === 0) {
    return [
      {
        kind: 'scrape-error',
        detail: `${target} answered 200 with an empty page: Prometheus scrapes nothing (a metric family with an empty name does this)`,
        unfixable: 'doctor cannot tell which group holds that family',
      },
    ];
  }
  return [];
}

/** The listing is dead (§3.4): name the group from the web UI, cross-checked with /metrics. */
export function crashProblem(obs: Observations, detail: string): Problem {
  const base = {
    kind: 'listing-crash' as const,
    detail: `${detail}: some group holds a push_failure_time_seconds family with no samples, and the gateway crashes on it in every listing`,
  };
  const ui = obs.ui;
  if (ui === undefined || typeof ui === 'string') {
    return {
      ...base,
      unfixable: `the web UI could not be read${ui ? ` (${ui})` : ''}, so the group is unknown`,
    };
  }
  if (!isLastPushSuccessCrash(ui.templateError)) {
    return {
      ...base,
      detail: `${detail}, but the web UI does not show the LastPushSuccess error of an empty push_failure_time_seconds family`,
      unfixable: 'the cause is not the known one; doctor deletes nothing it cannot name exactly',
    };
  }
  const stop = ui.stoppedAt;
  if (!stop?.labels) {
    return {
      ...base,
      unfixable: `the web UI stops at a group whose key cannot be read exactly${stop?.problem ? ` (${stop.problem})` : ''}`,
    };
  }
  const labels = stop.labels;
  const group = formatLabels(labels);
  // Corroborate with /metrics when it answers: the group has a push_time_seconds series there but
  // no push_failure_time_seconds series (its family is empty).
  if (obs.scrapeScan) {
    const id = keyId(exposedLabels(labels));
    if (!obs.scrapeScan.pushTime.has(id) || obs.scrapeScan.pushFailure.has(id)) {
      return {
        ...base,
        group: labels,
        unfixable: `the web UI names ${group}, but /metrics does not show it with an empty push_failure_time_seconds; doctor deletes nothing it cannot name exactly`,
      };
    }
  }
  return {
    ...base,
    detail: `${detail}: ${group} holds a push_failure_time_seconds family with no samples, and the gateway crashes on it in every listing (the web UI stops there${obs.scrapeScan ? ', and /metrics shows it without push_failure_time_seconds' : ''})`,
    group: labels,
    fix: { path: groupPath(labels) },
  };
}

export function collisionProblems(groups: GroupScan): {
  problems: Problem[];
  covered: Set<ListedGroup>;
} {
  const problems: Problem[] = [];
  const covered = new Set<ListedGroup>();
  for (const { bare, empty } of groups.collisions()) {
    const pair = `${formatLabels(bare.labels)} and ${formatLabels(empty.labels)} both expose their series as ${formatLabels(exposedLabels(bare.labels))}, so /metrics fails and every push is rejected`;
    const sides = [bare, empty].filter((s) => isPhantom(s.group));
    if (sides.length === 0) {
      problems.push({
        kind: 'collision',
        detail: pair,
        group: empty.labels,
        unfixable:
          'both groups have had successful pushes; doctor deletes only never-succeeded groups: delete the one that should not exist',
      });
      continue;
    }
    for (const side of sides) {
      covered.add(side.group);
      problems.push({
        kind: 'collision',
        detail: `${formatLabels(side.labels)} never had a successful push: ${pair}`,
        group: side.labels,
        fix: { path: groupPath(side.labels), listedKeyId: keyId(side.labels) },
      });
    }
  }
  return { problems, covered };
}

/** Keys with U+FFFD in the listing: find their bytes on the web UI. */
export function invalidUtf8Problems(
  lossy: readonly Kept[],
  ui: UiPage | string | undefined,
): { problems: Problem[]; phantoms: Problem[] } {
  const problems: Problem[] = [];
  const phantoms: Problem[] = [];
  const byId = new Map<string, Kept[]>();
  for (const k of lossy) {
    const id = keyId(k.labels);
    byId.set(id, [...(byId.get(id) ?? []), k]);
  }
  for (const [id, listed] of byId) {
    const raws =
      ui === undefined || typeof ui === 'string'
        ? undefined
        : ui.keys.filter((k) => keyId(listedLabelsOf(k.raw)) === id).map((k) => k.raw);
    const labels = listed[0]?.labels ?? {};
    const shown = formatLabels(labels);
    if (!raws || raws.length === 0) {
      for (const k of listed) {
        problems.push({
          kind: 'invalid-utf8-key',
          detail: `${shown} shows U+FFFD in the listing: its key is probably not valid UTF-8, which breaks /metrics and every push`,
          group: k.labels,
          unfixable: raws
            ? 'the web UI shows no Delete button for it, so its exact bytes are unknown'
            : `its exact bytes are only on the web UI, which could not be read${typeof ui === 'string' ? ` (${ui})` : ''}`,
        });
      }
      continue;
    }
    const invalid = raws.filter(hasInvalidUtf8);
    if (invalid.length === 0) {
      // Real U+FFFD characters, not replaced bytes: only a never-succeeded group is a problem.
      for (const [i, k] of listed.entries()) {
        if (!isPhantom(k.group)) continue;
        const raw = raws.length === listed.length ? raws[i] : undefined;
        const path = raw && listed.length === 1 ? rawGroupPath(raw) : undefined;
        phantoms.push(phantomProblem(k, path, raw));
      }
      continue;
    }
    const allPhantoms = listed.every((k) => isPhantom(k.group));
    const exact = raws.length === listed.length && invalid.length === raws.length;
    for (const [i, raw] of invalid.entries()) {
      const k = listed[Math.min(i, listed.length - 1)] ?? listed[0];
      const path = rawGroupPath(raw);
      const base = {
        kind: 'invalid-utf8-key' as const,
        detail: `${formatRawKey(raw)} is not valid UTF-8 (the listing shows ${shown}): it breaks /metrics and every push, and only its exact bytes can delete it`,
        ...(k ? { group: k.labels } : {}),
        rawKey: raw,
      };
      if (!exact) {
        problems.push({
          ...base,
          unfixable: `${listed.length} listed group(s) and ${raws.length} web UI key(s) look like ${shown}; doctor cannot pair them exactly`,
        });
      } else if (!allPhantoms) {
        problems.push({
          ...base,
          unfixable: `it has had a successful push; doctor deletes only never-succeeded groups${path ? `: DELETE ${path} removes it` : ''}`,
        });
      } else if (!path) {
        problems.push({ ...base, unfixable: 'its label names cannot be addressed in a URL' });
      } else {
        problems.push({ ...base, fix: { path, listedKeyId: id } });
      }
    }
  }
  return { problems, phantoms };
}

export function phantomProblem(k: Kept, path?: string, raw?: ReadonlyMap<string, Buffer>): Problem {
  const base = {
    kind: 'phantom' as const,
    detail: `${formatLabels(k.labels)} never had a successful push (push_time_seconds is 0): a rejected first push left it behind`,
    group: k.labels,
    ...(raw ? { rawKey: raw } : {}),
  };
  if (path) return { ...base, fix: { path, listedKeyId: keyId(k.labels) } };
  if (!k.group.labels) {
    return { ...base, unfixable: k.group.keyError ?? 'its grouping key cannot be read exactly' };
  }
  const problem = keyProblem(k.group.labels);
  if (problem) return { ...base, unfixable: problem.detail };
  return { ...base, fix: { path: groupPath(k.group.labels), listedKeyId: keyId(k.labels) } };
}
