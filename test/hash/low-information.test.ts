import { describe, it, expect } from 'vitest';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';
import { decodeImage, isFileFailure } from '../../src/hash/decode.js';
import {
  DEFAULT_LOW_INFORMATION_STDDEV,
  isLowInformation,
  luminanceSpread,
} from '../../src/hash/low-information.js';

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
