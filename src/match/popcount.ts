/**
 * Bit counting for Hamming distances.
 *
 * JavaScript has no popcount instruction, so this is the classic SWAR
 * reduction (pairs, nibbles, bytes, then one multiply to sum the bytes).
 * It beats a 64 KiB lookup table in V8 because it never touches memory,
 * and the Hamming index calls it in loops that are already memory-bound.
 */

/**
 * Number of set bits in the low 32 bits of `x`.
 *
 * @param x any number; only its 32-bit two's-complement pattern counts.
 * @returns 0..32. Never throws.
 */
export function popcount32(x: number): number {
  x = x - ((x >>> 1) & 0x55555555);
  x = (x & 0x33333333) + ((x >>> 2) & 0x33333333);
  x = (x + (x >>> 4)) & 0x0f0f0f0f;
  return Math.imul(x, 0x01010101) >>> 24;
}

/**
 * Number of set bits in a 64-bit value held as two 32-bit halves.
 *
 * Sums the halves at the nibble stage, which saves one multiply and shift
 * against two separate `popcount32` calls (a nibble holds at most 8 then).
 *
 * @param hi upper 32 bits (any number; only its 32-bit pattern counts).
 * @param lo lower 32 bits.
 * @returns 0..64. Never throws.
 */
export function popcount64(hi: number, lo: number): number {
  hi = hi - ((hi >>> 1) & 0x55555555);
  lo = lo - ((lo >>> 1) & 0x55555555);
  hi = (hi & 0x33333333) + ((hi >>> 2) & 0x33333333);
  lo = (lo & 0x33333333) + ((lo >>> 2) & 0x33333333);
  let x = hi + lo;
  x = (x & 0x0f0f0f0f) + ((x >>> 4) & 0x0f0f0f0f);
  return Math.imul(x, 0x01010101) >>> 24;
}
