/**
 * The one place that defines pgsweep's exit codes and the errors that map to them.
 * The CLI prints `error.message` as a single line; nothing else should set an exit code.
 */
export const ExitCode = {
  ok: 0,
  failure: 1,
  usage: 2,
  staleFound: 3,
  sigint: 130,
  sigterm: 143,
} as const;

export type ExitCodeValue = (typeof ExitCode)[keyof typeof ExitCode];

/** Base class: an expected failure with a one-line, user-facing message. */
export class PgsweepError extends Error {
  readonly exitCode: ExitCodeValue;
  constructor(message: string, exitCode: ExitCodeValue) {
    super(message);
    this.name = new.target.name;
    this.exitCode = exitCode;
  }
}

/** Bad flags, environment or configuration: exit 2. */
export class UsageError extends PgsweepError {
  constructor(message: string) {
    super(message, ExitCode.usage);
  }
}

/** The gateway could not be reached or answered something we will not act on: exit 1. */
export class GatewayError extends PgsweepError {
  constructor(message: string) {
    super(message, ExitCode.failure);
  }
}
