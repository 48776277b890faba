/**
 * Splits the `GET /api/v1/metrics` body into its groups as the bytes arrive, so a sweep never holds
 * the whole listing (277 MB at 100k groups) or its parse tree in memory. It only tracks structure:
 * depth, strings and the top-level `"data"` array. Each element of that array is handed over as its
 * own JSON text, with where each of its members (`"name":value`) lies, so the caller can parse only
 * the few members it reads (the metric families are most of the bytes). Everything else (the
 * "skeleton", e.g. `{"status":"success","data":[]}`) is kept and checked at the end. Every byte is
 * checked against JSON's grammar (json-grammar.ts), also in the members it skips: a body JSON.parse
 * would refuse throws ListingSyntaxError, from `push` where it goes wrong or from `finish()` if it
 * is cut off.
 *
 * Scanning bytes is safe for UTF-8: multi-byte sequences never contain ASCII structural bytes.
 */
import {
  controlInString,
  ESCAPE_START,
  indexOfControl,
  JsonGrammar,
  ListingSyntaxError,
  nextEscape,
  unexpected,
} from './json-grammar.ts';

export { ListingSyntaxError };

// What may come next outside strings (json-grammar.ts uses the same values). Literals here, not
// imports: V8 does not fold an imported binding into a constant, and the loop reads them often.
const VALUE = 0; // after `:`, after `,` in an array, at the start
const VALUE_OR_CLOSE = 1; // after `[`
const NAME = 2; // after `,` in an object
const NAME_OR_CLOSE = 3; // after `{`
const COLON = 4; // after a member name
const AFTER_VALUE = 5; // `,` or a closing bracket (only space once the top value is closed)

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const LBRACE = 0x7b;
const RBRACE = 0x7d;
const LBRACKET = 0x5b;
const RBRACKET = 0x5d;
const COMMA = 0x2c;

/** A skeleton larger than this means the body is not the listing we know; give up early. */
const MAX_SKELETON_BYTES = 1 << 20;
/** Top-level keys longer than this are never "data"; only their start is kept. */
const MAX_KEY_BYTES = 64;

/** Which cap a listing went past: one group (or text line), or the whole body. */
export type ListingLimit = 'group' | 'listing';

/**
 * The listing went past a size cap: not a syntax problem, so the caller can name the setting.
 * Thrown before the bytes past the cap are kept, so memory stays at about the cap.
 */
export class ListingLimitError extends Error {
  constructor(
    readonly limit: ListingLimit,
    readonly maxBytes: number,
  ) {
    super(
      limit === 'group'
        ? `a group in the listing is larger than ${maxBytes} bytes`
        : `the listing is larger than ${maxBytes} bytes`,
    );
  }
}

export interface ListingLimits {
  /** Largest group (JSON: one element of "data"; text: one line). */
  readonly maxGroupBytes?: number;
  /** Largest whole body. */
  readonly maxListingBytes?: number;
}

/**
 * A group object's members as offsets into its JSON text, three per member: where its name's
 * opening quote is, its closing quote, and the end of its value (exclusive). Empty when the
 * element is not an object.
 */
export type MemberSpans = readonly number[];

// Where the scan is inside a group object's own members (depth 2).
const NOT_IN_OBJECT = 0;
const EXPECT_NAME = 1;
const IN_NAME = 2;
const IN_VALUE = 3;

function isSpace(b: number): boolean {
  return b === 0x20 || b === 0x0a || b === 0x0d || b === 0x09;
}

export class ListingSplitter {
  private depth = 0;
  private inString = false;
  /** Inside an escape in a string (json-grammar.ts's nextEscape), or 0. */
  private escape = 0;
  private readonly grammar = new JsonGrammar();
  /** Inside the top-level "data" array, between its brackets. */
  private inData = false;
  private inElement = false;
  /** The element is a string or scalar (ends at `,`/`]`), not an object or array. */
  private scalarElement = false;
  private elementParts: Buffer[] = [];
  /** Bytes of the current element in elementParts (offsets of members count from its start). */
  private elementLength = 0;
  private memberState = NOT_IN_OBJECT;
  private memberStart = 0;
  private memberNameEnd = 0;
  private members: number[] = [];
  private skeletonParts: Buffer[] = [];
  private skeletonBytes = 0;
  private keyParts: Buffer[] | undefined;
  private keyBytes = 0;
  private lastTopLevelString = '';
  private firstByteSeen = false;
  /** A "data" array was opened: JSON.parse keeps only the last of repeated members, so refuse. */
  private dataSeen = false;
  bytes = 0;
  elements = 0;

  private readonly maxGroupBytes: number;
  private readonly maxListingBytes: number;

  constructor(
    private readonly onElement: (json: Buffer, members: MemberSpans) => void,
    limits: ListingLimits = {},
  ) {
    this.maxGroupBytes = limits.maxGroupBytes ?? Number.POSITIVE_INFINITY;
    this.maxListingBytes = limits.maxListingBytes ?? Number.POSITIVE_INFINITY;
  }

  push(chunk: Buffer): void {
    this.bytes += chunk.length;
    if (this.bytes > this.maxListingBytes)
      throw new ListingLimitError('listing', this.maxListingBytes);
    const n = chunk.length;
    // Where this chunk starts in the body, for the offset in an error.
    const base = this.bytes - n;
    const grammar = this.grammar;
    // The grammar's state in locals for the loop; stored back at the end (after a throw the
    // splitter is not used again).
    let expect = grammar.expect;
    let level = grammar.level;
    let stack = grammar.stack;
    // Where the current skeleton or element segment started in this chunk (-1: none).
    let segment = this.inData && !this.inElement ? -1 : 0;
    if (!this.firstByteSeen && n > 0) {
      const first = chunk.findIndex((b) => !isSpace(b));
      if (first >= 0) {
        this.firstByteSeen = true;
        if (chunk[first] !== LBRACE) {
          const looksHtml = chunk[first] === 0x3c;
          throw new ListingSyntaxError(
            `listing is not valid JSON${looksHtml ? ' (looks like HTML: is --url the Pushgateway?)' : ''}: it does not start with "{"`,
          );
        }
      }
    }

    let nextQuote = -1;
    let nextBackslash = -1;
    let nextControl = -1;
    for (let i = 0; i < n; i++) {
      if (this.inString) {
        if (this.escape !== 0) {
          this.escape = nextEscape(this.escape, chunk[i] as number, base + i);
          continue;
        }
        // Jump to the next quote or backslash instead of stepping through every byte (anything
        // else may stand in a string, invalid UTF-8 too: JSON.parse reads it as U+FFFD), unless
        // a control byte comes first.
        if (nextQuote < i) nextQuote = indexOrEnd(chunk, QUOTE, i);
        if (nextBackslash < i) nextBackslash = indexOrEnd(chunk, BACKSLASH, i);
        if (nextControl < i) nextControl = indexOfControl(chunk, i);
        const stop = Math.min(nextQuote, nextBackslash);
        if (nextControl < stop)
          throw controlInString(chunk[nextControl] as number, base + nextControl);
        if (stop === n) break; // the chunk ends inside the string
        i = stop;
        if (stop === nextBackslash) {
          this.escape = ESCAPE_START;
          continue;
        }
        this.inString = false;
        if (this.keyParts && this.depth === 1) this.endTopLevelString(chunk, i);
        else if (this.memberState === IN_NAME) {
          this.memberNameEnd = this.elementLength + i - segment;
          this.memberState = IN_VALUE;
        }
        continue;
      }

      const b = chunk[i] as number;
      // Every byte outside strings goes through the grammar (first within a number or literal),
      // the rest tracks where the groups lie.
      if (grammar.token !== 0 && grammar.tokenByte(b, base + i)) continue;
      if (this.inData && this.depth === 1 && !this.inElement) {
        // Between elements of "data": find the next element or the closing `]`.
        if (isSpace(b)) continue;
        if (b === COMMA) {
          if (expect !== AFTER_VALUE) throw unexpected(b, base + i);
          expect = VALUE;
          continue;
        }
        if (b === RBRACKET) {
          if (expect !== AFTER_VALUE && expect !== VALUE_OR_CLOSE) throw unexpected(b, base + i);
          level--;
          expect = AFTER_VALUE;
          this.inData = false; // back in the top-level object, still at depth 1
          segment = i; // `]` starts the next skeleton segment
          continue;
        }
        this.inElement = true;
        this.scalarElement = b !== LBRACE && b !== LBRACKET;
        segment = i;
      }

      switch (b) {
        case QUOTE:
          if (expect <= VALUE_OR_CLOSE) expect = AFTER_VALUE;
          else if (expect <= NAME_OR_CLOSE) expect = COLON;
          else throw unexpected(b, base + i);
          this.inString = true;
          if (this.depth === 1 && !this.inData) {
            this.keyParts = [];
            this.keyBytes = 0;
            this.keyStart = i + 1;
          } else if (this.memberState === EXPECT_NAME && this.depth === 2) {
            this.memberStart = this.elementLength + i - segment;
            this.memberState = IN_NAME;
          }
          break;
        case LBRACE:
        case LBRACKET:
          if (expect > VALUE_OR_CLOSE) throw unexpected(b, base + i);
          if (level === stack.length) stack = grammar.grow();
          stack[level++] = b;
          expect = b === LBRACE ? NAME_OR_CLOSE : VALUE_OR_CLOSE;
          if (
            b === LBRACKET &&
            this.depth === 1 &&
            !this.inData &&
            this.lastTopLevelString === 'data'
          ) {
            // Skeleton keeps `[`; the elements are handed over one by one.
            this.addSkeleton(chunk.subarray(segment, i + 1));
            segment = -1;
            if (this.dataSeen)
              throw new ListingSyntaxError('listing has more than one "data" member');
            this.dataSeen = true;
            this.inData = true;
            this.lastTopLevelString = '';
            // The data array's interior stays at depth 1, so each group object sits at depth 2.
            continue;
          }
          this.depth++;
          // A group object opens: its members are tracked from here.
          if (this.inElement && !this.scalarElement && this.depth === 2 && b === LBRACE)
            this.memberState = EXPECT_NAME;
          break;
        case RBRACE:
        case RBRACKET:
          // It closes the innermost bracket (`{` is `}` - 2, `[` is `]` - 2), after a value or
          // right after the bracket opened.
          if (
            level === 0 ||
            stack[level - 1] !== b - 2 ||
            (expect !== AFTER_VALUE && expect !== (b === RBRACE ? NAME_OR_CLOSE : VALUE_OR_CLOSE))
          )
            throw unexpected(b, base + i);
          level--;
          expect = AFTER_VALUE;
          this.depth--;
          if (this.inElement && !this.scalarElement && this.depth === 1) {
            if (this.memberState === IN_VALUE) this.endMember(this.elementLength + i - segment);
            this.emit(chunk.subarray(segment, i + 1));
            segment = -1;
          } else if (this.inElement && this.scalarElement && this.depth === 0 && b === RBRACKET) {
            // `]` closing "data" right after a scalar element.
            this.depth = 1;
            this.emit(chunk.subarray(segment, i));
            this.inData = false;
            segment = i;
          }
          break;
        case COMMA:
          if (expect !== AFTER_VALUE || level === 0) throw unexpected(b, base + i);
          expect = stack[level - 1] === LBRACE ? NAME : VALUE;
          if (this.inElement && this.scalarElement && this.depth === 1) {
            this.emit(chunk.subarray(segment, i));
            segment = -1;
          } else if (this.depth === 2 && this.memberState === IN_VALUE) {
            this.endMember(this.elementLength + i - segment);
            this.memberState = EXPECT_NAME;
          }
          break;
        default:
          expect = grammar.other(b, expect, base + i);
      }
    }

    grammar.expect = expect;
    grammar.level = level;

    // Carry unfinished segments over to the next chunk.
    if (segment >= 0) {
      const rest = chunk.subarray(segment);
      if (this.inElement) {
        // Checked before keeping the bytes: an endless group (or string) is refused at the cap.
        if (this.groupCost(rest.length) > this.maxGroupBytes)
          throw new ListingLimitError('group', this.maxGroupBytes);
        this.elementParts.push(rest);
        this.elementLength += rest.length;
      } else if (!this.inData) this.addSkeleton(rest);
    }
    if (this.inString && this.keyParts && this.depth === 1 && !this.inData) {
      if (this.keyBytes < MAX_KEY_BYTES) {
        const part = chunk.subarray(Math.max(this.keyStart, 0));
        this.keyParts.push(part);
        this.keyBytes += part.length;
      }
    }
    this.keyStart = -1;
  }

  private keyStart = -1;

  private endTopLevelString(chunk: Buffer, end: number): void {
    const parts = this.keyParts ?? [];
    if (this.keyBytes < MAX_KEY_BYTES) parts.push(chunk.subarray(Math.max(this.keyStart, 0), end));
    const text = Buffer.concat(parts).toString('utf8');
    // A key spelled with escapes ("d\u0061ta") is the same key to JSON.parse.
    this.lastTopLevelString = text.includes('\\') ? unescapeJson(text) : text;
    this.keyParts = undefined;
  }

  private addSkeleton(part: Buffer): void {
    this.skeletonBytes += part.length;
    if (this.skeletonBytes > MAX_SKELETON_BYTES) {
      throw new ListingSyntaxError('listing has an unexpected shape (no "data" array of groups)');
    }
    // Copy: the chunk's memory must not stay pinned for the whole listing.
    this.skeletonParts.push(Buffer.from(part));
  }

  /**
   * What the current group holds: its bytes, plus 8 bytes per member offset. Real members take
   * 100 bytes or more of text, but `,"a":1` takes 6 and its 3 offsets 24 in a JS array: counting
   * them keeps a group of endless tiny members within the cap in memory too.
   */
  private groupCost(moreBytes: number): number {
    return this.elementLength + moreBytes + this.members.length * 8;
  }

  private endMember(end: number): void {
    this.members.push(this.memberStart, this.memberNameEnd, end);
  }

  private emit(last: Buffer): void {
    // Also for a group that arrived within one chunk, so the result never depends on chunking.
    if (this.groupCost(last.length) > this.maxGroupBytes)
      throw new ListingLimitError('group', this.maxGroupBytes);
    const parts = this.elementParts;
    const json = parts.length === 0 ? last : Buffer.concat([...parts, last]);
    const members = this.members;
    this.elementParts = [];
    this.elementLength = 0;
    this.members = [];
    this.memberState = NOT_IN_OBJECT;
    this.inElement = false;
    this.scalarElement = false;
    this.elements++;
    this.onElement(json, members);
  }

  /** The skeleton (everything but the groups) as JSON text; throws if the body was incomplete. */
  finish(): string {
    if (!this.firstByteSeen) throw new ListingSyntaxError('listing is empty');
    if (this.inString || this.inElement || this.inData || !this.grammar.complete()) {
      throw new ListingSyntaxError(
        'listing is not valid JSON: it ends before its last bracket (truncated)',
      );
    }
    return Buffer.concat(this.skeletonParts).toString('utf8');
  }
}

/** The text of a JSON string's inside, or the raw text if it is not valid (the skeleton check fails). */
function unescapeJson(inside: string): string {
  try {
    return JSON.parse(`"${inside}"`) as string;
  } catch {
    return inside;
  }
}

function indexOrEnd(chunk: Buffer, byte: number, from: number): number {
  const at = chunk.indexOf(byte, from);
  return at < 0 ? chunk.length : at;
}
