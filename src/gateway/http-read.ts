/**
 * Reading answers within bounds: a short head for messages, or a whole body streamed to the caller
 * up to a byte limit. However much a server sends, no more than the bound is kept.
 */
import type { Dispatcher } from 'undici';

/** How much of a response body is read for a message; the rest is discarded unread. */
export const MESSAGE_BODY_BYTES = 4096;

type Body = Dispatcher.ResponseData['body'];

/**
 * The first bytes of a body as text, never more than `max` bytes however much is sent. A body cut
 * off is read as far as it came, unless `signal` aborted it (a timeout): that is thrown.
 */
export async function readHead(
  body: Body,
  signal?: AbortSignal,
  max = MESSAGE_BODY_BYTES,
): Promise<string> {
  const parts: Buffer[] = [];
  let bytes = 0;
  try {
    for await (const data of body) {
      const chunk = data as Buffer;
      parts.push(chunk.subarray(0, max - bytes));
      bytes += Math.min(chunk.length, max - bytes);
      if (bytes >= max) break; // leaving the loop destroys the body: the rest is never read
    }
  } catch (err) {
    if (signal?.aborted) throw err;
  }
  return Buffer.concat(parts).toString('utf8');
}

export interface BodyRead {
  /** Body bytes read (all of them unless `truncated`). */
  readonly bytes: number;
  /** The first few KiB of the body as UTF-8, for messages. */
  readonly head: string;
  /** Reading stopped at `maxBytes`. */
  readonly truncated: boolean;
}

/**
 * A whole body, each chunk handed to `onChunk` as it arrives, stopping after `maxBytes` (the rest
 * is discarded). Throws what the stream throws (a cut-off body, a timeout).
 */
export async function readBody(
  body: Body,
  options: { readonly onChunk?: (chunk: Buffer) => void; readonly maxBytes?: number },
): Promise<BodyRead> {
  const head: Buffer[] = [];
  let headBytes = 0;
  let bytes = 0;
  let truncated = false;
  for await (const data of body) {
    const chunk = data as Buffer;
    bytes += chunk.length;
    if (headBytes < MESSAGE_BODY_BYTES) {
      head.push(chunk.subarray(0, MESSAGE_BODY_BYTES - headBytes));
      headBytes += Math.min(chunk.length, MESSAGE_BODY_BYTES - headBytes);
    }
    options.onChunk?.(chunk);
    if (options.maxBytes !== undefined && bytes >= options.maxBytes) {
      truncated = true;
      body.destroy();
      break;
    }
  }
  return { bytes, head: Buffer.concat(head).toString('utf8'), truncated };
}

/** undici gives an array for a repeated header: its first value. */
export function headerValue(v: string | string[] | undefined): string | undefined {
  return Array.isArray(v) ? v[0] : v;
}

/** The start of a body, whitespace collapsed and shortened, for one-line messages. */
export function snippet(text: string, max = 160, more = '...'): string {
  const flat = text.replace(/\s+/g, ' ').trim();
  return flat.length > max ? `${flat.slice(0, max)}${more}` : flat;
}
