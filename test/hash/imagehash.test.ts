import { describe, it, expect } from 'vitest';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';
import { decodeImage, isFileFailure } from '../../src/hash/decode.js';
import { imageHashes, scipyDct32, type ImagehashAlgorithm } from '../../src/hash/imagehash.js';

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

describe('imagehash 4.3.2 extra vectors (near-flat, palette, LA, 1-bit, BMP, GIF transparency, up-scaling)', () => {
  it('has the extra vector set', () => {
    expect(extra.length).toBe(21);
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

  it('rejects an unknown algorithm name', () => {
    expect(() => imageHashes(img, ['colorhash' as ImagehashAlgorithm])).toThrow(RangeError);
  });

  it('rejects an image whose buffer is too short', () => {
    expect(() => imageHashes({ width: 4, height: 4, luma: new Uint8Array(15) }, ['ahash'])).toThrow(RangeError);
    expect(() => imageHashes({ width: 0, height: 4, luma: new Uint8Array(0) }, ['ahash'])).toThrow(RangeError);
  });
});

describe('scipyDct32', () => {
  const bits = (v: Float64Array): string[] =>
    Array.from(v, (d) => {
      const b = Buffer.alloc(8);
      b.writeDoubleBE(d);
      return b.toString('hex');
    });

  // Bit patterns printed by scipy 1.10.1 (Debian 12, x86-64) for scipy.fftpack.dct(x).
  it('matches scipy bit for bit on a ramp with wrap-around', () => {
    const x = Array.from({ length: 32 }, (_, i) => (i * 37) % 256);
    expect(bits(scipyDct32(x)).join(' ')).toBe(
      '40bb600000000000 c07449bcac34a0cc c07c9581a9278a52 c06561672175e7ae c0806cca1c148594 c0652ee33603118a c086512a2533fbe7 c0682eba7e4a4764 c0993c0d303bbf21 c087cb4a507898dc 409ae050a2ad6204 c061db980d06b814 4078056948c8d24b c069fb0c048bc938 40611b394a56124b c073329775e5a946 0000000000000000 c0854ecbc9f9dea0 c0830c0ea3948430 408f05e3ab234674 40531cc69ba2ec30 40668adc85927f98 c03b780f9d99f960 4041262848958c40 c05cb1a0ab4dc330 c052ddbb6918c208 c074c9d8ffd44ec2 c08544dc8205c3c2 408894e984d2e2bc 4065ad26e2d4628a 405e774bb92c4b90 4042ad8c13359958',
    );
  });

  it('matches scipy bit for bit on a near-constant vector (where ties are decided)', () => {
    const x = [...new Array<number>(31).fill(128), 129];
    expect(bits(scipyDct32(x)).join(' ')).toBe(
      '40c0010000000000 bffff621e3796d7e 3fffd88da3d12526 bfffa7557f08a517 3fff6297cff75cb0 bfff0a7efb9230d7 3ffe9f4156c62dda bffe212104f686e5 3ffd906bcf328d46 bffced7af43cc773 3ffc38b2f180bdb1 bffb728345196e3e 3ffa9b66290ea1a4 bff9b3e047f38740 3ff8bc806b151742 bff7b5df226aafaf 3ff6a09e667f3bcc bff57d69348cec9f 3ff44cf325091dd6 bff30ff7fce17034 3ff1c73b39ae68c8 bff073879922ffee 3fee2b5d3806f63a bfeb5d1009e15cbe 3fe87de2a6aea960 bfe58f9a75ab1fda 3fe294062ed59f04 bfdf19f97b215f1c 3fd8f8b83c69a608 bfd2c8106e8e6134 3fc917a6bc29b420 bfb91f65f10dd818',
    );
  });

  it('gives exact zeros for a constant vector, as pocketfft does', () => {
    const y = scipyDct32(new Array<number>(32).fill(255));
    expect(y[0]).toBe(16320);
    expect(Array.from(y.subarray(1)).every((v) => v === 0)).toBe(true);
  });

  it('rejects other lengths', () => {
    expect(() => scipyDct32(new Array<number>(31).fill(0))).toThrow(RangeError);
  });
});
