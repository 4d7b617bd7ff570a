import { describe, it, expect } from 'vitest';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { prng } from '../../src/cli/synthetic.js';
import { interleavedToLumaRgb } from '../../src/hash/pillow.js';
import { planesAsArrays, planesKernelAvailable, preparePlanes, type PlaneChannels } from '../../src/hash/planes.js';
import { kernelArena } from '../../src/hash/wasm-kernel.js';
import { nativeKernels } from '../../src/hash/native-kernels.js';
import { withEachKernel } from './each-kernel.js';
import { pdqDihedral, pdqDihedralOfFiltered, pdqFilterSpec } from '../../src/hash/pdq.js';

/** PDQ's float luma as pdq.ts computes it: (R*0.299f + G*0.587f) + B*0.114f, each step in float32. */
function pdqLuma(r: number, g: number, b: number): number {
  const fr = Math.fround;
  return fr(fr(fr(fr(0.299) * r) + fr(fr(0.587) * g)) + fr(fr(0.114) * b));
}

function randomPixels(width: number, height: number, channels: number, seed: number): Uint8Array {
  const rand = prng(seed);
  const px = new Uint8Array(width * height * channels);
  for (let i = 0; i < px.length; i++) px[i] = Math.floor(rand() * 256);
  // The extremes, where rounding and saturation bite.
  px[0] = 255;
  if (px.length > 1) px[1] = 0;
  return px;
}

/** What the TypeScript path gives: Pillow's L and PDQ's float luma of the same pixels. */
function expected(px: Uint8Array, channels: number, pixels: number): { luma: Uint8Array; floats: Float32Array } {
  const { luma, rgb } = interleavedToLumaRgb(px, pixels, channels);
  const floats = new Float32Array(pixels);
  for (let i = 0; i < pixels; i++) floats[i] = pdqLuma(rgb[3 * i], rgb[3 * i + 1], rgb[3 * i + 2]);
  return { luma, floats };
}

describe('planes kernel: L and PDQ luma in one pass', () => {
  it('is available on this runtime (Node 20 has WebAssembly SIMD)', () => {
    expect(planesKernelAvailable()).toBe(true);
  });

  // Widths around the 16-pixel step and the 4-float stride, heights around the 8-row strip.
  const sizes: [number, number][] = [[1, 1], [5, 3], [15, 2], [16, 4], [17, 9], [33, 7], [20, 8], [18, 16], [100, 61], [257, 5], [3, 130]];
  for (const channels of [1, 3, 4] as PlaneChannels[]) {
    for (const [w, h] of sizes) {
      it(`${channels} channel(s), ${w}x${h}: byte- and bit-identical to the TypeScript formulas (native and wasm kernels)`, () => {
        const px = randomPixels(w, h, channels, w * 1000 + h * 10 + channels);
        const want = expected(px, channels, w * h);
        withEachKernel((kernel) => {
          const got = planesAsArrays(px, channels, w, h);
          expect(Buffer.from(got.luma).equals(Buffer.from(want.luma)), kernel).toBe(true);
          // Compare the float bits, not the values (so -0 and NaN could not hide).
          expect(Buffer.from(got.floats.buffer).equals(Buffer.from(want.floats.buffer)), kernel).toBe(true);
        });
      });
    }
  }

  it('gives every (r, g, b) corner and every grey the Pillow and PDQ values', () => {
    const px: number[] = [];
    for (let v = 0; v < 256; v++) px.push(v, v, v);
    for (const r of [0, 255]) for (const g of [0, 255]) for (const b of [0, 255]) px.push(r, g, b);
    const rgb = Uint8Array.from(px);
    const pixels = rgb.length / 3;
    const got = planesAsArrays(rgb, 3, pixels, 1);
    const want = expected(rgb, 3, pixels);
    expect(Array.from(got.luma)).toEqual(Array.from(want.luma));
    expect(Array.from(got.luma.subarray(0, 256))).toEqual(Array.from({ length: 256 }, (_, v) => v));
    expect(Buffer.from(got.floats.buffer).equals(Buffer.from(want.floats.buffer))).toBe(true);
  });

  it('gives back its kernel memory and leaves none reserved', () => {
    const before = kernelArena.top;
    planesAsArrays(randomPixels(40, 30, 3, 5), 3, 40, 30);
    expect(kernelArena.top).toBe(before);
  });

  it('rejects inconsistent arguments with a RangeError', () => {
    expect(() => preparePlanes(new Uint8Array(10), 3, 4, 4)).toThrow(RangeError);
    expect(() => preparePlanes(new Uint8Array(48), 2 as PlaneChannels, 4, 4)).toThrow(RangeError);
    expect(() => preparePlanes(new Uint8Array(48), 3, 0, 4)).toThrow(RangeError);
    kernelArena.top = 0;
  });
});

describe('the native conversion pass', () => {
  const addonFile = fileURLToPath(new URL('../../build/Release/hashtriage_kernels.node', import.meta.url));
  it.skipIf(nativeKernels() === undefined)('refuses offsets outside the memory and bad arguments before touching anything', () => {
    const addon = createRequire(import.meta.url)(addonFile) as { planes(memory: ArrayBuffer, ...args: number[]): void };
    const mem = new ArrayBuffer(8192);
    // 10x4 RGB at 0, its L plane at 4096, floats at 5120 with a stride of 12.
    const ok = [0, 3, 10, 4, 4096, 5120, 12];
    expect(() => addon.planes(mem, ...ok)).not.toThrow();
    const bad: [number, number][] = [
      [1, 2], // channels
      [2, 0], // empty
      [0, 8100], // source past the end
      [4, 8180], // L plane past the end
      [5, 8000], // float plane past the end
      [5, 5121], // misaligned float plane
      [6, 9], // stride below the width
    ];
    for (const [i, v] of bad) {
      const args = [...ok];
      args[i] = v;
      expect(() => addon.planes(mem, ...args), `argument ${i} = ${v}`).toThrow(RangeError);
    }
    expect(() => addon.planes(mem, 0, 3, 10)).toThrow(TypeError);
  });

  it.skipIf(nativeKernels() === undefined)('reads rows in place without reading past the pixels, and refuses rows beyond them', () => {
    const addon = createRequire(import.meta.url)(addonFile) as { planesFrom(px: Uint8Array, ...args: unknown[]): void };
    const mem = new ArrayBuffer(8192);
    // 10x4 RGB exactly (no padding after the last row): the last rows are read through a padded copy.
    const px = randomPixels(10, 4, 3, 5);
    addon.planesFrom(px, 0, mem, 3, 10, 4, 4096, 5120, 12);
    const want = expected(px, 3, 40);
    expect(Buffer.from(new Uint8Array(mem, 4096, 40)).equals(Buffer.from(want.luma))).toBe(true);
    const floats = new Float32Array(mem, 5120, 4 * 12);
    for (let y = 0; y < 4; y++) expect(Array.from(floats.subarray(y * 12, y * 12 + 10))).toEqual(Array.from(want.floats.subarray(y * 10, y * 10 + 10)));
    expect(() => addon.planesFrom(px, 2, mem, 3, 10, 3, 4096, 5120, 12)).toThrow(RangeError);
    expect(() => addon.planesFrom(px.subarray(0, 100), 0, mem, 3, 10, 4, 4096, 5120, 12)).toThrow(RangeError);
    expect(() => addon.planesFrom(px, 0, mem, 3, 10, 4, 8190, 0, 12)).toThrow(RangeError);
    expect(() => addon.planesFrom(new Uint16Array(60), 0, mem, 3, 10, 1, 4096, 0, 12)).toThrow(RangeError);
  });
});

describe('PDQ streamed through the planes pass', () => {
  // Heights around the 8-row strip and the column window; widths around the 4-float stride.
  const sizes: [number, number][] = [[5, 5], [6, 7], [40, 8], [41, 9], [23, 15], [64, 64], [65, 130], [300, 7], [7, 301], [131, 257], [513, 129]];
  for (const [w, h] of sizes) {
    it(`${w}x${h}: the same quality and 8 hashes as the TypeScript whole-plane filter`, () => {
      const rand = prng(w * 7 + h);
      const rgb = new Uint8Array(w * h * 3);
      // Smooth structure plus noise: many coefficients near the median, where rounding decides bits.
      for (let y = 0; y < h; y++) {
        for (let x = 0; x < w; x++) {
          for (let c = 0; c < 3; c++) rgb[(y * w + x) * 3 + c] = (x * (c + 2) + y * 3 + Math.floor(rand() * 30)) & 255;
        }
      }
      const whole = pdqDihedral({ width: w, height: h, rgb }, { kernel: false });
      expect(whole.hashes.original).not.toBe('0'.repeat(64));
      withEachKernel((kernel) => {
        const mark = kernelArena.top;
        const planes = preparePlanes(rgb, 3, w, h, pdqFilterSpec(w, h));
        kernelArena.top = mark;
        expect(planes.pdqFiltered?.length).toBe(h * 64);
        expect(pdqDihedralOfFiltered(planes.pdqFiltered, w, h), kernel).toEqual(whole);
      });
    });
  }

  it('gives the all-zero hashes below 5x5, as the reference does', () => {
    expect(pdqFilterSpec(4, 100)).toBeUndefined();
    const r = pdqDihedralOfFiltered(undefined, 4, 100);
    expect(r.quality).toBe(0);
    expect(Object.values(r.hashes)).toEqual(Array(8).fill('0'.repeat(64)));
  });
});
