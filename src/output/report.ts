/** What the formatters share: one result per gateway, the table layout, times and sizes. */
/** One gateway's part of an inspect or doctor run: its report, or why it could not be examined. */
export interface GatewayResult<R> {
  readonly gateway: string;
  readonly report?: R;
  readonly error?: string;
}

/** Rows shown in the table before "... and N more" (JSON has them all, or up to its own limit). */
export const TABLE_ROWS = 20;

export const TABLE_GROUPS = 10;

/** Far-future push times (1e+300 after a clock jump) are beyond what Date can represent. */
export function isoOrNull(ms: number | undefined): string | null {
  if (ms === undefined) return null;
  const date = new Date(ms);
  return Number.isNaN(date.getTime()) ? null : date.toISOString();
}

export function formatBytes(n: number): string {
  if (n < 1024) return `${n} B`;
  const units = ['KiB', 'MiB', 'GiB', 'TiB'];
  let v = n / 1024;
  let i = 0;
  while (v >= 1024 && i < units.length - 1) {
    v /= 1024;
    i++;
  }
  return `${v.toFixed(v < 10 ? 1 : 0)} ${units[i]}`;
}

/** Left-aligned columns, two spaces apart, no trailing spaces; `right` columns are right-aligned. */
export function table(
  header: string[],
  rows: string[][],
  right: ReadonlySet<number> = new Set(),
): string[] {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const fmt = (cells: string[]) =>
    cells
      .map((c, i) =>
        i === cells.length - 1 && !right.has(i)
          ? c
          : right.has(i)
            ? c.padStart(widths[i] ?? 0)
            : c.padEnd(widths[i] ?? 0),
      )
      .join('  ')
      .trimEnd();
  return [fmt(header), ...rows.map(fmt)];
}

export function more(total: number, shown: number, what: string): string[] {
  return total > shown ? [`... and ${total - shown} more ${what} (see --output json)`] : [];
}

// ---------------------------------------------------------------- inspect
