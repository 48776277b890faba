/**
 * Runs the real helm binary (fetched by scripts/fetch-helm.js) against helm/pgsweep, offline and
 * without a cluster, and parses what it renders.
 */
import { execFile, execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseAllDocuments } from 'yaml';

export const ROOT = fileURLToPath(new URL('../../', import.meta.url));
export const CHART = join(ROOT, 'helm', 'pgsweep');
export const CI_DIR = join(CHART, 'ci');
/** Every example values file, as `helm/pgsweep/ci/<name>`. */
export const CI_VALUES = readdirSync(CI_DIR)
  .filter((f) => f.endsWith('-values.yaml'))
  .sort();

export interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

let helmPath: string | undefined;
let helmHome: string | undefined;

/** Fetches helm (cached after the first run) and gives it private cache/config/data homes. */
export function setupHelm(): string {
  helmPath ??= execFileSync(process.execPath, [join(ROOT, 'scripts', 'fetch-helm.js')], {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'inherit'],
  }).trim();
  helmHome ??= mkdtempSync(join(tmpdir(), 'pgsweep-helm-'));
  return helmPath;
}

export function cleanupHelm(): void {
  if (helmHome) rmSync(helmHome, { recursive: true, force: true });
  helmHome = undefined;
}

export function helm(args: string[]): Promise<Run> {
  const bin = setupHelm();
  const home = helmHome as string;
  const env = {
    ...process.env,
    HELM_CACHE_HOME: join(home, 'cache'),
    HELM_CONFIG_HOME: join(home, 'config'),
    HELM_DATA_HOME: join(home, 'data'),
    // Never talk to whatever cluster the developer's kubeconfig points at.
    KUBECONFIG: join(home, 'no-kubeconfig'),
  };
  return new Promise((resolve, reject) => {
    execFile(bin, args, { env, maxBuffer: 16 * 1024 * 1024 }, (error, stdout, stderr) => {
      if (error && typeof error.code !== 'number') {
        reject(error);
        return;
      }
      resolve({ code: typeof error?.code === 'number' ? error.code : 0, stdout, stderr });
    });
  });
}

export interface RenderOptions {
  /** Values files: names in helm/pgsweep/ci, or absolute paths. */
  values?: string[];
  /** `--set` assignments. */
  set?: string[];
  /** `--set-string` assignments. */
  setString?: string[];
  /** `--set-json` assignments. */
  setJson?: string[];
  release?: string;
  namespace?: string;
}

export function templateArgs(opts: RenderOptions = {}): string[] {
  const args = [
    'template',
    opts.release ?? 'pgsweep',
    CHART,
    '--namespace',
    opts.namespace ?? 'monitoring',
  ];
  for (const v of opts.values ?? []) args.push('--values', v.startsWith('/') ? v : join(CI_DIR, v));
  for (const s of opts.set ?? []) args.push('--set', s);
  for (const s of opts.setString ?? []) args.push('--set-string', s);
  for (const s of opts.setJson ?? []) args.push('--set-json', s);
  return args;
}

export type Manifest = Record<string, unknown> & { apiVersion: string; kind: string };

/** Parses multi-document YAML the way Kubernetes does (YAML 1.1), failing on any YAML error. */
export function parseManifests(text: string): Manifest[] {
  return parseAllDocuments(text, { version: '1.1' }).flatMap((doc) => {
    if (doc.errors.length > 0) throw new Error(`invalid YAML: ${doc.errors[0]?.message}\n${text}`);
    const value = doc.toJS() as Manifest | null;
    return value === null ? [] : [value];
  });
}

/** `helm template`, which must succeed; returns the parsed manifests. */
export async function render(opts: RenderOptions = {}): Promise<Manifest[]> {
  const run = await helm(templateArgs(opts));
  if (run.code !== 0) throw new Error(`helm template failed (exit ${run.code}):\n${run.stderr}`);
  return parseManifests(run.stdout);
}

/** The one CronJob in a rendering. */
export function cronJobOf(manifests: Manifest[]): CronJobShape {
  const found = manifests.filter((m) => m.kind === 'CronJob');
  if (found.length !== 1) throw new Error(`expected one CronJob, got ${found.length}`);
  return found[0] as unknown as CronJobShape;
}

/** The parts of a rendered CronJob the tests read (kubernetes-models checks the full shape). */
export interface CronJobShape {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; labels: Record<string, string> };
  spec: {
    schedule: string;
    timeZone?: string;
    suspend?: boolean;
    concurrencyPolicy?: string;
    startingDeadlineSeconds?: number;
    successfulJobsHistoryLimit?: number;
    failedJobsHistoryLimit?: number;
    jobTemplate: {
      metadata?: { labels?: Record<string, string> };
      spec: {
        backoffLimit?: number;
        activeDeadlineSeconds?: number;
        podFailurePolicy?: { rules: Array<Record<string, unknown>> };
        template: {
          metadata?: { labels?: Record<string, string>; annotations?: Record<string, string> };
          spec: PodSpecShape;
        };
      };
    };
  };
}

export interface PodSpecShape {
  restartPolicy?: string;
  serviceAccountName?: string;
  automountServiceAccountToken?: boolean;
  securityContext?: Record<string, unknown>;
  imagePullSecrets?: Array<{ name: string }>;
  nodeSelector?: Record<string, string>;
  tolerations?: unknown[];
  affinity?: Record<string, unknown>;
  containers: ContainerShape[];
  volumes?: VolumeShape[];
}

export interface ContainerShape {
  name: string;
  image: string;
  imagePullPolicy?: string;
  command?: string[];
  args?: string[];
  env?: Array<{
    name: string;
    value?: string;
    valueFrom?: { secretKeyRef?: { name: string; key: string } };
  }>;
  securityContext?: Record<string, unknown>;
  resources?: Record<string, unknown>;
  volumeMounts?: Array<{ name: string; mountPath: string; readOnly?: boolean }>;
}

export interface VolumeShape {
  name: string;
  secret?: {
    secretName: string;
    defaultMode?: number;
    items?: Array<{ key: string; path: string }>;
  };
  configMap?: { name: string; defaultMode?: number; items?: Array<{ key: string; path: string }> };
  emptyDir?: Record<string, unknown>;
}

export function podSpecOf(cronJob: CronJobShape): PodSpecShape {
  return cronJob.spec.jobTemplate.spec.template.spec;
}

export function containerOf(cronJob: CronJobShape): ContainerShape {
  const containers = podSpecOf(cronJob).containers;
  const container = containers.find((c) => c.name === 'pgsweep');
  if (!container || containers.length !== 1) {
    throw new Error(`expected one container named pgsweep, got ${containers.map((c) => c.name)}`);
  }
  return container;
}

/** The `--flag` names in an argument list (`--flag=value` or a bare `--flag`). */
export function flagNames(args: readonly string[]): string[] {
  return args.filter((a) => a.startsWith('--')).map((a) => a.replace(/=.*$/s, ''));
}
