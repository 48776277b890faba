/**
 * V8 heap settings for a long sweep. pgsweep's garbage is short-lived (one parsed group, one
 * request at a time), but V8's defaults let the young generation grow to 3 x 16 MiB and the old
 * generation grow to several times what is live before collecting: a 100k-group sweep then peaked
 * at 300+ MiB although under 50 MiB was ever live. Growing in small steps keeps it near what is
 * live, for about the same run time (README: Scale). Both settings are read by V8 at each GC, so
 * they take effect when set at run time. A user's own node flags win (Node refuses these two in
 * NODE_OPTIONS, but checking it too costs nothing).
 */
import { setFlagsFromString } from 'node:v8';

const FLAGS = ['--semi-space-growth-factor=1', '--heap-growing-percent=10'];

export function tuneHeap(
  execArgv: readonly string[] = process.execArgv,
  nodeOptions = process.env.NODE_OPTIONS ?? '',
): string[] {
  const given = `${execArgv.join(' ')} ${nodeOptions}`;
  const applied = FLAGS.filter((flag) => !given.includes(flag.split('=')[0] ?? flag));
  for (const flag of applied) setFlagsFromString(flag);
  return applied;
}
