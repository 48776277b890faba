/**
 * Loopback HTTP servers for faults a real Pushgateway cannot produce on demand: a scripted fake,
 * and a proxy in front of a real gateway that can rewrite chosen requests. Both record requests.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { rawRequest } from './pushgateway.ts';

export interface Recorded {
  method: string;
  path: string;
}

export interface TestServer {
  readonly url: string;
  readonly requests: Recorded[];
  close(): Promise<void>;
}

type Handler = (req: IncomingMessage, res: ServerResponse) => void | Promise<void>;

/**
 * close() also waits for handlers still running (a slow handler would otherwise go on after its
 * test, against servers the test has stopped) and then rejects with the first error a handler threw.
 */
export async function startServer(handler: Handler): Promise<TestServer> {
  const requests: Recorded[] = [];
  const running = new Set<Promise<void>>();
  const errors: unknown[] = [];
  const server: Server = createServer((req, res) => {
    requests.push({ method: req.method ?? '', path: req.url ?? '' });
    const run = (async () => {
      try {
        await handler(req, res);
      } catch (err) {
        errors.push(err);
        res.destroy();
      }
    })();
    running.add(run);
    void run.finally(() => running.delete(run));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/`,
    requests,
    async close() {
      server.closeAllConnections();
      await Promise.all(running);
      await new Promise((r) => server.close(r));
      if (errors.length > 0) throw errors[0];
    },
  };
}

/** What the proxy should do with a request: pass it on, or answer it itself. */
export type ProxyDecision = 'forward' | { status: number; body?: string };

export function startProxy(
  targetPort: number,
  decide: (method: string, path: string) => ProxyDecision,
): Promise<TestServer> {
  return startServer(async (req, res) => {
    const method = req.method ?? 'GET';
    const path = req.url ?? '/';
    const decision = decide(method, path);
    if (decision !== 'forward') {
      res.writeHead(decision.status, { 'content-type': 'text/plain' }).end(decision.body ?? '');
      return;
    }
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const upstream = await rawRequest(targetPort, method, path, Buffer.concat(chunks));
    const headers: Record<string, string> = {};
    for (const name of ['content-type', 'date', 'location']) {
      const v = upstream.headers[name];
      if (typeof v === 'string') headers[name] = v;
    }
    res.writeHead(upstream.status, headers).end(upstream.body);
  });
}

/**
 * One group as the JSON API lists it (spec §2.2), last pushed successfully at `pushTime` (Unix
 * seconds, as the gateway writes it), for scripted fakes.
 */
export function listedGroup(labels: Readonly<Record<string, string>>, pushTime: number | string) {
  const gauge = (value: string) => ({
    time_stamp: '2020-01-01T00:00:00Z',
    type: 'GAUGE',
    metrics: [{ labels: { instance: '', ...labels }, value }],
  });
  return {
    labels,
    last_push_successful: true,
    push_time_seconds: gauge(String(pushTime)),
    push_failure_time_seconds: gauge('0'),
  };
}
