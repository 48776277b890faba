/** src/undici-core.ts loads undici's files directly; they must be what undici's index exports. */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { describe, it } from 'node:test';
import * as undici from 'undici';
import { Agent, EnvHttpProxyAgent, errors, request } from '../../src/undici-core.ts';

describe('undici-core', () => {
  it('hands out the same classes and errors as undici itself', () => {
    assert.equal(Agent, undici.Agent);
    assert.equal(EnvHttpProxyAgent, undici.EnvHttpProxyAgent);
    assert.equal(errors, undici.errors);
  });

  it("sends a request through any dispatcher, as undici's own request method does", async () => {
    const server = createServer((req, res) => res.end(`${req.method} ${req.url}`));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as { port: number };
    const agent = new Agent();
    try {
      const res = await request(agent, {
        origin: `http://127.0.0.1:${port}`,
        method: 'DELETE',
        path: '/metrics/job/a',
      });
      assert.equal(res.statusCode, 200);
      assert.equal(await res.body.text(), 'DELETE /metrics/job/a');
    } finally {
      await agent.close();
      server.close();
    }
  });

  it('is used with the exact undici version those paths were checked against', () => {
    // The deep paths are not undici's public API: a range could install a release that moved them.
    const manifest = JSON.parse(readFileSync('package.json', 'utf8')) as {
      dependencies: Record<string, string>;
    };
    assert.match(manifest.dependencies.undici ?? '', /^\d+\.\d+\.\d+$/);
  });
});
