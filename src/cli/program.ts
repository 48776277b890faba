/**
 * The commander program: the sweep as the root command, inspect, doctor and restore as
 * subcommands, each with the options the settings table gives it. Parsing only: what was chosen
 * is handed back, nothing runs here.
 */
import { createRequire } from 'node:module';
import { Command } from 'commander';
import type { CommandName, FlagValues } from '../config/config.ts';
import { isShared, optionOf, settingsOf } from '../config/settings/options.ts';
import { longFlag } from '../config/settings/spec.ts';
import { SETTING_KEYS, SETTINGS } from '../config/settings/table.ts';
import { closest } from '../core/did-you-mean.ts';
import { redactMessage } from '../core/redact.ts';
import { DOCTOR_EXAMPLES, EXAMPLES, INSPECT_EXAMPLES, RESTORE_EXAMPLES } from './help.ts';
import { withoutOptionValue } from './print.ts';

const { version } = createRequire(import.meta.url)('../../package.json') as { version: string };

/** What the command line asked for: which command, and the flags given for it. */
export interface Chosen {
  readonly command: CommandName;
  readonly flags: FlagValues;
}

function addOptions(cmd: Command, command: CommandName): Command {
  for (const name of settingsOf(command)) cmd.addOption(optionOf(name, command));
  return cmd;
}

/** Only values given on the command line: env, config file and defaults are applied by resolveConfig. */
function cliValues(cmd: Command): Record<string, unknown> {
  const opts = cmd.opts<Record<string, unknown>>();
  const out: Record<string, unknown> = {};
  for (const key of Object.keys(opts)) {
    if (cmd.getOptionValueSource(key) === 'cli') out[key] = opts[key];
  }
  return out;
}

export function buildProgram(): { program: Command; chosen: () => Chosen | undefined } {
  let chosen: Chosen | undefined;
  const program = new Command('pgsweep')
    .description('Delete Pushgateway metric groups whose last successful push is older than a TTL.')
    .usage('[options]\n       pgsweep <command> [options]')
    .version(version, '-V, --version', 'print the version')
    .helpOption('-h, --help', 'show this help')
    // Our own `help [command]` (below): commander's prints the whole help on a typo.
    .helpCommand(false)
    // Options after a command name belong to that command: `pgsweep doctor --help` is doctor's.
    .enablePositionalOptions()
    // Fixed width so --help is identical everywhere (and to the copy in docs/reference.md).
    .configureHelp({ helpWidth: 80 })
    .showSuggestionAfterError(true)
    .exitOverride();
  const sweepOnly = new Set(
    settingsOf('sweep')
      .filter((n) => !isShared(n))
      .map((n) => longFlag(SETTINGS[n])),
  );
  const usageErrors = (cmd: Command, name: string) =>
    cmd.configureOutput({
      // Usage errors: one line naming the problem and where to look.
      outputError: (raw, write) => {
        const text = withoutOptionValue(raw);
        const flag = /unknown option '(--[a-z-]+)'/.exec(text)?.[1];
        const hint =
          name !== 'pgsweep' && flag && sweepOnly.has(flag) ? `: ${flag} is a sweep option` : '';
        write(
          redactMessage(
            `pgsweep: ${text.trim().replace(/\s*\n\s*/g, ' ')}${hint} (see ${name} --help)\n`,
          ),
        );
      },
    });
  usageErrors(program, 'pgsweep');
  addOptions(program, 'sweep').addHelpText('after', EXAMPLES);

  const subcommands: Array<{
    name: 'inspect' | 'doctor' | 'restore';
    description: string;
    help: string;
  }> = [
    {
      name: 'inspect',
      description: 'report what the gateway holds: why is it big? (read-only)',
      help: INSPECT_EXAMPLES,
    },
    {
      name: 'doctor',
      description: 'find the states that break a gateway for everyone; --fix repairs them',
      help: DOCTOR_EXAMPLES,
    },
    {
      name: 'restore',
      description: 'push groups archived with --archive-file back to their exact keys',
      help: RESTORE_EXAMPLES,
    },
  ];
  for (const sub of subcommands) {
    const cmd = program
      .command(sub.name)
      .description(sub.description)
      .helpOption('-h, --help', 'show this help');
    usageErrors(cmd, `pgsweep ${sub.name}`);
    addOptions(cmd, sub.name).addHelpText('after', sub.help);
    cmd.action(() => {
      // Options given before the command name were parsed by the root: keep the shared ones.
      const before = cliValues(program);
      for (const key of Object.keys(before)) {
        // Table keys are commander's attribute names (`recheck` for --no-recheck).
        const name = SETTING_KEYS.find((n) => n === key);
        if (name && isShared(name)) continue;
        const flag = program.options.find((o) => o.attributeName() === key)?.long ?? key;
        cmd.error(`error: option '${flag}' is for the sweep; pgsweep ${sub.name} does not take it`);
      }
      const after = cliValues(cmd);
      const merged: Record<string, unknown> = { ...before, ...after };
      for (const key of Object.keys(after)) {
        const a = before[key];
        const b = after[key];
        if (Array.isArray(a) && Array.isArray(b)) merged[key] = [...a, ...b];
      }
      chosen = { command: sub.name, flags: merged as FlagValues };
    });
  }

  program
    .command('help')
    .argument('[command]')
    .description('show help for a command')
    .action((name: string | undefined) => {
      if (name === undefined) return program.outputHelp();
      const sub = program.commands.find((c) => c.name() === name && name !== 'help');
      if (!sub) {
        const names = subcommands.map((s) => s.name).join(', ');
        program.error(`error: unknown command '${name}' (commands: ${names})`);
      }
      sub?.outputHelp();
    });

  // The sweep is the root command itself, so `pgsweep --ttl 2h` works as it always has.
  program.allowExcessArguments(true).action(() => {
    const [extra] = program.args;
    if (extra !== undefined) {
      const names = subcommands.map((s) => s.name);
      const near = closest(extra, names);
      program.error(
        `error: too many arguments: '${extra}' is not a command (commands: ${names.join(', ')})${near ? `. Did you mean ${near}?` : ''}`,
      );
    }
    chosen = { command: 'sweep', flags: cliValues(program) as FlagValues };
  });
  return { program, chosen: () => chosen };
}
