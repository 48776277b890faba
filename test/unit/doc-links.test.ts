/** Every relative link in the README and docs/ points to a file that exists, and to a heading in it. */
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative, resolve } from 'node:path';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));

/** The text outside fenced code blocks, where links and headings are real. */
function prose(markdown: string): string[] {
  let fenced = false;
  return markdown.split('\n').filter((line) => {
    if (line.startsWith('```')) fenced = !fenced;
    return !fenced && !line.startsWith('```');
  });
}

/** GitHub's anchors for the headings of a page: lower case, punctuation dropped, `-` for spaces. */
function anchors(markdown: string): Set<string> {
  const seen = new Map<string, number>();
  const out = new Set<string>();
  for (const line of prose(markdown)) {
    const heading = /^#{1,6} (.*)$/.exec(line)?.[1];
    if (heading === undefined) continue;
    const text = heading.replace(/\[([^\]]*)\]\([^)]*\)/g, '$1');
    const slug = text
      .toLowerCase()
      .replace(/[^\p{L}\p{N}\s_-]/gu, '')
      .replace(/ /g, '-');
    const n = seen.get(slug) ?? 0;
    seen.set(slug, n + 1);
    out.add(n === 0 ? slug : `${slug}-${n}`);
  }
  return out;
}

/** Each broken relative link in `files` (paths under `root`), as `file: target (why)`. */
function brokenLinks(root: string, files: string[]): string[] {
  const problems: string[] = [];
  for (const file of files) {
    const path = join(root, file);
    const text = readFileSync(path, 'utf8');
    const body = prose(text)
      .join('\n')
      .replace(/`[^`\n]*`/g, '');
    for (const match of body.matchAll(/\]\(([^)\s]+)\)/g)) {
      const link = match[1] as string;
      if (/^[a-z][a-z0-9+.-]*:/i.test(link)) continue; // https:, mailto: ...
      const [target = '', anchor] = link.split('#');
      const targetPath = target === '' ? path : resolve(dirname(path), target);
      if (!existsSync(targetPath)) {
        problems.push(`${file}: ${link} (no such file)`);
        continue;
      }
      if (anchor === undefined || !targetPath.endsWith('.md')) continue;
      if (!anchors(readFileSync(targetPath, 'utf8')).has(anchor)) {
        problems.push(`${file}: ${link} (no heading #${anchor} in ${relative(root, targetPath)})`);
      }
    }
  }
  return problems;
}

const docFiles = [
  'README.md',
  'helm/pgsweep/README.md',
  ...readdirSync(join(ROOT, 'docs'))
    .filter((f) => f.endsWith('.md'))
    .map((f) => `docs/${f}`),
];

describe('links in the docs', { timeout: 10_000 }, () => {
  it('every relative link in README.md, docs/*.md and the chart README resolves', () => {
    assert.ok(docFiles.includes('docs/reference.md'));
    assert.deepEqual(brokenLinks(ROOT, docFiles), []);
  });

  it('finds a missing file, a missing heading, and ignores code and absolute URLs', () => {
    const dir = mkdtempSync(join(tmpdir(), 'pgsweep-links-'));
    try {
      writeFileSync(
        join(dir, 'a.md'),
        [
          '# Page A',
          '## `pgsweep doctor [--fix]`: repair it',
          'See [b](b.md#two-words), [gone](gone.md), [bad](b.md#nope), [here](#page-a),',
          '[doctor](#pgsweep-doctor---fix-repair-it), [web](https://example.com/x.md),',
          'and `[code](not-checked.md)`.',
          '```md',
          '[fenced](not-checked-either.md)',
          '```',
        ].join('\n'),
      );
      writeFileSync(join(dir, 'b.md'), '# Two words\n');
      assert.deepEqual(brokenLinks(dir, ['a.md']), [
        'a.md: gone.md (no such file)',
        'a.md: b.md#nope (no heading #nope in b.md)',
      ]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
