/** Everything pgsweep prints besides logs: results on stdout, error lines on stderr. */
import type { Config } from '../config/config.ts';
import { redact, redactLines, redactMessage } from '../core/redact.ts';
import type { GatewayResult } from '../output/report.ts';

export function fail(message: string): void {
  // One line whatever a user's value held: a line break in it must not start a second line.
  // biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what we escape
  const line = redactMessage(message).replace(/[\x00-\x08\x0a-\x1f\x7f]/g, (c) =>
    c === '\n' ? '\\n' : c === '\r' ? '\\r' : `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}`,
  );
  process.stderr.write(`pgsweep: error: ${line}\n`);
}

/**
 * An unknown option is named without what followed it: `--password=hunter2` and `-phunter2` are
 * shown as `--password` and `-p`, since the rest may be a secret typed in the wrong place.
 */
export function withoutOptionValue(text: string): string {
  return text.replace(/unknown option '(--[^=']*|-[^-'])[^']*'/g, "unknown option '$1'");
}

/**
 * Where results (the table or JSON report) go: stdout, unless `--archive-file -` claimed stdout for
 * the archive records; then stderr, so the records stay a clean stream no log level can silence.
 */
export function resultStream(config: Config): NodeJS.WriteStream {
  return config.archiveFile === '-' ? process.stderr : process.stdout;
}

export function noColor(): boolean {
  return process.env.NO_COLOR !== undefined && process.env.NO_COLOR !== '';
}

/**
 * Prints the results; a single gateway that failed is just the error line, except in JSON, where
 * the document (with ok: false and the error) is always printed.
 */
export function printResults(
  results: readonly Pick<GatewayResult<unknown>, 'gateway' | 'error'>[],
  format: () => string,
  json: boolean,
): void {
  const single = results.length === 1 ? results[0] : undefined;
  if (single?.error !== undefined && !json) {
    fail(single.error);
    return;
  }
  process.stdout.write(redact(format()));
  for (const g of results) {
    if (g.error !== undefined) fail(single ? g.error : `${g.gateway}: ${g.error}`);
  }
}

/**
 * Writes chunk by chunk, waiting for the reader whenever the stream's buffer is full: stdout to a
 * pipe is asynchronous, and without waiting a 100k-group report piled up in memory (measured: a
 * 357 MiB peak instead of 127 MiB when the output went to a pipe). Gives up quietly if the reader
 * goes away (EPIPE is handled below).
 */
export async function writeAll(
  stream: NodeJS.WritableStream,
  chunks: Iterable<string>,
): Promise<void> {
  for (const chunk of redactLines(chunks)) {
    if (stream.write(chunk)) continue;
    const drained = await new Promise<boolean>((resolve) => {
      const done = (ok: boolean) => () => {
        stream.off('drain', onDrain).off('error', onEnd).off('close', onEnd);
        resolve(ok);
      };
      const onDrain = done(true);
      const onEnd = done(false);
      stream.once('drain', onDrain).once('error', onEnd).once('close', onEnd);
    });
    if (!drained) return;
  }
}
