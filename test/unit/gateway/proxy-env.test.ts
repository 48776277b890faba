import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { checkProxyEnv, redactUrl } from '../../../src/gateway/proxy-env.ts';
import { usageError } from '../../support/usage-error.ts';

const SECRET = 's3cr3t';

describe('checkProxyEnv', () => {
  it('accepts http and https proxy URLs, with credentials, in either case', () => {
    for (const name of ['HTTP_PROXY', 'http_proxy', 'HTTPS_PROXY', 'https_proxy']) {
      checkProxyEnv({ [name]: 'http://proxy.example:3128' });
      checkProxyEnv({ [name]: `https://user:${SECRET}@proxy.example` });
      checkProxyEnv({ [name]: 'http://[::1]:3128/' });
    }
    checkProxyEnv({ NO_PROXY: 'localhost,.svc, 10.0.0.0/8 *.example.com:9091' });
    checkProxyEnv({});
  });

  it('refuses malformed proxy URLs, naming the variable and hiding the password', () => {
    // Bug probe: undici threw "TypeError: Invalid URL" (or a URIError) at the first request.
    const bad = [
      `http://user:${SECRET}@[bad`,
      'proxy.example:3128',
      `user:${SECRET}@proxy.example:3128`,
      `socks5://user:${SECRET}@proxy.example:1080`,
      `http://user%zz:${SECRET}@proxy.example:3128`,
      `http://user:${SECRET}%@proxy.example:3128`,
      'http://',
      'http://proxy.example:99999',
      'http://pro\nxy.example:3128',
      `http://user:12?${SECRET}@proxy.example`,
    ];
    for (const name of ['HTTP_PROXY', 'http_proxy', 'HTTPS_PROXY', 'https_proxy']) {
      for (const value of bad) {
        const e = usageError(() => checkProxyEnv({ [name]: value }), new RegExp(`^${name} `));
        assert.ok(
          !e.message.includes(SECRET),
          `${name}=${value} printed the password: ${e.message}`,
        );
        assert.ok(!e.message.includes('\n'), e.message);
      }
    }
  });

  it('checks the variable undici uses: the lower-case one wins, even when empty', () => {
    usageError(
      () => checkProxyEnv({ http_proxy: 'bad:1', HTTP_PROXY: 'http://ok:1' }),
      /http_proxy/,
    );
    checkProxyEnv({ http_proxy: 'http://ok:1', HTTP_PROXY: 'bad:1' });
    checkProxyEnv({ http_proxy: '', HTTP_PROXY: 'bad:1' });
  });

  it('refuses a URL in NO_PROXY, which would never match a host', () => {
    usageError(
      () => checkProxyEnv({ NO_PROXY: 'localhost,http://gateway:9091' }),
      /^NO_PROXY entry "http:\/\/gateway:9091\/" is not a host name/,
    );
    usageError(() => checkProxyEnv({ no_proxy: 'https://x' }), /^no_proxy /);
  });
});

describe('redactUrl', () => {
  it('replaces user name and password with ***', () => {
    assert.equal(redactUrl(`http://u:${SECRET}@h:3128`), '"http://***@h:3128/"');
    assert.equal(redactUrl(`u:${SECRET}@h:3128`), '"***@h:3128"');
    assert.equal(redactUrl(`http://u:${SECRET}@[x`), '"http://***@[x"');
    assert.equal(redactUrl('http://h:3128'), '"http://h:3128/"');
  });
});
