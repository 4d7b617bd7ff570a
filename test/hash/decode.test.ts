import { describe, it, expect } from 'vitest';
import { readFileSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { crc32 } from 'node:zlib';
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';
import { decodeBmp, decodeImage, isFileFailure, type DecodedImage } from '../../src/hash/decode.js';
import type { FileFailure } from '../../src/types.js';

const VECTORS = fileURLToPath(new URL('../fixtures/vectors/', import.meta.url));
const read = (rel: string): Buffer => readFileSync(join(VECTORS, rel));
const sha256 = (bytes: Uint8Array): string => createHash('sha256').update(bytes).digest('hex');

interface PillowDigest {
  mode: string;
  width: number;
  height: number;
  luma: string;
  rgb: string;
}
const digests = JSON.parse(readFileSync(join(VECTORS, 'pillow-digests.json'), 'utf8')) as {
  decode: Record<string, PillowDigest>;
};

async function decoded(rel: string): Promise<DecodedImage> {
  const result = await decodeImage(read(rel), { maxPixels: 50_000_000 });
  if (isFileFailure(result)) throw new Error(`${rel}: ${result.code}: ${result.message}`);
  return result;
}

async function failureOf(bytes: Buffer, maxPixels = 50_000_000): Promise<FileFailure> {
  const result = await decodeImage(bytes, { maxPixels });
  if (!isFileFailure(result)) throw new Error(`expected a failure, got a ${result.width}x${result.height} image`);
  return result;
}

/** A real 7x5 PNG whose IHDR claims another size (CRC fixed): a decompression-bomb header. */
function pngClaiming(width: number, height: number): Buffer {
  const b = Buffer.from(read('images/tiny_7x5.png'));
  b.writeUInt32BE(width, 16);
  b.writeUInt32BE(height, 20);
  b.writeUInt32BE(crc32(b.subarray(12, 29)), 29);
  return b;
}

describe('decodeImage: Pillow-identical pixels', () => {
  // Pillow 9.4's convert('L') of every decodable vector and extra fixture, as SHA-256.
  for (const [rel, want] of Object.entries(digests.decode)) {
    it(`${rel} (${want.mode}) gives Pillow's L plane`, async () => {
      const img = await decoded(rel);
      expect([img.width, img.height]).toEqual([want.width, want.height]);
      expect(img.luma.length).toBe(want.width * want.height);
      expect(sha256(img.luma)).toBe(want.luma);
    });
  }

  it("gives Pillow's RGB plane for 8-bit, 16-bit, CMYK, palette and BMP inputs", async () => {
    for (const rel of [
      'images/plasma_640x480.jpg',
      'images/cmyk_400x300.jpg',
      'images/rgb16_320x240.png',
      'images/tiff_320x240.tif',
      'images/palette_320x240.png',
      'images/rgba_320x240.png',
      'images/gray_300x200.jpg',
      'images/bmp_320x240.bmp',
      'extra/bmp_P_31x23.bmp',
    ]) {
      const img = await decoded(rel);
      expect(img.rgb.length, rel).toBe(img.width * img.height * 3);
      expect(sha256(img.rgb), rel).toBe(digests.decode[rel].rgb);
    }
  });

  it('clips 16-bit grey at 255 as Pillow does (mode I), rather than scaling', async () => {
    const img = await decoded('images/gray16_320x240.png');
    const below = img.luma.filter((v) => v < 255).length;
    expect(below).toBeGreaterThan(0);
    expect(below).toBeLessThan(100);
  });

  it('keeps the stored pixel grid of an EXIF-rotated JPEG (no auto-orientation)', async () => {
    const img = await decoded('images/exif_orient6_640x480.jpg');
    expect([img.width, img.height]).toEqual([640, 480]);
  });

  it('uses the first frame of an animated GIF', async () => {
    const img = await decoded('images/animated_3frames_200x150.gif');
    expect([img.width, img.height]).toEqual([200, 150]);
    expect(sha256(img.luma)).toBe(digests.decode['images/animated_3frames_200x150.gif'].luma);
  });

  it('reports the format found in the content, not the file name', async () => {
    const img = await decodeImage(read('images/gif_320x240.gif'), { maxPixels: 1e6 });
    expect(!isFileFailure(img) && img.format).toBe('gif');
    expect(!isFileFailure(await decodeImage(read('images/bmp_320x240.bmp'), { maxPixels: 1e6 }))).toBe(true);
  });
});

describe('decodeImage: failures are values', () => {
  it('refuses a zero-size file', async () => {
    expect((await failureOf(Buffer.alloc(0))).code).toBe('IMAGE_DECODE_FAILED');
  });

  it('refuses truncated, corrupt and non-image content', async () => {
    expect((await failureOf(read('images/truncated_plasma.jpg'))).code).toBe('IMAGE_DECODE_FAILED');
    expect((await failureOf(read('images/truncated_header.png'))).code).toBe('IMAGE_DECODE_FAILED');
    expect((await failureOf(read('images/not_image.jpg'))).code).toBe('IMAGE_DECODE_FAILED');
    const png = read('images/rgb_320x240.png');
    expect((await failureOf(png.subarray(0, png.length >> 1))).code).toBe('IMAGE_DECODE_FAILED');
    const garbled = Buffer.from(read('images/plasma_640x480.jpg'));
    garbled.fill(0x00, 600, garbled.length - 2); // entropy-coded data replaced by zeros, no EOI damage
    const r = await decodeImage(garbled, { maxPixels: 1e7 });
    // libjpeg may either reject this or produce a (grey) image; it must not throw or hang.
    expect(isFileFailure(r) ? r.code : 'decoded').toMatch(/^(IMAGE_DECODE_FAILED|decoded)$/);
  });

  it('refuses an image over the pixel limit from its header alone (decompression bomb)', async () => {
    const big = await failureOf(read('images/plasma_large_2400x1600.jpg'), 2400 * 1600 - 1);
    expect(big.code).toBe('IMAGE_TOO_LARGE');
    expect(big.message).toContain('2400x1600');
    // 100000 x 100000 claimed by a 232-byte file: only the header can have been read.
    expect((await failureOf(pngClaiming(100_000, 100_000), 100_000_000)).code).toBe('IMAGE_TOO_LARGE');
    const ok = await decodeImage(read('images/plasma_large_2400x1600.jpg'), { maxPixels: 2400 * 1600 });
    expect(isFileFailure(ok)).toBe(false);
  });

  it('marks recognised but undecodable formats as unsupported', async () => {
    const psd = Buffer.concat([Buffer.from('8BPS'), Buffer.alloc(40)]);
    expect((await failureOf(psd)).code).toBe('IMAGE_UNSUPPORTED');
    const ico = Buffer.from([0, 0, 1, 0, 1, 0, 16, 16, 0, 0, 1, 0, 32, 0]);
    expect((await failureOf(ico)).code).toBe('IMAGE_UNSUPPORTED');
  });
});

describe('decodeBmp', () => {
  const bmp24 = read('extra/bmp_RGB_31x23.bmp');

  it('reads a top-down bitmap (negative height) as the same image', () => {
    const bottomUp = decodeBmp(bmp24, 1e6);
    const off = bmp24.readUInt32LE(10);
    const stride = Math.floor((31 * 24 + 31) / 32) * 4;
    const flipped = Buffer.from(bmp24);
    for (let y = 0; y < 23; y++) bmp24.copy(flipped, off + y * stride, off + (22 - y) * stride, off + (23 - y) * stride);
    flipped.writeInt32LE(-23, 22);
    const topDown = decodeBmp(flipped, 1e6);
    if (isFileFailure(bottomUp) || isFileFailure(topDown)) throw new Error('decode failed');
    expect(sha256(topDown.luma)).toBe(sha256(bottomUp.luma));
    expect(sha256(bottomUp.luma)).toBe(digests.decode['extra/bmp_RGB_31x23.bmp'].luma);
  });

  it('refuses truncated pixel data, huge headers and compressed layouts', () => {
    expect((decodeBmp(bmp24.subarray(0, bmp24.length - 10), 1e6) as FileFailure).code).toBe('IMAGE_DECODE_FAILED');
    const huge = Buffer.from(bmp24);
    huge.writeInt32LE(200_000, 18);
    huge.writeInt32LE(200_000, 22);
    expect((decodeBmp(huge, 1e8) as FileFailure).code).toBe('IMAGE_TOO_LARGE');
    const rle = Buffer.from(read('extra/bmp_P_31x23.bmp'));
    rle.writeUInt32LE(1, 30); // BI_RLE8
    expect((decodeBmp(rle, 1e6) as FileFailure).code).toBe('IMAGE_UNSUPPORTED');
    expect((decodeBmp(bmp24.subarray(0, 20), 1e6) as FileFailure).code).toBe('IMAGE_DECODE_FAILED');
  });
});

describe('fastDecode (--fast-decode)', () => {
  const task = { maxPixels: 50_000_000 };
  it('decodes a JPEG of 1024+ px on the shorter side reduced to 512 on that side, and says from what size', async () => {
    const { photoImage } = await import('../../src/cli/synthetic.js');
    const { decodePixels } = await import('../../src/hash/decode.js');
    const jpeg = await photoImage(2048, 1536, 5, 'jpeg', 90);
    const reduced = await decodePixels(jpeg, { ...task, fastDecode: true });
    if (isFileFailure(reduced)) throw new Error(reduced.message);
    expect([reduced.width, reduced.height, reduced.channels]).toEqual([683, 512, 3]);
    expect(reduced.reducedFrom).toEqual({ width: 2048, height: 1536 });
    expect(reduced.data.length).toBe(683 * 512 * 3);
    const full = await decodePixels(jpeg, task);
    if (isFileFailure(full)) throw new Error(full.message);
    expect([full.width, full.height, full.reducedFrom]).toEqual([2048, 1536, undefined]);
  });

  it('leaves smaller JPEGs and every other format to the exact decode', async () => {
    const { photoImage } = await import('../../src/cli/synthetic.js');
    const { decodePixels } = await import('../../src/hash/decode.js');
    for (const bytes of [read('images/plasma_640x480.jpg'), await photoImage(1500, 1000, 6, 'jpeg'), await photoImage(2048, 1536, 7, 'png')]) {
      const fast = await decodePixels(bytes, { ...task, fastDecode: true });
      const exact = await decodePixels(bytes, task);
      if (isFileFailure(fast) || isFileFailure(exact)) throw new Error('decode failed');
      expect(fast.reducedFrom).toBeUndefined();
      expect(sha256(fast.data)).toBe(sha256(exact.data));
    }
  });

  it('still refuses a bomb from its header and reports a truncated file as a failure', async () => {
    const { photoImage } = await import('../../src/cli/synthetic.js');
    const { decodePixels } = await import('../../src/hash/decode.js');
    const jpeg = await photoImage(2048, 1536, 8, 'jpeg', 90);
    const bomb = await decodePixels(jpeg, { maxPixels: 1_000_000, fastDecode: true });
    expect(isFileFailure(bomb) && bomb.code).toBe('IMAGE_TOO_LARGE');
    const cut = await decodePixels(jpeg.subarray(0, jpeg.length >> 1), { ...task, fastDecode: true });
    expect(isFileFailure(cut) && cut.code).toBe('IMAGE_DECODE_FAILED');
  });
});
