/**
 * A gateway-like decoder for DELETE paths, shared by the grouping-key tests and the fuzz tests.
 * Not a test file itself (no `.test.ts` suffix): it only throws AssertionErrors when a path would
 * be mangled or misread by the Pushgateway.
 */
import assert from 'node:assert/strict';

const PLAIN_SEGMENT = /^(?:[A-Za-z0-9\-._~]|%[0-9A-F]{2})+$/;
const BASE64URL = /^[A-Za-z0-9_-]+$/;

/**
 * Decodes a DELETE path the way the Pushgateway does (spec §4): split on '/', then per pair either
 * strip trailing '=' and decode base64url, or percent-decode. It also rejects what the gateway or
 * Go's ServeMux would mangle: empty, '.' and '..' segments, odd pair counts, '+' in base64.
 */
export function decodeGroupPath(path: string): Record<string, string> {
  assert.ok(path.startsWith('metrics/'), `path must start with metrics/: ${path.slice(0, 80)}`);
  const parts = path.slice('metrics/'.length).split('/');
  assert.equal(parts.length % 2, 0, 'odd number of path components');
  for (const p of parts) {
    assert.notEqual(p, '', 'empty segment (the gateway would see a different key)');
    assert.ok(p !== '.' && p !== '..', 'dot segment (ServeMux would redirect)');
  }
  const out: Record<string, string> = {};
  for (let i = 0; i < parts.length; i += 2) {
    let name = parts[i] ?? '';
    const raw = parts[i + 1] ?? '';
    let value: string;
    if (name.endsWith('@base64')) {
      name = name.slice(0, -'@base64'.length);
      const b64 = raw.replace(/=+$/, '');
      if (b64 !== '') {
        assert.match(b64, BASE64URL, `not base64url: ${b64.slice(0, 80)}`);
        assert.notEqual(b64.length % 4, 1, 'base64 length = 1 (mod 4) is invalid');
      }
      value = Buffer.from(b64, 'base64url').toString('utf8');
    } else {
      assert.match(raw, PLAIN_SEGMENT, `plain segment has unsafe characters: ${raw.slice(0, 80)}`);
      value = decodeURIComponent(raw);
      assert.ok(value !== '.' && value !== '..', 'decodes to a dot segment');
      assert.ok(!value.includes('/'), 'decodes to a path separator');
    }
    assert.ok(!Object.hasOwn(out, name), `label ${name} sent twice`);
    if (i === 0) assert.equal(name, 'job', 'the path must start with the job');
    out[name] = value;
  }
  return out;
}
