/** SIGINT and SIGTERM: how a run is stopped, and the exit code it then ends with. */
import { setMaxListeners } from 'node:events';
import { ExitCode, type ExitCodeValue } from '../core/errors.ts';
import type { Log } from '../core/log.ts';

/** After SIGINT/SIGTERM, requests still in flight get this long before they are abandoned. */
const ABANDON_AFTER_MS = 3000;

/** SIGINT/SIGTERM: stop starting requests at once, abandon those in flight a little later. */
export function watchSignals(log: Log) {
  const stop = new AbortController();
  const abandon = new AbortController();
  // Every request in flight and every DELETE waiting for the write window listens to these;
  // with --concurrency above 10 that is not a leak, so do not warn about it.
  setMaxListeners(0, stop.signal, abandon.signal);
  let received: NodeJS.Signals | undefined;
  const onSignal = (signal: NodeJS.Signals) => {
    if (received) return;
    received = signal;
    log.warn(
      { signal },
      `received ${signal}: sending no more deletes, finishing within ${ABANDON_AFTER_MS / 1000}s`,
    );
    stop.abort();
    setTimeout(() => abandon.abort(), ABANDON_AFTER_MS).unref();
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  return {
    stop: stop.signal,
    abandon: abandon.signal,
    exitCode: (): ExitCodeValue | undefined =>
      received === 'SIGINT'
        ? ExitCode.sigint
        : received === 'SIGTERM'
          ? ExitCode.sigterm
          : undefined,
  };
}

export type CliSignals = ReturnType<typeof watchSignals>;
