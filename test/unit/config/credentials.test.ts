import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { type Config, type FlagValues, resolveConfig } from '../../../src/config/config.ts';
import { parseConfigFile } from '../../../src/config/config-file.ts';
import { type ReadFile, requestSettings } from '../../../src/config/credentials.ts';
import { usageError } from '../../support/usage-error.ts';

type Env = Record<string, string | undefined>;

/** A realistic Config: resolved from flags and env, with a TTL given. */
function config(flags: FlagValues = {}, env: Env = {}): Config {
  return resolveConfig({ ttl: '2h', ...flags }, env);
}

/** An in-memory file system; records every path read. Missing files fail like fs does. */
function fakeFs(files: Record<string, string | Buffer>, errors: Record<string, string> = {}) {
  const reads: string[] = [];
  const read: ReadFile = (path) => {
    reads.push(path);
    const code = errors[path];
    if (code) {
      throw Object.assign(new Error(`${code}: boom, open '${path}' (do-not-echo)`), { code });
    }
    const content = files[path];
    if (content === undefined) {
      throw Object.assign(new Error(`ENOENT: no such file or directory, open '${path}'`), {
        code: 'ENOENT',
      });
    }
    return Buffer.isBuffer(content) ? content : Buffer.from(content, 'utf8');
  };
  return { read, reads };
}

const basic = (user: string, password: string) =>
  `Basic ${Buffer.from(`${user}:${password}`, 'utf8').toString('base64')}`;

describe('requestSettings: no auth', () => {
  it('sends no authorization header and verifies certificates by default', () => {
    const fs = fakeFs({});
    const s = requestSettings(config(), fs.read);
    assert.deepEqual(s.headers, {});
    assert.deepEqual(s.tls, { rejectUnauthorized: true });
    assert.deepEqual(fs.reads, []);
  });
});

describe('requestSettings: basic auth', () => {
  it('builds the header from the username and the password file, trimming its newline', () => {
    const fs = fakeFs({ '/run/secrets/pw': 's3cr3t\n' });
    const s = requestSettings(
      config({ username: 'sweeper', passwordFile: '/run/secrets/pw' }),
      fs.read,
    );
    assert.equal(s.headers.authorization, basic('sweeper', 's3cr3t'));
    assert.deepEqual(fs.reads, ['/run/secrets/pw']);
  });

  it('trims a CRLF too, but no other whitespace (it may be part of the password)', () => {
    const crlf = fakeFs({ '/pw': 'pa ss\r\n' });
    assert.equal(
      requestSettings(config({ username: 'u', passwordFile: '/pw' }), crlf.read).headers
        .authorization,
      basic('u', 'pa ss'),
    );
    const spaced = fakeFs({ '/pw': ' pw \t\n' });
    assert.equal(
      requestSettings(config({ username: 'u', passwordFile: '/pw' }), spaced.read).headers
        .authorization,
      basic('u', ' pw \t'),
    );
  });

  it('keeps a password without a newline as it is, including UTF-8', () => {
    const fs = fakeFs({ '/pw': 'pässwörd' });
    const s = requestSettings(config({ username: 'ü', passwordFile: '/pw' }), fs.read);
    assert.equal(s.headers.authorization, basic('ü', 'pässwörd'));
  });

  it('takes the password from PGSWEEP_PASSWORD without reading any file', () => {
    const fs = fakeFs({});
    const s = requestSettings(
      config({}, { PGSWEEP_USERNAME: 'u', PGSWEEP_PASSWORD: 'from-env' }),
      fs.read,
    );
    assert.equal(s.headers.authorization, basic('u', 'from-env'));
    assert.deepEqual(fs.reads, []);
  });

  it('reads the password file named by PGSWEEP_PASSWORD_FILE', () => {
    const fs = fakeFs({ '/env/pw': 'x\n' });
    const s = requestSettings(
      config({ username: 'u' }, { PGSWEEP_PASSWORD_FILE: '/env/pw' }),
      fs.read,
    );
    assert.equal(s.headers.authorization, basic('u', 'x'));
  });
});

describe('requestSettings: bearer auth', () => {
  it('takes the token from PGSWEEP_BEARER_TOKEN as given', () => {
    const fs = fakeFs({});
    const s = requestSettings(config({}, { PGSWEEP_BEARER_TOKEN: 'tok-123' }), fs.read);
    assert.equal(s.headers.authorization, 'Bearer tok-123');
    assert.deepEqual(fs.reads, []);
  });

  it('reads the token from --bearer-token-file, trimming its newline', () => {
    const fs = fakeFs({ '/var/run/token': 'eyJhbGciOi.x.y\n' });
    const s = requestSettings(config({ bearerTokenFile: '/var/run/token' }), fs.read);
    assert.equal(s.headers.authorization, 'Bearer eyJhbGciOi.x.y');
  });
});

describe('requestSettings: secret file errors', () => {
  it('turns an unreadable file into a UsageError naming the path and the code', () => {
    const fs = fakeFs({}, { '/pw': 'EACCES' });
    const e = usageError(
      () => requestSettings(config({ username: 'u', passwordFile: '/pw' }), fs.read),
      /cannot read password file from --password-file \/pw \(EACCES\)/,
    );
    assert.ok(!e.message.includes('do-not-echo'), e.message);
  });

  it('names a missing file', () => {
    usageError(
      () => requestSettings(config({ bearerTokenFile: '/missing' }), fakeFs({}).read),
      /\/missing \(ENOENT\)/,
    );
  });

  it('rejects an empty secret file, naming it', () => {
    for (const content of ['', '\n', '\r\n']) {
      usageError(
        () =>
          requestSettings(config({ bearerTokenFile: '/tok' }), fakeFs({ '/tok': content }).read),
        /bearer token file \/tok \(from --bearer-token-file\) is empty/,
      );
    }
    usageError(
      () =>
        requestSettings(config({ username: 'u', passwordFile: '/pw' }), fakeFs({ '/pw': '' }).read),
      /password file \/pw .* is empty/,
    );
  });

  it('never puts a secret into an error message', () => {
    // The password is read fine, then the CA file fails: the message names the CA, not the secret.
    const fs = fakeFs({ '/pw': 'hunter2\n' });
    const e = usageError(
      () =>
        requestSettings(config({ username: 'u', passwordFile: '/pw', caFile: '/ca.pem' }), fs.read),
      /--ca-file \/ca\.pem/,
    );
    assert.ok(!e.message.includes('hunter2'), e.message);
  });
});

describe('requestSettings: TLS', () => {
  it('reads the CA, client certificate and key files', () => {
    const fs = fakeFs({ '/ca.pem': 'CA PEM', '/c.pem': 'CERT PEM', '/k.pem': 'KEY PEM' });
    const s = requestSettings(
      config({ caFile: '/ca.pem', certFile: '/c.pem', keyFile: '/k.pem' }),
      fs.read,
    );
    assert.equal(s.tls.ca?.toString(), 'CA PEM');
    assert.equal(s.tls.cert?.toString(), 'CERT PEM');
    assert.equal(s.tls.key?.toString(), 'KEY PEM');
    assert.equal(s.tls.rejectUnauthorized, true);
    assert.deepEqual([...fs.reads].sort(), ['/c.pem', '/ca.pem', '/k.pem']);
  });

  it('keeps certificate bytes exactly (no newline trimming)', () => {
    const pem = '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n';
    const s = requestSettings(config({ caFile: '/ca.pem' }), fakeFs({ '/ca.pem': pem }).read);
    assert.equal(s.tls.ca?.toString(), pem);
  });

  it('turns off certificate verification only with --insecure-skip-verify', () => {
    const s = requestSettings(config({ insecureSkipVerify: true }), fakeFs({}).read);
    assert.equal(s.tls.rejectUnauthorized, false);
    assert.equal(s.tls.ca, undefined);
  });

  it('names an unreadable certificate file by its flag', () => {
    usageError(
      () =>
        requestSettings(
          config({ certFile: '/c.pem', keyFile: '/k.pem' }),
          fakeFs({ '/c.pem': 'x' }).read,
        ),
      /cannot read --key-file \/k\.pem \(ENOENT\)/,
    );
  });
});

describe('requestSettings: custom headers', () => {
  it('passes --header values through, alongside auth', () => {
    const s = requestSettings(
      config({ header: ['X-Scope-OrgID: team-a', 'X-Trace: 1'] }, { PGSWEEP_BEARER_TOKEN: 't' }),
      fakeFs({}).read,
    );
    assert.deepEqual(s.headers, {
      'X-Scope-OrgID': 'team-a',
      'X-Trace': '1',
      authorization: 'Bearer t',
    });
  });

  it('passes headers from a config file through', () => {
    const file = parseConfigFile('ttl: 1h\nheader:\n  X-Scope-OrgID: team-b\n', 'pg.yaml');
    const s = requestSettings(resolveConfig({}, {}, file), fakeFs({}).read);
    assert.deepEqual(s.headers, { 'X-Scope-OrgID': 'team-b' });
  });
});
