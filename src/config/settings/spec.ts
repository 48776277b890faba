/**
 * The shape of one setting's declaration (see table.ts), and the names derived from it: the
 * environment variable and the config-file key. Pure.
 */
import type { Result } from '../validate.ts';

/** Which command a setting is for: the sweep is the root command. */
export type CommandName = 'sweep' | 'inspect' | 'doctor' | 'restore';
export const COMMANDS: readonly CommandName[] = ['sweep', 'inspect', 'doctor', 'restore'];

interface Common {
  /** Commander's flag spelling with its argument, e.g. `--max-deletes <n>`; `--no-x` negates x. */
  readonly flag: string;
  /** The line in `--help` (the default and the env name are appended). */
  readonly help: string;
  /** Another line for a command where the setting means something else (restore's --dry-run). */
  readonly helpIn?: Partial<Record<CommandName, string>>;
  /** The line in the reference table (docs). */
  readonly doc: string;
  /** The commands that take it; every command: a shared (connection or output) option. */
  readonly commands: readonly CommandName[];
  /** false: never a config-file key (--config itself, doctor's --fix). */
  readonly inFile?: false;
  /** Append `(default: <default>)` to the help line. */
  readonly showDefault?: true;
}

/** One value, parsed from text wherever it comes from (a file's numbers and booleans as text). */
export interface ValueSetting<T> extends Common {
  readonly kind: 'value';
  readonly parse: (text: string) => Result<T>;
  /** As a user would write it; parsed like any other value. */
  readonly default?: string;
  /** A file may give a list of strings, read as the comma-separated text (--per's labels). */
  readonly fileListJoined?: true;
}

/** Repeatable: several flags, one value per line in the environment, a value or a list in a file. */
export interface ListSetting<T> extends Common {
  readonly kind: 'list';
  readonly parse: (text: string) => Result<T>;
  /** Used when the setting is given nowhere. */
  readonly default?: string;
  /** A file item may also be this object, e.g. a rule as {selector, ttl}. */
  readonly fileObject?: {
    readonly keys: readonly string[];
    /** Keys the object may leave out; numbers and lists of strings are read as text. */
    readonly optionalKeys?: readonly string[];
    parse(o: Record<string, string | undefined>): Result<T>;
  };
  /** The file may also give a map of name to value, e.g. headers. */
  readonly fileMap?: (name: string, value: string) => Result<T>;
  /** An empty list in the file is an error (it would otherwise mean "use the default"). */
  readonly notEmptyInFile?: true;
}

/** A switch; in the environment and the file: true/false, 1/0, yes/no, on/off, y/n. */
export interface BoolSetting extends Common {
  readonly kind: 'boolean';
  readonly default?: boolean;
}

export type Setting = ValueSetting<unknown> | ListSetting<unknown> | BoolSetting;

/** The resolved type of a setting. */
export type ValueOf<S> =
  S extends ValueSetting<infer T> ? T : S extends ListSetting<infer T> ? T[] : boolean;

/** What commander hands over for a setting given on the command line. */
export type FlagOf<S> =
  S extends ValueSetting<unknown> ? string : S extends ListSetting<unknown> ? string[] : boolean;

export function value<T>(spec: Omit<ValueSetting<T>, 'kind'>): ValueSetting<T> {
  return { kind: 'value', ...spec };
}
export function list<T>(spec: Omit<ListSetting<T>, 'kind'>): ListSetting<T> {
  return { kind: 'list', ...spec };
}
export function bool(spec: Omit<BoolSetting, 'kind'>): BoolSetting {
  return { kind: 'boolean', ...spec };
}

/** `--dry-run <x>` -> `--dry-run`. */
export function longFlag(setting: Setting): string {
  return setting.flag.split(/[ ,]+/).find((f) => f.startsWith('--')) ?? setting.flag;
}

/** `--no-recheck`: given, it sets recheck to false; PGSWEEP_NO_RECHECK=true does the same. */
export function negated(setting: Setting): boolean {
  return setting.kind === 'boolean' && longFlag(setting).startsWith('--no-');
}

/** `--dry-run` -> `PGSWEEP_DRY_RUN`; `--no-recheck` -> `PGSWEEP_NO_RECHECK`. */
export function envName(flag: string): string {
  return `PGSWEEP_${flag.replace(/^--/, '').replace(/-/g, '_').toUpperCase()}`;
}

/** Every command takes it. */
export function shared(setting: Setting): boolean {
  return COMMANDS.every((c) => setting.commands.includes(c));
}
