/**
 * `npm run bench [-- --n 100000 --rounds 3]`: sweeps a real Pushgateway holding N batch-job-shaped
 * groups, with pgsweep and with a raw baseline that sends the same HTTP requests with no logic,
 * alternating them, each on a freshly restored gateway. A pusher runs alongside (unless
 * --no-pusher: its slow checked pushes make run times vary several-fold); /-/healthy is polled
 * throughout. Prints wall time, the pgsweep/baseline ratio, pgsweep's peak RSS, the
 * gateway's peak RSS during the run and /-/healthy failures, and on stderr where each run's time
 * went (phase ends in seconds from its start). A benchmark, not a test: nothing here gates CI.
 */
import { spawn } from 'node:child_process';
import {
  copyFileSync,
  existsSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { Agent, request } from 'undici';
import { WriteWindow } from '../src/commands/sweep/write-window.ts';
import { BARRIER_BODY, BARRIER_PATH } from '../src/gateway/client.ts';
import { type Gateway, startPushgateway } from '../test/support/pushgateway.ts';

const { values: args } = parseArgs({
  options: {
    n: { type: 'string', default: '20000' },
    rounds: { type: 'string', default: '3' },
    concurrency: { type: 'string', default: '16' },
    modes: { type: 'string', default: 'auto,json,text' },
    // Reuse a populated store across runs (it is written there the first time).
    seed: { type: 'string' },
    // Time without the pusher, to see pgsweep's own cost apart from where checked pushes fall.
    'no-pusher': { type: 'boolean', default: false },
    // Extra pgsweep arguments, split on spaces: --args='--keep-latest 1 --per job,task_id' (with
    // '=', or parseArgs takes the value for an option).
    args: { type: 'string', default: '' },
    // Measure pgsweep only (the baseline is plain DELETEs: it does not change with --args).
    'no-baseline': { type: 'boolean', default: false },
  },
});
const EXTRA = (args.args ?? '').split(' ').filter(Boolean);
const N = Number(args.n);
const ROUNDS = Number(args.rounds);
const CONCURRENCY = Number(args.concurrency);
type Mode = 'auto' | 'json' | 'text';
const MODES = (args.modes ?? 'auto,json,text').split(',') as Mode[];
const BIN = fileURLToPath(new URL('../bin/pgsweep.js', import.meta.url));
const RSS_HOOK = fileURLToPath(new URL('./bench-rss.mjs', import.meta.url));

const DAGS = Array.from({ length: 50 }, (_, i) => `dag_${String(i).padStart(2, '0')}`);
const TASKS = Array.from({ length: 20 }, (_, i) => `task_${i}`);
const uuid = (i: number) =>
  `${i.toString(16).padStart(8, '0')}-4e1f-4a2b-9c3d-${(i * 2654435761).toString(16).slice(-12).padStart(12, '0')}`;

/** Grouping key path for group i (plain segments: all values are URL-safe). */
const groupPath = (i: number) =>
  `/metrics/job/${DAGS[i % DAGS.length]}/run_id/${uuid(i)}/task_id/${TASKS[i % TASKS.length]}`;

const BODY = [
  ...['duration_seconds', 'rows_processed', 'bytes_written', 'retries', 'exit_code'].map(
    (m, k) => `batch_${m} ${k * 17 + 1}`,
  ),
  '# TYPE batch_step_seconds histogram',
  ...[0.1, 0.25, 0.5, 1, 2.5, 5, 10, 25, 50, 100].map(
    (le, k) => `batch_step_seconds_bucket{le="${le}"} ${k + 1}`,
  ),
  'batch_step_seconds_bucket{le="+Inf"} 11',
  'batch_step_seconds_sum 123.4',
  'batch_step_seconds_count 11',
  '',
].join('\n');

const dispatcher = new Agent({ connections: 64, headersTimeout: 600_000, bodyTimeout: 600_000 });

async function call(
  port: number,
  method: 'GET' | 'PUT' | 'POST' | 'DELETE',
  path: string,
  body?: string,
) {
  const res = await request(`http://127.0.0.1:${port}${path}`, {
    method,
    body: body ?? null,
    dispatcher,
  });
  // Read every byte, as pgsweep must: undici's dump() would stop after 128 KiB and close.
  for await (const _ of res.body);
  return res.statusCode;
}

/** Phase ends, in seconds since `start`, for the per-run line on stderr. */
function phaseClock(start = performance.now()) {
  const marks: string[] = [];
  return {
    mark: (phase: string) =>
      marks.push(`${phase} ${((performance.now() - start) / 1000).toFixed(2)}`),
    toString: () => marks.join(', '),
  };
}

async function pool<T>(items: T[], limit: number, fn: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: limit }, async () => {
      while (next < items.length) await fn(items[next++] as T);
    }),
  );
}

function statusKiB(pid: number, field: 'VmRSS' | 'VmHWM'): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  return Number(new RegExp(`${field}:\\s+(\\d+)`).exec(status)?.[1] ?? 0);
}

/**
 * Resets the process's peak RSS (VmHWM) to its current RSS, so that the peak read at the end is
 * the run's, not the restore's (Linux 4.0+); false when the kernel refuses.
 */
function resetPeak(pid: number): boolean {
  try {
    writeFileSync(`/proc/${pid}/clear_refs`, '5');
    return true;
  } catch {
    return false;
  }
}

const dir = mkdtempSync(join(tmpdir(), 'pgsweep-bench-'));
const seed = args.seed ?? join(dir, 'seed.db');

async function populate(): Promise<void> {
  const started = performance.now();
  // Unchecked pushes are queued and applied without the O(store) consistency check.
  const gw = await startPushgateway({
    args: [
      '--push.disable-consistency-check',
      `--persistence.file=${seed}`,
      '--persistence.interval=1h',
    ],
  });
  await pool(
    Array.from({ length: N }, (_, i) => i),
    32,
    async (i) => {
      const status = await call(gw.port, 'PUT', groupPath(i), BODY);
      if (status !== 202 && status !== 200) throw new Error(`populate push ${i}: ${status}`);
    },
  );
  for (;;) {
    const res = await request(`http://127.0.0.1:${gw.port}/api/v1/metrics`, { dispatcher });
    const text = await res.body.text();
    const count = (text.match(/"push_time_seconds":/g) ?? []).length;
    if (count >= N) break;
    await new Promise((r) => setTimeout(r, 500));
  }
  await gw.stop(); // SIGTERM persists the store
  console.error(`populated ${N} groups in ${((performance.now() - started) / 1000).toFixed(1)}s`);
}

interface Sample {
  contender: string;
  wallMs: number;
  peakRssMiB?: number;
  /** The gateway's RSS when the run started (the restored store), and its peak during the run. */
  gatewayStartMiB: number;
  gatewayPeakMiB: number;
  healthyFailures: number;
  pusherMaxMs: number;
  deleted: number;
  /** Where the run's time went: phase ends in seconds from its start. */
  phases: string;
}

/** Starts a gateway restored from the seed, with the consistency check on (the default). */
async function restored(): Promise<{ gw: Gateway; pid: number }> {
  const file = join(dir, 'run.db');
  copyFileSync(seed, file);
  const gw = await startPushgateway({
    args: [`--persistence.file=${file}`],
    startTimeoutMs: 600_000,
  });
  const pid = gw.pid;
  // Wait until the restore is visible and the process has settled.
  while ((await call(gw.port, 'GET', '/-/healthy')) !== 200)
    await new Promise((r) => setTimeout(r, 200));
  return { gw, pid };
}

async function measure(
  contender: string,
  run: (gw: Gateway) => Promise<{ deleted: number; peakRssMiB?: number; phases: string }>,
): Promise<Sample> {
  const { gw, pid } = await restored();
  const baseRss = statusKiB(pid, 'VmRSS');
  const peakIsRun = resetPeak(pid);
  // Polled too, in case the kernel keeps the restore's peak (then VmHWM says nothing of the run).
  let maxRss = baseRss;
  let healthyFailures = 0;
  let pusherMaxMs = 0;
  let running = true;
  const sampler = (async () => {
    while (running) {
      maxRss = Math.max(maxRss, statusKiB(pid, 'VmRSS'));
      await new Promise((r) => setTimeout(r, 100));
    }
  })();
  const health = (async () => {
    while (running) {
      const status = await call(gw.port, 'GET', '/-/healthy').catch(() => 0);
      if (status !== 200) healthyFailures++;
      await new Promise((r) => setTimeout(r, 250));
    }
  })();
  // A job pushing alongside, as in production: every push is checked against the whole store.
  const pusher = (async () => {
    while (running && !args['no-pusher']) {
      const t = performance.now();
      await call(
        gw.port,
        'PUT',
        '/metrics/job/bench_pusher/instance/live',
        'bench_alive 1\n',
      ).catch(() => 0);
      pusherMaxMs = Math.max(pusherMaxMs, performance.now() - t);
      await new Promise((r) => setTimeout(r, 1000));
    }
  })();
  const started = performance.now();
  const result = await run(gw);
  const wallMs = performance.now() - started;
  running = false;
  await Promise.all([sampler, health, pusher]);
  const peak = peakIsRun ? Math.max(maxRss, statusKiB(pid, 'VmHWM')) : maxRss;
  await gw.stop();
  return {
    contender,
    wallMs,
    gatewayStartMiB: baseRss / 1024,
    gatewayPeakMiB: peak / 1024,
    healthyFailures,
    pusherMaxMs,
    ...result,
  };
}

/**
 * The same requests pgsweep sends for this mode, with no logic: list, re-list, the DELETEs at the
 * same concurrency held to the same write window (a barrier push every 250 answered deletes, at
 * most 500 unconfirmed), a final barrier, one confirming list, and removing the barrier's group.
 */
async function baseline(gw: Gateway, mode: Mode) {
  // auto reads the text page here: the store is healthy and no archive is written.
  const list = mode === 'json' ? '/api/v1/metrics' : '/metrics';
  const phases = phaseClock();
  await call(gw.port, 'GET', list);
  phases.mark('listed');
  await call(gw.port, 'GET', list);
  phases.mark('re-listed');
  // Text mode deletes both key forms of instance-less groups; these keys have no instance.
  const paths = Array.from({ length: N }, (_, i) => groupPath(i));
  const all = mode !== 'json' ? paths.flatMap((p) => [`${p}/instance@base64/=`, p]) : paths;
  const window = new WriteWindow(async () => {
    const status = await call(gw.port, 'POST', `/${BARRIER_PATH}`, BARRIER_BODY);
    return status === 400 ? { applied: true } : { applied: false, why: `${status}`, queued: false };
  });
  let deleted = 0;
  await pool(all, CONCURRENCY, async (p) => {
    await window.acquire();
    const status = await call(gw.port, 'DELETE', p);
    window.written(status === 202);
    if (status === 202) deleted++;
  });
  await window.drain();
  phases.mark('deleted');
  await call(gw.port, 'GET', list);
  await call(gw.port, 'DELETE', `/${BARRIER_PATH}`);
  phases.mark('confirmed');
  return { deleted: mode !== 'json' ? deleted / 2 : deleted, phases: `${phases}` };
}

/** pgsweep's info log lines that end a phase. */
const MILESTONES = /"msg":"(planned sweep|re-checked candidates|deletes sent)"/g;

function pgsweep(
  gw: Gateway,
  mode: Mode,
): Promise<{ deleted: number; peakRssMiB: number; phases: string }> {
  return new Promise((resolve, reject) => {
    // Run as users do: the bin itself, so its shebang's Node options apply, on this Node.
    const child = spawn(
      BIN,
      [
        '--url',
        gw.url,
        '--ttl',
        '1s',
        '--force',
        '--output',
        'json',
        '--listing',
        mode,
        '--concurrency',
        String(CONCURRENCY),
        '--exclude',
        '{job="bench_pusher"}',
        // info: its milestones give the phase line (a handful of log lines).
        '--log-level',
        'info',
        '--timeout',
        '10m',
        ...EXTRA,
      ],
      {
        stdio: ['ignore', 'pipe', 'pipe'],
        env: {
          ...process.env,
          NODE_OPTIONS: `${process.env.NODE_OPTIONS ?? ''} --import ${RSS_HOOK}`.trim(),
          PATH: `${dirname(process.execPath)}${delimiter}${process.env.PATH ?? ''}`,
        },
      },
    );
    let out = '';
    let err = '';
    const phases = phaseClock();
    child.stdout.on('data', (d) => {
      out += d;
    });
    let scanned = 0;
    child.stderr.on('data', (d) => {
      err += d;
      // Whole lines only: a log line may arrive in two pieces.
      const end = err.lastIndexOf('\n') + 1;
      for (const [, msg] of err.slice(scanned, end).matchAll(MILESTONES)) phases.mark(msg ?? '');
      scanned = Math.max(scanned, end);
    });
    child.on('error', reject);
    child.on('close', (code) => {
      const rss = Number(/BENCH_MAX_RSS_KB=(\d+)/.exec(err)?.[1] ?? Number.NaN);
      if (code !== 0) return reject(new Error(`pgsweep exited ${code}: ${err.slice(-2000)}`));
      phases.mark('exited');
      const doc = JSON.parse(out) as {
        summary: { deleted: number };
        gateways: Array<{ listing?: string }>;
      };
      // The listing auto chose must be the one the baseline reads, or the rows compare nothing.
      const read = doc.gateways[0]?.listing;
      const expected = mode === 'json' ? 'json' : 'text';
      if (read !== expected) return reject(new Error(`--listing ${mode} read ${read}`));
      resolve({ deleted: doc.summary.deleted, peakRssMiB: rss / 1024, phases: `${phases}` });
    });
  });
}

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)] ?? Number.NaN;
};

if (args.seed && existsSync(args.seed)) console.error(`reusing the populated store ${args.seed}`);
else await populate();
const samples: Sample[] = [];
for (let round = 0; round < ROUNDS; round++) {
  for (const mode of MODES) {
    // Alternate the order so drift in the machine's state does not favour one side.
    const order = round % 2 === 0 ? ['baseline', 'pgsweep'] : ['pgsweep', 'baseline'];
    for (const who of order) {
      if (who === 'baseline' && args['no-baseline']) continue;
      const name = `${who} (${mode})`;
      const sample =
        who === 'baseline'
          ? await measure(name, (gw) => baseline(gw, mode))
          : await measure(name, (gw) => pgsweep(gw, mode));
      console.error(
        `round ${round + 1}: ${name}: ${(sample.wallMs / 1000).toFixed(1)}s, deleted ${sample.deleted}, gateway ${sample.gatewayStartMiB.toFixed(0)} MiB at start, peak ${sample.gatewayPeakMiB.toFixed(0)} MiB, healthy failures ${sample.healthyFailures}${sample.peakRssMiB ? `, pgsweep peak ${sample.peakRssMiB.toFixed(0)} MiB` : ''}`,
      );
      console.error(`  phases: ${sample.phases}`);
      samples.push(sample);
    }
  }
}

console.log(
  `\nN = ${N} groups, ${ROUNDS} round(s), concurrency ${CONCURRENCY}, ${args['no-pusher'] ? 'no pusher' : 'a pusher alongside'}${EXTRA.length > 0 ? `, pgsweep ${EXTRA.join(' ')}` : ''}, medians:`,
);
console.log(
  'listing | baseline s | pgsweep s | ratio | pgsweep peak RSS MiB | gateway RSS at start MiB | gateway peak RSS MiB (baseline / pgsweep) | healthy failures (b / p) | pusher max s (b / p)',
);
for (const mode of MODES) {
  const of = (who: string) => samples.filter((s) => s.contender === `${who} (${mode})`);
  const b = of('baseline');
  const p = of('pgsweep');
  const mid = (xs: Sample[], f: (s: Sample) => number) => median(xs.map(f));
  console.log(
    [
      mode,
      (mid(b, (s) => s.wallMs) / 1000).toFixed(1),
      (mid(p, (s) => s.wallMs) / 1000).toFixed(1),
      (mid(p, (s) => s.wallMs) / mid(b, (s) => s.wallMs)).toFixed(2),
      mid(p, (s) => s.peakRssMiB ?? Number.NaN).toFixed(0),
      mid([...b, ...p], (s) => s.gatewayStartMiB).toFixed(0),
      `${mid(b, (s) => s.gatewayPeakMiB).toFixed(0)} / ${mid(p, (s) => s.gatewayPeakMiB).toFixed(0)}`,
      `${b.reduce((n, s) => n + s.healthyFailures, 0)} / ${p.reduce((n, s) => n + s.healthyFailures, 0)}`,
      `${(mid(b, (s) => s.pusherMaxMs) / 1000).toFixed(1)} / ${(mid(p, (s) => s.pusherMaxMs) / 1000).toFixed(1)}`,
    ].join(' | '),
  );
}
await dispatcher.close();
rmSync(dir, { recursive: true, force: true });
