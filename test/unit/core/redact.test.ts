import assert from 'node:assert/strict';
import { beforeEach, describe, it } from 'node:test';
import {
  clearSecrets,
  redact,
  redactLines,
  redactMessage,
  redactUrl,
  registerHeaderSecret,
  registerProxySecrets,
  registerSecret,
} from '../../../src/core/redact.ts';

describe('redact', () => {
  beforeEach(clearSecrets);

  it('masks a registered secret everywhere, also inside a JSON string', () => {
    registerSecret('s3cr"et\\x');
    assert.equal(redact('token s3cr"et\\x here'), 'token *** here');
    const json = JSON.stringify({ body: 'echo: s3cr"et\\x' });
    assert.equal(json.includes('***'), false);
    assert.equal(redact(json), '{"body":"echo: ***"}');
  });

  it('masks a short secret only where it stands as a credential', () => {
    registerHeaderSecret('X-Api-Key', 'ab');
    assert.equal(redact('x-api-key: ab'), 'x-api-key: ***');
    assert.equal(redact('{"x-api-key":"ab"}'), '{"x-api-key":"***"}');
    assert.equal(redact('about a label'), 'about a label');
    registerHeaderSecret('authorization', 'Bearer xy');
    assert.equal(redact('authorization: Bearer xy'), 'authorization: ***');
    assert.equal(redact('got Bearer xy'), 'got ***');
    assert.equal(redact('"bearer": "xy"'), '"bearer": "***"');
    assert.equal(redact('xylophone'), 'xylophone');
  });

  it('masks the credential of an Authorization value on its own', () => {
    const b64 = Buffer.from('user:pw').toString('base64');
    registerHeaderSecret('authorization', `Basic ${b64}`);
    assert.equal(redact(`decoded ${b64}`), 'decoded ***');
  });

  it('masks proxy userinfo as given, decoded, and as the Proxy-Authorization value', () => {
    registerProxySecrets({ HTTPS_PROXY: 'http://pu:p%40ssw0rd@proxy:3128' });
    const b64 = Buffer.from('pu:p@ssw0rd').toString('base64');
    for (const text of ['p%40ssw0rd', 'p@ssw0rd', b64, 'pu:p@ssw0rd']) {
      assert.equal(redact(`x ${text} y`).includes('ssw0rd'), false, text);
      assert.equal(redact(`x ${text} y`).includes(b64), false, text);
    }
    registerProxySecrets({ http_proxy: 'http://tok3n@proxy:3128' });
    assert.equal(redact('a tok3n b'), 'a *** b');
  });

  it('masks URL userinfo in any text, and queries in messages only', () => {
    const text = 'GET http://user:pa@ss@host:9091/x?token=abc#frag failed';
    assert.equal(redact(text), 'GET http://***@host:9091/x?token=abc#frag failed');
    assert.equal(redactMessage(text), 'GET http://***@host:9091/x?*** failed');
    assert.equal(redactMessage('no url here ?q=1'), 'no url here ?q=1');
  });

  it('redactUrl hides userinfo, query and fragment even of what does not parse', () => {
    assert.equal(redactUrl('http://u:p4ss@h:99999'), 'http://***@h:99999');
    assert.equal(redactUrl('u:p4ss@h:9091'), '***@h:9091');
    assert.equal(redactUrl('http://u:pa/ss@h'), 'http://***@h');
    assert.equal(redactUrl('http://h/?token=x#y'), 'http://h/?***');
    assert.equal(redactUrl('http://h:9091/prefix/'), 'http://h:9091/prefix/');
  });

  it('redactLines finds a secret split between two chunks', () => {
    registerSecret('hunter2');
    const out = [...redactLines(['line one hun', 'ter2 end\nsecond hunter', '2\n', 'tail'])].join(
      '',
    );
    assert.equal(out, 'line one *** end\nsecond ***\ntail');
  });
});
