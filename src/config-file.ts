/**
 * `--config <file>`: YAML or JSON holding the same settings as the flags, in camelCase.
 * One schema checks shape and meaning, and every problem is reported with its line.
 * Pure: takes the file's text, returns typed values or throws one UsageError listing all problems.
 */
import type { z } from 'zod';
import { LISTING_MODES } from './client.ts';
import { UsageError } from './errors.ts';
import { yamlModule, zodModule } from './lazy-require.ts';
import { operateFileSchema } from './operate-config.ts';
import { OUTPUT_FORMATS } from './output.ts';
import * as v from './validate.ts';

export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

/** The file's schema; built on first use, so runs without a config file never load zod. */
function buildFileSchema(zod: typeof z) {
  /** A string checked by one of the shared validators. */
  const checked = <T>(validate: (text: string) => v.Result<T>) =>
    zod.string().transform((text, ctx): T => {
      const result = validate(text);
      if (result.ok) return result.value;
      ctx.addIssue({ code: 'custom', message: result.error, input: text });
      return zod.NEVER;
    });

  const ruleObject = zod
    .strictObject({
      selector: zod.string(),
      ttl: zod.string(),
      keep: zod.number().int().optional(),
      per: zod.union([zod.string(), zod.array(zod.string())]).optional(),
    })
    .transform((r, ctx): v.TtlRule => {
      const result = v.ruleOf(r.selector, r.ttl, undefined, { keep: r.keep, per: r.per });
      if (result.ok) return result.value;
      ctx.addIssue({ code: 'custom', message: result.error, input: r });
      return zod.NEVER;
    });

  const labelList = (names: string[], ctx: z.RefinementCtx): string[] => {
    const result = v.labelNames(names);
    if (result.ok) return result.value;
    ctx.addIssue({ code: 'custom', message: result.error, input: names });
    return zod.NEVER;
  };

  return zod.strictObject({
    // One URL or a list; normalised to a list before checking so errors keep their reason.
    url: zod
      .preprocess((u) => (typeof u === 'string' ? [u] : u), zod.array(checked(v.url)).min(1))
      .optional(),
    ttl: checked(v.positiveDuration).optional(),
    dryRun: zod.boolean().optional(),
    check: zod.boolean().optional(),
    selectors: zod.array(checked(v.selector)).optional(),
    excludes: zod.array(checked(v.selector)).optional(),
    rules: zod.array(zod.union([checked(v.rule), ruleObject])).optional(),
    keepLatest: zod.number().int().min(1).max(v.MAX_KEEP_LATEST).optional(),
    // `job,task_id` or a list of label names.
    per: zod
      .union([checked(v.labelNames), zod.array(zod.string()).transform(labelList)])
      .optional(),
    output: zod.enum(OUTPUT_FORMATS).optional(),
    concurrency: zod.number().int().min(1).max(256).optional(),
    timeout: checked(v.positiveDuration).optional(),
    // A size with a unit ("16MiB") or a number of bytes.
    maxGroupBytes: zod.union([zod.number().int().positive(), checked(v.byteSize)]).optional(),
    maxListingBytes: zod.union([zod.number().int().positive(), checked(v.byteSize)]).optional(),
    maxGroups: zod.number().int().min(1).optional(),
    logLevel: zod.enum(LOG_LEVELS).optional(),
    listing: zod.enum(LISTING_MODES).optional(),
    archiveFile: checked(v.nonEmpty).optional(),
    recheck: zod.boolean().optional(),
    username: checked(v.nonEmpty).optional(),
    passwordFile: checked(v.nonEmpty).optional(),
    bearerTokenFile: checked(v.nonEmpty).optional(),
    headers: zod
      .record(zod.string(), zod.string())
      .transform((record, ctx) => {
        const out: Array<[string, string]> = [];
        for (const [name, value] of Object.entries(record)) {
          const result = v.headerOf(name, value);
          if (result.ok) out.push(result.value);
          else ctx.addIssue({ code: 'custom', message: result.error, path: [name], input: value });
        }
        return out;
      })
      .optional(),
    caFile: checked(v.nonEmpty).optional(),
    certFile: checked(v.nonEmpty).optional(),
    keyFile: checked(v.nonEmpty).optional(),
    insecureSkipVerify: zod.boolean().optional(),
    ignoreDeclaredTtl: zod.boolean().optional(),
    maxDeletes: zod.number().int().min(0).optional(),
    maxDeleteRatio: zod.number().gt(0).max(1).optional(),
    guardMinAge: checked(v.duration).optional(),
    force: zod.boolean().optional(),
    trustLocalClock: zod.boolean().optional(),
    maxClockSkew: checked(v.duration).optional(),
    // --push-metrics, --instance, --schedule, --timezone, --listen (operate-config.ts checks them).
    ...operateFileSchema(zod),
  });
}

let fileSchema: ReturnType<typeof buildFileSchema> | undefined;

export type FileValues = z.output<ReturnType<typeof buildFileSchema>>;

export interface ConfigFile {
  readonly path: string;
  readonly values: FileValues;
  /** `pgsweep.yaml:12 (rules[1])` for a setting's position, used in later error messages. */
  where(key: string): string;
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

  fileSchema ??= buildFileSchema(zodModule().z);
  const parsed = fileSchema.safeParse(data);
  if (!parsed.success) {
    const describe = (issue: z.core.$ZodIssue, base: readonly PropertyKey[] = []): string[] => {
      const at = [...base, ...issue.path];
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
            `${path}${lineOf(locate(at, k))}: unknown setting "${label([...at, k])}" (settings use the flag names in camelCase, e.g. dryRun)`,
        );
      }
      return [
        `${path}${lineOf(locate(at))}: ${at.length === 0 ? 'the file' : label(at)}: ${issue.message}`,
      ];
    };
    const problems = parsed.error.issues.flatMap((issue) => describe(issue));
    const count = problems.length;
    throw new UsageError(
      `config file has ${count} problem${count === 1 ? '' : 's'}: ${listProblems(problems)}`,
    );
  }
  return {
    path,
    values: parsed.data,
    where: (key) => `${path}${lineOf(locate([key]))} (${key})`,
  };
}
