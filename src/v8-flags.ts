/**
 * V8 settings for a long sweep, applied by bin/pgsweep.js before anything else runs. A user's own
 * node flags win (Node refuses these in NODE_OPTIONS, but checking it too costs nothing).
 *
 * The heap grows in small steps. pgsweep's garbage is short-lived (one parsed group, one request
 * at a time), but V8's defaults let the young generation grow to 3 x 16 MiB and the old generation
 * grow to several times what is live before collecting: a 100k-group sweep then peaked at 300+ MiB
 * although under 50 MiB was ever live. V8 reads both settings at each GC, so setting them at run
 * time works (README: Scale).
 *
 * WebAssembly stays on Liftoff, V8's baseline compiler. undici parses HTTP with llhttp compiled to
 * WebAssembly, and by default V8 re-compiles its hot parse function with TurboFan on a background
 * thread while the first listing streams in. That took about 35 MiB for a moment (a 1k-group sweep
 * peaked at 106 MiB with it, 70 MiB on Liftoff alone) and CPU the listing needed (a 20k-group
 * listing was read in 0.52 s with it, 0.46 s on Liftoff alone). Liftoff code is plenty for HTTP
 * framing. V8 describes the flag as being for testing; were it ever removed, V8 would only print
 * that it is unknown.
 */
import { setFlagsFromString } from 'node:v8';

const FLAGS = ['--semi-space-growth-factor=1', '--heap-growing-percent=10', '--liftoff-only'];

/** `--no-liftoff_only=1` -> `liftoff-only`: the name V8 knows a flag by, however it is written. */
function flagName(flag: string): string {
  return (flag.replace(/^--?(no-?)?/, '').split('=')[0] ?? '').replaceAll('_', '-');
}

/** Applies the settings the user did not give; returns those it applied. */
export function tuneV8(
  execArgv: readonly string[] = process.execArgv,
  nodeOptions = process.env.NODE_OPTIONS ?? '',
): string[] {
  const given = new Set([...execArgv, ...nodeOptions.split(/\s+/)].map(flagName));
  const applied = FLAGS.filter((flag) => !given.has(flagName(flag)));
  for (const flag of applied) setFlagsFromString(flag);
  return applied;
}
