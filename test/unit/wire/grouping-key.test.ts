import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  base64UrlEncode,
  encodeSegment,
  formatLabels,
  groupPath,
  keyId,
  keyProblem,
  percentEncode,
} from '../../../src/wire/grouping-key.ts';
import type { Labels } from '../../../src/wire/labels.ts';
import { decodeGroupPath } from '../../support/gateway-path-decoder.ts';

function roundTrip(labels: Labels): void {
  const decoded = decodeGroupPath(groupPath(labels));
  assert.deepEqual(decoded, { ...labels });
}

const TRICKY_VALUES: readonly string[] = [
  'plain',
  'with space',
  '100%',
  '%2F',
  '%zz',
  'a@b',
  'a@base64',
  'line\nbreak',
  'tab\there',
  'a+b',
  '+',
  'what?',
  '#hash',
  'a&b=c;d',
  '😀',
  '😀😀😀😀😀😀😀😀',
  'Πλάτων',
  '名前名前名前',
  '',
  '.',
  '..',
  '...',
  '/',
  '/x/',
  'a/b',
  '//',
  '/./',
  '/../',
  '=',
  '==',
  '-_~.',
  '\\',
  '"quoted"',
  "'",
  '\u0000nul',
  '\u00ff',
  ' leading and trailing ',
  'x'.repeat(10_000),
  '/'.repeat(5_000),
  'é'.repeat(5_000),
];

describe('percentEncode', () => {
  it('keeps RFC 3986 unreserved characters', () => {
    const unreserved = 'ABCXYZabcxyz0189-._~';
    assert.equal(percentEncode(unreserved), unreserved);
  });

  it('encodes everything else as upper-case UTF-8 bytes', () => {
    assert.equal(percentEncode(' '), '%20');
    assert.equal(percentEncode('/'), '%2F');
    assert.equal(percentEncode('%'), '%25');
    assert.equal(percentEncode('+'), '%2B');
    assert.equal(percentEncode('\n'), '%0A');
    assert.equal(percentEncode('@'), '%40');
    assert.equal(percentEncode('?#'), '%3F%23');
    assert.equal(percentEncode('é'), '%C3%A9');
    assert.equal(percentEncode('😀'), '%F0%9F%98%80');
    assert.equal(percentEncode('a b'), 'a%20b');
  });

  it('returns the empty string for the empty value', () => {
    assert.equal(percentEncode(''), '');
  });
});

describe('base64UrlEncode', () => {
  it('uses the URL-safe alphabet without padding', () => {
    assert.equal(base64UrlEncode('a'), 'YQ');
    assert.equal(base64UrlEncode('ab'), 'YWI');
    assert.equal(base64UrlEncode('abc'), 'YWJj');
    assert.equal(base64UrlEncode('/var/tmp'), 'L3Zhci90bXA');
    assert.equal(base64UrlEncode('\u00fb\u00ff'), 'w7vDvw');
    assert.equal(base64UrlEncode('>>>???'), 'Pj4-Pz8_');
  });

  it('writes the empty value as "="', () => {
    assert.equal(base64UrlEncode(''), '=');
  });
});

describe('encodeSegment', () => {
  it('writes an empty value as name@base64/=', () => {
    assert.equal(encodeSegment('instance', ''), 'instance@base64/=');
  });

  it('always uses base64 for "." and ".."', () => {
    assert.equal(encodeSegment('v', '.'), 'v@base64/Lg');
    assert.equal(encodeSegment('v', '..'), 'v@base64/Li4');
  });

  it('always uses base64 for values containing "/"', () => {
    assert.equal(encodeSegment('path', '/var/tmp'), 'path@base64/L3Zhci90bXA');
    assert.equal(encodeSegment('v', '/'), 'v@base64/Lw');
    assert.equal(encodeSegment('v', 'a/b'), 'v@base64/YS9i');
  });

  it('uses the plain form for ordinary values', () => {
    assert.equal(encodeSegment('job', 'etl'), 'job/etl');
    assert.equal(
      encodeSegment('instance', 'host-1.example.com:9100'),
      'instance/host-1.example.com%3A9100',
    );
    assert.equal(encodeSegment('v', '...'), 'v/...');
    assert.equal(encodeSegment('v', 'a b'), 'v/a%20b');
  });

  it('picks base64 when it is shorter than percent-encoding', () => {
    // 4 CJK chars: 36 chars percent-encoded, 16 + "@base64" as base64.
    assert.equal(encodeSegment('v', '名前名前'), `v@base64/${base64UrlEncode('名前名前')}`);
    assert.equal(encodeSegment('v', '%%%%%%%%%%'), `v@base64/${base64UrlEncode('%%%%%%%%%%')}`);
  });

  it('always picks the shorter of the two safe forms', () => {
    for (const value of TRICKY_VALUES) {
      const segment = encodeSegment('v', value);
      const plain = `v/${percentEncode(value)}`;
      const b64 = `v@base64/${base64UrlEncode(value)}`;
      const mustBase64 = value === '' || value === '.' || value === '..' || value.includes('/');
      if (mustBase64) assert.equal(segment, b64, JSON.stringify(value.slice(0, 20)));
      else {
        assert.ok(segment === plain || segment === b64, JSON.stringify(value.slice(0, 20)));
        assert.equal(segment.length, Math.min(plain.length, b64.length));
      }
    }
  });

  it('uses base64 for a long CJK value', () => {
    const value = '漢字'.repeat(50_000);
    const segment = encodeSegment('big', value);
    assert.ok(segment.startsWith('big@base64/'));
    assert.equal(segment.length, 'big@base64/'.length + Math.ceil((value.length * 3 * 4) / 3));
  });
});

describe('groupPath', () => {
  it('starts with the job and sorts the other labels', () => {
    assert.equal(
      groupPath({ zone: 'z1', instance: 'a', job: 'etl', app: 'x' }),
      'metrics/job/etl/app/x/instance/a/zone/z1',
    );
  });

  it('sends the job exactly once', () => {
    const path = groupPath({ job: 'j', a: '1' });
    assert.equal(path.match(/job/g)?.length, 1);
  });

  it('keeps an empty instance as instance@base64/=', () => {
    assert.equal(groupPath({ job: 'x', instance: '' }), 'metrics/job/x/instance@base64/=');
    assert.equal(groupPath({ job: 'x' }), 'metrics/job/x');
  });

  it('encodes a job that needs base64', () => {
    assert.equal(groupPath({ job: 'a/b' }), 'metrics/job@base64/YS9i');
    assert.equal(groupPath({ job: '..' }), 'metrics/job@base64/Li4');
  });

  it('does not depend on the insertion order of the labels', () => {
    assert.equal(groupPath({ job: 'j', b: '2', a: '1' }), groupPath({ a: '1', b: '2', job: 'j' }));
  });

  it('round-trips every tricky value through a gateway-like decoder', () => {
    for (const value of TRICKY_VALUES) {
      roundTrip({ job: 'j', v: value });
      if (value !== '') roundTrip({ job: value });
    }
  });

  it('round-trips a key that mixes many tricky values', () => {
    const labels: Record<string, string> = { job: '/x/' };
    TRICKY_VALUES.forEach((value, i) => {
      labels[`l${String(i).padStart(2, '0')}`] = value;
    });
    roundTrip(labels);
  });

  it('uses the plain form for a 1,000,000-char ASCII value, and it round-trips', () => {
    const value = 'x'.repeat(1_000_000);
    const path = groupPath({ job: 'big', v: value });
    assert.equal(path.length, 'metrics/job/big/v/'.length + 1_000_000);
    assert.ok(path.startsWith('metrics/job/big/v/xxx'));
    assert.deepEqual(decodeGroupPath(path), { job: 'big', v: value });
  });

  it('round-trips a long CJK value (base64 form)', () => {
    roundTrip({ job: 'big', v: '漢字'.repeat(50_000) });
  });

  it('round-trips values with every ASCII character', () => {
    let all = '';
    for (let c = 1; c < 128; c++) all += String.fromCharCode(c);
    roundTrip({ job: all, a: all, b: all.slice(0, 40), c: all.slice(40) });
    for (let c = 0; c < 128; c++) roundTrip({ job: 'j', v: String.fromCharCode(c) });
  });
});

describe('keyProblem', () => {
  it('accepts an ordinary key', () => {
    assert.equal(keyProblem({ job: 'etl', instance: '', zone: 'z1', _x: 'y', A9: '' }), undefined);
  });

  it('accepts values that only look odd', () => {
    for (const value of TRICKY_VALUES) {
      assert.equal(
        keyProblem({ job: 'j', v: value }),
        undefined,
        JSON.stringify(value.slice(0, 20)),
      );
    }
  });

  it('flags a missing or empty job', () => {
    assert.equal(keyProblem({ instance: 'a' })?.code, 'missing-job');
    assert.equal(keyProblem({ job: '' })?.code, 'missing-job');
    assert.equal(keyProblem({})?.code, 'missing-job');
  });

  it('does not take job from the prototype chain', () => {
    const labels = Object.create({ job: 'inherited' }) as Labels;
    assert.equal(keyProblem(labels)?.code, 'missing-job');
  });

  it('flags label names the 1.x router rejects', () => {
    for (const name of ['9x', 'x-y', 'x.y', 'a b', 'é', 'v@x', '', 'a@base64']) {
      const problem = keyProblem({ job: 'j', [name]: 'v' });
      assert.equal(problem?.code, 'unsupported-label-name', JSON.stringify(name));
      assert.ok(problem?.detail.includes(JSON.stringify(name)));
    }
  });

  it('flags reserved __ names', () => {
    for (const name of ['__name__', '__x', '__proto__']) {
      assert.equal(keyProblem({ job: 'j', [name]: 'v' })?.code, 'unsupported-label-name', name);
    }
  });

  it('flags U__ names apart: the naming mode of the gateway decides how to send them', () => {
    for (const name of ['U__foo_2e_bar', 'U__']) {
      const problem = keyProblem({ job: 'j', [name]: 'v' });
      assert.equal(problem?.code, 'escaped-name', name);
      assert.ok(problem?.detail.includes(`"${name}"`));
    }
    assert.equal(keyProblem({ job: 'j', _x: 'v', U_x: 'v', u__x: 'v' }), undefined);
  });

  it('reports the worst problem: a name no URL carries, then a lossy value, then a U__ name', () => {
    const both = { job: 'j', U__a: 'v', b: '\uFFFD' };
    assert.equal(keyProblem(both)?.code, 'lossy-value');
    assert.equal(keyProblem({ ...both, 'x.y': 'v' })?.code, 'unsupported-label-name');
    assert.equal(keyProblem({ U__a: 'v', job: 'j', __x: 'v' })?.code, 'unsupported-label-name');
  });

  it('flags values with U+FFFD (lossy invalid UTF-8)', () => {
    const problem = keyProblem({ job: 'badutf8', v: '\uFFFD' });
    assert.equal(problem?.code, 'lossy-value');
    assert.match(problem?.detail ?? '', /"v"/);
    assert.equal(keyProblem({ job: 'a\uFFFDb' })?.code, 'lossy-value');
  });

  it('flags values with lone surrogates', () => {
    assert.equal(keyProblem({ job: 'j', v: 'a\uD800' })?.code, 'lossy-value');
    assert.equal(keyProblem({ job: 'j', v: '\uDC00b' })?.code, 'lossy-value');
    assert.equal(keyProblem({ job: 'j', v: '\uD83D\uDE00' }), undefined);
  });
});

describe('keyId', () => {
  it('ignores insertion order', () => {
    assert.equal(keyId({ job: 'j', b: '2', a: '1' }), keyId({ a: '1', job: 'j', b: '2' }));
  });

  it('tells {job=x} and {job=x, instance=""} apart', () => {
    assert.notEqual(keyId({ job: 'x' }), keyId({ job: 'x', instance: '' }));
  });

  it('cannot be confused by separators inside names or values', () => {
    assert.notEqual(keyId({ job: 'a', b: 'c' }), keyId({ job: 'a","b', '': 'c' }));
    assert.notEqual(keyId({ job: 'a,b' }), keyId({ job: 'a', b: '' }));
    assert.notEqual(keyId({ job: 'x', a: '1' }), keyId({ job: 'x', a: '2' }));
  });
});

describe('formatLabels', () => {
  it('puts job first, sorts the rest and quotes values', () => {
    assert.equal(
      formatLabels({ zone: 'z1', instance: '', job: 'x', app: 'a"b' }),
      '{job="x", app="a\\"b", instance="", zone="z1"}',
    );
  });

  it('formats an empty key', () => {
    assert.equal(formatLabels({}), '{}');
  });

  it('escapes newlines so a label cannot break a log line', () => {
    assert.equal(formatLabels({ job: 'a\nb' }), '{job="a\\nb"}');
  });
});
