/** The logging surface the sweep needs; pino's Logger satisfies it, tests can pass a recorder. */
type LogFn = (obj: Record<string, unknown>, msg: string) => void;

export interface Log {
  debug: LogFn;
  info: LogFn;
  warn: LogFn;
  error: LogFn;
}

export const silentLog: Log = { debug() {}, info() {}, warn() {}, error() {} };

/** The same log with `gateway` on every line: several gateways' lines must be told apart. */
export function withGateway(log: Log, gateway: string): Log {
  const bind =
    (fn: LogFn): LogFn =>
    (obj, msg) =>
      fn({ gateway, ...obj }, msg);
  return {
    debug: bind(log.debug.bind(log)),
    info: bind(log.info.bind(log)),
    warn: bind(log.warn.bind(log)),
    error: bind(log.error.bind(log)),
  };
}
