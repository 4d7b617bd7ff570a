/**
 * A bound on the decoded pixels one worker holds at once.
 *
 * A worker runs several perceptual tasks at a time (pool.ts), so that while
 * libvips decodes some images on its own threads the worker's JavaScript
 * thread hashes another. Each task holds its decoded pixels until its hashes
 * are done: for thumbnails that is nothing, but a few camera photos or
 * panoramas at once would multiply a worker's memory. Tasks therefore
 * reserve their image's pixels here before decoding and give them back when
 * hashed; a reservation that does not fit waits, in arrival order, until
 * enough is given back. One image is always let through on its own, however
 * large (the pixel limit bounds it), so nothing waits forever.
 */

/** Pixels one worker may hold decoded at once: about 190 MB of RGB, e.g. two 24-megapixel photos and some small images. */
export const DECODE_BUDGET_PIXELS = 64_000_000;

/** A first-come, first-served budget of pixels (one per worker thread). */
export class PixelBudget {
  readonly #limit: number;
  #held = 0;
  #holders = 0;
  readonly #queue: { pixels: number; grant: () => void }[] = [];

  /** @param limit - pixels that may be held at once, > 0 */
  constructor(limit: number) {
    if (!(limit > 0)) throw new RangeError(`pixel budget must be positive, got ${limit}`);
    this.#limit = limit;
  }

  /** Pixels currently reserved. */
  get held(): number {
    return this.#held;
  }

  /** Reservations waiting for room. */
  get waiting(): number {
    return this.#queue.length;
  }

  /**
   * Reserves `pixels`, waiting while they do not fit beside what is held
   * (and behind earlier waiters). Alone, any size fits.
   *
   * @param pixels - pixels to reserve, ≥ 0
   * @returns a function that gives them back (calling it again does nothing)
   */
  async reserve(pixels: number): Promise<() => void> {
    const n = Math.max(0, pixels);
    if (this.#queue.length === 0 && this.#fits(n)) {
      this.#take(n);
    } else {
      await new Promise<void>((grant) => this.#queue.push({ pixels: n, grant }));
    }
    let given = false;
    return () => {
      if (given) return;
      given = true;
      this.#held -= n;
      this.#holders--;
      this.#grantWaiting();
    };
  }

  #fits(pixels: number): boolean {
    return this.#holders === 0 || this.#held + pixels <= this.#limit;
  }

  #take(pixels: number): void {
    this.#held += pixels;
    this.#holders++;
  }

  #grantWaiting(): void {
    while (this.#queue.length > 0 && this.#fits(this.#queue[0].pixels)) {
      const next = this.#queue.shift()!;
      this.#take(next.pixels);
      next.grant();
    }
  }
}
