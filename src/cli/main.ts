/**
 * The command line's entry (bin/pgsweep.js): parse argv, load the settings, run the chosen command,
 * set the exit code. The cli/ folder is the only part that reads argv and the environment, touches
 * the TTY, handles signals, prints results and sets the exit code.
 */
import { CommanderError } from 'commander';
import {
  type CommandName,
  type Config,
  configPath,
  type FlagValues,
  resolveConfig,
} from '../config/config.ts';
import { parseConfigFile } from '../config/config-file.ts';
import { MAX_CONFIG_BYTES, readUserText, showPath } from '../config/read-user-file.ts';
import { ExitCode, type ExitCodeValue, PgsweepError } from '../core/errors.ts';
import { registerProxySecrets } from '../core/redact.ts';
import { checkProxyEnv } from '../gateway/proxy-env.ts';
import { runDoctor, runInspect, runRestoreCommand, runSweep } from './commands.ts';
import { fail } from './print.ts';
import { buildProgram } from './program.ts';

function loadConfig(flags: FlagValues, command: CommandName): Config {
  const path = configPath(flags, process.env);
  const file =
    path === undefined
      ? undefined
      : parseConfigFile(readUserText(path, '--config', MAX_CONFIG_BYTES), showPath(path));
  const config = resolveConfig(flags, process.env, file, command);
  // Before any request: undici would otherwise fail on a bad proxy URL mid-run.
  checkProxyEnv(process.env);
  return config;
}

async function main(argv: string[]): Promise<ExitCodeValue> {
  // Proxy credentials are masked in everything printed, usage errors included.
  registerProxySecrets(process.env);
  const { program, chosen } = buildProgram();
  try {
    program.parse(argv, { from: 'user' });
  } catch (err) {
    if (err instanceof CommanderError) {
      // --help and --version end here with exit code 0.
      return err.exitCode === 0 ? ExitCode.ok : ExitCode.usage;
    }
    throw err;
  }
  const choice = chosen();
  // `pgsweep help` prints help through commander and ends the parse without choosing a command.
  if (!choice) return ExitCode.ok;
  try {
    const config = loadConfig(choice.flags, choice.command);
    if (choice.command === 'inspect') return await runInspect(config);
    if (choice.command === 'doctor') return await runDoctor(config);
    if (choice.command === 'restore') return await runRestoreCommand(config);
    return await runSweep(config);
  } catch (err) {
    if (err instanceof PgsweepError) {
      fail(err.message);
      return err.exitCode;
    }
    fail(
      `unexpected ${(err as Error).name ?? 'error'}: ${(err as Error).message} (please report this)`,
    );
    return ExitCode.failure;
  }
}

// `pgsweep --help | head` closes stdout early: that is not an error worth a stack trace.
process.stdout.on('error', (err: NodeJS.ErrnoException) => {
  if (err.code !== 'EPIPE') throw err;
});
process.exitCode = await main(process.argv.slice(2));
