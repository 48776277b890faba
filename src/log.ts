/** The logging surface the sweep needs; pino's Logger satisfies it, tests can pass a recorder. */
type LogFn = (obj: Record<string, unknown>, msg: string) => void;

export interface Log {
  debug: LogFn;
  info: LogFn;
  warn: LogFn;
  error: LogFn;
}

export const silentLog: Log = { debug() {}, info() {}, warn() {}, error() {} };
