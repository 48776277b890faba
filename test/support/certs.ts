/**
 * A throwaway PKI for TLS tests, generated at test time with the `openssl` CLI: a CA, a server
 * certificate for 127.0.0.1 (subjectAltName IP:127.0.0.1) and a client certificate, both signed by
 * the CA. Own config files throughout, so the system openssl.cnf does not matter. EC P-256 keys
 * keep generation fast.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export const OPENSSL_HINT =
  'the `openssl` command is needed to generate test certificates: install it (Debian/Ubuntu: apt-get install openssl)';

export interface TestPki {
  readonly caFile: string;
  readonly serverCertFile: string;
  readonly serverKeyFile: string;
  readonly clientCertFile: string;
  readonly clientKeyFile: string;
  /** File contents, for node:https on the test side. */
  readonly ca: Buffer;
  readonly clientCert: Buffer;
  readonly clientKey: Buffer;
}

function openssl(dir: string, args: string[]): void {
  try {
    execFileSync('openssl', args, { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] });
  } catch (err) {
    const e = err as { code?: string; stderr?: Buffer };
    if (e.code === 'ENOENT') throw new Error(OPENSSL_HINT);
    throw new Error(`openssl ${args.join(' ')} failed: ${e.stderr?.toString() ?? String(err)}`);
  }
}

/** Minimal request config: no prompts, subject from -subj, no extensions from the system file. */
const REQ_CONFIG = `[req]
distinguished_name = dn
prompt = no
[dn]
CN = placeholder
[v3_ca]
basicConstraints = critical, CA:TRUE
keyUsage = critical, keyCertSign, cRLSign
subjectKeyIdentifier = hash
`;

const SERVER_EXT = `basicConstraints = CA:FALSE
keyUsage = critical, digitalSignature, keyEncipherment
extendedKeyUsage = serverAuth
subjectAltName = IP:127.0.0.1
authorityKeyIdentifier = keyid
subjectKeyIdentifier = hash
`;

const CLIENT_EXT = `basicConstraints = CA:FALSE
keyUsage = critical, digitalSignature, keyEncipherment
extendedKeyUsage = clientAuth
authorityKeyIdentifier = keyid
subjectKeyIdentifier = hash
`;

const EC = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];

/** Writes the PKI into `dir` (which must exist) and returns the paths and contents. */
export function makePki(dir: string): TestPki {
  writeFileSync(join(dir, 'req.cnf'), REQ_CONFIG);
  writeFileSync(join(dir, 'server.ext'), SERVER_EXT);
  writeFileSync(join(dir, 'client.ext'), CLIENT_EXT);
  openssl(dir, [
    'req',
    '-config',
    'req.cnf',
    '-x509',
    ...EC,
    '-extensions',
    'v3_ca',
    '-keyout',
    'ca.key',
    '-out',
    'ca.pem',
    '-days',
    '2',
    '-subj',
    '/CN=pgsweep test CA',
  ]);
  for (const [name, subject] of [
    ['server', '/CN=127.0.0.1'],
    ['client', '/CN=pgsweep test client'],
  ] as const) {
    openssl(dir, [
      'req',
      '-config',
      'req.cnf',
      ...EC,
      '-keyout',
      `${name}.key`,
      '-out',
      `${name}.csr`,
      '-subj',
      subject,
    ]);
    openssl(dir, [
      'x509',
      '-req',
      '-in',
      `${name}.csr`,
      '-CA',
      'ca.pem',
      '-CAkey',
      'ca.key',
      '-set_serial',
      name === 'server' ? '2' : '3',
      '-days',
      '2',
      '-extfile',
      `${name}.ext`,
      '-out',
      `${name}.pem`,
    ]);
  }
  const caFile = join(dir, 'ca.pem');
  const clientCertFile = join(dir, 'client.pem');
  const clientKeyFile = join(dir, 'client.key');
  return {
    caFile,
    serverCertFile: join(dir, 'server.pem'),
    serverKeyFile: join(dir, 'server.key'),
    clientCertFile,
    clientKeyFile,
    ca: readFileSync(caFile),
    clientCert: readFileSync(clientCertFile),
    clientKey: readFileSync(clientKeyFile),
  };
}
