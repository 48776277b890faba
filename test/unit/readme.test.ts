/** The docs' examples are real: the config file parses with pgsweep's schema, doctor agrees with --help. */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { parseConfigFile } from '../../src/config/config-file.ts';

const doc = (name: string) => readFileSync(new URL(`../../docs/${name}`, import.meta.url), 'utf8');

test('the config file example in docs/reference.md is valid', () => {
  const block = /\n## Config file\n[\s\S]*?```yaml\n([\s\S]*?)```/.exec(doc('reference.md'));
  assert.ok(block?.[1], 'docs/reference.md has a yaml block under "Config file"');
  const config = parseConfigFile(block[1], 'docs/reference.md');
  assert.equal(config.values.url?.length, 2);
  assert.equal(config.values.rule?.length, 3);
  assert.deepEqual(config.values.per, ['job', 'task_id']);
  assert.equal(config.values.rule?.[2]?.keep, 2);
  assert.deepEqual(config.values.rule?.[2]?.per, ['job']);
  assert.equal(config.values.maxDeleteRatio, 0.3);
});

test('doctor --help and docs/doctor-inspect.md agree on what --fix may delete', () => {
  const page = doc('doctor-inspect.md');
  const cli = readFileSync(new URL('../../src/cli/help.ts', import.meta.url), 'utf8');
  const help = /const DOCTOR_EXAMPLES = `([\s\S]*?)`;/.exec(cli)?.[1]?.replace(/\s+/g, ' ');
  const section = /\n## `pgsweep doctor[\s\S]*?(?:\n## |$)/.exec(page)?.[0].replace(/\s+/g, ' ');
  assert.ok(help && section);
  // The four things --fix deletes (src/commands/doctor/diagnose.ts), in both.
  for (const [what, inHelp, inDoc] of [
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
    assert.match(section, inDoc, `docs/doctor-inspect.md: ${what}`);
  }
  // The one exception to "never a group that has had a successful push", in both.
  assert.match(help, /That last group is the only one it deletes after a successful push/);
  assert.match(
    section,
    /A group that has had a successful push, with one exception: the group that crashes the listing/,
  );
  assert.doesNotMatch(help, /never deletes a group that has had a successful push\./i);
});
