/** The README's config-file example is real: it parses with the same schema pgsweep uses. */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { parseConfigFile } from '../../src/config/config-file.ts';

test('the README config file example is valid', () => {
  const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');
  const block = /### Config file[\s\S]*?```yaml\n([\s\S]*?)```/.exec(readme);
  assert.ok(block?.[1], 'README has a yaml block under "Config file"');
  const config = parseConfigFile(block[1], 'README.md');
  assert.equal(config.values.url?.length, 2);
  assert.equal(config.values.rule?.length, 3);
  assert.deepEqual(config.values.per, ['job', 'task_id']);
  assert.equal(config.values.rule?.[2]?.keep, 2);
  assert.deepEqual(config.values.rule?.[2]?.per, ['job']);
  assert.equal(config.values.maxDeleteRatio, 0.3);
});

test('doctor --help and the README agree on what --fix may delete', () => {
  const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');
  const cli = readFileSync(new URL('../../src/cli/help.ts', import.meta.url), 'utf8');
  const help = /const DOCTOR_EXAMPLES = `([\s\S]*?)`;/.exec(cli)?.[1]?.replace(/\s+/g, ' ');
  const section = /## `pgsweep doctor[\s\S]*?\n## /.exec(readme)?.[0].replace(/\s+/g, ' ');
  assert.ok(help && section);
  // The four things --fix deletes (src/diagnose.ts), in both.
  for (const [what, inHelp, inReadme] of [
    ['phantoms', /never-succeeded \(phantom\) groups/, /`phantom`.*\| Deletes it\. \|/],
    [
      'collisions',
      /the never-succeeded side of a collision/,
      /Deletes the side that never had a successful push/,
    ],
    [
      'invalid UTF-8',
      /never-succeeded groups with invalid UTF-8 keys/,
      /Deletes the never-succeeded group through its exact bytes/,
    ],
    [
      'listing crash',
      /the group that crashes the listing/,
      /`listing-crash`.*\| Deletes that group\. \|/,
    ],
  ] as const) {
    assert.match(help, inHelp, `doctor --help: ${what}`);
    assert.match(section, inReadme, `README: ${what}`);
  }
  // The one exception to "never a group that has had a successful push", in both.
  assert.match(help, /That last group is the only one it deletes after a successful push/);
  assert.match(
    section,
    /A group that has had a successful push, with one exception: the group that crashes the listing/,
  );
  assert.doesNotMatch(help, /never deletes a group that has had a successful push\./i);
});
