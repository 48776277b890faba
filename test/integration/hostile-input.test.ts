/**
 * Trying to break the CLI with hostile input: odd flag values, environment variables, config and
 * secret files that are bombs, devices, FIFOs or garbage, and malformed proxies. Every case must
 * end quickly with a documented exit code and one line on stderr, never the "unexpected error
 * (please report this)" path or a stack trace. The last tests run a real gateway holding a label
 * value built to make a backtracking regex engine take forever.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { type CliResult, jsonOf, sleep, startCli } from '../support/cli.ts';
import { type Gateway, startPushgateway } from '../support/pushgateway.ts';

const dir = mkdtempSync(join(tmpdir(), 'pgsweep-hostile-'));
after(() => rmSync(dir, { recursive: true, force: true }));

/** A path in the scratch directory holding `content`. */
function file(name: string, content: string | Buffer): string {
  const path = join(dir, name);
  writeFileSync(path, content);
  return path;
}

/** Nine levels of nine aliases each: 9^9 values once expanded. */
function aliasBomb(): string {
  const lines = ['a: &a ["x","x","x","x","x","x","x","x","x"]'];
  for (let i = 1; i < 9; i++) {
    const prev = String.fromCharCode(96 + i);
    const name = String.fromCharCode(97 + i);
    lines.push(`${name}: &${name} [${Array(9).fill(`*${prev}`).join(',')}]`);
  }
  return `${lines.join('\n')}\n`;
}

const SECRET = 'hunter2-s3cret';
const BASE = ['--url', 'http://127.0.0.1:9', '--ttl', '2h', '--dry-run'];

interface Case {
  readonly name: string;
  /** Built lazily, so paths exist by the time the case runs. */
  readonly args: () => string[];
  readonly env?: Record<string, string>;
  /** What stderr must say (besides the checks every case gets). */
  readonly error: RegExp;
  /** The exit code, when not 2 (usage error). */
  readonly code?: number;
}

const cases: Case[] = [
  // --config files.
  {
    name: 'config: YAML alias bomb',
    args: () => ['--config', file('bomb.yaml', aliasBomb()), ...BASE],
    error: /bomb\.yaml: its YAML aliases expand more than 100 times/,
  },
  {
    name: 'config: 60k open flow brackets',
    args: () => ['--config', file('flow.yaml', '['.repeat(60_000)), ...BASE],
    error: /more than 100 brackets open at once/,
  },
  {
    name: 'config: 30k nested block sequences',
    args: () => ['--config', file('block.yaml', '- '.repeat(30_000)), ...BASE],
    error: /nested too deeply/,
  },
  {
    name: 'config: 20 levels of indented maps',
    args: () => [
      '--config',
      file('indent.yaml', Array.from({ length: 20 }, (_, i) => `${'  '.repeat(i)}a:`).join('\n')),
      ...BASE,
    ],
    error: /nested deeper than 16 levels/,
  },
  {
    name: 'config: nested complex keys',
    args: () => ['--config', file('keys.yaml', '? '.repeat(500)), ...BASE],
    error: /a setting name must be a plain word/,
  },
  {
    name: 'config: a flood of YAML errors',
    args: () => ['--config', file('flood.yaml', 'a: '.repeat(20_000)), ...BASE],
    error: /config file is not valid YAML or JSON: .*; and \d+ more$|not valid YAML or JSON/,
  },
  {
    name: 'config: 10 MiB file',
    args: () => ['--config', file('big.yaml', Buffer.alloc(10 * 1024 * 1024, 0x20)), ...BASE],
    error: /big\.yaml \(larger than the 64 KiB limit/,
  },
  {
    name: 'config: /dev/zero',
    args: () => ['--config', '/dev/zero', ...BASE],
    error: /--config: cannot read \/dev\/zero \(a character device, not a regular file\)/,
  },
  {
    name: 'config: /dev/urandom',
    args: () => ['--config', '/dev/urandom', ...BASE],
    error: /cannot read \/dev\/urandom \(a character device/,
  },
  {
    name: 'config: a FIFO with no writer',
    args: () => ['--config', join(dir, 'fifo'), ...BASE],
    error: /fifo \(a FIFO, not a regular file\)/,
  },
  {
    name: 'config: a directory',
    args: () => ['--config', dir, ...BASE],
    error: /\(a directory, not a regular file\)/,
  },
  {
    name: 'config: a missing file',
    args: () => ['--config', join(dir, 'missing.yaml'), ...BASE],
    error: /missing\.yaml \(ENOENT\): check the path and permissions/,
  },
  {
    name: 'config: an empty path',
    args: () => ['--config', '', ...BASE],
    error: /--config/,
  },
  {
    name: 'config: a path with a newline',
    args: () => ['--config', join(dir, 'a\nb.yaml'), ...BASE],
    error: /a\\nb\.yaml" \(ENOENT\)/,
  },
  {
    name: 'config: binary garbage',
    args: () => [
      '--config',
      file('garbage.bin', Buffer.from(Array.from({ length: 8192 }, (_, i) => (i * 7919) % 256))),
      ...BASE,
    ],
    error: /garbage\.bin is not UTF-8 text/,
  },
  {
    name: 'config: invalid UTF-8',
    args: () => [
      '--config',
      file('latin1.yaml', Buffer.from('ttl: 2h\nx: caf\xe9\n', 'latin1')),
      ...BASE,
    ],
    error: /latin1\.yaml is not UTF-8 text/,
  },
  {
    name: 'config: NUL bytes in valid UTF-8',
    args: () => ['--config', file('nul.yaml', 'ttl: 2h\0\0\0\n'), ...BASE],
    error: /config file/,
  },
  {
    name: 'config: duplicate keys',
    args: () => ['--config', file('dup.yaml', 'ttl: 2h\nttl: 3h\n'), ...BASE],
    error: /dup\.yaml:2: Map keys must be unique/,
  },
  {
    name: 'config: JSON with a __proto__ key',
    args: () => [
      '--config',
      file('proto.json', '{"__proto__": {"dryRun": false}, "constructor": {"x": 1}}'),
      ...BASE,
    ],
    error: /unknown setting "__proto__"/,
  },
  {
    name: 'config: a selector with lookahead',
    args: () => ['--config', file('la.yaml', 'selectors: [\'{job=~"(?=a).*"}\']\n'), ...BASE],
    error: /la\.yaml:1: selectors\[0\]: invalid regular expression .*RE2 syntax/,
  },
  // Secret and certificate files.
  {
    name: 'password file: a FIFO',
    args: () => [...BASE, '--username', 'u', '--password-file', join(dir, 'fifo')],
    error: /cannot read password file from --password-file .*fifo \(a FIFO, not a regular file\)\n/,
  },
  {
    name: 'bearer token file: /dev/zero',
    args: () => [...BASE, '--bearer-token-file', '/dev/zero'],
    error: /bearer token file from --bearer-token-file \/dev\/zero \(a character device/,
  },
  {
    name: 'bearer token file: 2 MiB',
    args: () => [...BASE, '--bearer-token-file', file('token', 'x'.repeat(2 * 1024 * 1024))],
    error: /token \(larger than the 1 MiB limit/,
  },
  {
    name: 'bearer token file: a control character',
    args: () => [...BASE, '--bearer-token-file', file('token-ctl', `${SECRET}\x01\n`)],
    error: /contains a line break or control character/,
  },
  {
    name: 'CA file: a directory',
    args: () => [...BASE, '--ca-file', dir],
    error: /cannot read --ca-file .* \(a directory, not a regular file\)/,
  },
  {
    name: 'client certificate: /dev/urandom',
    args: () => [...BASE, '--cert-file', '/dev/urandom', '--key-file', '/dev/urandom'],
    error: /cannot read --cert-file \/dev\/urandom \(a character device/,
  },
  {
    name: 'password file from the environment: a FIFO',
    args: () => BASE,
    env: { PGSWEEP_USERNAME: 'u', PGSWEEP_PASSWORD_FILE: join(dir, 'fifo') },
    error: /from PGSWEEP_PASSWORD_FILE .*\(a FIFO/,
  },
  // Proxies.
  {
    name: 'HTTP_PROXY: unparseable, with a password',
    args: () => BASE,
    env: { HTTP_PROXY: `http://user:${SECRET}@[bad` },
    error: /HTTP_PROXY "http:\/\/\*\*\*@\[bad" is not a valid URL/,
  },
  {
    name: 'http_proxy: no scheme',
    args: () => BASE,
    env: { http_proxy: 'proxy.example:3128' },
    error: /http_proxy "proxy\.example:3128" is not an http:\/\/ or https:\/\/ proxy URL/,
  },
  {
    name: 'HTTPS_PROXY: user:password@host without a scheme',
    args: () => BASE,
    env: { HTTPS_PROXY: `user:${SECRET}@proxy.example:3128` },
    error: /HTTPS_PROXY "\*\*\*@proxy\.example:3128"/,
  },
  {
    name: 'https_proxy: a SOCKS URL',
    args: () => BASE,
    env: { https_proxy: `socks5://user:${SECRET}@proxy.example:1080` },
    error: /https_proxy "socks5:\/\/\*\*\*@proxy\.example:1080" is not an http/,
  },
  {
    name: 'HTTP_PROXY: a bad %-escape in the password',
    args: () => BASE,
    env: { HTTP_PROXY: `http://user:${SECRET}%zz@proxy.example:3128` },
    error: /invalid %-escape/,
  },
  {
    name: 'HTTP_PROXY: an unescaped ? in the password',
    args: () => BASE,
    env: { HTTP_PROXY: `http://user:12?${SECRET}@proxy.example` },
    error: /has a query or fragment/,
  },
  {
    name: 'HTTP_PROXY: a port out of range',
    args: () => BASE,
    env: { HTTP_PROXY: 'http://proxy.example:70000' },
    error: /is not a valid URL/,
  },
  {
    name: 'NO_PROXY: a URL instead of a host',
    args: () => BASE,
    env: { NO_PROXY: 'localhost,http://gateway:9091' },
    error: /NO_PROXY entry "http:\/\/gateway:9091\/" is not a host name/,
  },
  {
    name: 'no_proxy: a control character',
    args: () => BASE,
    env: { no_proxy: 'local\x01host' },
    error: /no_proxy entry "local\\u0001host" is not a host name/,
  },
  // Flags and their environment variables.
  {
    name: '--url: empty',
    args: () => ['--url', '', '--ttl', '2h', '--dry-run'],
    error: /--url/,
  },
  {
    name: '--url: unclosed IPv6 bracket',
    args: () => ['--url', 'http://[::1', '--ttl', '2h', '--dry-run'],
    error: /--url/,
  },
  {
    // The URL parser would drop the newline and go to http://127.0.0.1:9/.
    name: '--url: a newline',
    args: () => ['--url', 'http://127.0.0.1\n:9', '--ttl', '2h', '--dry-run'],
    error: /--url:? holds a control character/,
  },
  {
    name: '--url: a tab',
    args: () => ['--url', 'http://pushgate\tway:9091', '--ttl', '2h', '--dry-run'],
    error: /--url:? holds a control character/,
  },
  {
    name: '--url: credentials',
    args: () => ['--url', `http://user:${SECRET}@gw:9091`, '--ttl', '2h', '--dry-run'],
    error: /must not contain credentials/,
  },
  {
    name: '--url: a 100k-character route prefix',
    args: () => ['--url', `http://127.0.0.1:9/${'a'.repeat(100_000)}`, '--ttl', '2h', '--dry-run'],
    code: 1,
    error: /connection refused/,
  },
  {
    name: '--ttl: 0',
    args: () => ['--url', 'http://127.0.0.1:9', '--dry-run', '--ttl', '0'],
    error: /--ttl/,
  },
  {
    name: '--ttl: negative',
    args: () => ['--url', 'http://127.0.0.1:9', '--dry-run', '--ttl', '-1h'],
    error: /--ttl/,
  },
  {
    name: '--ttl: beyond any date',
    args: () => ['--url', 'http://127.0.0.1:9', '--dry-run', '--ttl', '99999999999999999999999y'],
    error: /--ttl/,
  },
  {
    name: '--ttl: empty',
    args: () => ['--url', 'http://127.0.0.1:9', '--dry-run', '--ttl', ''],
    error: /--ttl/,
  },
  {
    name: '--ttl: NaN',
    args: () => ['--url', 'http://127.0.0.1:9', '--dry-run', '--ttl', 'NaNs'],
    error: /--ttl/,
  },
  {
    name: '--ttl: from the environment, with a newline',
    args: () => ['--url', 'http://127.0.0.1:9', '--dry-run'],
    env: { PGSWEEP_TTL: '2h\n3h' },
    error: /PGSWEEP_TTL/,
  },
  {
    name: '--concurrency: 1e309',
    args: () => [...BASE, '--concurrency', '1e309'],
    error: /--concurrency/,
  },
  { name: '--timeout: 0s', args: () => [...BASE, '--timeout', '0s'], error: /--timeout/ },
  {
    name: '--selector: lookbehind',
    args: () => [...BASE, '--selector', '{job=~"(?<=a)b"}'],
    error: /--selector: invalid regular expression "\(\?<=a\)b" for label "job" in selector/,
  },
  {
    name: '--exclude: a backreference',
    args: () => [...BASE, '--exclude', '{job=~"(a)\\\\1"}'],
    error: /--exclude: invalid regular expression .*RE2 syntax/,
  },
  {
    name: '--rule: \\Z',
    args: () => [...BASE, '--rule', '{job=~"a\\\\Z"}=1h'],
    error: /--rule: invalid regular expression .*RE2 syntax/,
  },
  {
    name: '--selector: 100k unclosed groups',
    args: () => [...BASE, '--selector', `{job=~"${'('.repeat(100_000)}"}`],
    error: /--selector: invalid regular expression/,
  },
  {
    name: '--header: CR LF injection',
    args: () => [...BASE, '--header', 'X-A: b\r\nX-Injected: c'],
    error: /--header/,
  },
  {
    name: 'PGSWEEP_DRY_RUN: not a boolean',
    args: () => ['--url', 'http://127.0.0.1:9', '--ttl', '2h'],
    env: { PGSWEEP_DRY_RUN: 'maybe' },
    error: /PGSWEEP_DRY_RUN/,
  },
];

/** Measured on a loaded 2-core machine. */
const WITHIN_MS = 3000;
/** A run still going after this is killed and counted as a hang. */
const KILL_AFTER_MS = 15_000;

/** Runs the CLI, killing it if it hangs, and measures how long it took. */
async function timedRun(
  args: string[],
  env: Record<string, string> = {},
): Promise<{ result: CliResult; elapsed: number }> {
  const started = performance.now();
  const { child, done } = startCli(args, env);
  const killer = setTimeout(() => child.kill('SIGKILL'), KILL_AFTER_MS);
  try {
    const result = await done;
    return { result, elapsed: performance.now() - started };
  } finally {
    clearTimeout(killer);
  }
}

describe('hostile input: exit 2 with one line on stderr, quickly', () => {
  before(() => {
    execFileSync('mkfifo', [join(dir, 'fifo')]);
  });

  const tally = { cases: 0, slow: 0, hung: 0, unexpected: 0 };
  after(() => {
    // The figures the README and the report quote.
    process.stdout.write(
      `# hostile input: ${tally.cases} cases, ${tally.hung} hung, ${tally.slow} slow, ${tally.unexpected} unexpected errors\n`,
    );
  });

  for (const c of cases) {
    test(c.name, async () => {
      tally.cases++;
      const { result, elapsed } = await timedRun(c.args(), c.env ?? {});
      if (elapsed >= WITHIN_MS) tally.slow++;
      if (result.signal === 'SIGKILL') tally.hung++;
      if (/please report this/.test(result.stderr)) tally.unexpected++;
      const where = `stderr: ${JSON.stringify(result.stderr)}`;
      assert.equal(result.code, c.code ?? 2, where);
      assert.ok(elapsed < WITHIN_MS, `took ${elapsed.toFixed(0)} ms`);
      assert.doesNotMatch(result.stderr, /please report this/, where);
      assert.doesNotMatch(result.stderr, /\n\s+at /, `stack trace: ${where}`);
      // A runtime failure (exit 1) logs "sweep started" first; its error is still one line.
      const errorLines = result.stderr.split('\n').filter((l) => l.startsWith('pgsweep:'));
      assert.equal(errorLines.length, 1, `not one error line: ${where}`);
      if (c.code === undefined) {
        assert.match(result.stderr, /^pgsweep: error: [^\n]*\n$/, `not one line: ${where}`);
      }
      assert.match(result.stderr, c.error, where);
      assert.ok(!result.stderr.includes(SECRET), `printed a secret: ${where}`);
      if (c.code === undefined) assert.equal(result.stdout, '');
    });
  }
});

describe('hostile label values against regex matchers (real gateway)', () => {
  let gw: Gateway;
  const hostile = `${'a'.repeat(50_000)}!`;

  before(async () => {
    gw = await startPushgateway();
    assert.equal(await gw.push({ job: hostile }), 200);
    assert.equal(await gw.push({ job: 'aaaa' }), 200);
    // Ages come from the gateway's Date header, which has whole seconds only.
    await sleep(2500);
  });
  after(() => gw?.stop());

  for (const flag of ['--selector', '--exclude', '--rule'] as const) {
    test(`a dry run with ${flag} {job=~"(a+)+$"} finishes quickly`, async () => {
      // Bug probe: with JavaScript's RegExp this run took minutes, and --timeout did not apply.
      const matcher = '{job=~"(a+)+$"}';
      const args = [flag, flag === '--rule' ? `${matcher}=1h` : matcher, '--ttl', '1s'];
      const { result, elapsed } = await timedRun([
        '--url',
        gw.url,
        '--dry-run',
        '--output',
        'json',
        ...args,
      ]);
      assert.equal(result.code, 0, result.stderr);
      assert.ok(elapsed < WITHIN_MS, `took ${elapsed.toFixed(0)} ms`);
      const doc = jsonOf(result);
      assert.equal(doc.summary.scanned, 2);
      const stale = new Set(doc.groups.filter((g) => g.stale).map((g) => g.labels.job));
      // The selector takes only "aaaa"; the exclude leaves only the hostile group; the rule gives
      // "aaaa" 1h, so only the hostile group is past the 1s default.
      assert.deepEqual([...stale], flag === '--selector' ? ['aaaa'] : [hostile]);
    });
  }
});
