/**
 * Logs go to stderr: pino JSON for machines, or pretty single lines on a TTY. Pretty printing is a
 * synchronous stream in this thread (not a worker transport) so nothing is lost at exit.
 */
import { pino } from 'pino';
import type { LogLevel } from './config.ts';
import { pinoPrettyModule } from './lazy-require.ts';

/** Paths that may carry secrets in later features; redacted wherever they appear. */
const REDACT = [
  'password',
  'token',
  'authorization',
  '*.password',
  '*.token',
  '*.authorization',
  'headers.*',
];

export function createLogger(level: LogLevel, stderrIsTty: boolean, noColor: boolean): pino.Logger {
  const options: pino.LoggerOptions = {
    name: 'pgsweep',
    level,
    redact: { paths: REDACT, censor: '[redacted]' },
  };
  if (stderrIsTty) {
    return pino(
      options,
      pinoPrettyModule()({
        destination: 2,
        sync: true,
        colorize: !noColor,
        ignore: 'pid,hostname,name',
        translateTime: 'HH:MM:ss',
        singleLine: true,
      }),
    );
  }
  return pino(options, pino.destination({ fd: 2, sync: true }));
}
