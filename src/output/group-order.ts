/**
 * The order of groups in a report: by job, then by the other labels in name order, the same on
 * every machine and locale.
 */
import { type GroupReport, isNotable } from '../core/sweep-report.ts';
import { compareText, type Labels } from '../wire/labels.ts';

/**
 * The notable groups in a stable order, whatever order the gateway listed them in: by job, then by
 * the other labels in name order (a group without a label sorts before one with it), comparing
 * names and values by UTF-16 code units, so the order is the same on every machine and locale.
 */
export function sortedGroups(groups: readonly GroupReport[]): GroupReport[] {
  // Sorted in runs, then merged: the keys of 100k deleted groups held at once (about 13 MiB of
  // strings) made the report the run's memory peak on Node 22. Each key is built twice instead.
  const runs: GroupReport[][] = [];
  const notable = groups.filter(isNotable);
  for (let start = 0; start < notable.length; start += SORT_RUN) {
    const keyed = notable
      .slice(start, start + SORT_RUN)
      .map((g) => ({ g, key: packedSortKey(g.labels) }));
    keyed.sort((a, b) => compareText(a.key, b.key));
    runs.push(keyed.map((k) => k.g));
  }
  return runs.length <= 1 ? (runs[0] ?? []) : mergeRuns(runs);
}

/** Groups per sorted run: the sort keys of one run are alive at a time. */
const SORT_RUN = 4096;

interface Head {
  readonly run: number;
  index: number;
  key: string;
}

/**
 * Merges sorted runs with a binary heap of their heads. A tie goes to the earlier run, so the
 * result is what one stable sort of the whole list gives.
 */
function mergeRuns(runs: readonly GroupReport[][]): GroupReport[] {
  const before = (a: Head, b: Head) => {
    const c = compareText(a.key, b.key);
    return c < 0 || (c === 0 && a.run < b.run);
  };
  const heap: Head[] = [];
  const push = (h: Head) => {
    let i = heap.push(h) - 1;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      const p = heap[parent] as Head;
      if (!before(h, p)) break;
      heap[i] = p;
      i = parent;
    }
    heap[i] = h;
  };
  const siftDown = (h: Head) => {
    let i = 0;
    for (;;) {
      const l = 2 * i + 1;
      if (l >= heap.length) break;
      const r = l + 1;
      const child = r < heap.length && before(heap[r] as Head, heap[l] as Head) ? r : l;
      const c = heap[child] as Head;
      if (!before(c, h)) break;
      heap[i] = c;
      i = child;
    }
    heap[i] = h;
  };
  runs.forEach((groups, run) => {
    const first = groups[0];
    if (first) push({ run, index: 0, key: packedSortKey(first.labels) });
  });
  const out: GroupReport[] = [];
  while (heap.length > 0) {
    const top = heap[0] as Head;
    const groups = runs[top.run] as GroupReport[];
    out.push(groups[top.index] as GroupReport);
    const next = groups[++top.index];
    if (next) {
      top.key = packedSortKey(next.labels);
      siftDown(top);
    } else {
      const last = heap.pop() as Head;
      if (heap.length > 0) siftDown(last);
    }
  }
  return out;
}

/**
 * sortKey(labels) as one string that compares like compareKeys on the array: each part's NULs
 * are escaped as NUL SOH and parts are joined by NUL NUL, which sorts below any other character.
 */
export function packedSortKey(labels: Labels): string {
  // join() makes one flat string; += would leave a rope of small strings behind.
  return sortKey(labels)
    .map((part) => (part.includes('\0') ? part.replaceAll('\0', '\0\x01') : part))
    .join('\0\0');
}

export function sortKey(labels: Labels): string[] {
  const names = Object.keys(labels)
    .filter((n) => n !== 'job')
    .sort(compareText);
  const key = [labels.job ?? ''];
  for (const n of names) key.push(n, labels[n] ?? '');
  return key;
}

export function compareKeys(a: readonly string[], b: readonly string[]): number {
  for (let i = 0; i < Math.min(a.length, b.length); i++) {
    const c = compareText(a[i] ?? '', b[i] ?? '');
    if (c !== 0) return c;
  }
  return a.length - b.length;
}
