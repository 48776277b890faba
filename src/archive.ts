/**
 * `--archive-file`: before a group is deleted, its last state is appended as one JSON line, so the
 * per-run data a Pushgateway should never have held can flow into an event log (Loki,
 * Elasticsearch, ClickHouse) through ordinary log shipping. Writes are synchronous: a group whose
 * line could not be written is not deleted. `-` sends the lines to stderr as log events instead.
 */
import { closeSync, openSync, writeSync } from 'node:fs';
import { UsageError } from './errors.ts';
import type { Log } from './log.ts';
import type { Labels } from './matchers.ts';

export interface ArchivedGroup {
  readonly gateway: string;
  readonly labels: Labels;
  /** push_time_seconds as listed. */
  readonly pushTime: string | undefined;
  /** The group's JSON object from the listing: every metric family with its values. */
  readonly raw: string;
}

export interface Archive {
  /** Throws when the line could not be written; the caller must then keep the group. */
  record(group: ArchivedGroup, nowMs: number): void;
  close(): void;
}

/** The archive line: stable keys first, then the gateway's own representation of the group. */
export function archiveLine(group: ArchivedGroup, nowMs: number): string {
  const pushed = group.pushTime === undefined ? Number.NaN : Number(group.pushTime);
  return `${JSON.stringify({
    archivedAt: new Date(nowMs).toISOString(),
    gateway: group.gateway,
    labels: group.labels,
    lastPush: Number.isFinite(pushed) && pushed > 0 ? new Date(pushed * 1000).toISOString() : null,
    group: JSON.parse(group.raw) as unknown,
  })}\n`;
}

export function openArchive(path: string, log: Log): Archive {
  if (path === '-') {
    return {
      record(group, nowMs) {
        log.info(
          { archive: JSON.parse(archiveLine(group, nowMs)) as unknown },
          'archived group before deleting it',
        );
      },
      close() {},
    };
  }
  let fd: number;
  try {
    fd = openSync(path, 'a');
  } catch (err) {
    throw new UsageError(
      `cannot open --archive-file ${path} for appending (${(err as { code?: string }).code ?? 'error'})`,
    );
  }
  return {
    record(group, nowMs) {
      const line = Buffer.from(archiveLine(group, nowMs), 'utf8');
      let written = 0;
      while (written < line.length) written += writeSync(fd, line, written);
    },
    close() {
      closeSync(fd);
    },
  };
}
