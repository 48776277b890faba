/**
 * Reading `GET /api/v1/metrics`: validates the envelope and turns each group object into the few
 * facts a sweep needs. Pure: no I/O. Group-level oddities become a `problem` on that group (it is
 * kept); an envelope we do not understand throws, because a sweep must only act on a whole listing.
 */
import type { Labels } from './matchers.ts';
import { DECLARED_TTL_METRIC } from './ttl.ts';

export class ListingFormatError extends Error {}

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
  /** Raw first value of the group's `pgsweep_ttl_seconds` gauge, if it declares its own TTL. */
  readonly declaredTtl?: string;
  /** Why the key could not be read, when `labels` is undefined. */
  readonly keyError?: string;
}

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
type JsonObject = { [key: string]: Json };

function isObject(v: unknown): v is JsonObject {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function own(obj: JsonObject, key: string): Json | undefined {
  return Object.hasOwn(obj, key) ? obj[key] : undefined;
}

/** A real grouping-key map: strings only, with a non-empty string `job`. */
function asLabelMap(v: Json | undefined): Labels | undefined {
  if (!isObject(v)) return undefined;
  const out: Record<string, string> = {};
  for (const [k, val] of Object.entries(v)) {
    if (typeof val !== 'string') return undefined;
    out[k] = val;
  }
  const job = own(v, 'job');
  return typeof job === 'string' && job !== '' ? out : undefined;
}

/** The first sample of a metric family: its value string and its labels. */
function firstSample(
  family: Json | undefined,
): { value: string; labels: Labels | undefined } | undefined {
  if (!isObject(family)) return undefined;
  const metrics = own(family, 'metrics');
  if (!Array.isArray(metrics) || metrics.length === 0) return undefined;
  const first = metrics[0];
  if (!isObject(first)) return undefined;
  const value = own(first, 'value');
  if (typeof value !== 'string') return undefined;
  return { value, labels: asLabelMap(own(first, 'labels')) };
}

export function parseGroup(raw: Json): ListedGroup {
  if (!isObject(raw)) {
    const kind = raw === null ? 'null' : Array.isArray(raw) ? 'an array' : typeof raw;
    throw new ListingFormatError(`a group in the listing is ${kind}, not an object`);
  }
  const push = firstSample(own(raw, 'push_time_seconds'));
  const failure = firstSample(own(raw, 'push_failure_time_seconds'));
  const declared = firstSample(own(raw, DECLARED_TTL_METRIC));
  const base = {
    pushTime: push?.value,
    pushFailureTime: failure?.value,
    ...(declared ? { declaredTtl: declared.value } : {}),
  };

  const direct = asLabelMap(own(raw, 'labels'));
  if (direct) return { ...base, labels: direct, displayLabels: direct, keySource: 'labels' };

  // A pushed family named `labels` overwrote the key (spec §2.6). The push_time_seconds series
  // carries the key plus `instance=""` when the key has no instance: exact only if instance is set.
  const recovered = push?.labels;
  if (recovered && (recovered.instance ?? '') !== '') {
    return { ...base, labels: recovered, displayLabels: recovered, keySource: 'push_time_seconds' };
  }
  return {
    ...base,
    labels: undefined,
    displayLabels: recovered ?? {},
    keySource: undefined,
    keyError: recovered
      ? 'a pushed metric named "labels" hides the grouping key, and the key may or may not include instance=""'
      : 'the group has no readable grouping key',
  };
}

/** Parses the listing body. Throws ListingFormatError unless it is a complete success envelope. */
export function parseListing(body: string): ListedGroup[] {
  let doc: Json;
  try {
    doc = JSON.parse(body) as Json;
  } catch (err) {
    const hint = body.trimStart().startsWith('<')
      ? ' (looks like HTML: is --url the Pushgateway?)'
      : '';
    throw new ListingFormatError(`listing is not valid JSON${hint}: ${(err as Error).message}`);
  }
  if (!isObject(doc)) throw new ListingFormatError('listing is not a JSON object');
  const status = own(doc, 'status');
  if (status !== 'success') {
    const error = own(doc, 'error');
    throw new ListingFormatError(
      `listing status is ${JSON.stringify(status)}${typeof error === 'string' ? `: ${error}` : ''}`,
    );
  }
  const data = own(doc, 'data');
  if (!Array.isArray(data)) throw new ListingFormatError('listing has no "data" array');
  return data.map(parseGroup);
}
