import { describe, it, expect } from 'vitest';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import sharp from 'sharp';
import { prng } from '../../src/cli/synthetic.js';
import { readImageHeader } from '../../src/hash/header.js';
import { sniffImageFormat } from '../../src/hash/magic.js';

const FIXTURES = fileURLToPath(new URL('../fixtures/', import.meta.url));
const READ_HERE = new Set(['jpeg', 'png', 'gif', 'webp']);

function images(): { name: string; bytes: Buffer; format: string }[] {
  const out: { name: string; bytes: Buffer; format: string }[] = [];
  for (const dir of ['vectors/images', 'vectors/extra', 'pdq']) {
    for (const f of readdirSync(join(FIXTURES, dir)).sort()) {
      const bytes = readFileSync(join(FIXTURES, dir, f));
      const format = sniffImageFormat(bytes.subarray(0, 32));
      if (format !== undefined && READ_HERE.has(format)) out.push({ name: `${dir}/${f}`, bytes, format });
    }
  }
  return out;
}

/** What decode.ts used to learn from libvips: the size and whether a special route applies. */
async function fromLibvips(bytes: Buffer): Promise<{ width: number; height: number; ordinary: boolean } | undefined> {
  try {
    const m = await sharp(bytes, { ignoreIcc: true, failOn: 'truncated', limitInputPixels: false, pages: 1, page: 0 }).metadata();
    const special = m.space === 'cmyk' || (m.depth === 'ushort' && m.channels === 1);
    return { width: m.width ?? 0, height: m.pageHeight ?? m.height ?? 0, ordinary: !special };
  } catch {
    return undefined;
  }
}

describe('readImageHeader agrees with libvips', () => {
  const files = images();

  it('has JPEG, PNG, GIF and WebP fixtures', () => {
    expect(new Set(files.map((f) => f.format))).toEqual(READ_HERE);
  });

  for (const { name, bytes, format } of files) {
    it(name, async () => {
      const mine = readImageHeader(bytes, format);
      const vips = await fromLibvips(bytes);
      if (vips === undefined) {
        // libvips cannot read the header: decode.ts still gets libvips' verdict, because
        // a header read here only ever leads to a decode, whose failure is reported.
        return;
      }
      expect(mine, name).toBeDefined();
      // A special route is never taken for an ordinary image, nor skipped for a special one.
      if (mine!.ordinary) {
        expect(vips.ordinary, name).toBe(true);
        expect({ width: mine!.width, height: mine!.height }, name).toEqual({ width: vips.width, height: vips.height });
      } else {
        expect(vips.ordinary, name).toBe(false);
      }
    });
  }

  it('reads the CMYK JPEG and the 16-bit grey PNG as needing their special routes', () => {
    for (const rel of ['vectors/images/cmyk_400x300.jpg', 'vectors/images/gray16_320x240.png']) {
      const bytes = readFileSync(join(FIXTURES, rel));
      expect(readImageHeader(bytes, sniffImageFormat(bytes)!)?.ordinary, rel).toBe(false);
    }
    const rgb16 = readFileSync(join(FIXTURES, 'vectors/images/rgb16_320x240.png'));
    expect(readImageHeader(rgb16, 'png')).toEqual({ width: 320, height: 240, ordinary: true });
  });

  it('agrees on images written by sharp in every layout the bench and scans see', async () => {
    const raw = Buffer.alloc(37 * 23 * 4, 90);
    const src = () => sharp(raw, { raw: { width: 37, height: 23, channels: 4 } });
    const made: [string, Buffer, string][] = [
      ['lossy webp', await src().webp({ quality: 80 }).toBuffer(), 'webp'],
      ['lossless webp', await src().webp({ lossless: true }).toBuffer(), 'webp'],
      ['webp without alpha', await src().removeAlpha().webp().toBuffer(), 'webp'],
      ['grey jpeg', await src().greyscale().jpeg().toBuffer(), 'jpeg'],
      ['progressive jpeg', await src().jpeg({ progressive: true }).toBuffer(), 'jpeg'],
      ['palette png', await src().png({ palette: true }).toBuffer(), 'png'],
      ['gif', await src().gif().toBuffer(), 'gif'],
    ];
    for (const [what, bytes, format] of made) {
      expect(readImageHeader(bytes, format), what).toEqual(await fromLibvips(bytes));
    }
  });
});

describe('readImageHeader on damaged input', () => {
  const samples = images().filter((f) => /plasma_640x480|rgba_320x240|gif_320x240|lossy_320x240|lossless_320x240/.test(f.name));

  it('never throws on any prefix, and a prefix gives nothing or the true values', () => {
    expect(samples.length).toBe(5);
    for (const { name, bytes, format } of samples) {
      const whole = readImageHeader(bytes, format);
      expect(whole, name).toBeDefined();
      for (let n = 0; n <= Math.min(bytes.length, 1024); n++) {
        const h = readImageHeader(bytes.subarray(0, n), format);
        if (h !== undefined) expect(h, `${name} first ${n} bytes`).toEqual(whole);
      }
    }
  });

  it('never throws on corrupted bytes, and never reports a zero size', () => {
    const rand = prng(11);
    for (const { bytes, format } of samples) {
      for (let trial = 0; trial < 300; trial++) {
        const b = Buffer.from(bytes.subarray(0, 512));
        for (let k = 0; k < 4; k++) b[Math.floor(rand() * b.length)] = Math.floor(rand() * 256);
        const h = readImageHeader(b, format);
        if (h !== undefined) {
          expect(h.width).toBeGreaterThan(0);
          expect(h.height).toBeGreaterThan(0);
        }
      }
    }
  });

  it('gives nothing for formats it does not read, and for an empty buffer', () => {
    const tif = readFileSync(join(FIXTURES, 'vectors/images/tiff_320x240.tif'));
    expect(readImageHeader(tif, 'tiff')).toBeUndefined();
    for (const f of ['jpeg', 'png', 'gif', 'webp']) expect(readImageHeader(new Uint8Array(0), f)).toBeUndefined();
  });
});
