import { describe, it, expect } from 'vitest';
import { haarKernelAvailable, whashApproximation } from '../../src/hash/haar.js';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { nativeKernels } from '../../src/hash/native-kernels.js';
import { withEachKernel } from './each-kernel.js';

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
      const js = whashApproximation(px, scale, 8, { kernel: false });
      withEachKernel((kernel) => {
        const simd = whashApproximation(px, scale, 8);
        expect(simd.length).toBe(64);
        expect(Array.from(simd), kernel).toEqual(Array.from(js));
        // Comparing bit patterns, not just values: -0 vs 0 or a 1-ulp drift must not hide.
        expect(Buffer.from(simd.buffer, simd.byteOffset, simd.byteLength).equals(Buffer.from(js.buffer)), kernel).toBe(true);
      });
    });
  }

  // The kernel runs every level, down to 1×1 and back; other hash sizes stop the
  // second decomposition elsewhere, and reused kernel memory must not leak between calls.
  for (const [scale, hashSize] of [[64, 2], [64, 32], [128, 4], [256, 16], [2048, 8]] as const) {
    it(`kernel and TypeScript loops agree at scale ${scale}, hash size ${hashSize}`, () => {
      const px = image(scale, scale + hashSize);
      const js = whashApproximation(px, scale, hashSize, { kernel: false });
      withEachKernel((kernel) => {
        const simd = whashApproximation(px, scale, hashSize);
        expect(simd.length).toBe(hashSize * hashSize);
        expect(Buffer.from(simd.buffer, simd.byteOffset, simd.byteLength).equals(Buffer.from(js.buffer)), kernel).toBe(true);
      });
    });
  }

  it('gives the same bits on a second image after a larger one has filled the kernel memory', () => {
    whashApproximation(image(1024, 3), 1024, 8);
    const px = image(128, 11);
    const again = whashApproximation(px, 128, 8);
    const js = whashApproximation(px, 128, 8, { kernel: false });
    expect(Buffer.from(again.buffer).equals(Buffer.from(js.buffer))).toBe(true);
  });

  it.skipIf(nativeKernels() === undefined)('native haar steps refuse sizes and offsets they cannot serve, before touching anything', () => {
    const file = fileURLToPath(new URL('../../build/Release/hashtriage_kernels.node', import.meta.url));
    const addon = createRequire(import.meta.url)(file) as {
      haarForwardBytes(memory: ArrayBuffer, ...args: number[]): void;
      haarInverseThenApprox(memory: ArrayBuffer, ...args: number[]): void;
    };
    const mem = new ArrayBuffer(16384);
    // An 8x8 image at 0, four 4x4 sub-bands of doubles from 1024, the 256-entry table at 8192.
    const fwd = [0, 8, 1024, 1152, 1280, 1408, 8192];
    expect(() => addon.haarForwardBytes(mem, ...fwd)).not.toThrow();
    for (const [i, v] of [[1, 12], [0, 16380], [5, 16300], [6, 15000]] as const) {
      const bad = [...fwd];
      bad[i] = v;
      expect(() => addon.haarForwardBytes(mem, ...bad), `argument ${i} = ${v}`).toThrow(RangeError);
    }
    const inv = [1024, 1152, 1280, 1408, 2048, 16];
    expect(() => addon.haarInverseThenApprox(mem, ...inv)).not.toThrow();
    for (const [i, v] of [[5, 6], [4, 16300], [0, 16380]] as const) {
      const bad = [...inv];
      bad[i] = v;
      expect(() => addon.haarInverseThenApprox(mem, ...bad), `argument ${i} = ${v}`).toThrow(RangeError);
    }
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
