/** src/undici-core.ts loads undici's files directly; they must behave as undici's index does. */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import * as undici from 'undici';
import { Agent, EnvHttpProxyAgent, errors } from '../../src/undici-core.ts';

describe('undici-core', () => {
  it('hands out the same classes and errors as undici itself', () => {
    assert.equal(Agent, undici.Agent);
    assert.equal(EnvHttpProxyAgent, undici.EnvHttpProxyAgent);
    assert.equal(errors, undici.errors);
  });

  it("gives every dispatcher undici's request and connect without loading undici's index", () => {
    // A fresh process: this one has loaded the index above, which installs them itself.
    const script = `
      import { createRequire } from 'node:module';
      const { Agent } = await import('./src/undici-core.ts');
      const agent = new Agent();
      const cache = Object.keys(createRequire(import.meta.url).cache);
      console.log(JSON.stringify({
        request: typeof agent.request,
        connect: typeof agent.connect,
        index: cache.some((f) => f.endsWith('/node_modules/undici/index.js')),
      }));
      await agent.close();`;
    const out = execFileSync(
      process.execPath,
      ['--import', 'tsx', '--input-type=module', '-e', script],
      { encoding: 'utf8' },
    );
    assert.deepEqual(JSON.parse(out), { request: 'function', connect: 'function', index: false });
  });

  it('is used with the exact undici version those paths were checked against', () => {
    // The deep paths are not undici's public API: a range could install a release that moved them.
    const manifest = JSON.parse(readFileSync('package.json', 'utf8')) as {
      dependencies: Record<string, string>;
    };
    assert.match(manifest.dependencies.undici ?? '', /^\d+\.\d+\.\d+$/);
  });
});
