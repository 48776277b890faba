/** `npm run docs:settings`: rewrites the settings reference in README.md from src/settings/table.ts. */
import { readFileSync, writeFileSync } from 'node:fs';
import { withReference } from '../src/config/settings/reference.ts';

const path = new URL('../README.md', import.meta.url);
const before = readFileSync(path, 'utf8');
const after = withReference(before);
writeFileSync(path, after);
process.stdout.write(
  after === before ? 'README.md: up to date\n' : 'README.md: reference rewritten\n',
);
