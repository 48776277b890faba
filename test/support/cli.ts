/** Runs the built CLI (bin/pgsweep.js) as a user would, capturing output and exit code. */
import { type ChildProcess, spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { SweepSummary } from '../../src/core/sweep-report.ts';

export const BIN = fileURLToPath(new URL('../../bin/pgsweep.js', import.meta.url));

export interface CliResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/** Starts the CLI and returns the child (to signal it) and its eventual result. */
export function startCli(
  args: string[],
  env: Record<string, string> = {},
): { child: ChildProcess; done: Promise<CliResult> } {
  // A clean environment: no PGSWEEP_* leaking in from the developer's shell.
  const base = Object.fromEntries(
    Object.entries(process.env).filter(([k]) => !k.startsWith('PGSWEEP_')),
  );
  const child = spawn(process.execPath, [BIN, ...args], {
    env: { ...base, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const done = new Promise<CliResult>((resolve, reject) => {
    let stdout = '';
    let stderr = '';
    child.stdout?.setEncoding('utf8').on('data', (d: string) => {
      stdout += d;
    });
    child.stderr?.setEncoding('utf8').on('data', (d: string) => {
      stderr += d;
    });
    child.on('error', reject);
    child.on('close', (code, signal) => resolve({ code, signal, stdout, stderr }));
  });
  return { child, done };
}

export function runCli(args: string[], env: Record<string, string> = {}): Promise<CliResult> {
  return startCli(args, env).done;
}

/** Parses --output json stdout. */
export function jsonOf(result: CliResult): SweepJson {
  try {
    return JSON.parse(result.stdout) as SweepJson;
  } catch {
    throw new Error(
      `stdout is not JSON (exit ${result.code}):\n${result.stdout}\nstderr:\n${result.stderr}`,
    );
  }
}

/** The JSON report of `pgsweep --output json`, as the tests read it. */
export interface SweepJson {
  schemaVersion: number;
  dryRun: boolean;
  check: boolean;
  interrupted: boolean;
  ttl: string;
  ttlSeconds: number;
  summary: SweepSummary;
  gateways: SweepJsonGateway[];
  groups: SweepJsonGroup[];
}

export interface SweepJsonGateway {
  gateway: string;
  ok: boolean;
  error?: string;
  now?: string | null;
  clockSource?: string;
  guard?: string;
  summary?: SweepSummary;
}

export interface SweepJsonGroup {
  gateway: string;
  labels: Record<string, string>;
  outcome: string;
  reason: string;
  detail?: string;
  stale: boolean;
  ageSeconds: number | null;
  lastPush: string | null;
  ttlSeconds: number | null;
  ttlSource: string | null;
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
