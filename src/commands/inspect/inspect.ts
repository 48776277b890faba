/**
 * `pgsweep inspect` for one gateway: reads the JSON listing (through src/gateway/client.ts, streamed) and
 * the scrape page `GET /metrics` (for series per job), and builds the report. Read-only: it sends
 * GETs and nothing else.
 */
import { formatByteSize } from '../../core/byte-size.ts';
import { CLOCK_SKEW_WARN_MS } from '../../core/clock.ts';
import { formatDuration } from '../../core/duration.ts';
import { GatewayError } from '../../core/errors.ts';
import { InspectAccumulator, type InspectReport } from '../../core/inspect-report.ts';
import type { Log } from '../../core/log.ts';
import type { GatewayClient, Probe } from '../../gateway/client.ts';
import { snippet } from '../../gateway/http-read.ts';
import { ScrapeScanner } from '../../wire/scrape-scan.ts';

/** A listing that fails is often a sick gateway: point at the command that diagnoses it. */
function explain(err: unknown): never {
  if (
    err instanceof GatewayError &&
    /connection reset|cut off|bad listing|answered 5/.test(err.message)
  ) {
    throw new GatewayError(
      `${err.message.replace(/; nothing was deleted$/, '')} (pgsweep doctor diagnoses a gateway whose listing fails)`,
    );
  }
  throw err;
}

export async function inspectGateway(
  client: GatewayClient,
  probe: Probe,
  log: Log,
  signal?: AbortSignal,
  localNow: () => number = Date.now,
  /** --per: also report the families these labels make. */
  per?: readonly string[],
): Promise<InspectReport> {
  const listing = await client.list(signal).catch(explain);
  const local = localNow();
  let nowMs = local;
  let clockSource: 'gateway-date' | 'local' = 'local';
  if (!listing.date.ok) {
    // Read-only, so the local clock is good enough; the report says which clock it used.
    log.warn(
      {},
      `the gateway's listing has ${listing.date.problem}; ages are measured by this machine's clock`,
    );
  } else {
    nowMs = listing.date.ms;
    clockSource = 'gateway-date';
    const skew = local - listing.date.ms;
    if (Math.abs(skew) > CLOCK_SKEW_WARN_MS) {
      log.warn(
        { skewMs: skew },
        `this machine's clock is ${formatDuration(Math.abs(skew))} ${skew > 0 ? 'ahead of' : 'behind'} the gateway's; ages use the gateway's clock`,
      );
    }
  }
  const acc = new InspectAccumulator(nowMs, clockSource);
  if (per && per.length > 0) acc.trackFamilies(per);
  try {
    for await (const group of listing.groups) acc.add(group);
  } catch (err) {
    explain(err);
  }
  log.debug({ groups: listing.stats.groups, bytes: listing.stats.bytes }, 'listed groups');

  const scanner = new ScrapeScanner({ pushGauges: false, maxLineBytes: probe.maxLineBytes });
  const scrape = await probe.get('metrics', {
    onChunk: (c) => scanner.push(c),
    ...(signal ? { signal } : {}),
  });
  const target = `${probe.baseUrl}metrics`;
  let counts: Parameters<InspectAccumulator['finish']>[1];
  if (scrape.kind === 'network-error') {
    counts = { unavailable: `GET ${target} failed: ${scrape.message}` };
  } else if (scrape.status !== 200) {
    const body = snippet(scrape.head, 120);
    counts = {
      unavailable: `GET ${target} answered ${scrape.status}${body ? ` (${body})` : ''}; run pgsweep doctor`,
    };
  } else if (scrape.truncated) {
    counts = {
      unavailable: `GET ${target} is larger than --max-listing-bytes ${formatByteSize(probe.maxBodyBytes)}`,
    };
  } else if (scrape.bytes === 0) {
    counts = { unavailable: `GET ${target} answered an empty page; run pgsweep doctor` };
  } else {
    const scan = scanner.finish();
    counts = { samplesByJob: scan.samplesByJob, bytes: scan.bytes };
  }
  if ('unavailable' in counts) log.warn({}, `series per job not counted: ${counts.unavailable}`);
  return acc.finish(listing.stats.bytes, counts);
}
