/** The README's config-file example is real: it parses with the same schema pgsweep uses. */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { parseConfigFile } from '../../src/config-file.ts';

test('the README config file example is valid', () => {
  const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');
  const block = /### Config file[\s\S]*?```yaml\n([\s\S]*?)```/.exec(readme);
  assert.ok(block?.[1], 'README has a yaml block under "Config file"');
  const config = parseConfigFile(block[1], 'README.md');
  assert.equal(config.values.url?.length, 2);
  assert.equal(config.values.rules?.length, 2);
  assert.equal(config.values.maxDeleteRatio, 0.3);
});
