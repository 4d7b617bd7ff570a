import { describe, it, expect } from 'vitest';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';
import { SNIFF_BYTES, sniffImageFormat } from '../../src/hash/magic.js';

const IMAGES = fileURLToPath(new URL('../fixtures/vectors/images/', import.meta.url));
const head = (name: string): Uint8Array => readFileSync(join(IMAGES, name)).subarray(0, SNIFF_BYTES);
const bytes = (...parts: (string | number[])[]): Uint8Array =>
  Buffer.concat(parts.map((p) => (typeof p === 'string' ? Buffer.from(p, 'latin1') : Buffer.from(p))));

describe('sniffImageFormat', () => {
  it('recognises the vector images by content', () => {
    const expected: Record<string, string> = {
      'plasma_640x480.jpg': 'jpeg',
      'cmyk_400x300.jpg': 'jpeg',
      'rgb_320x240.png': 'png',
      'gif_320x240.gif': 'gif',
      'animated_3frames_200x150.gif': 'gif',
      'lossy_320x240.webp': 'webp',
      'lossless_320x240.webp': 'webp',
      'tiff_320x240.tif': 'tiff',
      'bmp_320x240.bmp': 'bmp',
      // Damaged files are still recognisable; decoding is what fails.
      'truncated_header.png': 'png',
      'truncated_plasma.jpg': 'jpeg',
    };
    for (const [name, format] of Object.entries(expected)) expect(sniffImageFormat(head(name)), name).toBe(format);
  });

  it('ignores the file name: text called .jpg is not an image', () => {
    expect(sniffImageFormat(head('not_image.jpg'))).toBeUndefined();
  });

  it('recognises other containers from their signatures', () => {
    expect(sniffImageFormat(bytes('MM', [0, 0x2a, 0, 0, 0, 8]))).toBe('tiff');
    expect(sniffImageFormat(bytes('II', [0x2b, 0, 8, 0, 0, 0]))).toBe('tiff');
    expect(sniffImageFormat(bytes([0, 0, 0, 0x1c], 'ftypavif', [0, 0, 0, 0], 'avifmif1miaf'))).toBe('avif');
    expect(sniffImageFormat(bytes([0, 0, 0, 0x18], 'ftypheic', [0, 0, 0, 0], 'mif1heic'))).toBe('heif');
    expect(sniffImageFormat(bytes([0, 0, 0, 0x18], 'ftypmif1', [0, 0, 0, 0], 'mif1avif'))).toBe('avif');
    expect(sniffImageFormat(bytes('8BPS', [0, 1]))).toBe('psd');
    expect(sniffImageFormat(bytes([0xff, 0x0a, 0xfa]))).toBe('jxl');
    expect(sniffImageFormat(bytes([0, 0, 1, 0, 1, 0, 16, 16]))).toBe('ico');
    expect(sniffImageFormat(bytes('GIF87a', [1, 0, 1, 0]))).toBe('gif');
  });

  it('does not take look-alikes for images', () => {
    expect(sniffImageFormat(new Uint8Array(0))).toBeUndefined();
    expect(sniffImageFormat(bytes([0xff, 0xd8]))).toBeUndefined(); // too short for a JPEG SOI + marker
    expect(sniffImageFormat(bytes('BM is also how this sentence starts'))).toBeUndefined();
    expect(sniffImageFormat(bytes('RIFF', [0, 0, 0, 0], 'WAVEfmt '))).toBeUndefined();
    expect(sniffImageFormat(bytes([0, 0, 0, 0x18], 'ftypisom', [0, 0, 0, 0], 'isommp41'))).toBeUndefined(); // MP4 video
    expect(sniffImageFormat(bytes('<svg xmlns="http://www.w3.org/2000/svg"/>'))).toBeUndefined();
    expect(sniffImageFormat(bytes([0, 0, 1, 0, 0, 0]))).toBeUndefined(); // ICO header with no images
  });
});
