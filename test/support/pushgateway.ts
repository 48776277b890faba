/**
 * Starts a real Pushgateway on a free loopback port for one test file, and talks to it with raw
 * paths (no URL normalisation) so tests can push exactly the keys they mean.
 */
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { type ClientRequest, type IncomingMessage, request } from 'node:http';
import { createInterface } from 'node:readline';

export const INSTALL_HINT =
  'no Pushgateway binary found: install it (Debian/Ubuntu: apt-get install prometheus-pushgateway) or set PUSHGATEWAY_BIN';

export function findPushgatewayBinary(): string {
  const fromEnv = process.env.PUSHGATEWAY_BIN;
  if (fromEnv) return fromEnv;
  for (const name of ['pushgateway', 'prometheus-pushgateway']) {
    const found = spawnSync('sh', ['-c', `command -v ${name}`], { encoding: 'utf8' });
    if (found.status === 0 && found.stdout.trim()) return found.stdout.trim();
  }
  throw new Error(INSTALL_HINT);
}

export interface RawResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

/** One HTTP request with the path sent byte for byte. */
export function rawRequest(
  port: number,
  method: string,
  path: string,
  body?: string | Buffer,
  headers: Record<string, string> = {},
): Promise<RawResponse> {
  return sendRequest(
    (onResponse) => request({ host: '127.0.0.1', port, method, path, headers }, onResponse),
    body,
  );
}

/** Sends one request made by `start` (http or https) and collects the whole response. */
export function sendRequest(
  start: (onResponse: (res: IncomingMessage) => void) => ClientRequest,
  body?: string | Buffer,
): Promise<RawResponse> {
  return new Promise((resolve, reject) => {
    const req = start((res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () =>
        resolve({
          status: res.statusCode ?? 0,
          headers: res.headers,
          body: Buffer.concat(chunks).toString('utf8'),
        }),
      );
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end(body);
  });
}

export type Labels = Record<string, string>;

/** Always base64 every segment: exact whatever the value (test-side, independent of src/). */
export function b64Path(labels: Labels): string {
  const enc = (v: string) => (v === '' ? '=' : Buffer.from(v, 'utf8').toString('base64url'));
  const { job, ...rest } = labels;
  let path = `/metrics/job@base64/${enc(job ?? '')}`;
  for (const [name, value] of Object.entries(rest)) path += `/${name}@base64/${enc(value)}`;
  return path;
}

export interface Gateway {
  readonly port: number;
  /** The gateway process, for measuring its memory. */
  readonly pid: number;
  /** Base URL including the route prefix, ending in `/`. */
  readonly url: string;
  readonly prefix: string;
  /** PUT (default) a text body to a group addressed with base64 segments; resolves the status. */
  push(labels: Labels, body?: string, method?: 'PUT' | 'POST'): Promise<number>;
  /** The grouping keys currently listed, from the gateway's own JSON API. */
  keys(): Promise<Labels[]>;
  /** The raw group objects of the listing. */
  listing(): Promise<Array<Record<string, unknown>>>;
  stop(): Promise<void>;
}

export async function startPushgateway(
  /** startTimeoutMs: restoring a large persistence file happens before the gateway listens. */
  options: { routePrefix?: string; args?: string[]; startTimeoutMs?: number } = {},
): Promise<Gateway> {
  const startTimeoutMs = options.startTimeoutMs ?? 10_000;
  const bin = findPushgatewayBinary();
  const args = [
    '--web.listen-address=127.0.0.1:0',
    // No shared state between tests, unless the caller names its own file.
    ...(options.args?.some((a) => a.startsWith('--persistence.file='))
      ? []
      : ['--persistence.file=']),
    '--log.format=json',
    ...(options.routePrefix ? [`--web.route-prefix=${options.routePrefix}`] : []),
    ...(options.args ?? []),
  ];
  // Spawned directly (not via sh) so the PID we kill is the gateway's.
  const child: ChildProcess = spawn(bin, args, { stdio: ['ignore', 'ignore', 'pipe'] });
  const port = await new Promise<number>((resolve, reject) => {
    const timer = setTimeout(
      () =>
        reject(new Error(`Pushgateway did not report its port within ${startTimeoutMs / 1000}s`)),
      startTimeoutMs,
    );
    child.on('error', (err) => {
      clearTimeout(timer);
      reject(new Error(`could not start ${bin}: ${err.message}. ${INSTALL_HINT}`));
    });
    child.on('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`Pushgateway exited early with code ${code}`));
    });
    if (!child.stderr) throw new Error('no stderr pipe');
    const lines = createInterface({ input: child.stderr });
    lines.on('line', (line) => {
      try {
        const entry = JSON.parse(line) as { msg?: string; address?: string };
        if (entry.msg === 'Listening on' && entry.address) {
          clearTimeout(timer);
          resolve(Number(entry.address.split(':').pop()));
        }
      } catch {
        // not a JSON log line
      }
    });
  });
  const prefix = options.routePrefix ? `/${options.routePrefix.replace(/^\/+|\/+$/g, '')}` : '';
  const url = `http://127.0.0.1:${port}${prefix}/`;

  async function listing(): Promise<Array<Record<string, unknown>>> {
    const res = await rawRequest(port, 'GET', `${prefix}/api/v1/metrics`);
    if (res.status !== 200) throw new Error(`listing failed: ${res.status} ${res.body}`);
    return (JSON.parse(res.body) as { data: Array<Record<string, unknown>> }).data;
  }

  return {
    port,
    pid: child.pid ?? 0,
    url,
    prefix,
    async push(labels, body = 'pgsweep_test_value 1\n', method = 'PUT') {
      return (await rawRequest(port, method, `${prefix}${b64Path(labels)}`, body)).status;
    },
    listing,
    async keys() {
      // Keys are read from push_time_seconds' series so a hidden `labels` field does not matter;
      // instance="" is added there for keys without instance, so prefer the real map when valid.
      return (await listing()).map((g) => {
        const labels = g.labels as Record<string, unknown>;
        if (labels && typeof labels.job === 'string') return labels as Labels;
        const pt = g.push_time_seconds as { metrics: Array<{ labels: Labels }> };
        return pt.metrics[0]?.labels ?? {};
      });
    },
    async stop() {
      child.removeAllListeners('exit');
      if (child.exitCode !== null) return;
      const exited = new Promise((r) => child.once('exit', r));
      child.kill('SIGTERM');
      await exited;
    },
  };
}

/** Sorted canonical strings of keys, for order-free comparisons. */
export function keySet(keys: Labels[]): string[] {
  return keys
    .map((k) =>
      JSON.stringify(
        Object.keys(k)
          .sort()
          .map((n) => [n, k[n]]),
      ),
    )
    .sort();
}
