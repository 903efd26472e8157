// A budget of image pixels in flight: decoding waits until the pixels of the images being
// decoded and preprocessed, plus its own, fit. It bounds the memory of decoded images by
// their size, not their count, so a folder of 169-megapixel photos takes no more memory
// than one of them (docs/design/data-path.md). An image larger than the whole budget runs
// alone, when nothing else is in flight. Waiters are admitted first come, first served, so
// a large image is not starved by a stream of small ones.

export class PixelBudget {
  private used = 0;
  private readonly queue: { pixels: number; admit: () => void }[] = [];

  constructor(readonly limit: number) {
    if (!(limit > 0)) throw new Error(`pixel budget must be a positive number, got ${limit}`);
  }

  /** Pixels admitted and not yet released. */
  get inFlight(): number {
    return this.used;
  }

  /** Resolves when `pixels` may be decoded, with the function that gives them back (once). */
  acquire(pixels: number): Promise<() => void> {
    return new Promise((resolve) => {
      this.queue.push({ pixels, admit: () => resolve(this.releaser(pixels)) });
      this.drain();
    });
  }

  private releaser(pixels: number): () => void {
    let done = false;
    return () => {
      if (done) return;
      done = true;
      this.used -= pixels;
      this.drain();
    };
  }

  private drain(): void {
    while (this.queue.length) {
      const next = this.queue[0]!;
      if (this.used > 0 && this.used + next.pixels > this.limit) return;
      this.queue.shift();
      this.used += next.pixels;
      next.admit();
    }
  }
}
