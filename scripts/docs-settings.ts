/** `npm run docs:settings`: rewrites the settings reference in docs/reference.md from src/config/settings/table.ts. */
import { readFileSync, writeFileSync } from 'node:fs';
import { withReference } from '../src/config/settings/reference.ts';

const path = new URL('../docs/reference.md', import.meta.url);
const before = readFileSync(path, 'utf8');
const after = withReference(before);
writeFileSync(path, after);
process.stdout.write(
  after === before ? 'docs/reference.md: up to date\n' : 'docs/reference.md: reference rewritten\n',
);
