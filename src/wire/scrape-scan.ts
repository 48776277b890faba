/**
 * Scanning the gateway's own scrape page (`GET /metrics`, text exposition format) as it streams in,
 * keeping only counts and the label sets of the two push gauges:
 *
 * - samples per `job` label: every series a group exposes carries its grouping labels, so this is
 *   what each job costs the Prometheus that scrapes the gateway (inspect);
 * - the label sets of `push_time_seconds` and `push_failure_time_seconds`: a group whose
 *   push_failure_time_seconds family has no sample (the §3.4 listing crash) shows the first and
 *   not the second (doctor's cross-check).
 *
 * Pure: fed bytes, returns facts.
 */
import { BoundedLines } from './bounded-lines.ts';
import { keyId } from './grouping-key.ts';
import { type Labels, putLabel } from './labels.ts';

export interface ScrapeScan {
  readonly bytes: number;
  /** Sample lines with a `job` label, by job. */
  readonly samplesByJob: ReadonlyMap<string, number>;
  /** keyId() of each push_time_seconds series' labels. */
  readonly pushTime: ReadonlySet<string>;
  /** keyId() of each push_failure_time_seconds series' labels. */
  readonly pushFailure: ReadonlySet<string>;
  /** Sample lines whose labels could not be read. */
  readonly unreadable: number;
}

const ESCAPES: Readonly<Record<string, string>> = { '\\': '\\', '"': '"', n: '\n' };

/**
 * A sample line: its metric name and labels, or undefined when it cannot be read.
 * `name{a="1",b="x\"y"} 1.5 [timestamp]`.
 */
export function parseSample(line: string): { name: string; labels: Labels } | undefined {
  let i = 0;
  while (i < line.length && line[i] !== '{' && line[i] !== ' ') i++;
  const name = line.slice(0, i);
  if (name === '') return undefined;
  const labels: Record<string, string> = {};
  if (line[i] !== '{') return { name, labels };
  i++;
  for (;;) {
    while (line[i] === ' ' || line[i] === ',') i++;
    if (line[i] === '}') return { name, labels };
    const eq = line.indexOf('=', i);
    if (eq < 0 || line[eq + 1] !== '"') return undefined;
    const label = line.slice(i, eq).trim();
    let value = '';
    let j = eq + 2;
    for (; j < line.length && line[j] !== '"'; j++) {
      if (line[j] === '\\') {
        const escaped = ESCAPES[line.charAt(j + 1)];
        if (escaped === undefined) return undefined;
        value += escaped;
        j++;
      } else value += line[j];
    }
    if (j >= line.length) return undefined;
    putLabel(labels, label, value);
    i = j + 1;
  }
}

/** The --max-group-bytes default: no real exposition line comes near it. */
const DEFAULT_MAX_LINE_BYTES = 16 * 2 ** 20;

export interface ScrapeScanOptions {
  /** Count samples per job (inspect). Default true. */
  readonly perJob?: boolean;
  /** Collect the push gauges' label sets (doctor, for a dead listing). Default true. */
  readonly pushGauges?: boolean;
  /** Longer lines are not read but counted as unreadable (--max-group-bytes). Default 16 MiB. */
  readonly maxLineBytes?: number;
}

export class ScrapeScanner {
  private readonly perJob: boolean;
  private readonly pushGauges: boolean;
  private readonly lines: BoundedLines;
  private bytes = 0;
  private unreadable = 0;
  private readonly decoder = new TextDecoder('utf-8');
  private readonly samplesByJob = new Map<string, number>();
  private readonly pushTime = new Set<string>();
  private readonly pushFailure = new Set<string>();

  constructor(options: ScrapeScanOptions = {}) {
    this.perJob = options.perJob ?? true;
    this.pushGauges = options.pushGauges ?? true;
    this.lines = new BoundedLines(options.maxLineBytes ?? DEFAULT_MAX_LINE_BYTES);
  }

  push(chunk: Buffer): void {
    this.bytes += chunk.length;
    this.lines.feed(this.decoder.decode(chunk, { stream: true }), (line) => this.line(line));
  }

  finish(): ScrapeScan {
    const online = (line: string) => this.line(line);
    this.lines.feed(this.decoder.decode(), online);
    this.lines.end(online);
    return {
      bytes: this.bytes,
      samplesByJob: this.samplesByJob,
      pushTime: this.pushTime,
      pushFailure: this.pushFailure,
      unreadable: this.unreadable + this.lines.overlong,
    };
  }

  private line(line: string): void {
    if (line === '' || line.startsWith('#')) return;
    // Cheap filter first: only lines with a job label, or the push gauges, matter.
    const gauge =
      this.pushGauges &&
      (line.startsWith('push_time_seconds{') || line.startsWith('push_failure_time_seconds{'));
    if (!gauge && !(this.perJob && line.includes('job="'))) return;
    const sample = parseSample(line);
    if (!sample) {
      this.unreadable++;
      return;
    }
    const job = sample.labels.job;
    if (this.perJob && job !== undefined)
      this.samplesByJob.set(job, (this.samplesByJob.get(job) ?? 0) + 1);
    if (!gauge) return;
    if (sample.name === 'push_time_seconds') this.pushTime.add(keyId(sample.labels));
    else if (sample.name === 'push_failure_time_seconds')
      this.pushFailure.add(keyId(sample.labels));
  }
}

/** The labels a group's series carry: its grouping key, plus `instance=""` when it has none. */
export function exposedLabels(key: Labels): Labels {
  return Object.hasOwn(key, 'instance') ? key : { ...key, instance: '' };
}
