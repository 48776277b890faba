/**
 * Reading the Pushgateway web UI (`GET /`) for the two facts nothing else exposes
 * (shared/pushgateway-api.md §2.6, §3.4, §9):
 *
 * - the exact bytes of every grouping key: each group's Delete button carries
 *   `showDelModal({ 'job': 'amb' }, { 'job': 'YW1i' }, 'group-panel-3', event)`, whose second object
 *   holds the base64url of each raw label value. The JSON listing replaces invalid UTF-8 with
 *   U+FFFD, so a key such as `v=\xFF` can only be deleted with the bytes from here;
 * - which group crashes the listing: the page is rendered group by group in key order, and the
 *   template stops with `error calling LastPushSuccess: runtime error: index out of range` right
 *   after the label badges of the group whose `push_failure_time_seconds` family is empty, before
 *   its Delete button.
 *
 * Pure. The page is scanned line by line as it streams in (it can be large), as bytes: it is not
 * valid UTF-8 when a key is not.
 */
import { isUtf8 } from 'node:buffer';
import { BoundedLines } from './bounded-lines.ts';
import { encodeSegment, keyProblem } from './grouping-key.ts';
import { compareLabelNames, type Labels, putLabel } from './labels.ts';

const LEGACY_LABEL_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*$/;
const BASE64URL = /^[A-Za-z0-9_-]*=*$/;

/** One Delete button: the group's raw key. */
export interface UiKey {
  readonly panel: number;
  /** Label name to raw value bytes, `job` included. */
  readonly raw: ReadonlyMap<string, Buffer>;
}

/** The group the page stopped at when its template failed. */
export interface UiStop {
  readonly panel: number;
  /** Its exact grouping key, read from the label badges; undefined when they are not exact. */
  readonly labels: Labels | undefined;
  /** Why `labels` is undefined. */
  readonly problem?: string;
}

export interface UiPage {
  readonly keys: UiKey[];
  /** Delete buttons that could not be read (an unexpected label name or base64). */
  readonly unreadable: number;
  /** The template error the page ends with, if any (text, unescaped). */
  readonly templateError?: string;
  /** With a template error: the group being rendered when it happened, if its Delete button was never rendered. */
  readonly stoppedAt?: UiStop;
}

/** A template error from LastPushSuccess indexing an empty family: the §3.4 listing crash. */
export function isLastPushSuccessCrash(error: string | undefined): boolean {
  return error !== undefined && /LastPushSuccess/.test(error) && /index out of range/.test(error);
}

const BUTTON =
  /\{ ((?:'[^'\\]*': '[^'\\]*'(?:, )?)*) \}, 'group-panel-(\d+)', event\)">Delete Group<\/button>/;
const PAIR = /'([^'\\]*)': '([^'\\]*)'/g;
const HEADER = /class="card-header" id="group-panel-(\d+)"/;
const ERROR = /id="template-error"[^>]*>([\s\S]*?)<\/div>/;

export class UiPageScanner {
  /**
   * `keep` chooses the Delete buttons worth keeping (a sweep wants a few keys out of a big page);
   * buttons that cannot be read are counted whatever it says.
   */
  constructor(
    private readonly keep?: (raw: ReadonlyMap<string, Buffer>) => boolean,
    /** Longer lines are not read but counted as unreadable (--max-group-bytes). */
    maxLineBytes = 16 * 2 ** 20,
  ) {
    this.lines = new BoundedLines(maxLineBytes);
  }

  private readonly lines: BoundedLines;
  private readonly keys: UiKey[] = [];
  private unreadable = 0;
  private templateError: string | undefined;
  private stoppedAt: UiStop | undefined;
  /** The group header being read: its panel, the text after it, whether its badges are closed. */
  private header: { panel: number; text: string; closed: boolean; deleted: boolean } | undefined;

  /** Feeds the next bytes of the page. */
  push(chunk: Buffer): void {
    // latin1 keeps one character per byte, so raw key bytes survive until they are decoded.
    this.lines.feed(chunk.toString('latin1'), (line) => this.line(line));
  }

  finish(): UiPage {
    this.lines.end((line) => this.line(line));
    return {
      keys: this.keys,
      // A line too long to read might have held a Delete button.
      unreadable: this.unreadable + this.lines.overlong,
      ...(this.templateError === undefined ? {} : { templateError: this.templateError }),
      ...(this.stoppedAt ? { stoppedAt: this.stoppedAt } : {}),
    };
  }

  private line(line: string): void {
    const header = HEADER.exec(line);
    if (header) {
      this.header = { panel: Number(header[1]), text: '', closed: false, deleted: false };
      return;
    }
    const h = this.header;
    if (h && !h.closed) {
      const end = line.indexOf('</button>');
      h.text += `${end < 0 ? line : line.slice(0, end)}\n`;
      if (end >= 0) h.closed = true;
    }
    if (line.includes('pushgateway.showDelModal(')) this.button(line);
    if (line.includes('id="template-error"') && this.templateError === undefined) {
      const m = ERROR.exec(line);
      this.templateError = htmlUnescape(latin1ToUtf8(m?.[1] ?? line)) ?? 'unreadable error';
      if (h?.closed && !h.deleted) this.stoppedAt = stopOf(h.panel, h.text);
    }
  }

  private button(line: string): void {
    const m = BUTTON.exec(line);
    if (!m) {
      this.unreadable++;
      return;
    }
    const panel = Number(m[2]);
    if (this.header?.panel === panel) this.header.deleted = true;
    const raw = new Map<string, Buffer>();
    for (const [, name = '', value = ''] of (m[1] ?? '').matchAll(PAIR)) {
      if (!LEGACY_LABEL_NAME.test(name) || !BASE64URL.test(value) || value.length % 4 === 1) {
        this.unreadable++;
        return;
      }
      raw.set(name, Buffer.from(value, 'base64url'));
    }
    if ((raw.get('job')?.length ?? 0) === 0) {
      this.unreadable++;
      return;
    }
    if (this.keep && !this.keep(raw)) return;
    this.keys.push({ panel, raw });
  }
}

/** Scans a whole page at once (tests, small pages). */
export function scanUiPage(page: Buffer | string): UiPage {
  const scanner = new UiPageScanner();
  scanner.push(typeof page === 'string' ? Buffer.from(page, 'utf8') : page);
  return scanner.finish();
}

const BADGE_START = '<span class="badge';
const BADGE = /^<span class="badge[^"]*">([^=<"]*)="([^"<]*)"<\/span>/;

/** The grouping key from the label badges of a group header (HTML-escaped, as bytes). */
function stopOf(panel: number, text: string): UiStop {
  const labels: Record<string, string> = {};
  let at = text.indexOf(BADGE_START);
  if (at < 0) return { panel, labels: undefined, problem: 'the group has no label badges' };
  while (at >= 0) {
    const m = BADGE.exec(text.slice(at));
    if (!m) return { panel, labels: undefined, problem: 'a label badge could not be read' };
    const name = m[1] ?? '';
    const value = htmlUnescape(latin1ToUtf8(m[2] ?? ''));
    if (!LEGACY_LABEL_NAME.test(name)) {
      return { panel, labels: undefined, problem: `label name ${JSON.stringify(name)} is unusual` };
    }
    if (value === undefined || value.includes('\uFFFD')) {
      return {
        panel,
        labels: undefined,
        problem: `the value of label "${name}" is not valid UTF-8, so the page does not show its bytes`,
      };
    }
    putLabel(labels, name, value);
    at = text.indexOf(BADGE_START, at + m[0].length);
  }
  const problem = keyProblem(labels);
  if (problem) return { panel, labels: undefined, problem: problem.detail };
  return { panel, labels };
}

/** Bytes carried in a latin1 string, decoded as UTF-8; U+FFFD marks invalid bytes. */
function latin1ToUtf8(text: string): string {
  return Buffer.from(text, 'latin1').toString('utf8');
}

const NAMED: Readonly<Record<string, string>> = {
  lt: '<',
  gt: '>',
  amp: '&',
  quot: '"',
  apos: "'",
};

/** Undoes Go html/template's escaping; undefined for an entity it would not produce. */
export function htmlUnescape(text: string): string | undefined {
  let bad = false;
  const out = text.replace(/&(#x[0-9a-fA-F]+|#[0-9]+|[a-zA-Z]+);/g, (_, entity: string) => {
    if (entity.startsWith('#x') || entity.startsWith('#X')) {
      return String.fromCodePoint(Number.parseInt(entity.slice(2), 16));
    }
    if (entity.startsWith('#')) return String.fromCodePoint(Number.parseInt(entity.slice(1), 10));
    const named = NAMED[entity];
    if (named === undefined) bad = true;
    return named ?? '';
  });
  return bad ? undefined : out;
}

/**
 * Decodes bytes the way Go's encoding/json writes them into the listing: valid UTF-8 as is, and
 * each byte that does not start a valid sequence as one U+FFFD (utf8.DecodeRune's rule, which
 * differs from TextDecoder's for truncated sequences).
 */
export function goLossyUtf8(bytes: Uint8Array): string {
  let out = '';
  let i = 0;
  while (i < bytes.length) {
    const b0 = bytes[i] ?? 0;
    if (b0 < 0x80) {
      out += String.fromCharCode(b0);
      i++;
      continue;
    }
    const [size, lo, hi] =
      b0 >= 0xc2 && b0 <= 0xdf
        ? [2, 0x80, 0xbf]
        : b0 === 0xe0
          ? [3, 0xa0, 0xbf]
          : b0 === 0xed
            ? [3, 0x80, 0x9f]
            : b0 >= 0xe1 && b0 <= 0xef
              ? [3, 0x80, 0xbf]
              : b0 === 0xf0
                ? [4, 0x90, 0xbf]
                : b0 >= 0xf1 && b0 <= 0xf3
                  ? [4, 0x80, 0xbf]
                  : b0 === 0xf4
                    ? [4, 0x80, 0x8f]
                    : [0, 0, 0];
    let ok = size > 0 && i + size <= bytes.length;
    for (let k = 1; ok && k < size; k++) {
      const b = bytes[i + k] ?? 0;
      ok = k === 1 ? b >= lo && b <= hi : b >= 0x80 && b <= 0xbf;
    }
    if (!ok) {
      out += '\uFFFD';
      i++;
      continue;
    }
    out += Buffer.from(bytes.subarray(i, i + size)).toString('utf8');
    i += size;
  }
  return out;
}

/** The key as the JSON listing shows it (invalid bytes as U+FFFD). */
export function listedLabelsOf(raw: ReadonlyMap<string, Buffer>): Labels {
  const labels: Record<string, string> = {};
  for (const [name, value] of raw) putLabel(labels, name, goLossyUtf8(value));
  return labels;
}

/** True when some value is not valid UTF-8: the JSON listing cannot carry this key. */
export function hasInvalidUtf8(raw: ReadonlyMap<string, Buffer>): boolean {
  for (const value of raw.values()) if (!isUtf8(value)) return true;
  return false;
}

/**
 * The DELETE path (relative to the base URL) for a raw key: built like groupPath (job first, then
 * the other names sorted, each value in its shortest safe form), except that a value which is not
 * valid UTF-8 is written as base64url of its exact bytes. Undefined when the key has no job or a
 * name a URL cannot carry.
 */
export function rawGroupPath(raw: ReadonlyMap<string, Buffer>): string | undefined {
  const job = raw.get('job');
  if (!job || job.length === 0) return undefined;
  for (const name of raw.keys()) if (!LEGACY_LABEL_NAME.test(name)) return undefined;
  const segment = (name: string, value: Buffer) =>
    isUtf8(value)
      ? encodeSegment(name, value.toString('utf8'))
      : `${name}@base64/${value.toString('base64url')}`;
  const names = [...raw.keys()].filter((n) => n !== 'job').sort();
  const parts = [segment('job', job)];
  for (const name of names) parts.push(segment(name, raw.get(name) ?? Buffer.alloc(0)));
  return `metrics/${parts.join('/')}`;
}

/** `{job="badutf8", v=<bytes ff>}`: a raw key for reports, invalid values shown as hex bytes. */
export function formatRawKey(raw: ReadonlyMap<string, Buffer>): string {
  const names = [...raw.keys()].sort(compareLabelNames);
  const show = (v: Buffer) =>
    isUtf8(v) ? JSON.stringify(v.toString('utf8')) : `<bytes ${v.toString('hex')}>`;
  return `{${names.map((n) => `${n}=${show(raw.get(n) ?? Buffer.alloc(0))}`).join(', ')}}`;
}

/** Raw values as base64url, for the JSON report. */
export function rawKeyBase64(raw: ReadonlyMap<string, Buffer>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of raw) putLabel(out, name, value.toString('base64url'));
  return out;
}
