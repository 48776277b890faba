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

/**
 * A readable age for tables: milliseconds below a second, seconds with one decimal below a minute
 * (`1.3s`), else the two largest units (`5m12s`, `3d4h`). Always rounded up at the last digit
 * shown: a stale group is older than its TTL, and rounding down would print it as equal to the
 * TTL (`1s` for 1.3s against a TTL of 1s). Ages are measured against the gateway's Date header,
 * which has whole seconds and so already reads up to a second young: rounding up never shows an
 * age that is much older than the truth.
 */
export function formatAge(ms: number): string {
  if (!Number.isFinite(ms)) return '-';
  const sign = ms < 0 ? '-' : '';
  const abs = Math.abs(ms);
  if (Math.ceil(abs) < UNIT_MS.s) return `${sign}${Math.ceil(abs)}ms`;
  const tenths = Math.ceil(abs / 100);
  if (tenths < 600) return `${sign}${(tenths / 10).toFixed(1)}s`;
  // 59.95s rounds up to a minute.
  const big = Math.max(abs, UNIT_MS.m);
  // The largest unit that fits, and the next one down as the precision to round up to.
  const at = ORDER.findIndex((u) => UNIT_MS[u] <= big);
  const step = UNIT_MS[ORDER[at + 1] ?? 's'];
  // Rounding up may carry into the next unit (59m59.5s is 1h): that is still exact in two terms.
  let rest = Math.ceil(big / step) * step;
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
