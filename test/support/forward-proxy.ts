/**
 * A tiny forward proxy on loopback, as HTTP_PROXY/HTTPS_PROXY would name: CONNECT tunnels (piped
 * to net.connect) and plain absolute-URI requests (forwarded with node:http). It records every
 * target it was asked for, so tests can tell whether traffic went through it.
 */
import { createServer, request as httpRequest } from 'node:http';
import { type AddressInfo, connect, type Socket } from 'node:net';

export interface ProxyHit {
  readonly kind: 'connect' | 'forward';
  /** `host:port` for CONNECT, the absolute URI for a forwarded request. */
  readonly target: string;
  readonly method: string;
}

export interface ForwardProxy {
  readonly port: number;
  /** `http://127.0.0.1:<port>` */
  readonly url: string;
  readonly hits: ProxyHit[];
  close(): Promise<void>;
}

export async function startForwardProxy(): Promise<ForwardProxy> {
  const hits: ProxyHit[] = [];
  const sockets = new Set<Socket>();
  const track = (s: Socket) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  };

  const server = createServer((req, res) => {
    const target = req.url ?? '';
    hits.push({ kind: 'forward', target, method: req.method ?? '' });
    let url: URL;
    try {
      url = new URL(target);
    } catch {
      res.writeHead(400).end('absolute URI expected');
      return;
    }
    const upstream = httpRequest(
      {
        host: url.hostname,
        port: url.port,
        method: req.method,
        path: `${url.pathname}${url.search}`,
        headers: req.headers,
        agent: false,
      },
      (up) => {
        res.writeHead(up.statusCode ?? 502, up.headers);
        up.pipe(res);
      },
    );
    upstream.on('error', () => res.writeHead(502).end());
    req.pipe(upstream);
  });

  server.on('connection', track);
  server.on('connect', (req, client: Socket, head: Buffer) => {
    const target = req.url ?? '';
    hits.push({ kind: 'connect', target, method: 'CONNECT' });
    const [host, port] = [target.replace(/:\d+$/, ''), Number(target.split(':').pop())];
    const upstream = connect(port, host, () => {
      client.write('HTTP/1.1 200 Connection Established\r\n\r\n');
      if (head.length > 0) upstream.write(head);
      upstream.pipe(client);
      client.pipe(upstream);
    });
    track(upstream);
    upstream.on('error', () => client.end('HTTP/1.1 502 Bad Gateway\r\n\r\n'));
    client.on('error', () => upstream.destroy());
  });

  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as AddressInfo;
  return {
    port,
    url: `http://127.0.0.1:${port}`,
    hits,
    async close() {
      for (const s of sockets) s.destroy();
      server.closeAllConnections();
      await new Promise((r) => server.close(r));
    },
  };
}
