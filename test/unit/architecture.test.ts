/**
 * The house rule (docs/architecture.md): each part of src/ may import only from itself and from
 * the parts below it, and no file may reach itself through its imports. A new import that breaks
 * either fails here, naming the file and the import.
 */
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { posix } from 'node:path';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';

/** Top to bottom: a part may import from parts listed after it, never before. */
const LAYERS = ['cli', 'commands', 'config', 'output', 'gateway', 'core', 'wire'] as const;
const ROOT = fileURLToPath(new URL('../../', import.meta.url));

function sourceFiles(dir = 'src'): string[] {
  return readdirSync(posix.join(ROOT, dir), { withFileTypes: true }).flatMap((e) => {
    const path = posix.join(dir, e.name);
    if (e.isDirectory()) return sourceFiles(path);
    return e.name.endsWith('.ts') ? [path] : [];
  });
}

const IMPORT =
  /(?:^|\n)\s*(?:import|export)\b[^'"]*?\bfrom\s*'([^']+)'|\bimport\(\s*'([^']+)'\s*\)/g;

function importsOf(file: string): string[] {
  const text = readFileSync(posix.join(ROOT, file), 'utf8');
  return [...text.matchAll(IMPORT)]
    .map((m) => m[1] ?? m[2] ?? '')
    .filter((s) => s.startsWith('.'))
    .map((s) => posix.normalize(posix.join(posix.dirname(file), s)));
}

function layerOf(file: string): number {
  const part = file.split('/')[1] ?? '';
  return LAYERS.indexOf(part as (typeof LAYERS)[number]);
}

const FILES = sourceFiles();
const GRAPH = new Map(FILES.map((f) => [f, importsOf(f)]));

describe('the import rule of docs/architecture.md', () => {
  it('puts every source file in one of the parts (src/index.ts aside)', () => {
    const loose = FILES.filter((f) => layerOf(f) < 0 && f !== 'src/index.ts');
    assert.deepEqual(loose, [], `files outside the parts ${LAYERS.join(', ')}`);
  });

  it('imports only from the same part or a part below it', () => {
    const upward: string[] = [];
    for (const [file, imports] of GRAPH) {
      for (const target of imports) {
        if (!GRAPH.has(target)) continue;
        if (layerOf(target) < layerOf(file)) upward.push(`${file} imports ${target}`);
      }
    }
    assert.deepEqual(upward, [], `imports against the rule (${LAYERS.join(' > ')})`);
  });

  it('resolves every relative import to a file', () => {
    const missing = [...GRAPH].flatMap(([file, imports]) =>
      imports.filter((t) => !GRAPH.has(t)).map((t) => `${file} imports ${t}`),
    );
    assert.deepEqual(missing, []);
  });

  it('has no import cycle', () => {
    const cycles: string[] = [];
    const state = new Map<string, 'open' | 'done'>();
    const stack: string[] = [];
    const visit = (file: string): void => {
      state.set(file, 'open');
      stack.push(file);
      for (const next of GRAPH.get(file) ?? []) {
        if (state.get(next) === 'open') {
          cycles.push([...stack.slice(stack.indexOf(next)), next].join(' -> '));
        } else if (!state.has(next) && GRAPH.has(next)) visit(next);
      }
      stack.pop();
      state.set(file, 'done');
    };
    for (const file of FILES) if (!state.has(file)) visit(file);
    assert.deepEqual(cycles, []);
  });
});
