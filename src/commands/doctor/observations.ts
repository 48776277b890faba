/**
 * What doctor gathers from one gateway before diagnosing it: the answers to its probes and the
 * listed groups worth a second look (never-succeeded ones, and keys seen twice). Pure.
 */
import type { ProbeResult } from '../../gateway/client.ts';
import { parseGoFloat } from '../../wire/go-float.ts';
import { keyId } from '../../wire/grouping-key.ts';
import type { Labels } from '../../wire/labels.ts';
import type { ListedGroup } from '../../wire/listing.ts';
import { exposedLabels, type ScrapeScan } from '../../wire/scrape-scan.ts';
import type { UiPage } from '../../wire/ui-keys.ts';

export function isPhantom(group: Pick<ListedGroup, 'pushTime'>): boolean {
  return group.pushTime !== undefined && parseGoFloat(group.pushTime) === 0;
}

/** A listing group reduced to what doctor keeps: only groups that can be part of a problem. */
export interface Kept {
  readonly group: ListedGroup;
  readonly labels: Labels;
}

/**
 * Streams the listing's groups and keeps only those doctor may report: never-succeeded groups,
 * keys with U+FFFD, and keys without a non-empty instance (collision candidates).
 */
export class GroupScan {
  private readonly phantoms: Kept[] = [];
  private readonly lossy: Kept[] = [];
  /** keyId(exposed labels) -> the group without instance, and the one with instance="". */
  private readonly exposed = new Map<string, { bare?: Kept; empty?: Kept }>();
  count = 0;

  add(group: ListedGroup): void {
    this.count++;
    const labels = group.labels ?? group.displayLabels;
    const kept: Kept = { group, labels };
    const lossy = Object.values(labels).some((v) => v.includes('\uFFFD'));
    if (lossy) this.lossy.push(kept);
    else if (isPhantom(group)) this.phantoms.push(kept);
    if (!group.labels || lossy) return;
    const instance = Object.hasOwn(group.labels, 'instance') ? group.labels.instance : undefined;
    if (instance !== undefined && instance !== '') return;
    const id = keyId(exposedLabels(group.labels));
    const entry = this.exposed.get(id) ?? {};
    if (instance === undefined) entry.bare = kept;
    else entry.empty = kept;
    this.exposed.set(id, entry);
  }

  /** Pairs `{…}` and `{…, instance=""}` that both exist. */
  collisions(): Array<{ bare: Kept; empty: Kept }> {
    const out: Array<{ bare: Kept; empty: Kept }> = [];
    for (const { bare, empty } of this.exposed.values())
      if (bare && empty) out.push({ bare, empty });
    return out;
  }

  result(): { phantoms: Kept[]; lossy: Kept[]; collisions: Array<{ bare: Kept; empty: Kept }> } {
    return { phantoms: this.phantoms, lossy: this.lossy, collisions: this.collisions() };
  }
}

export type ListingObservation =
  | { readonly kind: 'ok'; readonly groups: GroupScan }
  /** The listing dies without a response (§3.4), while /-/healthy answers. */
  | { readonly kind: 'crash'; readonly detail: string }
  | { readonly kind: 'error'; readonly detail: string };

export interface Observations {
  /** `GET /-/healthy`; access problems and network failures were already turned into errors. */
  readonly healthy: ProbeResult;
  readonly listing: ListingObservation;
  /** `GET /metrics`, and the push gauges it showed when it answered 200. */
  readonly scrape: ProbeResult;
  readonly scrapeScan?: ScrapeScan;
  /** The web UI page, read only when needed; a string says why it could not be read. */
  readonly ui?: UiPage | string;
  /** The base URL, for messages. */
  readonly baseUrl: string;
}
