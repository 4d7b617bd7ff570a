import { describe, it, expect } from 'vitest';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import sharp from 'sharp';
import { prng } from '../../src/cli/synthetic.js';
import { perceptualHashes } from '../../src/hash/perceptual.js';
import type { PerceptualResult } from '../../src/hash/tasks.js';
import { kernelArena } from '../../src/hash/wasm-kernel.js';

const FIXTURES = fileURLToPath(new URL('../fixtures/', import.meta.url));
const ALL = { algorithms: ['ahash', 'dhash', 'phash', 'whash', 'pdq'] as const, maxPixels: 1e8, lowInformationThreshold: 2 };
const TASK = { ...ALL, algorithms: [...ALL.algorithms] };

function imagesIn(dir: string): string[] {
  return readdirSync(join(FIXTURES, dir))
    .filter((f) => !/\.(csv|json|md)$/.test(f))
    .map((f) => join(FIXTURES, dir, f))
    .sort();
}

/** The result without the stage timings. */
function facts(r: PerceptualResult): Omit<PerceptualResult, 'decodeMs' | 'hashMs'> {
  const { decodeMs: _d, hashMs: _h, ...rest } = r;
  return rest;
}

describe('perceptualHashes: planes in kernel memory give exactly what the array path gives', () => {
  const files = [...imagesIn('vectors/images'), ...imagesIn('vectors/extra'), ...imagesIn('pdq')];

  it('has fixture images to compare', () => {
    expect(files.length).toBeGreaterThan(50);
  });

  for (const file of files) {
    it(file.slice(FIXTURES.length), async () => {
      const bytes = readFileSync(file);
      const fast = await perceptualHashes(bytes, TASK);
      const slow = await perceptualHashes(bytes, TASK, { kernel: false });
      expect(facts(fast)).toEqual(facts(slow));
      expect(kernelArena.top).toBe(0);
    });
  }

  it('agrees on RGBA, grey and grey-with-alpha PNGs of odd sizes, and after a larger image', async () => {
    const rand = prng(3);
    for (const [w, h, channels] of [[301, 97, 4], [67, 211, 1], [45, 38, 2], [640, 481, 3], [29, 31, 4]] as const) {
      const raw = Buffer.alloc(w * h * channels);
      // Smooth structure plus noise, so that the hashes are not all zero.
      for (let y = 0; y < h; y++) {
        for (let x = 0; x < w; x++) {
          for (let c = 0; c < channels; c++) raw[(y * w + x) * channels + c] = (x * 3 + y * (c + 1) + Math.floor(rand() * 40)) & 255;
        }
      }
      const png = await sharp(raw, { raw: { width: w, height: h, channels } }).png().toBuffer();
      const fast = await perceptualHashes(png, TASK);
      const slow = await perceptualHashes(png, TASK, { kernel: false });
      expect(fast.failures, `${w}x${h}x${channels}`).toEqual([]);
      expect(fast.hashes.pdq, `${w}x${h}x${channels}`).toMatch(/^[0-9a-f]{64}$/);
      expect(facts(fast), `${w}x${h}x${channels}`).toEqual(facts(slow));
    }
  });

  it('computes only what is asked for, in either path', async () => {
    const bytes = readFileSync(join(FIXTURES, 'vectors/images/plasma_640x480.jpg'));
    for (const algorithms of [['whash'], ['pdq'], ['ahash', 'phash']] as const) {
      const task = { ...TASK, algorithms: [...algorithms] };
      const fast = await perceptualHashes(bytes, task);
      const slow = await perceptualHashes(bytes, task, { kernel: false });
      expect(Object.keys(fast.hashes).sort()).toEqual([...algorithms].sort());
      expect(facts(fast)).toEqual(facts(slow));
    }
  });

  it('records bad images as failures, never as hashes', async () => {
    for (const [rel, code] of [
      ['vectors/images/truncated_plasma.jpg', 'IMAGE_DECODE_FAILED'],
      ['vectors/images/truncated_header.png', 'IMAGE_DECODE_FAILED'],
      ['vectors/images/not_image.jpg', 'IMAGE_DECODE_FAILED'],
    ] as const) {
      const r = await perceptualHashes(readFileSync(join(FIXTURES, rel)), TASK);
      expect(r.failures.map((f) => f.code), rel).toEqual([code]);
      expect(r.hashes, rel).toEqual({});
    }
    const empty = await perceptualHashes(Buffer.alloc(0), TASK);
    expect(empty.failures[0].code).toBe('IMAGE_DECODE_FAILED');
    const bomb = await perceptualHashes(readFileSync(join(FIXTURES, 'vectors/images/plasma_640x480.jpg')), { ...TASK, maxPixels: 1000 });
    expect(bomb.failures[0].code).toBe('IMAGE_TOO_LARGE');
    expect(kernelArena.top).toBe(0);
  });

  it('gives its reserved pixels back after a failed decode, so the next images are not held up', async () => {
    // A JPEG header claiming 8000x8000 (the whole pixel budget) and nothing after it:
    // each call reserves 64 megapixels, so a leaked reservation would stall the next call for ever.
    const sof = [0xff, 0xc0, 0, 17, 8, 0x1f, 0x40, 0x1f, 0x40, 3, 1, 0x22, 0, 2, 0x11, 1, 3, 0x11, 1];
    const truncated = Buffer.from([0xff, 0xd8, ...sof]);
    const concurrent = await Promise.all(Array.from({ length: 6 }, () => perceptualHashes(truncated, TASK)));
    for (const r of concurrent) expect(r.failures.map((f) => f.code)).toEqual(['IMAGE_DECODE_FAILED']);
    const after = await perceptualHashes(readFileSync(join(FIXTURES, 'vectors/images/plasma_640x480.jpg')), TASK);
    expect(after.failures).toEqual([]);
    expect(Object.keys(after.hashes).length).toBeGreaterThan(0);
  });

  it('rejects an invalid low-information threshold, as before', async () => {
    const bytes = readFileSync(join(FIXTURES, 'vectors/images/plasma_640x480.jpg'));
    await expect(perceptualHashes(bytes, { ...TASK, lowInformationThreshold: -1 })).rejects.toThrow(RangeError);
    expect(kernelArena.top).toBe(0);
  });
});

describe('perceptualHashes with fastDecode', () => {
  it('hashes a large JPEG from its reduced decode, close to the exact hashes, and says so', async () => {
    const { photoImage } = await import('../../src/cli/synthetic.js');
    const jpeg = await photoImage(3000, 2000, 11, 'jpeg', 92);
    const task = { algorithms: ['ahash', 'dhash', 'phash', 'whash', 'pdq'] as const, maxPixels: 50_000_000, lowInformationThreshold: 1 };
    const exact = await perceptualHashes(jpeg, { ...task, algorithms: [...task.algorithms] });
    const fast = await perceptualHashes(jpeg, { ...task, algorithms: [...task.algorithms], fastDecode: true });
    expect(exact.image).toMatchObject({ width: 3000, height: 2000 });
    expect(exact.image?.reducedFrom).toBeUndefined();
    expect(fast.image).toMatchObject({ width: 768, height: 512, reducedFrom: { width: 3000, height: 2000 } });
    const bits = (a: string, b: string) => [...a].reduce((n, c, i) => n + [...(parseInt(c, 16) ^ parseInt(b[i]!, 16)).toString(2)].filter((x) => x === '1').length, 0);
    // Within the default thresholds, with room: what docs/perceptual.md measures on many images.
    expect(bits(exact.hashes.ahash!, fast.hashes.ahash!)).toBeLessThanOrEqual(2);
    expect(bits(exact.hashes.phash!, fast.hashes.phash!)).toBeLessThanOrEqual(10);
    expect(bits(exact.hashes.pdq!, fast.hashes.pdq!)).toBeLessThanOrEqual(31);
    // Not a copy of the exact path: PDQ, computed from far fewer pixels, moves.
    expect(fast.hashes.pdq).not.toBe(exact.hashes.pdq);
  });
});
