/**
 * Logs go to stderr: pino JSON for machines, or pretty single lines on a TTY. Pretty printing is a
 * synchronous stream in this thread (not a worker transport) so nothing is lost at exit. Every
 * serialised line passes redactMessage() on its way out, so no field or message can carry a secret.
 */
import { pino } from 'pino';
import type { LogLevel } from '../config/config.ts';
import { pinoPrettyModule } from '../core/lazy-require.ts';
import { redactMessage } from '../core/redact.ts';

/** Paths that may carry secrets in later features; redacted wherever they appear. */
const REDACT = [
  'password',
  'token',
  'authorization',
  '*.password',
  '*.token',
  '*.authorization',
  'headers.*',
  '*.headers.*',
];

/** The last step before a log line leaves: secrets, URL userinfo and query strings masked. */
function redacting(destination: { write(line: string): unknown }): pino.DestinationStream {
  return {
    write(line: string) {
      destination.write(redactMessage(line));
    },
  };
}

export function createLogger(level: LogLevel, stderrIsTty: boolean, noColor: boolean): pino.Logger {
  const options: pino.LoggerOptions = {
    name: 'pgsweep',
    level,
    redact: { paths: REDACT, censor: '[redacted]' },
  };
  if (stderrIsTty) {
    return pino(
      options,
      redacting(
        pinoPrettyModule()({
          destination: 2,
          sync: true,
          colorize: !noColor,
          ignore: 'pid,hostname,name',
          translateTime: 'HH:MM:ss',
          singleLine: true,
        }),
      ),
    );
  }
  return pino(options, redacting(pino.destination({ fd: 2, sync: true })));
}
