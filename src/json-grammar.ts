/**
 * JSON's grammar (RFC 8259, as JSON.parse reads it) one byte at a time, for the listing splitter:
 * a sweep acts only on a well-formed listing, also where the splitter skips the bytes (the metric
 * families it does not read). A stack of open brackets and what may come next; numbers, literals
 * and escapes as small state machines whose state survives a chunk boundary anywhere. The splitter
 * scans string contents itself (most of the bytes, its hot loop); every other byte comes here.
 */
export class ListingSyntaxError extends Error {}

// What may come next, outside strings.
const VALUE = 0; // after `:`, after `,` in an array, at the start
const VALUE_OR_CLOSE = 1; // after `[`
const NAME = 2; // after `,` in an object
const NAME_OR_CLOSE = 3; // after `{`
const COLON = 4; // after a member name
const AFTER_VALUE = 5; // `,` or the closing bracket (only space once the top value is closed)

const OBJECT = 1;
const ARRAY = 2;

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

export class JsonGrammar {
  private expect = VALUE;
  /** Open brackets, innermost last (OBJECT or ARRAY); grows as deep as the text nests. */
  private stack = new Uint8Array(64);
  private level = 0;
  /** Inside a number or literal (its state), or 0. */
  token = 0;
  private literal = '';
  private literalAt = 0;

  /** The text so far is one whole JSON value (and space). */
  complete(): boolean {
    return this.level === 0 && this.token === 0 && this.expect === AFTER_VALUE;
  }

  /**
   * Byte `b` inside a number or literal: true if it belongs to the token, false if the token
   * ended before it (the caller then hands `b` on as any other byte outside strings).
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

  // One method per kind of byte outside strings and tokens, small enough for V8 to inline in the
  // splitter's loop, which already switches on the byte: one dispatch instead of two.

  /** A quote opening a string (the caller scans its inside). */
  quote(at: number): void {
    const expect = this.expect;
    if (expect <= VALUE_OR_CLOSE) this.expect = AFTER_VALUE;
    else if (expect <= NAME_OR_CLOSE) this.expect = COLON;
    else throw unexpected(0x22, at);
  }

  /** `{` or `[`. */
  open(b: number, at: number): void {
    if (this.expect > VALUE_OR_CLOSE) throw unexpected(b, at);
    if (this.level === this.stack.length) {
      const bigger = new Uint8Array(this.stack.length * 2);
      bigger.set(this.stack);
      this.stack = bigger;
    }
    const object = b === 0x7b;
    this.stack[this.level++] = object ? OBJECT : ARRAY;
    this.expect = object ? NAME_OR_CLOSE : VALUE_OR_CLOSE;
  }

  /** `}` or `]`: it must close the innermost open bracket, after a value or right after it opened. */
  close(b: number, at: number): void {
    const expect = this.expect;
    const kind = this.level === 0 ? 0 : this.stack[this.level - 1];
    const ok =
      b === 0x7d
        ? kind === OBJECT && (expect === AFTER_VALUE || expect === NAME_OR_CLOSE)
        : kind === ARRAY && (expect === AFTER_VALUE || expect === VALUE_OR_CLOSE);
    if (!ok) throw unexpected(b, at);
    this.level--;
    this.expect = AFTER_VALUE;
  }

  comma(at: number): void {
    if (this.expect !== AFTER_VALUE || this.level === 0) throw unexpected(0x2c, at);
    this.expect = this.stack[this.level - 1] === OBJECT ? NAME : VALUE;
  }

  /** Any other byte: space, `:`, or the first byte of a number or literal. */
  other(b: number, at: number): void {
    if (b === 0x20 || b === 0x0a || b === 0x0d || b === 0x09) return;
    if (b === 0x3a) {
      if (this.expect !== COLON) throw unexpected(b, at);
      this.expect = VALUE;
      return;
    }
    if (this.expect > VALUE_OR_CLOSE) throw unexpected(b, at);
    this.expect = AFTER_VALUE;
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

function unexpected(b: number, at: number): ListingSyntaxError {
  return syntax(`unexpected ${describe(b)}`, at);
}
