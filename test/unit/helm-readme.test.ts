/** helm/pgsweep/README.md's values reference is generated from values.yaml and kept up to date. */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { valuesDoc, valuesTable, withValuesTable } from '../../scripts/helm-values-doc.ts';

const read = (path: string) => readFileSync(new URL(`../../${path}`, import.meta.url), 'utf8');

describe('the chart values reference', { timeout: 10_000 }, () => {
  it('is up to date with values.yaml (npm run docs:helm rewrites it)', () => {
    const readme = read('helm/pgsweep/README.md');
    const values = read('helm/pgsweep/values.yaml');
    assert.equal(
      withValuesTable(readme, values),
      readme,
      'helm/pgsweep/README.md is stale: npm run docs:helm',
    );
  });

  it('documents every value with its path, default and description', () => {
    const docs = valuesDoc(read('helm/pgsweep/values.yaml'));
    const byPath = new Map(docs.map((d) => [d.path, d]));
    assert.equal(byPath.get('pushgateway.url')?.default, '""');
    assert.equal(byPath.get('cronjob.schedule')?.default, '"*/15 * * * *"');
    assert.equal(byPath.get('cronjob.podFailurePolicy.enabled')?.default, 'false');
    assert.match(byPath.get('resources')?.default ?? '', /limits: \{ memory: 512Mi \}/);
    assert.match(byPath.get('sweep.ttl')?.description ?? '', /--ttl/);
    // The keys of an open map such as resources are its default, not values of their own.
    assert.equal(byPath.has('resources.limits'), false);
    for (const d of docs) assert.ok(d.description.length > 0, d.path);
  });

  it('reads groups, multi-line comments and block values; refuses an undocumented value', () => {
    const yaml = [
      '# A plain comment is not a description.',
      'group:',
      '  # -- First line',
      '  # second line.',
      '  leaf: 2h',
      '  # -- A block value.',
      '  block:',
      '    a: 1',
      '    list:',
      '      - x',
      '# -- Top | pipe <tag>.',
      'top: []',
    ].join('\n');
    assert.deepEqual(valuesDoc(yaml), [
      { path: 'group.leaf', default: '2h', description: 'First line second line.' },
      { path: 'group.block', default: '{ a: 1, list: [ x ] }', description: 'A block value.' },
      { path: 'top', default: '[]', description: 'Top | pipe <tag>.' },
    ]);
    assert.match(valuesTable(yaml), /\| `top` \| `\[\]` \| Top \\\| pipe &lt;tag&gt;\. \|/);
    assert.throws(
      () => valuesDoc('group:\n  # plain\n  leaf: 1\n'),
      /group\.leaf has no "# -- " description/,
    );
    // A blank line ends a description: it does not reach the next key.
    assert.throws(() => valuesDoc('# -- Orphan.\n\nleaf: 1\n'), /leaf has no "# -- "/);
  });

  it('refuses a README without the markers', () => {
    assert.throws(() => withValuesTable('# no markers\n', 'a: 1\n'), /markers not found/);
  });
});
