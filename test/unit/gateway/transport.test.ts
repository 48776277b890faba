/** Which undici dispatcher a gateway's requests go through. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Agent, EnvHttpProxyAgent } from 'undici';
import { parseBaseUrl } from '../../../src/gateway/base-url.ts';
import { createTransport, proxyConfigured } from '../../../src/gateway/http-transport.ts';

describe('proxyConfigured', () => {
  it('is true when any of the four proxy variables has a value', () => {
    for (const name of ['http_proxy', 'HTTP_PROXY', 'https_proxy', 'HTTPS_PROXY'])
      assert.equal(proxyConfigured({ [name]: 'http://proxy:3128' }), true, name);
  });

  it('is false with none, with empty ones, and with only NO_PROXY', () => {
    assert.equal(proxyConfigured({}), false);
    assert.equal(proxyConfigured({ HTTP_PROXY: '', https_proxy: '' }), false);
    assert.equal(proxyConfigured({ NO_PROXY: '*', no_proxy: 'localhost' }), false);
  });
});

describe('createTransport', () => {
  const withEnv = async (env: Record<string, string | undefined>, fn: () => Promise<void>) => {
    const saved = Object.fromEntries(Object.keys(env).map((k) => [k, process.env[k]]));
    const set = (values: Record<string, string | undefined>) => {
      for (const [k, v] of Object.entries(values)) {
        if (v === undefined) delete process.env[k];
        else process.env[k] = v;
      }
    };
    set(env);
    try {
      await fn();
    } finally {
      set(saved);
    }
  };
  const none = {
    http_proxy: undefined,
    HTTP_PROXY: undefined,
    https_proxy: undefined,
    HTTPS_PROXY: undefined,
  };

  it('sends requests straight through a plain Agent when no proxy is configured', async () => {
    await withEnv(none, async () => {
      const { agent } = createTransport({
        url: parseBaseUrl('http://gw:9091'),
        timeoutMs: 1000,
        connections: 2,
      });
      assert.ok(agent instanceof Agent && !(agent instanceof EnvHttpProxyAgent));
      await agent.close();
    });
  });

  it('honours the proxy variables through EnvHttpProxyAgent when one is set', async () => {
    await withEnv({ ...none, HTTPS_PROXY: 'http://127.0.0.1:9' }, async () => {
      const { agent } = createTransport({
        url: parseBaseUrl('http://gw:9091'),
        timeoutMs: 1000,
        connections: 2,
      });
      assert.ok(agent instanceof EnvHttpProxyAgent);
      await agent.close();
    });
  });
});
