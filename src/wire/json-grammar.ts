/**
 * JSON's grammar (RFC 8259, as JSON.parse reads it) one byte at a time, for the listing splitter:
 * a sweep acts only on a well-formed listing, also where the splitter skips the bytes (the metric
 * families it does not read). A stack of open brackets and what may come next; numbers, literals
 * and escapes as small state machines whose state survives a chunk boundary anywhere.
 */
export class ListingSyntaxError extends Error {}

// What may come next outside strings, the ones used here (listing-splitter.ts has them all).
const VALUE = 0;
const VALUE_OR_CLOSE = 1;
const COLON = 4;
const AFTER_VALUE = 5;

// Inside a number: what was read last. The token is over at the first byte that cannot continue it.
const N_MINUS = 1;
const N_ZERO = 2; // a leading 0: no more digits before `.` or `e`
const N_INT = 3;
const N_DOT = 4;
const N_FRAC = 5;
const N_E = 6;
const N_E_SIGN = 7;
const N_EXP = 8;
const LITERAL = 9;
/** Number states a number may end in. */
const CAN_END = [false, false, true, true, false, true, false, false, true];

const LITERALS = ['true', 'false', 'null'];

/** After a backslash in a string; 1 to 4 are the hex digits of a `\u` escape still to come. */
export const ESCAPE_START = 5;
const SIMPLE_ESCAPES = new Uint8Array(256);
for (const c of '"\\/bfnrt') SIMPLE_ESCAPES[c.charCodeAt(0)] = 1;
const HEX = new Uint8Array(256);
for (const c of '0123456789abcdefABCDEF') HEX[c.charCodeAt(0)] = 1;

/** The escape state after byte `b` (0: the escape is complete); throws if `b` cannot stand there. */
export function nextEscape(state: number, b: number, at: number): number {
  if (state === ESCAPE_START) {
    if (SIMPLE_ESCAPES[b] === 1) return 0;
    if (b === 0x75) return 4;
  } else if (HEX[b] === 1) return state - 1;
  throw syntax(`a bad escape in a string (${describe(b)})`, at);
}

export function controlInString(b: number, at: number): ListingSyntaxError {
  return syntax(`a raw control byte (${describe(b)}) inside a string`, at);
}

/**
 * The first byte below 0x20 in chunk from `from`, or its length. Such bytes may only stand outside
 * strings, as space, so most chunks have none: 16 bytes are tested at a time. In a word, a byte
 * is below 0x20 exactly when the high bit of both it and its low 7 bits + 0x60 is clear.
 */
export function indexOfControl(chunk: Buffer, from: number): number {
  const n = chunk.length;
  let i = from;
  while (i < n && (chunk.byteOffset + i) % 4 !== 0) {
    if ((chunk[i] as number) < 0x20) return i;
    i++;
  }
  const words = (n - i) >>> 2;
  if (words >= 4) {
    const view = new Int32Array(chunk.buffer, chunk.byteOffset + i, words);
    let w = 0;
    for (; w + 4 <= words; w += 4) {
      const a = view[w] as number;
      const b = view[w + 1] as number;
      const c = view[w + 2] as number;
      const d = view[w + 3] as number;
      const high =
        (((a & 0x7f7f7f7f) + 0x60606060) | a) &
        (((b & 0x7f7f7f7f) + 0x60606060) | b) &
        (((c & 0x7f7f7f7f) + 0x60606060) | c) &
        (((d & 0x7f7f7f7f) + 0x60606060) | d) &
        0x80808080;
      if (high !== (0x80808080 | 0)) break;
    }
    i += w * 4;
  }
  for (; i < n; i++) if ((chunk[i] as number) < 0x20) return i;
  return n;
}

function isDigit(b: number): boolean {
  return b >= 0x30 && b <= 0x39;
}

/** The number state after byte `b`, or 0 if `b` does not continue the number. */
function nextInNumber(state: number, b: number): number {
  switch (state) {
    case N_MINUS:
      return b === 0x30 ? N_ZERO : isDigit(b) ? N_INT : 0;
    case N_ZERO:
      return b === 0x2e ? N_DOT : b === 0x65 || b === 0x45 ? N_E : 0;
    case N_INT:
      return isDigit(b) ? N_INT : b === 0x2e ? N_DOT : b === 0x65 || b === 0x45 ? N_E : 0;
    case N_DOT:
      return isDigit(b) ? N_FRAC : 0;
    case N_FRAC:
      return isDigit(b) ? N_FRAC : b === 0x65 || b === 0x45 ? N_E : 0;
    case N_E:
      return isDigit(b) ? N_EXP : b === 0x2b || b === 0x2d ? N_E_SIGN : 0;
    default: // N_E_SIGN, N_EXP
      return isDigit(b) ? N_EXP : 0;
  }
}

/**
 * The grammar's state between chunks. The splitter keeps `expect`, `level` and `stack` in local
 * variables while it scans a chunk and checks brackets, quotes and commas itself (its hot loop,
 * which switches on those bytes anyway); the rarer bytes come here.
 */
export class JsonGrammar {
  /** What may come next: VALUE ... AFTER_VALUE. */
  expect = VALUE;
  /** Open brackets (their bytes, `{` or `[`), innermost last; grows as deep as the text nests. */
  stack: Uint8Array = new Uint8Array(64);
  level = 0;
  /** Inside a number or literal (its state), or 0. */
  token = 0;
  private literal = '';
  private literalAt = 0;

  /** The text so far is one whole JSON value (and space). */
  complete(): boolean {
    return this.level === 0 && this.token === 0 && this.expect === AFTER_VALUE;
  }

  /** The stack, twice as large. */
  grow(): Uint8Array {
    const bigger = new Uint8Array(this.stack.length * 2);
    bigger.set(this.stack);
    this.stack = bigger;
    return bigger;
  }

  /**
   * Byte `b` inside a number or literal: true if it belongs to the token, false if the token
   * ended before it (the caller then reads `b` as any other byte outside strings).
   */
  tokenByte(b: number, at: number): boolean {
    if (this.token === LITERAL) {
      if (b !== this.literal.charCodeAt(this.literalAt)) throw unexpected(b, at);
      if (++this.literalAt === this.literal.length) this.token = 0;
      return true;
    }
    const next = nextInNumber(this.token, b);
    if (next !== 0) {
      this.token = next;
      return true;
    }
    if (CAN_END[this.token] !== true) throw unexpected(b, at);
    this.token = 0;
    return false;
  }

  /**
   * A byte outside strings other than a quote, bracket or comma: space, `:`, or the first byte of
   * a number or literal. Returns what may come next.
   */
  other(b: number, expect: number, at: number): number {
    if (b === 0x20 || b === 0x0a || b === 0x0d || b === 0x09) return expect;
    if (b === 0x3a) {
      if (expect !== COLON) throw unexpected(b, at);
      return VALUE;
    }
    if (expect > VALUE_OR_CLOSE) throw unexpected(b, at);
    if (b === 0x2d) this.token = N_MINUS;
    else if (b === 0x30) this.token = N_ZERO;
    else if (isDigit(b)) this.token = N_INT;
    else {
      const word = b === 0x74 ? 0 : b === 0x66 ? 1 : b === 0x6e ? 2 : -1;
      if (word < 0) throw unexpected(b, at);
      this.token = LITERAL;
      this.literal = LITERALS[word] as string;
      this.literalAt = 1;
    }
    return AFTER_VALUE;
  }
}

function describe(b: number): string {
  return b > 0x20 && b < 0x7f
    ? JSON.stringify(String.fromCharCode(b))
    : `byte 0x${b.toString(16).padStart(2, '0')}`;
}

function syntax(what: string, at: number): ListingSyntaxError {
  return new ListingSyntaxError(`listing is not valid JSON: ${what} at byte ${at}`);
}

export function unexpected(b: number, at: number): ListingSyntaxError {
  return syntax(`unexpected ${describe(b)}`, at);
}
