/**
 * The config file's schema, generated from the settings table: one key per setting (its camelCase
 * flag name), parsed by the same parser as the flag and the variable. A file's numbers and booleans
 * are read as their text, so `pushMetrics: yes` means what PGSWEEP_PUSH_METRICS=yes means.
 */
import type { z } from 'zod';
import * as v from '../validate.ts';
import type { ListSetting, Setting } from './spec.ts';
import { SETTING_KEYS, SETTINGS } from './table.ts';

export function buildFileSchema(zod: typeof z) {
  /** A scalar as text, checked by a shared parser. */
  const checked = <T>(parse: (text: string) => v.Result<T>, joinList = false) =>
    zod.preprocess(
      (x) => (joinList && isStringList(x) ? x.join(',') : asText(x)),
      zod.string().transform((text, ctx): T => {
        const result = parse(text);
        if (result.ok) return result.value;
        ctx.addIssue({ code: 'custom', message: result.error, input: text });
        return zod.NEVER;
      }),
    );

  const listOf = (s: ListSetting<unknown>) => {
    const objectItem = s.fileObject;
    const item = objectItem
      ? zod.union([
          checked(s.parse),
          zod
            .strictObject({
              ...Object.fromEntries(objectItem.keys.map((k) => [k, zod.string()])),
              ...Object.fromEntries(
                (objectItem.optionalKeys ?? []).map((k) => [
                  k,
                  zod
                    .preprocess((x) => (isStringList(x) ? x.join(',') : asText(x)), zod.string())
                    .optional(),
                ]),
              ),
            })
            .transform((o, ctx) => {
              const result = objectItem.parse(o as Record<string, string | undefined>);
              if (result.ok) return result.value;
              ctx.addIssue({ code: 'custom', message: result.error, input: o });
              return zod.NEVER;
            }),
        ])
      : checked(s.parse);
    const items = s.notEmptyInFile ? zod.array(item).min(1) : zod.array(item);
    // One value or a list; a single value is made a list first so errors keep their reason.
    const listed = zod.preprocess(
      (x) => (Array.isArray(x) || (s.fileMap && isPlainObject(x)) ? x : [x]),
      s.fileMap ? zod.union([items, mapOf(s.fileMap)]) : items,
    );
    return listed;
  };

  const mapOf = (parse: (name: string, value: string) => v.Result<unknown>) =>
    zod.record(zod.string(), zod.string()).transform((record, ctx) => {
      const out: unknown[] = [];
      for (const [name, value] of Object.entries(record)) {
        const result = parse(name, value);
        if (result.ok) out.push(result.value);
        else ctx.addIssue({ code: 'custom', message: result.error, path: [name], input: value });
      }
      return out;
    });

  const typeOf = (s: Setting) =>
    s.kind === 'boolean'
      ? checked(v.boolean)
      : s.kind === 'list'
        ? listOf(s)
        : checked(s.parse, s.fileListJoined === true);

  const shape = Object.fromEntries(
    SETTING_KEYS.filter((k) => SETTINGS[k].inFile !== false).map((k) => [
      k,
      typeOf(SETTINGS[k]).optional(),
    ]),
  );
  return zod.strictObject(shape);
}

/** A file's numbers and booleans, read as the text a flag would give. */
function asText(x: unknown): unknown {
  return typeof x === 'number' || typeof x === 'boolean' ? String(x) : x;
}

function isStringList(x: unknown): x is string[] {
  return Array.isArray(x) && x.every((item) => typeof item === 'string');
}

function isPlainObject(x: unknown): boolean {
  return typeof x === 'object' && x !== null && !Array.isArray(x);
}
