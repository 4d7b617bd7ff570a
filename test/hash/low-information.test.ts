import { describe, it, expect } from 'vitest';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';
import { decodeImage, isFileFailure } from '../../src/hash/decode.js';
import {
  DEFAULT_LOW_INFORMATION_STDDEV,
  isLowInformation,
  luminanceSpread,
  luminanceSpreadOfPlane,
} from '../../src/hash/low-information.js';
import { prng } from '../../src/cli/synthetic.js';
import { preparePlanes } from '../../src/hash/planes.js';
import { kernelArena } from '../../src/hash/wasm-kernel.js';

const VECTORS = fileURLToPath(new URL('../fixtures/vectors/', import.meta.url));

async function load(rel: string) {
  const img = await decodeImage(readFileSync(join(VECTORS, rel)), { maxPixels: 1e8 });
  if (isFileFailure(img)) throw new Error(img.message);
  return img;
}

describe('isLowInformation', () => {
  it('flags blank, single-colour and near-blank images', async () => {
    for (const rel of [
      'images/uniform_white_800x600.png',
      'images/one_pixel.png',
      'images/small_9x8.png',
      'images/gray16_320x240.png', // 255 everywhere but 8 pixels
      'extra/flat_gray_64x64.png',
      'extra/nearflat_64x64.png',
    ]) {
      expect(isLowInformation(await load(rel)), rel).toBe(true);
    }
  });

  it('does not flag photos, text, gradients or a two-level image', async () => {
    for (const rel of [
      'images/plasma_640x480.jpg',
      'images/text_800x600.png',
      'images/gradient_256.png',
      'images/tall_10x4000.jpg',
      'images/wide_4000x10.jpg',
    ]) {
      expect(isLowInformation(await load(rel)), rel).toBe(false);
    }
  });

  it('measures the spread of block means: a 1-level step is below the default, a 10-level step above', () => {
    const step = (delta: number) => {
      const luma = new Uint8Array(100 * 100).fill(100);
      luma.fill(100 + delta, 5000);
      return { width: 100, height: 100, luma };
    };
    expect(luminanceSpread(step(1))).toBeCloseTo(0.5, 10);
    expect(luminanceSpread(step(10))).toBeCloseTo(5, 10);
    expect(isLowInformation(step(1))).toBe(true);
    expect(isLowInformation(step(10))).toBe(false);
    expect(isLowInformation(step(10), 6)).toBe(true);
    expect(DEFAULT_LOW_INFORMATION_STDDEV).toBe(2);
  });

  it('averages out pixel-level noise that no 8x8 hash can see', () => {
    const luma = new Uint8Array(256 * 256);
    for (let i = 0; i < luma.length; i++) luma[i] = (i ^ (i >> 8)) & 1 ? 140 : 120; // fine checkerboard
    expect(isLowInformation({ width: 256, height: 256, luma })).toBe(true);
  });

  it('rejects invalid input', () => {
    expect(() => isLowInformation({ width: 2, height: 2, luma: new Uint8Array(3) })).toThrow(RangeError);
    expect(() => isLowInformation({ width: 1, height: 1, luma: new Uint8Array(1) }, -1)).toThrow(RangeError);
  });
});

/** The measure written the plain way (one pixel at a time, cell looked up per pixel), to hold the fast versions to. */
function plainSpread(width: number, height: number, luma: Uint8Array): number {
  const gx = Math.min(16, width);
  const gy = Math.min(16, height);
  const sums = new Float64Array(gx * gy);
  const counts = new Float64Array(gx * gy);
  const stepX = Math.max(1, Math.floor(width / 512));
  const stepY = Math.max(1, Math.floor(height / 512));
  for (let y = 0; y < height; y += stepY) {
    for (let x = 0; x < width; x += stepX) {
      const cell = Math.floor((y * gy) / height) * gx + Math.floor((x * gx) / width);
      sums[cell] += luma[y * width + x];
      counts[cell] += 1;
    }
  }
  const means = Array.from(sums, (s, i) => s / counts[i]);
  const mean = means.reduce((a, b) => a + b, 0) / means.length;
  return Math.sqrt(means.reduce((a, m) => a + (m - mean) * (m - mean), 0) / means.length);
}

describe('luminanceSpread, in arrays and in kernel memory, equals the plain per-pixel measure', () => {
  const rand = prng(5);
  const sizes: [number, number][] = [[1, 1], [3, 7], [15, 17], [16, 16], [100, 37], [640, 480], [1023, 20], [1024, 33], [2100, 1100], [5, 1300], [37, 70]];
  for (const [w, h] of sizes) {
    it(`${w}x${h}`, () => {
      const luma = new Uint8Array(w * h);
      // Structure (so the spread is not 0) plus noise.
      for (let i = 0; i < luma.length; i++) luma[i] = ((i % w) * 7 + Math.floor(i / w) * 3 + Math.floor(rand() * 50)) & 255;
      const want = plainSpread(w, h, luma);
      expect(luminanceSpread({ width: w, height: h, luma })).toBe(want);
      const mark = kernelArena.top;
      const planes = preparePlanes(luma, 1, w, h);
      try {
        expect(luminanceSpreadOfPlane(planes)).toBe(want);
      } finally {
        kernelArena.top = mark;
      }
    });
  }
});
