/**
 * `node --expose-gc --import tsx scripts/family-memory.ts [--n 100000]`: the heap that
 * --keep-latest's families hold, measured on batch-job-shaped keys ({job, task_id, run_id}) for
 * three shapes: 100 families (50 DAGs x 20 tasks, the bench's), one family per 10 groups, and one
 * family per group (the worst case: --per names a per-run label). A measurement, not a test.
 */
import { parseArgs } from 'node:util';
import { FamilyRanker } from '../src/core/families.ts';

const { values } = parseArgs({ options: { n: { type: 'string', default: '100000' } } });
const N = Number(values.n);
const gc = (globalThis as { gc?: () => void }).gc;
if (!gc) throw new Error('run with node --expose-gc');
const NOW = 1_795_618_688_000;

/** `familyOf(i)`: the family number of group i. */
function measure(name: string, familyOf: (i: number) => number): void {
  // The labels are built first: the sweep has them anyway, so only the ranker's part is counted.
  const groups = Array.from({ length: N }, (_, i) => ({
    labels: { job: `dag_${familyOf(i) % 50}`, task_id: `task_${familyOf(i)}`, run_id: `run-${i}` },
    push: { pushTime: String((NOW - (i + 1) * 1000) / 1000), pushFailureTime: '0' },
  }));
  gc?.();
  gc?.();
  const before = process.memoryUsage().heapUsed;
  const ranker = new FamilyRanker({
    selectors: [],
    excludes: [],
    keepLatest: { keep: 1, per: ['job', 'task_id'] },
  });
  const started = performance.now();
  for (const g of groups) ranker.see(g.labels, g.push, NOW);
  const ms = performance.now() - started;
  gc?.();
  gc?.();
  const bytes = process.memoryUsage().heapUsed - before;
  const families = ranker.families.size;
  // Keep the groups alive until now, so only the ranker's growth is counted.
  if (groups.length !== N) throw new Error('unreachable');
  console.log(
    `${name}: ${N} groups, ${families} families, ${(bytes / 1024 / 1024).toFixed(1)} MiB held, ` +
      `${Math.round(bytes / families)} B per family, ${(bytes / N).toFixed(1)} B per group, ranked in ${ms.toFixed(0)} ms`,
  );
}

measure('100 families', (i) => i % 100);
measure('1 family per 10 groups', (i) => Math.floor(i / 10));
measure('1 family per group', (i) => i);
