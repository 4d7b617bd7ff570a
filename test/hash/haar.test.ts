import { describe, it, expect } from 'vitest';
import { haarKernelAvailable, whashApproximation } from '../../src/hash/haar.js';

/** Deterministic test image: smooth field plus hard-edged noise, and exact ties in flat areas. */
function image(scale: number, seed: number): Uint8Array {
  const px = new Uint8Array(scale * scale);
  let s = seed >>> 0 || 1;
  for (let i = 0; i < px.length; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    const x = i % scale;
    const y = Math.floor(i / scale);
    px[i] = y < scale / 4 ? 200 : (Math.round(127 + 100 * Math.sin(x / 7) * Math.cos(y / 11)) + (s >>> 29)) & 255;
  }
  return px;
}

describe('whashApproximation', () => {
  it('uses the SIMD kernel on this runtime', () => {
    expect(haarKernelAvailable()).toBe(true);
  });

  for (const scale of [64, 128, 512, 1024]) {
    it(`kernel and TypeScript loops give bit-identical values at scale ${scale}`, () => {
      const px = image(scale, scale);
      const simd = whashApproximation(px, scale, 8);
      const js = whashApproximation(px, scale, 8, { kernel: false });
      expect(simd.length).toBe(64);
      expect(Array.from(simd)).toEqual(Array.from(js));
      // Comparing bit patterns, not just values: -0 vs 0 or a 1-ulp drift must not hide.
      expect(Buffer.from(simd.buffer, simd.byteOffset, simd.byteLength).equals(Buffer.from(js.buffer))).toBe(true);
    });
  }

  // The kernel runs every level, down to 1×1 and back; other hash sizes stop the
  // second decomposition elsewhere, and reused kernel memory must not leak between calls.
  for (const [scale, hashSize] of [[64, 2], [64, 32], [128, 4], [256, 16], [2048, 8]] as const) {
    it(`kernel and TypeScript loops agree at scale ${scale}, hash size ${hashSize}`, () => {
      const px = image(scale, scale + hashSize);
      const simd = whashApproximation(px, scale, hashSize);
      const js = whashApproximation(px, scale, hashSize, { kernel: false });
      expect(simd.length).toBe(hashSize * hashSize);
      expect(Buffer.from(simd.buffer, simd.byteOffset, simd.byteLength).equals(Buffer.from(js.buffer))).toBe(true);
    });
  }

  it('gives the same bits on a second image after a larger one has filled the kernel memory', () => {
    whashApproximation(image(1024, 3), 1024, 8);
    const px = image(128, 11);
    const again = whashApproximation(px, 128, 8);
    const js = whashApproximation(px, 128, 8, { kernel: false });
    expect(Buffer.from(again.buffer).equals(Buffer.from(js.buffer))).toBe(true);
  });

  it('removes the mean: a flat image leaves an all-zero approximation', () => {
    for (const scale of [8, 64, 256]) {
      const low = whashApproximation(new Uint8Array(scale * scale).fill(90), scale, 8);
      expect(low.every((v) => Math.abs(v) < 1e-12)).toBe(true);
    }
  });

  it('rejects sizes that are not powers of two', () => {
    expect(() => whashApproximation(new Uint8Array(100), 10, 8)).toThrow(RangeError);
    expect(() => whashApproximation(new Uint8Array(64), 8, 16)).toThrow(RangeError);
    expect(() => whashApproximation(new Uint8Array(10), 8, 8)).toThrow(RangeError);
  });
});
