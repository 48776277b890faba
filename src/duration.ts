/**
 * Prometheus duration grammar: one or more `<int><unit>` terms, units largest first,
 * each unit at most once (`1h30m`, `7d`, `90s`, `1w`). `0` alone is zero.
 */
const UNIT_MS = {
  y: 365 * 24 * 3600 * 1000,
  w: 7 * 24 * 3600 * 1000,
  d: 24 * 3600 * 1000,
  h: 3600 * 1000,
  m: 60 * 1000,
  s: 1000,
  ms: 1,
} as const;

type Unit = keyof typeof UNIT_MS;
const ORDER: readonly Unit[] = ['y', 'w', 'd', 'h', 'm', 's', 'ms'];
const TERM = /(\d+)(ms|y|w|d|h|m|s)/y;

export type DurationResult = { ok: true; ms: number } | { ok: false; error: string };

/** Parses a duration; returns an error message with a hint instead of throwing. */
export function parseDuration(input: string): DurationResult {
  const text = input.trim();
  if (text === '') return { ok: false, error: 'empty duration (use e.g. 90s, 15m, 2h, 7d)' };
  if (text === '0') return { ok: true, ms: 0 };
  if (/^\d+$/.test(text)) {
    return {
      ok: false,
      error: `"${input}" has no unit (did you mean ${text}s?); use s, m, h, d, w, y or ms`,
    };
  }
  if (/^\d*\.\d+[a-z]*$/.test(text)) {
    return {
      ok: false,
      error: `"${input}" is not a duration: use a whole number of a smaller unit (e.g. 90m, not 1.5h)`,
    };
  }
  let ms = 0;
  let pos = 0;
  let lastRank = -1;
  while (pos < text.length) {
    TERM.lastIndex = pos;
    const m = TERM.exec(text);
    if (!m) {
      return {
        ok: false,
        error: `"${input}" is not a duration (use e.g. 90s, 15m, 2h, 1h30m, 7d, 1w)`,
      };
    }
    const unit = m[2] as Unit;
    const rank = ORDER.indexOf(unit);
    if (rank <= lastRank) {
      return {
        ok: false,
        error: `"${input}" has units out of order or repeated (write the largest unit first, e.g. 1h30m)`,
      };
    }
    lastRank = rank;
    ms += Number(m[1]) * UNIT_MS[unit];
    pos = TERM.lastIndex;
  }
  if (!Number.isSafeInteger(ms)) return { ok: false, error: `"${input}" is too large` };
  return { ok: true, ms };
}

/** Formats milliseconds in the same grammar, largest units first (`93784000` -> `1d2h3m4s`). */
export function formatDuration(ms: number): string {
  if (!Number.isFinite(ms)) return String(ms);
  if (ms < 0) return `-${formatDuration(-ms)}`;
  let rest = Math.round(ms);
  if (rest === 0) return '0s';
  let out = '';
  for (const unit of ORDER) {
    const size = UNIT_MS[unit];
    const n = Math.floor(rest / size);
    if (n > 0) {
      out += `${n}${unit}`;
      rest -= n * size;
    }
  }
  return out;
}

/** A coarse, readable age for tables: the two largest units (`3d4h`, `5m12s`, `800ms`). */
export function formatAge(ms: number): string {
  if (!Number.isFinite(ms)) return '-';
  const sign = ms < 0 ? '-' : '';
  let rest = Math.abs(Math.round(ms));
  if (rest < 1000) return `${sign}${rest}ms`;
  rest = Math.floor(rest / 1000) * 1000;
  let out = '';
  let terms = 0;
  for (const unit of ORDER) {
    if (unit === 'ms' || terms === 2) break;
    const size = UNIT_MS[unit];
    const n = Math.floor(rest / size);
    if (n > 0 || terms > 0) {
      if (n > 0) out += `${n}${unit}`;
      rest -= n * size;
      terms++;
    }
  }
  return sign + out;
}
