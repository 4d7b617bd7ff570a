import { describe, it, expect } from 'vitest';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';
import { decodeImage, isFileFailure } from '../../src/hash/decode.js';
import { imageHashes, type ImagehashAlgorithm } from '../../src/hash/imagehash.js';

const VECTORS = fileURLToPath(new URL('../fixtures/vectors/', import.meta.url));
const ALGOS: ImagehashAlgorithm[] = ['ahash', 'dhash', 'phash', 'whash'];

interface Vector {
  path: string;
  expected: Record<ImagehashAlgorithm, string>;
}

function loadVectors(csv: string): Vector[] {
  const lines = readFileSync(join(VECTORS, csv), 'utf8').trim().split(/\r?\n/);
  const header = lines[0].split(',');
  return lines.slice(1).map((line) => {
    const cells = line.split(',');
    const row = Object.fromEntries(header.map((h, i) => [h, cells[i]]));
    return { path: row.path, expected: { ahash: row.ahash, dhash: row.dhash, phash: row.phash, whash: row.whash } };
  });
}

async function hashFile(path: string): Promise<Record<ImagehashAlgorithm, string>> {
  const result = await decodeImage(readFileSync(path), { maxPixels: 50_000_000 });
  if (isFileFailure(result)) throw new Error(`${result.code}: ${result.message}`);
  return imageHashes(result, ALGOS);
}

const official = loadVectors('imagehash-vectors.csv');
const extra = loadVectors('extra/extra-vectors.csv');

describe('imagehash 4.3.2 shared vectors (Pillow 9.4)', () => {
  it('has the full vector set, including the undecodable files', () => {
    expect(official.length).toBe(34);
    expect(official.filter((v) => v.expected.ahash.startsWith('ERR:')).length).toBe(3);
  });

  for (const v of official) {
    it(v.path, async () => {
      if (v.expected.ahash.startsWith('ERR:')) {
        const result = await decodeImage(readFileSync(join(VECTORS, v.path)), { maxPixels: 50_000_000 });
        expect(isFileFailure(result) && result.code).toBe('IMAGE_DECODE_FAILED');
        return;
      }
      expect(await hashFile(join(VECTORS, v.path))).toEqual(v.expected);
    });
  }
});

describe('imagehash 4.3.2 extra vectors (near-flat, palette, LA, 1-bit, BMP, up-scaling)', () => {
  it('has the extra vector set', () => {
    expect(extra.length).toBe(17);
  });
  for (const v of extra) {
    it(v.path, async () => {
      expect(await hashFile(join(VECTORS, 'extra', v.path))).toEqual(v.expected);
    });
  }
});

describe('imageHashes', () => {
  const img = { width: 3, height: 2, luma: Uint8Array.from([0, 50, 100, 150, 200, 250]) };

  it('returns exactly the algorithms asked for, as 16 lowercase hex digits', () => {
    const out = imageHashes(img, ['dhash', 'ahash', 'dhash']);
    expect(Object.keys(out).sort()).toEqual(['ahash', 'dhash']);
    for (const v of Object.values(out)) expect(v).toMatch(/^[0-9a-f]{16}$/);
    expect(imageHashes(img, [])).toEqual({});
  });

  it('puts the first pixel in the most significant bit', () => {
    // 8x8 source: only the top-left pixel is bright, so ahash sets only bit 63.
    const luma = new Uint8Array(64);
    luma[0] = 255;
    expect(imageHashes({ width: 8, height: 8, luma }, ['ahash']).ahash).toBe('8000000000000000');
    const last = new Uint8Array(64);
    last[63] = 255;
    expect(imageHashes({ width: 8, height: 8, luma: last }, ['ahash']).ahash).toBe('0000000000000001');
  });

  it('gives a constant image the exact imagehash values (pocketfft zeros, not cosine-sum noise)', () => {
    const luma = new Uint8Array(40 * 30).fill(77);
    expect(imageHashes({ width: 40, height: 30, luma }, ALGOS)).toEqual({
      ahash: '0000000000000000',
      dhash: '0000000000000000',
      phash: '8000000000000000',
      whash: '0000000000000000',
    });
  });

  it('rejects an image whose buffer is too short', () => {
    expect(() => imageHashes({ width: 4, height: 4, luma: new Uint8Array(15) }, ['ahash'])).toThrow(RangeError);
    expect(() => imageHashes({ width: 0, height: 4, luma: new Uint8Array(0) }, ['ahash'])).toThrow(RangeError);
  });
});
