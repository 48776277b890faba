/**
 * Sizes for the listing caps: a whole number of bytes (`1048576`), or a whole number with a unit,
 * binary (`KiB`, `MiB`, `GiB`, `TiB`) or decimal (`kB`, `MB`, `GB`, `TB`), e.g. `16MiB`, `1GiB`.
 * Units are case-insensitive; `B` is accepted for bytes.
 */
const UNITS: Readonly<Record<string, number>> = {
  b: 1,
  kib: 2 ** 10,
  mib: 2 ** 20,
  gib: 2 ** 30,
  tib: 2 ** 40,
  kb: 1e3,
  mb: 1e6,
  gb: 1e9,
  tb: 1e12,
};

export type ByteSizeResult = { ok: true; bytes: number } | { ok: false; error: string };

export function parseByteSize(input: string): ByteSizeResult {
  const m = /^(\d+)\s*([a-z]*)$/i.exec(input.trim());
  const unit = UNITS[(m?.[2] || 'b').toLowerCase()];
  if (!m || unit === undefined) {
    return {
      ok: false,
      error: `"${input}" is not a size: use bytes or a whole number with a unit, e.g. 16MiB, 512MiB, 1GiB`,
    };
  }
  const bytes = Number(m[1]) * unit;
  if (bytes === 0) return { ok: false, error: `"${input}" must be greater than 0 (e.g. 16MiB)` };
  if (!Number.isSafeInteger(bytes)) return { ok: false, error: `"${input}" is too large` };
  return { ok: true, bytes };
}

/** The shortest exact spelling: `16MiB`, `1GiB`, `1MB`, else plain bytes. */
export function formatByteSize(bytes: number): string {
  for (const unit of ['TiB', 'GiB', 'MiB', 'KiB', 'TB', 'GB', 'MB', 'kB'] as const) {
    const size = UNITS[unit.toLowerCase()] ?? 1;
    if (bytes >= size && bytes % size === 0) return `${bytes / size}${unit}`;
  }
  return `${bytes} bytes`;
}
