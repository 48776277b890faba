/**
 * `pgsweep doctor [--fix]` for one gateway: probes it (`/-/healthy`, the JSON listing through
 * src/gateway/client.ts, `/metrics`, and the web UI when needed), diagnoses it (src/commands/doctor/diagnose.ts) and, with
 * --fix, deletes exactly the groups the diagnosis names, at once and without any TTL, then checks
 * again. Never-succeeded groups are re-checked in a fresh listing just before their DELETE, so a
 * group that has meanwhile had a successful push is left alone.
 */

import { setTimeout as sleep } from 'node:timers/promises';
import { formatByteSize } from '../../core/byte-size.ts';
import type { Diagnosis, DoctorReport, FixAction, Problem } from '../../core/doctor-report.ts';
import { GatewayError, PgsweepError } from '../../core/errors.ts';
import type { Log } from '../../core/log.ts';
import type { GatewayClient, Probe, ProbeResult } from '../../gateway/client.ts';
import { describeAccessProblem, isAccessProblem } from '../../gateway/http-errors.ts';
import { headerValue } from '../../gateway/http-read.ts';
import { formatLabels, keyId } from '../../wire/grouping-key.ts';
import { type ScrapeScan, ScrapeScanner } from '../../wire/scrape-scan.ts';
import {
  formatRawKey,
  isLastPushSuccessCrash,
  type UiPage,
  UiPageScanner,
} from '../../wire/ui-keys.ts';
import { diagnose, needsUi } from './diagnose.ts';
import { GroupScan, isPhantom, type ListingObservation } from './observations.ts';

/** Fix, re-check, and fix what the re-check revealed (e.g. phantoms behind a dead listing). */
export const MAX_FIX_ROUNDS = 4;

export interface DoctorOptions {
  readonly fix: boolean;
  /** How long to wait for queued DELETEs to show as applied. */
  readonly confirmTimeoutMs: number;
}

export interface DoctorSignals {
  /** Aborted on SIGINT/SIGTERM: start no new request. */
  readonly stop?: AbortSignal;
  /** Aborted a little later: give up on requests in flight. */
  readonly abandon?: AbortSignal;
}

/** Connection closed with no reply: how the §3.4 panic looks from outside. */
const CRASH_CODES = new Set(['UND_ERR_SOCKET', 'ECONNRESET', 'UND_ERR_CLOSED']);

export async function doctorGateway(
  client: GatewayClient,
  probe: Probe,
  options: DoctorOptions,
  log: Log,
  signals: DoctorSignals = {},
): Promise<DoctorReport> {
  const before = await observe(client, probe, log, signals.stop);
  const fixes: FixAction[] = [];
  let current = before;
  let after: Diagnosis | undefined;
  for (let round = 0; options.fix && round < MAX_FIX_ROUNDS; round++) {
    if (signals.stop?.aborted) break;
    const targets = current.problems.filter((p) => p.fix);
    if (targets.length === 0) break;
    const actions = await fixRound(client, probe, targets, options, log, signals);
    fixes.push(...actions);
    if (signals.stop?.aborted) break;
    current = await observe(client, probe, log, signals.stop);
    after = current;
    if (!actions.some((a) => a.outcome === 'deleted')) break;
  }
  const final = after ?? before;
  return {
    gateway: probe.baseUrl,
    fix: options.fix,
    before,
    fixes,
    ...(after ? { after } : {}),
    healthy: final.problems.length === 0,
    interrupted: signals.stop?.aborted === true,
  };
}

/** One look at the gateway. Throws GatewayError only when it cannot be examined at all. */
async function observe(
  client: GatewayClient,
  probe: Probe,
  log: Log,
  signal?: AbortSignal,
): Promise<Diagnosis> {
  const base = probe.baseUrl;
  const healthy = await probe.get('-/healthy', { maxBytes: 4096, ...(signal ? { signal } : {}) });
  if (healthy.kind === 'network-error') {
    throw new GatewayError(`GET ${base}-/healthy failed: ${healthy.message}`);
  }
  if (isAccessProblem(healthy.status)) {
    throw new GatewayError(
      describeAccessProblem(
        `${base}-/healthy`,
        healthy.status,
        headerValue(healthy.headers.location),
      ),
    );
  }

  const listing = await readListing(client, probe, signal);
  // The push gauges are only needed to cross-check a dead listing; nothing else is kept.
  const scanner = new ScrapeScanner({
    perJob: false,
    pushGauges: listing.kind === 'crash',
    maxLineBytes: probe.maxLineBytes,
  });
  const scrape = await probe.get('metrics', {
    onChunk: (c) => scanner.push(c),
    ...(signal ? { signal } : {}),
  });
  const scrapeScan: ScrapeScan | undefined =
    scrape.kind === 'response' && scrape.status === 200 && !scrape.truncated
      ? scanner.finish()
      : undefined;
  const ui = needsUi(listing) ? await readUi(probe, signal) : undefined;
  const diagnosis = diagnose({
    healthy,
    listing,
    scrape,
    ...(scrapeScan ? { scrapeScan } : {}),
    ...(ui === undefined ? {} : { ui }),
    baseUrl: base,
  });
  // Debug: the report (table or JSON) lists each problem; logging them too printed each twice.
  for (const p of diagnosis.problems) log.debug({ problem: p.kind }, p.detail);
  return diagnosis;
}

async function readListing(
  client: GatewayClient,
  probe: Probe,
  signal?: AbortSignal,
): Promise<ListingObservation> {
  const groups = new GroupScan();
  try {
    const listing = await client.list(signal);
    for await (const g of listing.groups) groups.add(g);
    return { kind: 'ok', groups };
  } catch (err) {
    if (!(err instanceof PgsweepError) || signal?.aborted) throw err;
    // Ask once more, raw, to tell the §3.4 crash (no reply at all) from other failures.
    const again = await probe.get('api/v1/metrics', {
      maxBytes: 4096,
      ...(signal ? { signal } : {}),
    });
    if (again.kind === 'network-error' && !again.midBody && CRASH_CODES.has(again.code ?? '')) {
      return {
        kind: 'crash',
        detail: `GET ${probe.baseUrl}api/v1/metrics closes the connection without a reply`,
      };
    }
    if (again.kind === 'response' && isAccessProblem(again.status)) throw err;
    return { kind: 'error', detail: err.message };
  }
}

async function readUi(probe: Probe, signal?: AbortSignal): Promise<UiPage | string> {
  const scanner = new UiPageScanner(undefined, probe.maxLineBytes);
  const res: ProbeResult = await probe.get('', {
    onChunk: (c) => scanner.push(c),
    ...(signal ? { signal } : {}),
  });
  if (res.kind === 'network-error') return `GET ${probe.baseUrl} failed: ${res.message}`;
  if (res.status !== 200) return `GET ${probe.baseUrl} answered ${res.status}`;
  if (res.truncated) {
    return `GET ${probe.baseUrl}: the web UI page is larger than --max-listing-bytes ${formatByteSize(probe.maxBodyBytes)}`;
  }
  return scanner.finish();
}

function describeGroup(p: Problem): string {
  if (p.rawKey) return formatRawKey(p.rawKey);
  return p.group ? formatLabels(p.group) : '(unknown group)';
}

async function fixRound(
  client: GatewayClient,
  probe: Probe,
  targets: Problem[],
  options: DoctorOptions,
  log: Log,
  signals: DoctorSignals,
): Promise<FixAction[]> {
  const actions: FixAction[] = [];
  const crash = targets.filter((p) => p.fix && p.fix.listedKeyId === undefined);
  const groups = targets.filter((p) => p.fix?.listedKeyId !== undefined);

  // The listing crash first: nothing else can be checked exactly until the listing works.
  for (const p of crash) {
    if (signals.stop?.aborted) break;
    const action = await deleteOne(client, p, log, signals.abandon);
    if (action.outcome === 'deleted') {
      const gone = await waitForListing(probe, p, options.confirmTimeoutMs, signals.stop);
      actions.push(
        gone
          ? action
          : {
              ...action,
              outcome: 'failed',
              detail: `the gateway accepted the DELETE but still crashes on this group after ${options.confirmTimeoutMs / 1000}s`,
            },
      );
    } else actions.push(action);
  }
  if (crash.length > 0 || groups.length === 0 || signals.stop?.aborted) return actions;

  // Re-check in a fresh listing: delete only what is still a never-succeeded group right now.
  const still = await phantomCounts(client, signals.stop);
  const sent: FixAction[] = [];
  for (const p of groups) {
    const id = p.fix?.listedKeyId ?? '';
    if (signals.stop?.aborted) break;
    if ((still.get(id) ?? 0) === 0) {
      const detail =
        'no longer a never-succeeded group at the re-check (gone, or pushed successfully meanwhile)';
      log.info({ group: describeGroup(p) }, `not deleted: ${detail}`);
      actions.push({ ...fixBase(p), outcome: 'skipped', detail });
      continue;
    }
    const action = await deleteOne(client, p, log, signals.abandon);
    if (action.outcome === 'deleted') sent.push(action);
    else actions.push(action);
  }
  // DELETE is only queued (§4.9): poll until no never-succeeded group with those keys is listed.
  const pending = new Set(sent);
  const deadline = performance.now() + options.confirmTimeoutMs;
  let wait = 50;
  while (pending.size > 0 && !signals.stop?.aborted) {
    const counts = await phantomCounts(client, signals.stop);
    for (const a of pending) {
      if ((counts.get(a.problem.fix?.listedKeyId ?? '') ?? 0) === 0) {
        pending.delete(a);
        actions.push(a);
      }
    }
    if (pending.size === 0 || performance.now() + wait > deadline) break;
    await sleep(wait, undefined, signals.stop ? { signal: signals.stop } : {}).catch(() => {});
    wait = Math.min(wait * 2, 1000);
  }
  for (const a of pending) {
    actions.push({
      ...a,
      outcome: 'failed',
      detail: `the gateway accepted the DELETE but still lists the group after ${options.confirmTimeoutMs / 1000}s`,
    });
  }
  return actions;
}

function fixBase(p: Problem): Omit<FixAction, 'outcome'> {
  return { kind: p.kind, group: describeGroup(p), problem: p, path: p.fix?.path ?? '' };
}

async function deleteOne(
  client: GatewayClient,
  p: Problem,
  log: Log,
  signal?: AbortSignal,
): Promise<FixAction> {
  const base = fixBase(p);
  try {
    const res = await client.deleteGroup(base.path, signal);
    if (res.status === 202) {
      log.info({ group: base.group, problem: p.kind }, 'deleted');
      return { ...base, outcome: 'deleted' };
    }
    const detail = `DELETE answered ${res.status}${res.body ? `: ${res.body}` : ''}`;
    log.error({ group: base.group }, `delete failed: ${detail}`);
    return { ...base, outcome: 'failed', detail };
  } catch (err) {
    const detail = (err as Error).message;
    log.error({ group: base.group }, `delete failed: ${detail}`);
    return { ...base, outcome: 'failed', detail };
  }
}

/** keyId(listed labels) -> how many never-succeeded groups the listing shows with that key. */
async function phantomCounts(
  client: GatewayClient,
  signal?: AbortSignal,
): Promise<Map<string, number>> {
  const counts = new Map<string, number>();
  const listing = await client.list(signal);
  for await (const g of listing.groups) {
    if (!isPhantom(g)) continue;
    const id = keyId(g.labels ?? g.displayLabels);
    counts.set(id, (counts.get(id) ?? 0) + 1);
  }
  return counts;
}

/**
 * After deleting the group that crashes the listing: wait until the listing answers, or the web
 * UI stops at another group (a second such group; the next round deletes it).
 */
async function waitForListing(
  probe: Probe,
  p: Problem,
  timeoutMs: number,
  signal?: AbortSignal,
): Promise<boolean> {
  const deadline = performance.now() + timeoutMs;
  const id = p.group ? keyId(p.group) : '';
  let wait = 50;
  for (;;) {
    const res = await probe.get('api/v1/metrics', { maxBytes: 1, ...(signal ? { signal } : {}) });
    if (res.kind === 'response' && res.status === 200) return true;
    const ui = await readUi(probe, signal);
    if (typeof ui !== 'string') {
      const stop = ui.stoppedAt?.labels;
      if (!isLastPushSuccessCrash(ui.templateError) || !stop || keyId(stop) !== id) return true;
    }
    if (signal?.aborted || performance.now() + wait > deadline) return false;
    await sleep(wait, undefined, signal ? { signal } : {}).catch(() => {});
    wait = Math.min(wait * 2, 1000);
  }
}
