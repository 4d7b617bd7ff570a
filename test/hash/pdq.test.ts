import { describe, it, expect } from 'vitest';
import { readFileSync } from 'node:fs';
import { createHash } from 'node:crypto';
import sharp from 'sharp';
import {
  pdqHash,
  pdqDihedral,
  pdqDistance,
  pdqDownsample,
  PDQ_MATCH_DISTANCE,
  PDQ_MIN_QUALITY,
  type RgbImage,
} from '../../src/hash/pdq.js';
import { dct64To16, dctBasis, dctMatrixEntry, DIHEDRAL_VARIANTS, type DihedralVariant } from '../../src/hash/pdq-dct.js';
import { dctWithKernel, pdqKernelAvailable } from '../../src/hash/pdq-kernel.js';
import { prng } from '../../src/cli/synthetic.js';
import { HashtriageError } from '../../src/errors.js';

const FIXTURES = new URL('../fixtures/pdq/', import.meta.url);

/** Decodes as python-threatexchange sees pixels: stored grid, no ICC, alpha dropped, 3 channels. */
async function decode(name: string): Promise<RgbImage> {
  const { data, info } = await sharp(readFileSync(new URL(name, FIXTURES)), { ignoreIcc: true })
    .removeAlpha()
    .toColourspace('srgb')
    .raw()
    .toBuffer({ resolveWithObject: true });
  expect(info.channels).toBe(3);
  return { width: info.width, height: info.height, rgb: new Uint8Array(data.buffer, data.byteOffset, data.length) };
}

interface ReferenceRecord {
  width: number;
  height: number;
  hash: string;
  quality: number;
  dihedralQuality: number;
  dihedral: Record<DihedralVariant, string>;
}
interface SyntheticRecord extends ReferenceRecord {
  kind: 'noise' | 'gradient' | 'flat';
  seed: number;
  sha256: string;
}
const reference = JSON.parse(readFileSync(new URL('reference-cpp.json', FIXTURES), 'utf8')) as {
  images: Record<string, ReferenceRecord>;
  synthetic: SyntheticRecord[];
};

/**
 * Integer-only test images, so they are identical on every platform. The
 * same generator produced the pixels the C++ reference hashed; each record
 * carries the SHA-256 of those pixels, checked before comparing hashes.
 */
function synthetic(width: number, height: number, kind: SyntheticRecord['kind'], seed: number): RgbImage {
  const rgb = new Uint8Array(width * height * 3);
  let s = seed >>> 0;
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const p = (y * width + x) * 3;
      if (kind === 'noise') {
        for (let c = 0; c < 3; c++) {
          s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
          rgb[p + c] = s >>> 24;
        }
      } else if (kind === 'gradient') {
        rgb[p] = Math.floor((x * 255) / Math.max(1, width - 1));
        rgb[p + 1] = Math.floor((y * 255) / Math.max(1, height - 1));
        rgb[p + 2] = (x * 3 + y * 5) & 255;
      } else {
        rgb[p] = 200;
        rgb[p + 1] = 120;
        rgb[p + 2] = 40;
      }
    }
  }
  return { width, height, rgb };
}

/** Smooth coloured blobs: a photo-like image whose DCT coefficients are well separated from their median. */
function blobs(width: number, height: number, seed: number): RgbImage {
  let s = seed >>> 0;
  const rnd = (): number => {
    s = (Math.imul(s, 1103515245) + 12345) >>> 0;
    return (s >>> 8) / 16777216;
  };
  const centres = Array.from({ length: 12 }, () => [
    rnd() * width,
    rnd() * height,
    20 + rnd() * 80,
    rnd() * 2 - 1,
    rnd() * 2 - 1,
    rnd() * 2 - 1,
  ]);
  const rgb = new Uint8Array(width * height * 3);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const v = [128, 128, 128];
      for (const [cx, cy, r, kr, kg, kb] of centres) {
        const e = Math.exp(-((x - cx) ** 2 + (y - cy) ** 2) / (r * r));
        v[0] += 120 * kr * e;
        v[1] += 120 * kg * e;
        v[2] += 120 * kb * e;
      }
      const p = (y * width + x) * 3;
      for (let c = 0; c < 3; c++) rgb[p + c] = Math.max(0, Math.min(255, Math.round(v[c])));
    }
  }
  return { width, height, rgb };
}

/**
 * Actually moves the pixels. Names follow the reference's test images
 * (pdq/data/reg-test-input/dih): rotate90 is a quarter turn anticlockwise,
 * flipX mirrors top↔bottom, flipY left↔right, flipPlus1 transposes,
 * flipMinus1 mirrors about the anti-diagonal.
 */
function transform(img: RgbImage, variant: DihedralVariant): RgbImage {
  const { width: w, height: h, rgb } = img;
  const swap = variant === 'rotate90' || variant === 'rotate270' || variant === 'flipPlus1' || variant === 'flipMinus1';
  const W = swap ? h : w;
  const H = swap ? w : h;
  const source: Record<DihedralVariant, (x: number, y: number) => [number, number]> = {
    original: (x, y) => [x, y],
    rotate90: (x, y) => [w - 1 - y, x],
    rotate180: (x, y) => [w - 1 - x, h - 1 - y],
    rotate270: (x, y) => [y, h - 1 - x],
    flipX: (x, y) => [x, h - 1 - y],
    flipY: (x, y) => [w - 1 - x, y],
    flipPlus1: (x, y) => [y, x],
    flipMinus1: (x, y) => [w - 1 - y, h - 1 - x],
  };
  const out = new Uint8Array(rgb.length);
  for (let y = 0; y < H; y++) {
    for (let x = 0; x < W; x++) {
      const [sx, sy] = source[variant](x, y);
      out.set(rgb.subarray((sy * w + sx) * 3, (sy * w + sx) * 3 + 3), (y * W + x) * 3);
    }
  }
  return { width: W, height: H, rgb: out };
}

/** Independent Hamming distance (BigInt popcount) to check pdqDistance against. */
function bigintDistance(a: string, b: string): number {
  let x = BigInt(`0x${a}`) ^ BigInt(`0x${b}`);
  let n = 0;
  while (x) {
    n += Number(x & 1n);
    x >>= 1n;
  }
  return n;
}

describe('pdqHash: published test vectors', () => {
  // python-threatexchange PdqSignal.get_examples() (signal/pdq/signal.py), for pdq/data/bridge-mods and misc-images.
  const examples: Record<string, string> = {
    'shrink-a-little.jpg': 'f8f8f0cee0f4a84f06370a22038f67f0b36e2ed596621e1d33e6339c4e9c9b22',
    'shrink-a-lot.jpg': 'd0f8f1ccc0f4a84d0a370a3a228f67f0b36e2ed5b6623e1d33e6339c4e9c9b22',
    'square-128x128.jpg': 'd8f8f1eec0f4a84f0e37022a078f63f0b36e2ed596621e1d33e6239c4e9c9b22',
    'square-256x256.jpg': 'd8f8f0cec4f4a84f0637022a078f67f0b36e2ee5b6621e1d33e6239c4e9c9b22',
    'square-512x512.jpg': 'd8f8f0cec0f4a84f0637022a278f67f0b36e2ed596621e1d33e6339c4e9c9b22',
    'wee.jpg': '6227401f601ff4ccafcc9fad4b0d95d371a2eb7265a3285234d228ca94deeb2d',
  };
  for (const [file, expected] of Object.entries(examples)) {
    it(`reproduces ${file}`, async () => {
      expect(pdqHash(await decode(file)).hash).toBe(expected);
    });
  }

  // python-threatexchange tests/hashing/test_pdq_hasher.py: hash and quality.
  it.each([
    ['rgb.jpeg', 'fb4eed46cb8a6c78819ca06b756c541f7b07ef6d02c82fccd00f862166272cda', 100],
    ['LA.png', 'accb6d39648035f8125c8ce6ba65007de7b54c67a2d93ef7b8f33b0611306715', 100],
  ])('reproduces %s with its quality', async (file, hash, quality) => {
    expect(pdqHash(await decode(file))).toEqual({ hash, quality });
  });

  it('finds the edited copies of one photo within the match distance of each other', () => {
    const hashes = Object.entries(examples)
      .filter(([f]) => f !== 'wee.jpg')
      .map(([, h]) => h);
    for (const a of hashes) for (const b of hashes) expect(pdqDistance(a, b)).toBeLessThanOrEqual(PDQ_MATCH_DISTANCE);
    expect(pdqDistance(examples['wee.jpg'], examples['shrink-a-lot.jpg'])).toBeGreaterThan(PDQ_MATCH_DISTANCE);
  });
});

describe('bit-identical with the C++ reference core', () => {
  it('uses the same float32 DCT basis', () => {
    // Bit patterns printed by the reference's dct_matrix_64 (row i = frequency i+1).
    const bits = (v: number): string => Buffer.from(new Float32Array([v]).buffer).readUInt32LE(0).toString(16);
    expect(bits(dctMatrixEntry(0, 0))).toBe('3e34f6fe');
    expect(bits(dctMatrixEntry(0, 63))).toBe('be34f6fe');
    expect(bits(dctMatrixEntry(7, 31))).toBe('3e318a85');
    expect(bits(dctMatrixEntry(15, 63))).toBe('3e273d74');
  });

  for (const [file, ref] of Object.entries(reference.images)) {
    it(`${file}: hash, quality and all 8 dihedral hashes`, async () => {
      const img = await decode(file);
      expect([img.width, img.height]).toEqual([ref.width, ref.height]);
      expect(pdqHash(img)).toEqual({ hash: ref.hash, quality: ref.quality });
      expect(pdqDihedral(img)).toEqual({ quality: ref.dihedralQuality, hashes: ref.dihedral });
      // The TypeScript fallback must be just as exact as the WebAssembly kernel.
      expect(pdqHash(img, { kernel: false })).toEqual({ hash: ref.hash, quality: ref.quality });
      expect(pdqDihedral(img, { kernel: false })).toEqual({ quality: ref.dihedralQuality, hashes: ref.dihedral });
    });
  }

  for (const ref of reference.synthetic) {
    it(`synthetic ${ref.kind} ${ref.width}x${ref.height}`, () => {
      const img = synthetic(ref.width, ref.height, ref.kind, ref.seed);
      expect(createHash('sha256').update(img.rgb).digest('hex')).toBe(ref.sha256);
      expect(pdqHash(img)).toEqual({ hash: ref.hash, quality: ref.quality });
      expect(pdqDihedral(img)).toEqual({ quality: ref.dihedralQuality, hashes: ref.dihedral });
      // The TypeScript fallback must be just as exact as the WebAssembly kernel.
      expect(pdqHash(img, { kernel: false })).toEqual({ hash: ref.hash, quality: ref.quality });
      expect(pdqDihedral(img, { kernel: false })).toEqual({ quality: ref.dihedralQuality, hashes: ref.dihedral });
    });
  }
});

describe('WebAssembly kernel and TypeScript fallback', () => {
  /** Float bit patterns, so -0 vs 0 or a 1-ulp difference fails the comparison. */
  const bits = (a: Float32Array): Uint32Array => new Uint32Array(a.buffer, a.byteOffset, a.length);

  it('loads on this runtime, so the comparisons below exercise it', () => {
    expect(pdqKernelAvailable()).toBe(true);
  });

  // Widths around the kernel's multiples of 4, heights around its 8-row strips,
  // both around the filter windows' steps (multiples of 128), largest first so
  // later, smaller images run in memory left dirty by earlier ones.
  const sizes: Array<[number, number]> = [
    [1031, 517],
    [640, 129],
    [257, 9],
    [200, 16],
    [131, 15],
    [130, 131],
    [127, 33],
    [65, 63],
    [64, 64],
    [7, 5],
    [6, 7],
    [5, 5],
  ];
  for (const [w, h] of sizes) {
    it(`gives the same 64x64 floats and hashes for ${w}x${h}`, () => {
      for (const img of [synthetic(w, h, 'noise', w * 31 + h), synthetic(w, h, 'gradient', 0), blobs(w, h, h)]) {
        const before = Buffer.from(img.rgb);
        const kernel = pdqDownsample(img);
        const fallback = pdqDownsample(img, { kernel: false });
        expect(kernel.length).toBe(64 * 64);
        expect(bits(kernel)).toEqual(bits(fallback));
        expect(pdqDihedral(img)).toEqual(pdqDihedral(img, { kernel: false }));
        expect(pdqHash(img)).toEqual(pdqHash(img, { kernel: false }));
        expect(Buffer.from(img.rgb).equals(before)).toBe(true);
      }
    });
  }

  it('refuses to downsample below 5 pixels', () => {
    expect(() => pdqDownsample(synthetic(4, 9, 'flat', 0))).toThrow(HashtriageError);
  });
});

describe('pdqDihedral against actually transformed images', () => {
  // With an odd filter window and a size that is not a multiple of 128, the
  // reference's filter and sampling grid are symmetric, so for well-separated
  // coefficients the derived hash must equal the hash of the moved pixels.
  it.each([
    [300, 360, 1],
    [330, 270, 2],
  ])('derives exactly the hashes of the 7 transforms of a %ix%i image', (w, h, seed) => {
    const img = blobs(w, h, seed);
    const { hashes } = pdqDihedral(img);
    for (const v of DIHEDRAL_VARIANTS) expect({ v, hash: pdqHash(transform(img, v)).hash }).toEqual({ v, hash: hashes[v] });
    expect(new Set(Object.values(hashes)).size).toBe(8);
  });

  // For other sizes the reference's box window is off-centre by half a pixel,
  // so a mirrored photo is filtered slightly differently: close, not equal.
  it('stays within a few bits for a photo and picks out the right variant', async () => {
    const img = await decode('shrink-a-little.jpg');
    const { hashes } = pdqDihedral(img);
    for (const v of DIHEDRAL_VARIANTS) {
      const actual = pdqHash(transform(img, v)).hash;
      const distances = DIHEDRAL_VARIANTS.map((u) => pdqDistance(hashes[u], actual));
      const own = pdqDistance(hashes[v], actual);
      expect({ v, own: own <= 10 }).toEqual({ v, own: true });
      expect(Math.min(...distances.filter((_, i) => DIHEDRAL_VARIANTS[i] !== v))).toBeGreaterThan(PDQ_MATCH_DISTANCE);
    }
  });
});

describe('quality', () => {
  it('is 0 for a flat image and 100 for noise', () => {
    expect(pdqHash(synthetic(200, 150, 'flat', 1)).quality).toBe(0);
    expect(pdqHash(synthetic(300, 200, 'noise', 9)).quality).toBe(100);
  });

  it('is below the discard threshold for a near-blank photo (small.jpg)', async () => {
    const q = pdqHash(await decode('small.jpg')).quality;
    expect(q).toBe(reference.images['small.jpg'].quality);
    expect(q).toBeLessThan(PDQ_MIN_QUALITY);
  });
});

describe('edge cases', () => {
  it('gives the all-zero hash and quality 0 below 5 pixels in either dimension', () => {
    const zero = '0'.repeat(64);
    expect(pdqHash(synthetic(4, 100, 'noise', 1))).toEqual({ hash: zero, quality: 0 });
    const d = pdqDihedral(synthetic(100, 4, 'noise', 1));
    expect(d.quality).toBe(0);
    expect(new Set(Object.values(d.hashes))).toEqual(new Set([zero]));
  });

  it('hashes 5x5, the smallest size the reference accepts', () => {
    expect(pdqHash(synthetic(5, 5, 'noise', 2)).hash).not.toBe('0'.repeat(64));
  });

  it('rejects a buffer that does not match the dimensions', () => {
    const bad = { width: 10, height: 10, rgb: new Uint8Array(299) };
    expect(() => pdqHash(bad)).toThrow(HashtriageError);
    expect(() => pdqDihedral(bad)).toThrow(expect.objectContaining({ code: 'INTERNAL' }));
    expect(() => pdqHash({ width: 0, height: 0, rgb: new Uint8Array(0) })).toThrow(HashtriageError);
  });

  it('does not modify the input pixels', () => {
    const img = synthetic(129, 257, 'noise', 7);
    const copy = Uint8Array.from(img.rgb);
    pdqHash(img);
    pdqDihedral(img);
    expect(Buffer.compare(img.rgb, copy)).toBe(0);
  });
});

describe('pdqDistance', () => {
  const a = reference.images['wee.jpg'].hash;
  const b = reference.images['rgb.jpeg'].hash;

  it('agrees with an independent popcount', () => {
    expect(pdqDistance(a, b)).toBe(bigintDistance(a, b));
    for (const v of DIHEDRAL_VARIANTS) {
      const h = reference.images['shrink-a-little.jpg'].dihedral[v];
      expect(pdqDistance(a, h)).toBe(bigintDistance(a, h));
    }
  });

  it('is 0 to itself, 256 to the complement and ignores hex case', () => {
    expect(pdqDistance(a, a)).toBe(0);
    expect(pdqDistance('0'.repeat(64), 'f'.repeat(64))).toBe(256);
    expect(pdqDistance(a.toUpperCase(), a)).toBe(0);
    expect(pdqDistance('8' + '0'.repeat(63), '0'.repeat(63) + '1')).toBe(2);
  });

  it('rejects anything but 64 hex digits', () => {
    expect(() => pdqDistance(a.slice(1), a)).toThrow(HashtriageError);
    expect(() => pdqDistance(a, `${a.slice(0, 63)}g`)).toThrow(HashtriageError);
  });

  it('uses the thresholds the reference systems use', () => {
    expect([PDQ_MATCH_DISTANCE, PDQ_MIN_QUALITY]).toEqual([31, 50]);
  });
});

describe('dctWithKernel: the WebAssembly DCT gives dct64To16 bit for bit', () => {
  it('on random, constant, zero and tiny inputs', () => {
    const rand = prng(17);
    const inputs: Float32Array[] = [
      Float32Array.from({ length: 4096 }, () => rand() * 255),
      Float32Array.from({ length: 4096 }, (_, i) => ((i % 64) * 3 + (i >> 6)) % 256),
      new Float32Array(4096).fill(127.5),
      new Float32Array(4096),
      Float32Array.from({ length: 4096 }, () => (rand() - 0.5) * 1e-3),
    ];
    for (const [n, a] of inputs.entries()) {
      const got = dctWithKernel(a, dctBasis());
      expect(got, `input ${n}`).not.toBeNull();
      expect(Buffer.from(got!.buffer).equals(Buffer.from(dct64To16(a).buffer)), `input ${n}`).toBe(true);
    }
  });

  it('declines inputs of the wrong size instead of guessing', () => {
    expect(dctWithKernel(new Float32Array(100), dctBasis())).toBeNull();
  });
});
