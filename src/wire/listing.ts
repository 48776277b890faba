/**
 * Reading `GET /api/v1/metrics`: validates the envelope and turns each group object into the few
 * facts a sweep needs. Pure: no I/O. Group-level oddities become a `problem` on that group (it is
 * kept); an envelope we do not understand throws, because a sweep must only act on a whole listing.
 */

import { type Labels, putLabel } from './labels.ts';
import {
  ListingLimitError,
  type ListingLimits,
  ListingSplitter,
  ListingSyntaxError,
  type MemberSpans,
} from './listing-splitter.ts';

/** The gauge a pusher adds to its group to declare how long pgsweep should keep it. */
export const DECLARED_TTL_METRIC = 'pgsweep_ttl_seconds';

export const LISTING_MODES = ['auto', 'json', 'text'] as const;
export type ListingMode = (typeof LISTING_MODES)[number];
/** What one listing request reads. */
export type ListingFormat = Exclude<ListingMode, 'auto'>;

export class ListingFormatError extends Error {}
export { ListingLimitError, type ListingLimits };

export type KeySource = 'labels' | 'push_time_seconds';

export interface ListedGroup {
  /** The grouping key, or undefined when it cannot be determined exactly. */
  readonly labels: Labels | undefined;
  /** Best-effort labels for reporting when `labels` is undefined. */
  readonly displayLabels: Labels;
  readonly keySource: KeySource | undefined;
  /** Raw `push_time_seconds` value string, compared verbatim by the re-check. */
  readonly pushTime: string | undefined;
  /** Raw first `push_failure_time_seconds` value, used only when the push time is 0. */
  readonly pushFailureTime: string | undefined;
  /**
   * True only from the text listing: the key may be `labels` or `labels` plus `instance=""`; the
   * text format cannot tell them apart, so both forms are deleted.
   */
  readonly ambiguousInstance?: boolean;
  /** Raw first value of the group's `pgsweep_ttl_seconds` gauge, if it declares its own TTL. */
  readonly declaredTtl?: string | undefined;
  /** Why the key could not be read, when `labels` is undefined. */
  readonly keyError?: string | undefined;
  /** The group's whole JSON object as listed, only when the parser was asked to keep it. */
  readonly raw?: string;
}

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
type JsonObject = { [key: string]: Json };

function isObject(v: unknown): v is JsonObject {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function own(obj: JsonObject, key: string): Json | undefined {
  return Object.hasOwn(obj, key) ? obj[key] : undefined;
}

/**
 * A copy of `s` that does not pin its source. V8 may represent a substring (also one made by
 * JSON.parse) as a slice of the whole source text, so keeping a 22-character push time would keep
 * the group's entire JSON alive: measured at about 3.8 KB per kept group at 100k groups.
 */
export function detach(s: string): string {
  return s.length < 13 ? s : Buffer.from(s, 'utf8').toString('utf8');
}

/** A real grouping-key map: strings only, with a non-empty string `job`. */
function asLabelMap(v: Json | undefined): Labels | undefined {
  if (!isObject(v)) return undefined;
  const out: Record<string, string> = {};
  // for-in, not Object.entries: this runs for every listed group. A parsed object has only own
  // enumerable keys (JSON.parse sets no prototype members).
  for (const k in v) {
    const val = v[k];
    if (typeof val !== 'string') return undefined;
    putLabel(out, detach(k), detach(val));
  }
  const job = own(v, 'job');
  return typeof job === 'string' && job !== '' ? out : undefined;
}

/** The first sample of a metric family (its labels are read only when needed: asLabelMap). */
function firstSample(family: Json | undefined): { value: string; sample: JsonObject } | undefined {
  if (!isObject(family)) return undefined;
  const metrics = own(family, 'metrics');
  if (!Array.isArray(metrics) || metrics.length === 0) return undefined;
  const first = metrics[0];
  if (!isObject(first)) return undefined;
  const value = own(first, 'value');
  if (typeof value !== 'string') return undefined;
  return { value: detach(value), sample: first };
}

/**
 * Every listed group, from the JSON or the text listing, is built here, with the same fields in the
 * same order (one object shape): this runs once per listed group.
 */
export function listedGroup(
  labels: Labels | undefined,
  displayLabels: Labels,
  keySource: KeySource | undefined,
  keyError: string | undefined,
  values: {
    readonly pushTime: string | undefined;
    readonly pushFailureTime: string | undefined;
    readonly declaredTtl: string | undefined;
  },
  ambiguousInstance = false,
): ListedGroup {
  return {
    labels,
    displayLabels,
    keySource,
    pushTime: values.pushTime,
    pushFailureTime: values.pushFailureTime,
    declaredTtl: values.declaredTtl,
    keyError,
    ambiguousInstance,
  };
}

export function parseGroup(raw: Json): ListedGroup {
  if (!isObject(raw)) {
    const kind = raw === null ? 'null' : Array.isArray(raw) ? 'an array' : typeof raw;
    throw new ListingFormatError(`a group in the listing is ${kind}, not an object`);
  }
  const push = firstSample(own(raw, 'push_time_seconds'));
  const failure = firstSample(own(raw, 'push_failure_time_seconds'));
  const declared = firstSample(own(raw, DECLARED_TTL_METRIC));
  const values = {
    pushTime: push?.value,
    pushFailureTime: failure?.value,
    declaredTtl: declared?.value,
  };
  const group = (
    labels: Labels | undefined,
    displayLabels: Labels,
    keySource: KeySource | undefined,
    keyError: string | undefined,
  ) => listedGroup(labels, displayLabels, keySource, keyError, values);

  const direct = asLabelMap(own(raw, 'labels'));
  if (direct) return group(direct, direct, 'labels', undefined);

  // A pushed family named `labels` overwrote the key (spec §2.6). The push_time_seconds series
  // carries the key plus `instance=""` when the key has no instance: exact only if instance is set.
  const recovered = push ? asLabelMap(own(push.sample, 'labels')) : undefined;
  if (recovered && (recovered.instance ?? '') !== '')
    return group(recovered, recovered, 'push_time_seconds', undefined);
  return group(
    undefined,
    recovered ?? {},
    undefined,
    recovered
      ? 'a pushed metric named "labels" hides the grouping key, and the key may or may not include instance=""'
      : 'the group has no readable grouping key',
  );
}

export interface ListingParser {
  /** Feeds the next bytes; groups completed by them are returned. */
  push(chunk: Buffer): ListedGroup[];
  /**
   * Checks the whole body once all bytes are in (throws ListingFormatError if incomplete or
   * wrong) and returns any groups that could only be completed at the end.
   */
  finish(): { bytes: number; groups: number; rest: ListedGroup[] };
}

/** The members parseGroup reads, as their quoted names. */
const READ_MEMBERS = [
  'labels',
  'push_time_seconds',
  'push_failure_time_seconds',
  DECLARED_TTL_METRIC,
].map((name) => Buffer.from(JSON.stringify(name), 'utf8'));

/**
 * A group's JSON with only the members parseGroup reads. The metric families are most of the
 * bytes, and parsing them into objects only to drop them made up most of a listing's CPU time.
 * Duplicate names are all kept, so JSON.parse picks the same (last) one as for the whole text.
 */
function readMembersText(json: Buffer, members: MemberSpans): string {
  // Not an object (or an empty one): parse it whole, for parseGroup's own error.
  if (members.length === 0) return json.toString('utf8');
  const parts: string[] = [];
  for (let m = 0; m + 2 < members.length; m += 3) {
    const start = members[m] ?? 0;
    const nameEnd = (members[m + 1] ?? 0) + 1;
    if (isReadMember(json, start, nameEnd))
      parts.push(json.toString('utf8', start, members[m + 2] ?? 0));
  }
  return `{${parts.join(',')}}`;
}

function isReadMember(json: Buffer, start: number, end: number): boolean {
  const length = end - start;
  for (const name of READ_MEMBERS)
    if (name.length === length && json.compare(name, 0, length, start, end) === 0) return true;
  // A name with escapes may spell one of them: keep it and let JSON.parse decide.
  for (let i = start; i < end; i++) if (json[i] === 0x5c) return true;
  return false;
}

/** One group object of the listing: JSON.parse of the members parseGroup reads. */
export function readGroupByJsonParse(json: Buffer, members: MemberSpans): ListedGroup {
  let raw: Json;
  try {
    raw = JSON.parse(readMembersText(json, members)) as Json;
  } catch (err) {
    throw new ListingFormatError(`listing is not valid JSON: ${(err as Error).message}`);
  }
  return parseGroup(raw);
}

/**
 * Incremental parser for the listing: memory stays at one group plus what the caller keeps.
 * Group-level problems become per-group facts; anything structural throws ListingFormatError.
 */
/**
 * keepRaw: keep each group's JSON text (for the archive), at the cost of memory per kept group.
 * Going past a limit throws ListingLimitError.
 */
export function createListingParser(
  options: { keepRaw?: boolean } & ListingLimits = {},
): ListingParser {
  let ready: ListedGroup[] = [];
  const splitter = new ListingSplitter((json, members) => {
    const group = readGroupByJsonParse(json, members);
    ready.push(options.keepRaw ? { ...group, raw: json.toString('utf8') } : group);
  }, options);
  const structural = <T>(fn: () => T): T => {
    try {
      return fn();
    } catch (err) {
      if (err instanceof ListingSyntaxError) throw new ListingFormatError(err.message);
      throw err;
    }
  };
  return {
    push(chunk) {
      structural(() => splitter.push(chunk));
      const out = ready;
      ready = [];
      return out;
    },
    finish() {
      const skeleton = structural(() => splitter.finish());
      checkEnvelope(skeleton);
      return { bytes: splitter.bytes, groups: splitter.elements, rest: [] };
    },
  };
}

/** The envelope without its groups, e.g. `{"status":"success","data":[]}`. */
function checkEnvelope(skeleton: string): void {
  let doc: Json;
  try {
    doc = JSON.parse(skeleton) as Json;
  } catch (err) {
    throw new ListingFormatError(`listing is not valid JSON: ${(err as Error).message}`);
  }
  if (!isObject(doc)) throw new ListingFormatError('listing is not a JSON object');
  const status = own(doc, 'status');
  if (status !== 'success') {
    const error = own(doc, 'error');
    throw new ListingFormatError(
      `listing status is ${JSON.stringify(status)}${typeof error === 'string' ? `: ${error}` : ''}`,
    );
  }
  if (!Array.isArray(own(doc, 'data'))) throw new ListingFormatError('listing has no "data" array');
}

/** Parses a whole listing body at once (tests, small inputs); same rules as the streaming parser. */
export function parseListing(body: string): ListedGroup[] {
  const parser = createListingParser();
  const groups = parser.push(Buffer.from(body, 'utf8'));
  return [...groups, ...parser.finish().rest];
}
