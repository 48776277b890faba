/** `npm run docs:helm`: rewrites the values reference in helm/pgsweep/README.md from values.yaml. */
import { readFileSync, writeFileSync } from 'node:fs';
import { withValuesTable } from './helm-values-doc.ts';

const readmePath = new URL('../helm/pgsweep/README.md', import.meta.url);
const values = readFileSync(new URL('../helm/pgsweep/values.yaml', import.meta.url), 'utf8');
const before = readFileSync(readmePath, 'utf8');
const after = withValuesTable(before, values);
writeFileSync(readmePath, after);
process.stdout.write(
  after === before
    ? 'helm/pgsweep/README.md: up to date\n'
    : 'helm/pgsweep/README.md: values rewritten\n',
);
