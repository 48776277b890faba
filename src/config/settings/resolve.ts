/**
 * The generic walk over the settings table: for each setting the command takes, the flag beats
 * its PGSWEEP_* variable, which beats the config file, which beats the default. Also refuses
 * PGSWEEP_* variables that name no setting. Pure: problems are appended to the caller's list.
 */
import { closest } from '../../core/did-you-mean.ts';
import * as v from '../validate.ts';
import {
  type CommandName,
  envName,
  type FlagOf,
  longFlag,
  negated,
  type Setting,
  type ValueOf,
} from './spec.ts';
import { OTHER_ENV, SETTING_KEYS, SETTINGS, type SettingKey, type Settings } from './table.ts';

export type Env = Readonly<Record<string, string | undefined>>;

/** Values given on the command line, keyed like the table (commander's attribute names). */
export type FlagValues = { [K in SettingKey]?: FlagOf<Settings[K]> };
/** Values read from a config file, already checked by its schema. */
export type FileValues = { [K in SettingKey]?: ValueOf<Settings[K]> };

export interface Picked<T> {
  readonly value: T;
  /** Where it came from, for messages: `--ttl`, `PGSWEEP_TTL`, `pgsweep.yaml:3 (ttl)`, `default`. */
  readonly from: string;
  readonly source: 'flag' | 'env' | 'file' | 'default';
}

export type Resolved = { [K in SettingKey]: Picked<ValueOf<Settings[K]>> | undefined };

export interface FileSource {
  readonly values: FileValues;
  where(key: string): string;
}

export function settingEnvName(key: SettingKey): string {
  return envName(longFlag(SETTINGS[key]));
}

/** Every PGSWEEP_* name pgsweep reads. */
export function knownEnvNames(): string[] {
  return [...SETTING_KEYS.map(settingEnvName), ...OTHER_ENV];
}

/** A PGSWEEP_* variable that names nothing is a mistake (PGSWEEP_DRYRUN ran a real sweep). */
export function unknownEnv(env: Env): string[] {
  const known = knownEnvNames();
  return Object.keys(env)
    .filter((name) => name.startsWith('PGSWEEP_') && !known.includes(name))
    .sort()
    .map((name) => {
      const near = closest(name, known);
      return `unknown environment variable ${name}${near ? `: did you mean ${near}?` : ''} (unset it; settings are PGSWEEP_<FLAG>, see --help)`;
    });
}

/** Resolves every setting `command` takes; the others keep their defaults. */
export function resolveSettings(
  command: CommandName,
  flags: FlagValues,
  env: Env,
  file: FileSource | undefined,
  problems: string[],
): { values: Resolved; given: (key: SettingKey) => boolean } {
  const given = new Set<SettingKey>();
  const out: Partial<Record<SettingKey, Picked<unknown>>> = {};
  for (const key of SETTING_KEYS) {
    const setting: Setting = SETTINGS[key];
    const takes = setting.commands.includes(command);
    const picked = takes
      ? pick(key, setting, flags[key], env, file, problems, () => given.add(key))
      : undefined;
    const resolved = picked ?? defaultOf(setting);
    if (resolved) out[key] = resolved;
  }
  return { values: out as Resolved, given: (key) => given.has(key) };
}

function defaultOf(setting: Setting): Picked<unknown> | undefined {
  if (setting.default === undefined) return undefined;
  if (setting.kind === 'boolean')
    return { value: setting.default, from: 'default', source: 'default' };
  const parsed = setting.parse(setting.default);
  // A default that does not parse is a bug in the table; a unit test parses them all.
  if (!parsed.ok) throw new Error(`default of ${setting.flag}: ${parsed.error}`);
  const value = setting.kind === 'list' ? [parsed.value] : parsed.value;
  return { value, from: 'default', source: 'default' };
}

function pick(
  key: SettingKey,
  setting: Setting,
  flagValue: string | string[] | boolean | undefined,
  env: Env,
  file: FileSource | undefined,
  problems: string[],
  markGiven: () => void,
): Picked<unknown> | undefined {
  const flag = longFlag(setting);
  const name = envName(flag);
  const raw = env[name];
  const envText = raw === undefined || raw === '' ? undefined : raw;
  const check = <T>(from: string, result: v.Result<T>, sep = ': '): T | undefined => {
    if (result.ok) return result.value;
    problems.push(`${from}${sep}${result.error}`);
    return undefined;
  };

  if (setting.kind === 'boolean') {
    if (typeof flagValue === 'boolean') return { value: flagValue, from: flag, source: 'flag' };
    if (envText !== undefined) {
      markGiven();
      const b = check(name, v.boolean(envText), '=');
      // An unreadable switch is off (the problem stops the run anyway).
      const on = b ?? false;
      return { value: negated(setting) ? !on : on, from: name, source: 'env' };
    }
  } else if (setting.kind === 'list') {
    // One value per line; a variable holding only blank lines counts as unset.
    const lines =
      envText
        ?.split('\n')
        .map((t) => t.trim())
        .filter(Boolean) ?? [];
    const texts =
      Array.isArray(flagValue) && flagValue.length > 0
        ? { values: flagValue, from: flag, source: 'flag' as const }
        : lines.length > 0
          ? {
              values: lines,
              from: name,
              source: 'env' as const,
            }
          : undefined;
    if (texts) {
      markGiven();
      // Not flatMap: a Selector is itself an array and must stay whole.
      const values: unknown[] = [];
      for (const t of texts.values) {
        const parsed = check(texts.from, setting.parse(t));
        if (parsed !== undefined) values.push(parsed);
      }
      return { value: values, from: texts.from, source: texts.source };
    }
  } else {
    const text = typeof flagValue === 'string' ? flagValue : undefined;
    const from = text !== undefined ? flag : envText !== undefined ? name : undefined;
    if (from !== undefined) {
      markGiven();
      const parsed = check(from, setting.parse(text ?? envText ?? ''));
      return parsed === undefined
        ? undefined
        : { value: parsed, from, source: from === flag ? 'flag' : 'env' };
    }
  }
  const inFile = setting.inFile === false ? undefined : file?.values[key];
  if (inFile === undefined || file === undefined) return undefined;
  markGiven();
  return { value: inFile, from: file.where(key), source: 'file' };
}
