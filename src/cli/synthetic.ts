/**
 * Deterministic synthetic images with photo-like content, for the demo, the
 * tests and the benchmarks. Benign by construction: smooth colour fields,
 * edges and grain from a seeded generator, nothing else.
 *
 * Flat colour would be useless here: a perceptual hash of a flat image is
 * all zeros, and decoders and resamplers only show their cost and their
 * rounding on varied pixels.
 */
import sharp from 'sharp';

/** mulberry32: a small, fast, seedable PRNG; the same seed gives the same image everywhere. */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * Raw RGB pixels: a few overlapping waves and blobs per channel, a hard edge,
 * and fine grain. `seed` picks the picture.
 */
export function syntheticPixels(width: number, height: number, seed: number): Buffer {
  const rand = prng(seed);
  const waves = Array.from({ length: 3 }, () =>
    Array.from({ length: 4 }, () => ({ fx: (rand() * 6 + 0.5) / width, fy: (rand() * 6 + 0.5) / height, phase: rand() * Math.PI * 2, amp: 20 + rand() * 40 })),
  );
  const base = [rand() * 255, rand() * 255, rand() * 255];
  const edgeX = Math.floor(width * (0.3 + rand() * 0.4));
  const edgeShift = 30 + rand() * 60;
  const out = Buffer.allocUnsafe(width * height * 3);
  const grain = prng(seed ^ 0x9e3779b9);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const i = (y * width + x) * 3;
      for (let c = 0; c < 3; c++) {
        let v = base[c];
        for (const w of waves[c]) v += w.amp * Math.sin(2 * Math.PI * (w.fx * x + w.fy * y) + w.phase);
        if (x > edgeX + (y * 0.2)) v += c === 1 ? -edgeShift : edgeShift;
        v += (grain() - 0.5) * 12;
        out[i + c] = v < 0 ? 0 : v > 255 ? 255 : v;
      }
    }
  }
  return out;
}

export type SyntheticFormat = 'jpeg' | 'png' | 'webp';

/** An encoded synthetic image. */
export async function syntheticImage(width: number, height: number, seed: number, format: SyntheticFormat, quality = 85): Promise<Buffer> {
  const img = sharp(syntheticPixels(width, height, seed), { raw: { width, height, channels: 3 } });
  if (format === 'jpeg') return img.jpeg({ quality }).toBuffer();
  if (format === 'webp') return img.webp({ quality }).toBuffer();
  return img.png({ compressionLevel: 6 }).toBuffer();
}
