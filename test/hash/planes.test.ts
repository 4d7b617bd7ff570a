import { describe, it, expect } from 'vitest';
import { prng } from '../../src/cli/synthetic.js';
import { interleavedToLumaRgb } from '../../src/hash/pillow.js';
import { planesAsArrays, planesKernelAvailable, preparePlanes, type PlaneChannels } from '../../src/hash/planes.js';
import { kernelArena } from '../../src/hash/wasm-kernel.js';
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
      it(`${channels} channel(s), ${w}x${h}: byte- and bit-identical to the TypeScript formulas`, () => {
        const px = randomPixels(w, h, channels, w * 1000 + h * 10 + channels);
        const got = planesAsArrays(px, channels, w, h);
        const want = expected(px, channels, w * h);
        expect(Buffer.from(got.luma).equals(Buffer.from(want.luma))).toBe(true);
        // Compare the float bits, not the values (so -0 and NaN could not hide).
        expect(Buffer.from(got.floats.buffer).equals(Buffer.from(want.floats.buffer))).toBe(true);
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
      const mark = kernelArena.top;
      const planes = preparePlanes(rgb, 3, w, h, pdqFilterSpec(w, h));
      kernelArena.top = mark;
      expect(planes.pdqFiltered?.length).toBe(h * 64);
      const streamed = pdqDihedralOfFiltered(planes.pdqFiltered, w, h);
      const whole = pdqDihedral({ width: w, height: h, rgb }, { kernel: false });
      expect(streamed).toEqual(whole);
      expect(whole.hashes.original).not.toBe('0'.repeat(64));
    });
  }

  it('gives the all-zero hashes below 5x5, as the reference does', () => {
    expect(pdqFilterSpec(4, 100)).toBeUndefined();
    const r = pdqDihedralOfFiltered(undefined, 4, 100);
    expect(r.quality).toBe(0);
    expect(Object.values(r.hashes)).toEqual(Array(8).fill('0'.repeat(64)));
  });
});
