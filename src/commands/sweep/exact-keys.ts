/**
 * Stale groups whose key the listing alone cannot address exactly, made exact with the gateway's
 * help once per sweep (the Pushgateway API notes, §9 and §10.2):
 *
 * - a value that is not valid UTF-8 is listed as U+FFFD, and a DELETE with that form is a no-op.
 *   Such a group breaks /metrics and every push for everyone. Its exact bytes are read from the
 *   web UI's Delete buttons, as `pgsweep doctor` does (ui-keys.ts); one that cannot be matched
 *   there exactly is skipped, and the sweep fails naming `pgsweep doctor --fix`;
 * - a label name starting with `U__` is decoded as an escape by a gateway with UTF-8 names on
 *   (1.11+, `--push.enable-utf8-names`). `/api/v1/status` says whether that is so: when it is off,
 *   the name is sent as it is, when it is on, escaped (escapeLiteralName); when the status cannot
 *   tell, the group is skipped with a warning.
 *
 * Nothing is fetched unless such a group is stale. Both pages are read with the sweep's
 * credentials, TLS and timeouts, and a size bound.
 */

import { formatByteSize } from '../../core/byte-size.ts';
import type { Log } from '../../core/log.ts';
import type { Probe, ProbeResult } from '../../gateway/client.ts';
import { formatLabels, groupPath, keyId } from '../../wire/grouping-key.ts';
import { type Labels, putLabel } from '../../wire/labels.ts';
import { formatRawKey, listedLabelsOf, rawGroupPath, UiPageScanner } from '../../wire/ui-keys.ts';
import type { TrackedGroup } from './tracked-group.ts';

/** `/api/v1/status` is well under 1 KiB on a real gateway. */
export const STATUS_MAX_BYTES = 64 * 1024;

/** How the gateway reads `U__` label names in a URL: as they are, as escapes, or unknown. */
export type NamingMode =
  | { readonly mode: 'legacy'; readonly why: string }
  | { readonly mode: 'utf8'; readonly why: string }
  | { readonly mode: 'unknown'; readonly why: string };

/** The first release with `--push.enable-utf8-names`. */
const UTF8_NAMES_SINCE = [1, 11] as const;

/**
 * The naming mode from a `GET /api/v1/status` answer (`body` undefined when it was too large).
 * The flag says it when listed. A status without it comes from a build that predates UTF-8 names
 * (1.5.1 here), which takes every name literally, unless its version says it should have the flag.
 */
export function namingModeOf(status: number, body: string | undefined): NamingMode {
  const unknown = (why: string): NamingMode => ({ mode: 'unknown', why });
  if (status !== 200) return unknown(`/api/v1/status answered ${status}`);
  if (body === undefined) return unknown(`/api/v1/status is larger than ${STATUS_MAX_BYTES} bytes`);
  let doc: unknown;
  try {
    doc = JSON.parse(body);
  } catch {
    return unknown('/api/v1/status is not JSON');
  }
  if (!isObject(doc) || doc.status !== 'success') {
    return unknown('/api/v1/status did not answer success');
  }
  const data = isObject(doc.data) ? doc.data : undefined;
  const flags = data && isObject(data.flags) ? data.flags : undefined;
  if (!flags || Object.keys(flags).length === 0) return unknown('/api/v1/status lists no flags');
  const flag = Object.hasOwn(flags, UTF8_FLAG) ? flags[UTF8_FLAG] : undefined;
  if (flag === 'true') return { mode: 'utf8', why: `--${UTF8_FLAG} is on` };
  if (flag === 'false') return { mode: 'legacy', why: `--${UTF8_FLAG} is off` };
  if (flag !== undefined) return unknown(`${UTF8_FLAG} is ${JSON.stringify(flag)}`);
  const build = isObject(data?.build_information) ? data.build_information : undefined;
  const version = build && typeof build.version === 'string' ? build.version : undefined;
  const m = version === undefined ? null : /^v?(\d+)\.(\d+)\./.exec(version);
  if (!m) return unknown(`/api/v1/status gives neither ${UTF8_FLAG} nor a version`);
  const [major, minor] = [Number(m[1]), Number(m[2])];
  const [sinceMajor, sinceMinor] = UTF8_NAMES_SINCE;
  if (major > sinceMajor || (major === sinceMajor && minor >= sinceMinor)) {
    return unknown(`version ${version} should list ${UTF8_FLAG}, but does not`);
  }
  return { mode: 'legacy', why: `version ${version} predates UTF-8 names` };
}

const UTF8_FLAG = 'push.enable-utf8-names';

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

type RawKey = ReadonlyMap<string, Buffer>;

/**
 * Resolves the stale groups of `results` that were skipped only because their key needs the
 * gateway's help (TrackedGroup.exactKey): each becomes a candidate like any stale group, or stays
 * skipped with the reason. Returns why the sweep must fail, when a group whose key is not valid
 * UTF-8 is left (it keeps breaking the gateway for everyone). Logs each decision.
 */
export async function resolveExactKeys(
  results: readonly TrackedGroup[],
  pages: (() => Probe) | undefined,
  dryRun: boolean,
  log: Log,
  signal?: AbortSignal,
): Promise<string | undefined> {
  const pending = results.filter((t) => t.exactKey !== undefined && t.path === undefined);
  if (pending.length === 0) return undefined;
  // How many stale groups the listing shows with each lossy key: two cannot be told apart.
  const listed = new Map<string, number>();
  for (const t of pending) {
    if (t.exactKey === 'bytes') listed.set(keyId(t.labels), (listed.get(keyId(t.labels)) ?? 0) + 1);
  }
  const probe = pages?.();
  const naming = pending.some((t) => escapedNameOf(t.labels) !== undefined)
    ? await readNamingMode(probe, signal)
    : undefined;
  const ui = listed.size > 0 ? await readUiKeys(probe, new Set(listed.keys()), signal) : undefined;

  let poisoned = 0;
  for (const t of pending) {
    const labels = t.labels;
    const group = formatLabels(labels);
    const found = exactPath(t, labels, naming, ui, listed);
    if (typeof found !== 'string') {
      t.resolve(found.path, dryRun, found.detail);
      log.info({ group, path: found.path }, found.detail);
      continue;
    }
    const detail =
      t.exactKey === 'bytes'
        ? `${found}; a key that is not valid UTF-8 breaks /metrics and every push: run \`pgsweep doctor --fix\``
        : found;
    if (t.exactKey === 'bytes') poisoned++;
    t.update({ outcome: 'skipped', reason: 'key-unrecoverable', detail });
    log.warn({ group, reason: 'key-unrecoverable' }, `skipping group: ${detail}`);
  }
  if (poisoned === 0) return undefined;
  const message = `${poisoned} stale group(s) whose key the listing shows with U+FFFD (invalid UTF-8) could not be deleted by their exact bytes, and such a group breaks /metrics and every push for everyone: run \`pgsweep doctor --fix\` to find and delete it`;
  if (dryRun) log.warn({}, `a real run would fail: ${message}`);
  else log.error({}, message);
  return message;
}

/** The exact path for one group, or why there is none. */
function exactPath(
  t: TrackedGroup,
  labels: Labels,
  naming: NamingMode | undefined,
  ui: ReadonlyMap<string, RawKey[]> | string | undefined,
  listed: ReadonlyMap<string, number>,
): { path: string; detail: string } | string {
  const escaped = escapedNameOf(labels);
  if (escaped !== undefined && naming?.mode === 'utf8') {
    if (t.exactKey === 'bytes') {
      return `label name ${JSON.stringify(escaped)} starts with U__ on a gateway that decodes such names as escapes (${naming.why}), and its key is not valid UTF-8: pgsweep does not combine the two`;
    }
    const sent: Record<string, string> = {};
    for (const name in labels) putLabel(sent, escapeLiteralName(name), labels[name] ?? '');
    return {
      path: groupPath(sent),
      detail: `label name ${JSON.stringify(escaped)} sent escaped as ${JSON.stringify(escapeLiteralName(escaped))} (${naming.why})`,
    };
  }
  if (escaped !== undefined && naming?.mode !== 'legacy') {
    return `label name ${JSON.stringify(escaped)} starts with U__, and whether this gateway decodes such names as escapes is unknown (${naming?.why ?? 'not asked'})`;
  }
  const how =
    escaped === undefined
      ? ''
      : `label name ${JSON.stringify(escaped)} sent as it is (${naming?.why})`;
  if (t.exactKey !== 'bytes') return { path: groupPath(labels), detail: how };
  const shown = formatLabels(labels);
  if (ui === undefined || typeof ui === 'string') {
    return `its exact bytes are only on the web UI, which could not be used (${ui ?? 'not read'})`;
  }
  const id = keyId(labels);
  const copies = listed.get(id) ?? 0;
  if (copies > 1)
    return `${copies} stale groups are listed as ${shown}; their bytes cannot be told apart`;
  const raws = ui.get(id) ?? [];
  if (raws.length === 0)
    return `the web UI shows no group listed as ${shown}, so its exact bytes are unknown`;
  if (raws.length > 1) {
    return `the web UI shows ${raws.length} keys listed as ${shown}; pgsweep cannot tell which one this is`;
  }
  const raw = raws[0] as RawKey;
  const path = rawGroupPath(raw);
  if (path === undefined) return 'its label names cannot be addressed in a URL';
  return {
    path,
    detail: `exact key ${formatRawKey(raw)} read from the web UI${how ? `; ${how}` : ''}`,
  };
}

/**
 * A literal label name as a gateway with UTF-8 names on must receive it (spec §10.2). Such a gateway
 * decodes every name that starts with `U__` as prometheus/common's value-encoding escape, so a
 * literal `U__foo` must itself be escaped: `U__` and then the name with each `_` doubled (the other
 * characters of a legacy name stand for themselves), `U__U____foo`, which decodes back to `U__foo`.
 * Names without the prefix are decoded to themselves and go as they are.
 */
export function escapeLiteralName(name: string): string {
  return name.startsWith('U__') ? `U__${name.replaceAll('_', '__')}` : name;
}

function escapedNameOf(labels: Labels): string | undefined {
  for (const name in labels) if (name.startsWith('U__')) return name;
  return undefined;
}

async function readNamingMode(probe: Probe | undefined, signal?: AbortSignal): Promise<NamingMode> {
  if (!probe) return { mode: 'unknown', why: 'the gateway cannot be asked' };
  const chunks: Buffer[] = [];
  const res = await probe.get('api/v1/status', {
    maxBytes: STATUS_MAX_BYTES,
    onChunk: (c) => chunks.push(c),
    ...(signal ? { signal } : {}),
  });
  if (res.kind === 'network-error') {
    return { mode: 'unknown', why: `GET ${probe.baseUrl}api/v1/status failed: ${res.message}` };
  }
  return namingModeOf(
    res.status,
    res.truncated ? undefined : Buffer.concat(chunks).toString('utf8'),
  );
}

/**
 * The raw keys on the web UI whose listed form is one of `wanted` (keyId of the listed labels),
 * or why the page cannot be trusted to show every key: doctor's reading (ui-keys.ts), keeping only
 * the few keys asked for.
 */
async function readUiKeys(
  probe: Probe | undefined,
  wanted: ReadonlySet<string>,
  signal?: AbortSignal,
): Promise<Map<string, RawKey[]> | string> {
  if (!probe) return 'the gateway cannot be asked';
  const scanner = new UiPageScanner(
    (raw) => wanted.has(keyId(listedLabelsOf(raw))),
    probe.maxLineBytes,
  );
  const res: ProbeResult = await probe.get('', {
    onChunk: (c) => scanner.push(c),
    ...(signal ? { signal } : {}),
  });
  const target = `GET ${probe.baseUrl}`;
  if (res.kind === 'network-error') return `${target} failed: ${res.message}`;
  if (res.status !== 200) return `${target} answered ${res.status}`;
  // The web UI renders every group: large, but streamed, and only a few keys are kept.
  if (res.truncated) {
    return `the web UI page is larger than --max-listing-bytes ${formatByteSize(probe.maxBodyBytes)}`;
  }
  const page = scanner.finish();
  // A page that stops early or hides a key could hide a second key that looks the same.
  if (page.templateError !== undefined) {
    return 'the web UI page stops at a template error before showing every group';
  }
  if (page.unreadable > 0) {
    return `the web UI has ${page.unreadable} Delete button(s) pgsweep cannot read, so a second key that looks the same cannot be ruled out`;
  }
  const byId = new Map<string, RawKey[]>();
  for (const { raw } of page.keys) {
    const id = keyId(listedLabelsOf(raw));
    byId.set(id, [...(byId.get(id) ?? []), raw]);
  }
  return byId;
}
