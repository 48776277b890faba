/**
 * A group's labels, as the grouping key and the listings carry them: the one shape every part of
 * pgsweep shares.
 */
export type Labels = Readonly<Record<string, string>>;

/**
 * Sets one label on a map being built. `labels[name] = value` would silently drop a label named
 * `__proto__` (on a plain object that is the prototype setter, which ignores strings), so the key
 * would lose a label and address a sibling group. As an own property it is kept, and keyProblem
 * then refuses the key (names starting with `__` cannot be addressed).
 */
export function putLabel(labels: Record<string, string>, name: string, value: string): void {
  if (name === '__proto__')
    Object.defineProperty(labels, name, {
      value,
      enumerable: true,
      writable: true,
      configurable: true,
    });
  else labels[name] = value;
}

/** Orders strings by UTF-16 code units: the same on every machine and locale. */
export function compareText(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** Label names in the order pgsweep shows them: job first, then by code units. */
export function compareLabelNames(a: string, b: string): number {
  return a === 'job' ? -1 : b === 'job' ? 1 : compareText(a, b);
}
