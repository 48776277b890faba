/** The commander options of each command, generated from the settings table. */
import { Option } from 'commander';
import { type CommandName, envName, longFlag, shared } from './spec.ts';
import { SETTING_KEYS, SETTINGS, type SettingKey } from './table.ts';

const collect = (value: string, previous: string[] | undefined): string[] => [
  ...(previous ?? []),
  value,
];

/** A fresh Option: the sweep (the root command) and each subcommand add their own. */
export function optionOf(key: SettingKey, command: CommandName = 'sweep'): Option {
  const s = SETTINGS[key];
  const shown = 'showDefault' in s && s.showDefault ? ` (default: ${s.default})` : '';
  const help = s.helpIn?.[command] ?? s.help;
  const option = new Option(s.flag, `${help}${shown} [env: ${envName(longFlag(s))}]`);
  return s.kind === 'list' ? option.argParser(collect) : option;
}

/**
 * A command's settings in --help order: the sweep's in table order; a subcommand's own ones
 * first, then the shared ones.
 */
export function settingsOf(command: CommandName): SettingKey[] {
  const takes = SETTING_KEYS.filter((k) => SETTINGS[k].commands.includes(command));
  if (command === 'sweep') return takes;
  const isShared = (k: SettingKey) => shared(SETTINGS[k]);
  return [...takes.filter((k) => !isShared(k)), ...takes.filter(isShared)];
}

/** Options every command takes (connection and output). */
export function isShared(key: SettingKey): boolean {
  return shared(SETTINGS[key]);
}
