/**
 * A real Pushgateway behind `--web.config.file` (basic auth and/or TLS, exporter-toolkit), and a
 * test-side client for it that sends credentials and trusts the test CA. The plain harness in
 * pushgateway.ts pushes without auth over http, which such a gateway refuses; this wraps it.
 */

import { writeFileSync } from 'node:fs';
import { request as httpRequest, type RequestOptions } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { join } from 'node:path';
import {
  b64Path,
  type Labels,
  type RawResponse,
  sendRequest,
  startPushgateway,
} from './pushgateway.ts';

export interface WebConfig {
  /** user -> bcrypt hash */
  readonly basicAuthUsers?: Record<string, string>;
  readonly tls?: {
    readonly certFile: string;
    readonly keyFile: string;
    readonly clientAuthType?: 'RequireAndVerifyClientCert' | 'VerifyClientCertIfGiven';
    readonly clientCaFile?: string;
  };
}

/** What the test side sends: an Authorization header, the CA to trust, a client certificate. */
export interface ClientCredentials {
  readonly authorization?: string;
  readonly ca?: Buffer;
  readonly cert?: Buffer;
  readonly key?: Buffer;
}

export function basicAuthHeader(username: string, password: string): string {
  return `Basic ${Buffer.from(`${username}:${password}`, 'utf8').toString('base64')}`;
}

export interface SecureGateway {
  readonly port: number;
  /** `http://` or `https://127.0.0.1:<port>/`. */
  readonly url: string;
  readonly tls: boolean;
  /** One request with the given (default: the gateway's own) credentials. */
  request(
    method: string,
    path: string,
    body?: string,
    credentials?: ClientCredentials,
  ): Promise<RawResponse>;
  /** PUT a text body to a group (base64 segments); resolves the status. */
  push(labels: Labels, body?: string): Promise<number>;
  /** Grouping keys currently listed. */
  keys(): Promise<Labels[]>;
  stop(): Promise<void>;
}

/** JSON is YAML: no quoting surprises with `$` in bcrypt hashes. */
function webConfigYaml(web: WebConfig): string {
  const doc: Record<string, unknown> = {};
  if (web.basicAuthUsers) doc.basic_auth_users = web.basicAuthUsers;
  if (web.tls) {
    doc.tls_server_config = {
      cert_file: web.tls.certFile,
      key_file: web.tls.keyFile,
      ...(web.tls.clientAuthType ? { client_auth_type: web.tls.clientAuthType } : {}),
      ...(web.tls.clientCaFile ? { client_ca_file: web.tls.clientCaFile } : {}),
    };
  }
  return `${JSON.stringify(doc, null, 2)}\n`;
}

function send(
  tls: boolean,
  port: number,
  method: string,
  path: string,
  body: string | undefined,
  credentials: ClientCredentials,
): Promise<RawResponse> {
  const options: RequestOptions & { ca?: Buffer; cert?: Buffer; key?: Buffer } = {
    host: '127.0.0.1',
    port,
    method,
    path,
    agent: false,
    headers: credentials.authorization ? { authorization: credentials.authorization } : {},
    ...(tls && credentials.ca ? { ca: credentials.ca } : {}),
    ...(tls && credentials.cert ? { cert: credentials.cert } : {}),
    ...(tls && credentials.key ? { key: credentials.key } : {}),
  };
  return sendRequest(
    (onResponse) => (tls ? httpsRequest(options, onResponse) : httpRequest(options, onResponse)),
    body,
  );
}

/**
 * Writes the web config into `dir`, starts the gateway with it and checks that it really serves
 * with `credentials` (exporter-toolkit logs "Listening on" before it reads the config, and a bad
 * config makes the gateway exit 0 right after).
 */
export async function startSecureGateway(
  dir: string,
  name: string,
  web: WebConfig,
  credentials: ClientCredentials,
): Promise<SecureGateway> {
  const file = join(dir, `${name}.web.yml`);
  writeFileSync(file, webConfigYaml(web));
  const gw = await startPushgateway({ args: [`--web.config.file=${file}`] });
  const tls = web.tls !== undefined;
  const { port } = gw;
  const request = (method: string, path: string, body?: string, creds = credentials) =>
    send(tls, port, method, path, body, creds);

  try {
    const health = await request('GET', '/-/healthy');
    if (health.status !== 200) throw new Error(`/-/healthy answered ${health.status}`);
  } catch (err) {
    await gw.stop();
    throw new Error(`Pushgateway with ${file} is not serving: ${(err as Error).message}`);
  }

  return {
    port,
    url: `${tls ? 'https' : 'http'}://127.0.0.1:${port}/`,
    tls,
    request,
    async push(labels, body = 'pgsweep_test_value 1\n') {
      return (await request('PUT', b64Path(labels), body)).status;
    },
    async keys() {
      const res = await request('GET', '/api/v1/metrics');
      if (res.status !== 200) throw new Error(`listing failed: ${res.status} ${res.body}`);
      const groups = (JSON.parse(res.body) as { data: Array<Record<string, unknown>> }).data;
      return groups.map((g) => {
        const labels = g.labels as Record<string, unknown> | undefined;
        if (labels && typeof labels.job === 'string') return labels as Labels;
        const pt = g.push_time_seconds as { metrics: Array<{ labels: Labels }> };
        return pt.metrics[0]?.labels ?? {};
      });
    },
    stop: () => gw.stop(),
  };
}
