// The counter-based random stream behind seeded weights, shuffling, augmentation and
// dropout masks.
//
// Every value is a pure function of (key, index), so a stream can be resumed from a
// counter, split across workers, and reproduced elsewhere: tools/seeded.py (Python) and
// native/sgd.c (the dropout masks) compute the same bits.
//
//   hash32      Chris Wellons' "lowbias32" integer hash (a bijection on uint32)
//   streamKey   hash32(hash32(seed) ^ fnv1a(name))
//   uniform     ((bits >>> 8) + 0.5) / 2^24, in (0, 1), exact in float64

export function hash32(x: number): number {
  x ^= x >>> 16;
  x = Math.imul(x, 0x7feb352d);
  x ^= x >>> 15;
  x = Math.imul(x, 0x846ca68b);
  x ^= x >>> 16;
  return x >>> 0;
}

export function fnv1a(s: string): number {
  let h = 0x811c9dc5;
  for (const b of Buffer.from(s, 'utf8')) {
    h ^= b;
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h >>> 0;
}

export function streamKey(seed: number, name: string): number {
  return hash32((hash32(seed >>> 0) ^ fnv1a(name)) >>> 0);
}

export function uniformAt(key: number, i: number): number {
  const bits = hash32((hash32((i ^ key) >>> 0) + key) >>> 0);
  return ((bits >>> 8) + 0.5) / 16777216;
}

/**
 * A small stateful generator for shuffling and augmentation: its whole state is
 * (seed, counter), so it can be checkpointed and resumed exactly.
 */
export class Rng {
  private readonly key: number;
  constructor(
    readonly seed: number,
    public counter = 0,
    stream = 'rng',
  ) {
    this.key = streamKey(seed, stream);
  }

  /** Uniform in (0, 1). */
  next(): number {
    return uniformAt(this.key, this.counter++ >>> 0);
  }

  /** Integer in [0, n). */
  int(n: number): number {
    return Math.min(n - 1, Math.floor(this.next() * n));
  }

  /** Fisher-Yates shuffle in place. */
  shuffle<T>(a: T[]): T[] {
    for (let i = a.length - 1; i > 0; i--) {
      const j = this.int(i + 1);
      [a[i], a[j]] = [a[j]!, a[i]!];
    }
    return a;
  }

  state(): { seed: number; counter: number } {
    return { seed: this.seed, counter: this.counter };
  }
}
