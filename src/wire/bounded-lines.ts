/**
 * Splits streamed text into lines, keeping at most `maxLineChars` of an unfinished line. A server
 * can send one endless line; without a bound the carried text grows with the body, and re-joining
 * it with every chunk is quadratic. A line past the bound is dropped whole and counted, so the
 * caller can report it instead of reading a line it never saw completely.
 */
export class BoundedLines {
  private carry = '';
  private skipping = false;
  /** Lines dropped because they were longer than the bound. */
  overlong = 0;

  constructor(private readonly maxLineChars: number) {}

  /** Hands every complete line in `text` to `onLine`; keeps the unfinished rest. */
  feed(text: string, onLine: (line: string) => void): void {
    let rest = text;
    if (this.skipping) {
      const nl = rest.indexOf('\n');
      if (nl < 0) return;
      rest = rest.slice(nl + 1);
      this.skipping = false;
    }
    if (!rest.includes('\n')) {
      this.carry += rest;
      this.checkCarry();
      return;
    }
    const lines = (this.carry + rest).split('\n');
    this.carry = lines.pop() ?? '';
    for (const line of lines) {
      if (line.length > this.maxLineChars) this.overlong++;
      else onLine(line);
    }
    this.checkCarry();
  }

  /** The last line, if the text did not end in a newline. */
  end(onLine: (line: string) => void): void {
    if (this.carry !== '') onLine(this.carry);
    this.carry = '';
  }

  private checkCarry(): void {
    if (this.carry.length <= this.maxLineChars) return;
    this.carry = '';
    this.skipping = true;
    this.overlong++;
  }
}
