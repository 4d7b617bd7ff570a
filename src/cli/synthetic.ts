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

/**
 * The same recipe as {@link syntheticPixels} (waves per channel, a slanted
 * edge, grain), computed fast enough for camera-sized images: about 40 ns a
 * pixel instead of 2 µs, so a 24-megapixel picture takes a second, not a
 * minute. Each wave sin(a(x) + b(y)) is split into per-column and per-row
 * tables (sin a·cos b + cos a·sin b), and the grain comes from a seeded table
 * read at a random offset per row. Different pixels from `syntheticPixels`
 * for the same seed; equally deterministic.
 *
 * @param width - pixels per row (≥ 1)
 * @param height - rows (≥ 1)
 * @param seed - picks the picture
 * @returns raw interleaved RGB, `width*height*3` bytes
 */
export function photoPixels(width: number, height: number, seed: number): Buffer {
  const rand = prng(seed);
  const WAVES = 12; // 4 per channel, channel = k >> 2
  const colSin = new Float64Array(WAVES * width);
  const colCos = new Float64Array(WAVES * width);
  const rowSin = new Float64Array(WAVES * height);
  const rowCos = new Float64Array(WAVES * height);
  for (let k = 0; k < WAVES; k++) {
    const fx = (rand() * 6 + 0.5) / width;
    const fy = (rand() * 6 + 0.5) / height;
    const phase = rand() * Math.PI * 2;
    const amp = 20 + rand() * 40;
    for (let x = 0; x < width; x++) {
      const a = 2 * Math.PI * fx * x + phase;
      colSin[k * width + x] = amp * Math.sin(a);
      colCos[k * width + x] = amp * Math.cos(a);
    }
    for (let y = 0; y < height; y++) {
      const b = 2 * Math.PI * fy * y;
      rowSin[k * height + y] = Math.sin(b);
      rowCos[k * height + y] = Math.cos(b);
    }
  }
  const base = [rand() * 255, rand() * 255, rand() * 255];
  const edgeX = Math.floor(width * (0.3 + rand() * 0.4));
  const edgeShift = 30 + rand() * 60;
  const grainRand = prng(seed ^ 0x9e3779b9);
  const GRAIN = 1 << 16;
  const grain = new Float64Array(GRAIN);
  for (let i = 0; i < GRAIN; i++) grain[i] = (grainRand() - 0.5) * 12;
  const out = Buffer.allocUnsafe(width * height * 3);
  // One channel of one row at a time: short monomorphic loops V8 compiles well.
  const acc = new Float64Array(width);
  for (let y = 0; y < height; y++) {
    const edge = edgeX + y * 0.2;
    const row = y * width * 3;
    for (let c = 0; c < 3; c++) {
      acc.fill(base[c]);
      for (let k = c * 4; k < c * 4 + 4; k++) {
        const o = k * width;
        const rc = rowCos[k * height + y];
        const rs = rowSin[k * height + y];
        for (let x = 0; x < width; x++) acc[x] += colSin[o + x] * rc + colCos[o + x] * rs;
      }
      const shift = c === 1 ? -edgeShift : edgeShift;
      let g = Math.floor(grainRand() * GRAIN);
      for (let x = 0, i = row + c; x < width; x++, i += 3) {
        let v = acc[x] + grain[g] + (x > edge ? shift : 0);
        g = (g + 1) & (GRAIN - 1);
        out[i] = v < 0 ? 0 : v > 255 ? 255 : v;
      }
    }
  }
  return out;
}

/** An encoded {@link photoPixels} image. */
export async function photoImage(width: number, height: number, seed: number, format: SyntheticFormat, quality = 85): Promise<Buffer> {
  const img = sharp(photoPixels(width, height, seed), { raw: { width, height, channels: 3 } });
  if (format === 'jpeg') return img.jpeg({ quality }).toBuffer();
  if (format === 'webp') return img.webp({ quality }).toBuffer();
  return img.png({ compressionLevel: 6 }).toBuffer();
}
