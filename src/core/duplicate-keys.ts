/**
 * Finds a grouping key listed twice in one listing. Pure: no I/O.
 *
 * A real Pushgateway cannot list a key twice (its store is a Go map keyed by the grouping key), so a
 * second copy means the listing itself cannot be trusted. Checking needs every key of the listing,
 * not only the few a sweep keeps, so each key is remembered as a 64-bit hash in an open-addressing
 * table of two Int32Arrays: 2 MiB at 100k groups, where a Set of the keys' paths took 13 MiB and a
 * Set of 53-bit hash numbers 4 MiB (measured with heapUsed and arrayBuffers after a GC). The seed
 * is random per table, so no key set collides on every run; the chance that two different keys
 * share a hash is about n²/2^64, under 1e-9 for 100k keys.
 */
import type { Labels } from '../wire/labels.ts';

/** Start small: most gateways hold hundreds of groups. Capacity is a power of two. */
const INITIAL_CAPACITY = 1024;

export class DuplicateKeys {
  private hi: Int32Array;
  private lo: Int32Array;
  private mask: number;
  private count = 0;
  private readonly seed: number;

  constructor(seed: number = (Math.random() * 0x1_0000_0000) >>> 0) {
    this.seed = seed;
    this.hi = new Int32Array(INITIAL_CAPACITY);
    this.lo = new Int32Array(INITIAL_CAPACITY);
    this.mask = INITIAL_CAPACITY - 1;
  }

  /** Number of distinct keys seen. */
  get size(): number {
    return this.count;
  }

  /** Memory held by the table. */
  get bytes(): number {
    return this.hi.byteLength + this.lo.byteLength;
  }

  /**
   * Remembers `labels` and says whether the same key was seen before. Keys whose values hold U+FFFD
   * are not checked: the gateway writes every invalid UTF-8 byte as U+FFFD, so two real groups can
   * show the same labels; such keys are never deleted by their listed labels anyway.
   */
  seen(labels: Labels): boolean {
    const names = Object.keys(labels).sort();
    let h1 = 0x9e3779b9 ^ this.seed;
    let h2 = 0x85ebca6b ^ this.seed;
    // Each string is preceded by its length, so no two different keys feed the same sequence.
    const feed = (s: string): boolean => {
      h1 = Math.imul(h1 ^ s.length, 2654435761);
      h2 = Math.imul(h2 ^ s.length, 1597334677);
      for (let i = 0; i < s.length; i++) {
        const c = s.charCodeAt(i);
        if (c === 0xfffd) return false;
        h1 = Math.imul(h1 ^ c, 2654435761);
        h2 = Math.imul(h2 ^ c, 1597334677);
      }
      return true;
    };
    for (const name of names) {
      if (!feed(name) || !feed(labels[name] ?? '')) return false;
    }
    // Final avalanche (as in cyrb53), keeping all 64 bits.
    h1 = Math.imul(h1 ^ (h1 >>> 16), 2246822507) ^ Math.imul(h2 ^ (h2 >>> 13), 3266489909);
    h2 = Math.imul(h2 ^ (h2 >>> 16), 2246822507) ^ Math.imul(h1 ^ (h1 >>> 13), 3266489909);
    // 0/0 marks an empty slot: a key hashing to it is moved to 0/1 (one more possible collision).
    if (h1 === 0 && h2 === 0) h2 = 1;
    return !this.insert(h1 | 0, h2 | 0);
  }

  /** Adds the hash; false when it was already there. */
  private insert(hi: number, lo: number): boolean {
    let i = (lo ^ hi) & this.mask;
    for (;;) {
      const h = this.hi[i] ?? 0;
      const l = this.lo[i] ?? 0;
      if (h === 0 && l === 0) break;
      if (h === hi && l === lo) return false;
      i = (i + 1) & this.mask;
    }
    this.hi[i] = hi;
    this.lo[i] = lo;
    this.count++;
    // Load at most one half: linear probing stays short.
    if (this.count * 2 > this.mask + 1) this.grow();
    return true;
  }

  private grow(): void {
    const { hi, lo } = this;
    const capacity = (this.mask + 1) * 2;
    this.hi = new Int32Array(capacity);
    this.lo = new Int32Array(capacity);
    this.mask = capacity - 1;
    this.count = 0;
    for (let i = 0; i < hi.length; i++) {
      const h = hi[i] ?? 0;
      const l = lo[i] ?? 0;
      if (h !== 0 || l !== 0) this.insert(h, l);
    }
  }
}
