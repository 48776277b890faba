/**
 * Folds per-group log lines: a sweep of 100k groups that skips them all for one reason should say
 * so in a few lines, not 100k. A line that names a group (a `group` field) is logged for the first
 * few groups of its kind; the rest are counted and told in one line when the sweep flushes.
 */
import type { Log } from './log.ts';

/** How many lines of one kind are logged in full before the rest are only counted. */
export const FOLD_AFTER = 3;

type Level = 'info' | 'warn' | 'error';

interface Kind {
  readonly level: Level;
  readonly what: string;
  readonly reason: string;
  count: number;
}

export interface FoldingLog {
  readonly log: Log;
  /** Logs one `N more groups ...` line per kind that went past the limit, and starts over. */
  flush(): void;
}

export function foldingLog(log: Log, limit = FOLD_AFTER): FoldingLog {
  const kinds = new Map<string, Kind>();
  const fold =
    (level: Level) =>
    (obj: Record<string, unknown>, msg: string): void => {
      if (obj.group === undefined) {
        log[level](obj, msg);
        return;
      }
      // A kind: the level and the reason when there is one, else the message up to its first colon.
      const head = msg.split(':', 1)[0] ?? msg;
      const reason = typeof obj.reason === 'string' ? obj.reason : head;
      const id = `${level}\u0000${reason}`;
      let kind = kinds.get(id);
      if (!kind) {
        kind = { level, what: verbOf(head), reason, count: 0 };
        kinds.set(id, kind);
      }
      kind.count++;
      if (kind.count <= limit) log[level](obj, msg);
    };
  return {
    log: {
      // Called through `log`: pino's methods need their `this`.
      debug: (obj, msg) => log.debug(obj, msg),
      info: fold('info'),
      warn: fold('warn'),
      error: fold('error'),
    },
    flush() {
      for (const k of kinds.values()) {
        const more = k.count - limit;
        if (more <= 0) continue;
        log[k.level](
          { groups: more, reason: k.reason },
          `${more} more group${more === 1 ? '' : 's'} ${k.what} for the same reason (${k.reason})`,
        );
      }
      kinds.clear();
    },
  };
}

function verbOf(head: string): string {
  if (head.startsWith('skipping')) return 'skipped';
  if (head.startsWith('keeping') || head.startsWith('not deleted')) return 'kept';
  if (head.startsWith('delete failed')) return 'failed to delete';
  return 'logged';
}
