/**
 * `--config <file>`: YAML or JSON holding the same settings as the flags, keyed by the flag names
 * in camelCase. The schema comes from the settings table (src/config/settings/file-schema.ts); every
 * problem is reported with its line.
 * Pure: takes the file's text, returns typed values or throws one UsageError listing all problems.
 */
import type { z } from 'zod';
import { closest } from '../core/did-you-mean.ts';
import { UsageError } from '../core/errors.ts';
import { yamlModule, zodModule } from '../core/lazy-require.ts';
import { buildFileSchema } from './settings/file-schema.ts';
import type { FileValues } from './settings/resolve.ts';
import { OLD_FILE_KEYS, SETTING_KEYS, SETTINGS } from './settings/table.ts';

export type { FileValues };

let fileSchema: ReturnType<typeof buildFileSchema> | undefined;

export interface ConfigFile {
  readonly path: string;
  readonly values: FileValues;
  /** `pgsweep.yaml:12 (rules[1])` for a setting's position, used in later error messages. */
  where(key: string): string;
  /** Accepted but outdated: old key names. */
  readonly warnings: readonly string[];
}

const FILE_KEYS = SETTING_KEYS.filter((k) => SETTINGS[k].inFile !== false);

/** `dry-run`, `dry_run` -> `dryRun`. */
const camel = (key: string) =>
  key.replace(/[-_]+([a-zA-Z0-9])/g, (_, c: string) => c.toUpperCase());

/** The hint after an unknown key: the key meant, if one is close. */
function hintFor(key: string): string {
  const near = FILE_KEYS.find((k) => k === camel(key)) ?? closest(key, FILE_KEYS);
  const rule = 'settings are the flag names in camelCase, e.g. dryRun';
  return near ? `did you mean ${near}? (${rule})` : `(${rule})`;
}

/** pgsweep's settings nest three deep at most (rules[0].selector); anything far deeper is hostile. */
const MAX_DEPTH = 16;
/** yaml's own default: more alias expansions than this is an alias bomb. */
const MAX_ALIAS_COUNT = 100;
/** Problems listed in one error line; the rest are counted. */
const MAX_PROBLEMS = 5;

function listProblems(all: readonly string[]): string {
  const problems = [...new Set(all)];
  const shown = problems.slice(0, MAX_PROBLEMS).join('; ');
  const more = problems.length - MAX_PROBLEMS;
  return more > 0 ? `${shown}; and ${more} more` : shown;
}

/**
 * Open brackets allowed at once, counted without regard to quoting: settings need a handful, and
 * yaml spends most of a second recovering from a file of nothing but `[`.
 */
const MAX_OPEN_BRACKETS = 100;

function checkBrackets(text: string, path: string): void {
  let open = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 0x5b || c === 0x7b) open++;
    else if ((c === 0x5d || c === 0x7d) && open > 0) open--;
    if (open > MAX_OPEN_BRACKETS) {
      throw new UsageError(
        `config file ${path}: more than ${MAX_OPEN_BRACKETS} brackets open at once; is it the right file?`,
      );
    }
  }
}

export function parseConfigFile(text: string, path: string): ConfigFile {
  checkBrackets(text, path);
  const { isCollection, isMap, isPair, isScalar, LineCounter, parseDocument } = yamlModule();
  const lineCounter = new LineCounter();
  // logLevel 'error': yaml would otherwise print warnings (e.g. on map keys) to stderr itself.
  const doc = parseDocument(text, { lineCounter, prettyErrors: false, logLevel: 'error' });
  const lineOf = (offset: number | undefined) =>
    offset === undefined ? '' : `:${lineCounter.linePos(offset).line}`;

  if (doc.errors.length > 0) {
    const problems = doc.errors.map(
      (e) =>
        `${path}${lineOf(e.pos[0])}: ${e.code === 'RESOURCE_EXHAUSTION' ? 'nested too deeply' : e.message.split('\n')[0]}`,
    );
    throw new UsageError(`config file is not valid YAML or JSON: ${listProblems(problems)}`);
  }
  // Walked without recursion before toJS: toJS recurses (a deep file overflows the stack) and turns
  // a map used as a key into a string, which for nested keys grows without bound.
  const pending: Array<{ node: unknown; depth: number }> = [{ node: doc.contents, depth: 0 }];
  for (let item = pending.pop(); item !== undefined; item = pending.pop()) {
    const { node, depth } = item;
    if (!isCollection(node)) continue;
    const at = `${path}${lineOf(node.range?.[0])}`;
    if (depth >= MAX_DEPTH) {
      throw new UsageError(`config file ${at}: nested deeper than ${MAX_DEPTH} levels`);
    }
    for (const entry of node.items) {
      if (isPair(entry)) {
        if (!isScalar(entry.key)) {
          const keyAt = `${path}${lineOf((entry.key as { range?: number[] } | null)?.range?.[0] ?? node.range?.[0])}`;
          throw new UsageError(
            `config file ${keyAt}: a setting name must be a plain word, not a list or map`,
          );
        }
        pending.push({ node: entry.value, depth: depth + 1 });
      } else pending.push({ node: entry, depth: depth + 1 });
    }
  }
  let data: unknown;
  try {
    data = doc.toJS({ maxAliasCount: MAX_ALIAS_COUNT }) ?? {};
  } catch (err) {
    // yaml throws a ReferenceError for an alias bomb ("Excessive alias count ...").
    const bomb = /alias/i.test((err as Error).message);
    throw new UsageError(
      bomb
        ? `config file ${path}: its YAML aliases expand more than ${MAX_ALIAS_COUNT} times; write the values out instead`
        : `config file ${path} cannot be read as settings: ${(err as Error).message.split('\n')[0]}`,
    );
  }

  /** Offset of the node at `keys` (or its nearest existing parent), or of the key `key` in it. */
  const locate = (keys: readonly PropertyKey[], key?: string): number | undefined => {
    let node: unknown = keys.length === 0 ? doc.contents : doc.getIn(keys as unknown[], true);
    // `url: x` is checked as `url[0]`: fall back to the closest node that exists.
    for (let n = keys.length - 1; node === undefined && n >= 0; n--) {
      node = n === 0 ? doc.contents : doc.getIn(keys.slice(0, n) as unknown[], true);
    }
    if (key !== undefined && isMap(node)) {
      const pair = node.items.find((p) => isScalar(p.key) && p.key.value === key);
      const keyNode = pair?.key;
      return isScalar(keyNode) ? keyNode.range?.[0] : undefined;
    }
    const range = (node as { range?: [number, number, number] } | null | undefined)?.range;
    return range?.[0];
  };
  const label = (keys: readonly PropertyKey[]) =>
    keys
      .map((k, i) => (typeof k === 'number' ? `[${k}]` : `${i === 0 ? '' : '.'}${String(k)}`))
      .join('');

  // Old key names (selectors, rules ...) are renamed before checking, with a warning.
  const renamed = new Map<string, string>();
  const warnings: string[] = [];
  const oldProblems: string[] = [];
  if (typeof data === 'object' && data !== null && !Array.isArray(data)) {
    const record = data as Record<string, unknown>;
    for (const [old, key] of Object.entries(OLD_FILE_KEYS)) {
      if (!Object.hasOwn(record, old)) continue;
      const at = `${path}${lineOf(locate([], old))}`;
      if (Object.hasOwn(record, key)) {
        oldProblems.push(`${at}: "${old}" is the old name of "${key}": give only ${key}`);
        continue;
      }
      record[key] = record[old];
      delete record[old];
      renamed.set(key, old);
      warnings.push(
        `${at}: "${old}" is deprecated, write "${key}" (settings are the flag names); the old name stops working in the next release`,
      );
    }
  }
  /** The key as written in the file. */
  const written = (keys: readonly PropertyKey[]): PropertyKey[] =>
    keys.length > 0 && typeof keys[0] === 'string' && renamed.has(keys[0])
      ? [renamed.get(keys[0]) ?? keys[0], ...keys.slice(1)]
      : [...keys];

  fileSchema ??= buildFileSchema(zodModule().z);
  const parsed = fileSchema.safeParse(data);
  if (!parsed.success) {
    const describe = (issue: z.core.$ZodIssue, base: readonly PropertyKey[] = []): string[] => {
      const at = written([...base, ...issue.path]);
      if (issue.code === 'invalid_union') {
        // Report the branch that got furthest (not just "Invalid input"): one whose issues
        // are about content rather than the value's type.
        const branch =
          issue.errors.find((b) => b.some((i) => i.code !== 'invalid_type')) ??
          issue.errors[0] ??
          [];
        return branch.flatMap((sub) => describe(sub, at));
      }
      if (issue.code === 'unrecognized_keys') {
        return issue.keys.map(
          (k) =>
            `${path}${lineOf(locate(at, k))}: unknown setting "${label([...at, k])}"${at.length === 0 ? `: ${hintFor(k)}` : ''}`,
        );
      }
      return [
        `${path}${lineOf(locate(at))}: ${at.length === 0 ? 'the file' : label(at)}: ${issue.message}`,
      ];
    };
    const problems = [...oldProblems, ...parsed.error.issues.flatMap((issue) => describe(issue))];
    const count = problems.length;
    throw new UsageError(
      `config file has ${count} problem${count === 1 ? '' : 's'}: ${listProblems(problems)}`,
    );
  }
  if (oldProblems.length > 0) {
    throw new UsageError(
      `config file has ${oldProblems.length} problem${oldProblems.length === 1 ? '' : 's'}: ${listProblems(oldProblems)}`,
    );
  }
  return {
    path,
    values: parsed.data as FileValues,
    where: (key) => {
      const [k] = written([key]);
      return `${path}${lineOf(locate([k as string]))} (${String(k)})`;
    },
    warnings,
  };
}
