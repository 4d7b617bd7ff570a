/**
 * One full-resolution decode of an image file into the pixels Pillow 9.4
 * would hold after `Image.open(f).convert('L')` and `.convert('RGB')`.
 *
 * sharp (libvips) is used as a decoder only: no resize, no greyscale, no
 * EXIF rotation (Pillow does not rotate on open) and no ICC conversion
 * (Pillow ignores embedded profiles). Where libvips and Pillow disagree on
 * how raw samples become 8-bit RGB, the raw samples are fetched and
 * converted with Pillow's formula: CMYK (Pillow's own CMYK→RGB) and 16-bit
 * greyscale (Pillow clips at 255 where libvips scales); transparent GIF
 * pixels get their palette colour back, as Pillow keeps it. BMP, which sharp's
 * prebuilt libvips cannot read, is parsed here for the uncompressed layouts.
 *
 * An ordinary JPEG, PNG, GIF or WebP (the bulk of a seized drive) takes one
 * sharp call: its size and route are read from the header bytes (header.ts)
 * and the pixel limit checked on them before decoding. Anything else, or
 * anything the header reader is unsure of, first asks libvips for the
 * metadata, as every file used to.
 *
 * Bad input never throws: it yields a `FileFailure`.
 */
import sharp, { type Metadata, type OutputInfo, type SharpOptions } from 'sharp';
import type { FileFailure } from '../types.js';
import { cmykToRgb, interleavedToLumaRgb, lumaL24 } from './pillow.js';
import { readImageHeader, type ImageHeader } from './header.js';
import { SNIFF_BYTES, sniffImageFormat } from './magic.js';
import { rgbToLuma } from './pillow-kernel.js';

/** A decoded image: Pillow 'L' and 'RGB' planes of the first frame, full resolution. */
export interface DecodedImage {
  /** Format recognised from the content (see magic.ts). */
  format: string;
  width: number;
  height: number;
  /** Pillow 'L', `width*height` bytes, row-major. */
  luma: Uint8Array;
  /** Pillow 'RGB', `width*height*3` bytes, interleaved (for PDQ). */
  rgb: Uint8Array;
}

/** Limits for one decode. */
export interface DecodeOptions {
  /** Largest accepted width×height; larger images are refused from their header (decompression bombs). */
  maxPixels: number;
  /** Wall-clock limit for libvips' decode, in seconds; default {@link DEFAULT_DECODE_TIMEOUT_SECONDS}. */
  timeoutSeconds?: number;
  /**
   * Decode large JPEGs reduced (`--fast-decode`): see {@link FAST_DECODE_SIDE}.
   * The hashes of such an image are no longer bit-exact with imagehash or PDQ
   * on the full image (docs/perceptual.md gives the measured drift).
   */
  fastDecode?: boolean;
}

/**
 * `--fast-decode`: a JPEG whose shorter side is at least twice this is
 * decoded with libjpeg's DCT scaling (1/2, 1/4 or 1/8, chosen by sharp) and
 * reduced by libvips to this shorter side, instead of decoded whole. Every
 * perceptual hash then starts from that image: aHash, dHash and pHash
 * resize to at most 32×32 anyway, PDQ's reference tools themselves work
 * from a 512-pixel copy, and wHash takes the reduced image's own scale.
 */
export const FAST_DECODE_SIDE = 512;

/** Default decode time limit: generous for a 100-megapixel JPEG on a slow disk, finite for a crafted file. */
export const DEFAULT_DECODE_TIMEOUT_SECONDS = 60;

/** Formats Pillow 9.4 opens and this module decodes with Pillow's pixels. */
const SHARP_FORMATS = new Set(['jpeg', 'png', 'gif', 'webp', 'tiff']);
/**
 * Decoded when the local libvips can (prebuilt sharp reads AVIF, not HEVC
 * HEIC). Pillow 9.4 needs the pillow-heif plugin for these, so parity with a
 * hash list is not established; the hashes are still useful for near matches.
 */
const OPTIONAL_FORMATS = new Set(['avif', 'heif']);

/** Narrows a decode result to its failure case. */
export function isFileFailure<T extends object>(value: T | FileFailure): value is FileFailure {
  return (value as FileFailure).code !== undefined;
}

function failure(code: FileFailure['code'], message: string): FileFailure {
  return { code, message };
}

function errorText(err: unknown): string {
  return err instanceof Error ? err.message.trim() : String(err);
}

/**
 * Decodes the first frame of an image at full resolution.
 *
 * The header is read first and an image over `maxPixels` is refused before
 * any pixel is decoded. Truncated data is an error (as in Pillow, whose
 * `LOAD_TRUNCATED_IMAGES` is off by default); benign libjpeg warnings are not.
 *
 * @param bytes - the whole file
 * @param options - `maxPixels` (required), `timeoutSeconds`
 * @returns the decoded planes, or a `FileFailure` with code
 *   `IMAGE_DECODE_FAILED` (empty, truncated, corrupt, not an image),
 *   `IMAGE_TOO_LARGE` (over `maxPixels`) or `IMAGE_UNSUPPORTED` (a recognised
 *   format that cannot be decoded with Pillow's pixels). Never rejects.
 */
export async function decodeImage(bytes: Buffer, options: DecodeOptions): Promise<DecodedImage | FileFailure> {
  const px = await decodePixels(bytes, options);
  if (isFileFailure(px)) return px;
  try {
    return toLumaRgb(px);
  } catch (err) {
    return failure('IMAGE_DECODE_FAILED', errorText(err));
  }
}

/**
 * A decoded first frame as interleaved 8-bit samples, before the 'L'/'RGB'
 * split: what the in-memory pipeline (planes.ts) copies into kernel memory
 * once, instead of the two planes of {@link DecodedImage}. The samples are
 * already Pillow's: CMYK converted, 16-bit grey clipped, GIF colours fixed.
 */
export interface DecodedPixels {
  format: string;
  width: number;
  height: number;
  /** 1: grey ('L'); 3: RGB; 4: RGB plus an alpha byte, which Pillow's convert('L') ignores. */
  channels: 1 | 3 | 4;
  /** `width*height*channels` bytes, interleaved, rows back to back. */
  data: Uint8Array;
  /** Set when the image was decoded reduced (`fastDecode`): its size in the file. */
  reducedFrom?: { width: number; height: number };
}

/**
 * {@link decodeImage} without the split into 'L' and 'RGB' planes.
 *
 * @param bytes - the whole file
 * @param options - `maxPixels` (required), `timeoutSeconds`
 * @returns the samples, or a `FileFailure` with the codes of {@link decodeImage}. Never rejects.
 */
export async function decodePixels(bytes: Buffer, options: DecodeOptions): Promise<DecodedPixels | FileFailure> {
  try {
    return await decodeUnchecked(bytes, options);
  } catch (err) {
    // Anything unforeseen from libvips is still one file's failure, never the scan's.
    return failure('IMAGE_DECODE_FAILED', errorText(err));
  }
}

/** Pillow's 'L' and 'RGB' planes of decoded samples (L24 of RGB; grey as is). */
function toLumaRgb(px: DecodedPixels): DecodedImage {
  const { format, width, height, data, channels } = px;
  const pixels = width * height;
  if (channels === 3) return { format, width, height, luma: rgbToLuma(data, pixels), rgb: data };
  if (channels === 1) return { format, width, height, luma: data, rgb: greyToRgb(data) };
  const { luma, rgb } = interleavedToLumaRgb(data, pixels, channels);
  return { format, width, height, luma, rgb };
}

async function decodeUnchecked(bytes: Buffer, options: DecodeOptions): Promise<DecodedPixels | FileFailure> {
  if (bytes.length === 0) return failure('IMAGE_DECODE_FAILED', 'empty file');
  const format = sniffImageFormat(bytes.subarray(0, SNIFF_BYTES));
  if (format === undefined) return failure('IMAGE_DECODE_FAILED', 'content is not a recognised image format');
  if (format === 'bmp') {
    const bmp = decodeBmp(bytes, options.maxPixels);
    return isFileFailure(bmp) ? bmp : { format, width: bmp.width, height: bmp.height, channels: 3, data: bmp.rgb };
  }
  if (!SHARP_FORMATS.has(format) && !OPTIONAL_FORMATS.has(format)) {
    return failure('IMAGE_UNSUPPORTED', `${format} images are not decoded`);
  }

  const limit = Number.isFinite(options.maxPixels) ? Math.max(1, Math.floor(options.maxPixels)) : false;
  const input: SharpOptions = {
    ignoreIcc: true,
    // 'truncated' fails on premature end of data, like Pillow; 'warning' would also
    // reject files with harmless libjpeg warnings that Pillow decodes.
    failOn: 'truncated',
    limitInputPixels: limit,
    pages: 1,
    page: 0,
  };
  const timeout = { seconds: Math.max(1, Math.ceil(options.timeoutSeconds ?? DEFAULT_DECODE_TIMEOUT_SECONDS)) };
  const header = readImageHeader(bytes, format);
  if (header?.ordinary) {
    const decoded = await decodeOrdinary(bytes, format, header, input, timeout, options.maxPixels, options.fastDecode === true);
    if (decoded !== undefined) return decoded;
  }

  let meta: Metadata;
  try {
    // Header only; the pixel limit is applied below so that a bomb gets its own code.
    meta = await sharp(bytes, { ...input, limitInputPixels: false }).metadata();
  } catch (err) {
    const msg = errorText(err);
    if (OPTIONAL_FORMATS.has(format) && /unsupported|no decoder|compression format/i.test(msg)) {
      return failure('IMAGE_UNSUPPORTED', msg);
    }
    return failure('IMAGE_DECODE_FAILED', msg);
  }
  const width = meta.width ?? 0;
  const height = meta.pageHeight ?? meta.height ?? 0;
  if (!(width > 0 && height > 0)) return failure('IMAGE_DECODE_FAILED', `image has no size (${width}x${height})`);
  if (width * height > options.maxPixels) {
    return failure('IMAGE_TOO_LARGE', `${width}x${height} exceeds the limit of ${options.maxPixels} pixels`);
  }

  const pixels = width * height;
  try {
    if (meta.space === 'cmyk') {
      const { data, info } = await sharp(bytes, input)
        .pipelineColourspace('cmyk')
        .toColourspace('cmyk')
        .timeout(timeout)
        .raw()
        .toBuffer({ resolveWithObject: true });
      checkSize(info, width, height);
      const cmyk = info.channels === 4 ? data : dropExtraChannels(data, pixels, info.channels, 4);
      return { format, width, height, channels: 3, data: cmykToRgb(cmyk, pixels) };
    }
    if (meta.depth === 'ushort' && meta.channels === 1) {
      // Pillow opens 16-bit grey as mode I / I;16 and convert('L') clips at 255 instead of scaling.
      const { data, info } = await sharp(bytes, input)
        .toColourspace('grey16')
        .timeout(timeout)
        .raw({ depth: 'ushort' })
        .toBuffer({ resolveWithObject: true });
      checkSize(info, width, height);
      const samples = new Uint16Array(data.buffer, data.byteOffset, data.byteLength >> 1);
      const luma = new Uint8Array(pixels);
      const step = info.channels;
      for (let i = 0, s = 0; i < pixels; i++, s += step) {
        const v = samples[s];
        luma[i] = v > 255 ? 255 : v;
      }
      return { format, width, height, channels: 1, data: luma };
    }
    const { data, info } = await sharp(bytes, input).timeout(timeout).raw().toBuffer({ resolveWithObject: true });
    checkSize(info, width, height);
    if (format === 'gif' && info.channels >= 3) fixGifColours(bytes, data, width, height, info.channels);
    return samplesOf(format, width, height, data, info.channels);
  } catch (err) {
    return failure('IMAGE_DECODE_FAILED', errorText(err));
  }
}

/**
 * The one-call route for an ordinary JPEG, PNG, GIF or WebP whose header
 * was read in TypeScript (header.ts): the pixel limit is checked on that
 * header before anything is decoded, then a single sharp pipeline decodes
 * (with libvips' own limit as a second guard). A separate libvips header
 * read, a whole extra sharp call, is saved.
 *
 * @returns the samples or a failure; undefined when the header is over the
 *   pixel limit or libvips disagrees with it (another size, or its own limit
 *   tripped), so the caller takes the route that asks libvips for the metadata first
 */
async function decodeOrdinary(
  bytes: Buffer,
  format: string,
  header: ImageHeader,
  input: SharpOptions,
  timeout: { seconds: number },
  maxPixels: number,
  fastDecode: boolean,
): Promise<DecodedPixels | FileFailure | undefined> {
  const { width, height } = header;
  // Over the limit: nothing is decoded here. The metadata route refuses it (or,
  // when libvips cannot even read the header, reports that), exactly as before.
  if (width * height > maxPixels) return undefined;
  if (fastDecode && format === 'jpeg' && Math.min(width, height) >= 2 * FAST_DECODE_SIDE) return decodeReduced(bytes, header, input, timeout);
  try {
    const { data, info } = await sharp(bytes, input).timeout(timeout).raw().toBuffer({ resolveWithObject: true });
    if (info.width !== width || info.height !== height) return undefined;
    if (format === 'gif' && info.channels >= 3) fixGifColours(bytes, data, width, height, info.channels);
    return samplesOf(format, width, height, data, info.channels);
  } catch (err) {
    const msg = errorText(err);
    if (/pixel limit/i.test(msg)) return undefined;
    return failure('IMAGE_DECODE_FAILED', msg);
  }
}

/**
 * A large ordinary JPEG decoded reduced to {@link FAST_DECODE_SIDE} on its
 * shorter side: sharp reopens it with libjpeg's DCT scaling and libvips'
 * Lanczos reduces the rest (aspect ratio kept). Several times faster than a
 * full decode on camera photos; not Pillow's pixels.
 */
async function decodeReduced(
  bytes: Buffer,
  header: ImageHeader,
  input: SharpOptions,
  timeout: { seconds: number },
): Promise<DecodedPixels | FileFailure> {
  const { width, height } = header;
  const scale = FAST_DECODE_SIDE / Math.min(width, height);
  const w = Math.max(1, Math.round(width * scale));
  const h = Math.max(1, Math.round(height * scale));
  try {
    const { data, info } = await sharp(bytes, input)
      .resize({ width: w, height: h, fit: 'fill', kernel: 'lanczos3', fastShrinkOnLoad: true })
      .timeout(timeout)
      .raw()
      .toBuffer({ resolveWithObject: true });
    checkSize(info, w, h);
    return { ...samplesOf('jpeg', w, h, data, info.channels), reducedFrom: { width, height } };
  } catch (err) {
    return failure('IMAGE_DECODE_FAILED', errorText(err));
  }
}

/**
 * Interleaved samples as {@link DecodedPixels}: 1, 3 and 4 channels as they
 * are; grey with alpha reduced to its grey channel (Pillow's `LA` → `L`).
 *
 * @throws RangeError for other channel counts or a short buffer (the caller records a decode failure)
 */
function samplesOf(format: string, width: number, height: number, data: Uint8Array, channels: number): DecodedPixels {
  const pixels = width * height;
  if (channels < 1 || channels > 4 || !Number.isInteger(channels)) {
    throw new RangeError(`channels must be 1..4, got ${channels}`);
  }
  if (data.length < pixels * channels) throw new RangeError('pixel buffer too short');
  if (channels === 2) return { format, width, height, channels: 1, data: dropExtraChannels(data, pixels, 2, 1) };
  const exact = data.length === pixels * channels ? data : data.subarray(0, pixels * channels);
  return { format, width, height, channels: channels as 1 | 3 | 4, data: exact };
}

function checkSize(info: OutputInfo, width: number, height: number): void {
  if (info.width !== width || info.height !== height) {
    throw new Error(`decoder returned ${info.width}x${info.height}, header said ${width}x${height}`);
  }
}

function dropExtraChannels(data: Uint8Array, pixels: number, channels: number, keep: number): Uint8Array {
  const out = new Uint8Array(pixels * keep);
  for (let i = 0; i < pixels; i++) for (let c = 0; c < keep; c++) out[i * keep + c] = data[i * channels + c];
  return out;
}

function greyToRgb(luma: Uint8Array): Uint8Array {
  const rgb = new Uint8Array(luma.length * 3);
  for (let i = 0, o = 0; i < luma.length; i++, o += 3) {
    rgb[o] = luma[i];
    rgb[o + 1] = luma[i];
    rgb[o + 2] = luma[i];
  }
  return rgb;
}

// ---------------------------------------------------------------------------
// GIF transparency. Pillow keeps a GIF's first frame as palette indices and its
// convert('L') uses the palette colour of every index, the transparent one included;
// outside a first frame smaller than the screen it fills with the transparent index
// (or index 0). libvips returns those pixels as black (alpha 0 when the GIF has
// transparency) instead. The colour Pillow would use is read from the file's own
// colour table.

/** What Pillow needs from a GIF's structure to colour its first frame. */
export interface GifFirstFrame {
  /** Frame rectangle on the logical screen. */
  left: number;
  top: number;
  width: number;
  height: number;
  /** The frame's colour table (local, else global), RGB triples. */
  table: Uint8Array;
  /** Transparent index from the Graphic Control Extension, if any. */
  transparent: number | undefined;
}

/**
 * Follows a GIF's blocks up to its first image descriptor.
 *
 * @param bytes - the whole GIF file
 * @returns the first frame's rectangle, colour table and transparent index, or
 *   undefined when the structure cannot be followed or there is no colour table
 */
export function gifFirstFrame(bytes: Uint8Array): GifFirstFrame | undefined {
  if (bytes.length < 13) return undefined;
  let at = 13;
  let table: Uint8Array | undefined;
  const screenFlags = bytes[10];
  if (screenFlags & 0x80) {
    const size = 3 * (1 << ((screenFlags & 7) + 1));
    table = bytes.subarray(at, at + size);
    at += size;
  }
  let transparent: number | undefined;
  while (at < bytes.length) {
    const kind = bytes[at];
    if (kind === 0x21) {
      // Extension: label, then data sub-blocks; a GCE's first sub-block holds the index.
      const label = bytes[at + 1];
      at += 2;
      if (label === 0xf9 && bytes[at] >= 4 && bytes[at + 1] & 1) transparent = bytes[at + 4];
      while (at < bytes.length && bytes[at] !== 0) at += bytes[at] + 1;
      at += 1;
    } else if (kind === 0x2c) {
      if (at + 10 > bytes.length) return undefined;
      const word = (o: number): number => bytes[at + o] | (bytes[at + o + 1] << 8);
      const flags = bytes[at + 9];
      if (flags & 0x80) table = bytes.subarray(at + 10, at + 10 + 3 * (1 << ((flags & 7) + 1)));
      if (table === undefined) return undefined;
      return { left: word(1), top: word(3), width: word(5), height: word(7), table, transparent };
    } else {
      return undefined;
    }
  }
  return undefined;
}

/**
 * Gives a decoded GIF first frame the colours Pillow sees where libvips
 * returns (0, 0, 0[, 0]): transparent pixels take the transparent index's
 * palette colour, and screen outside the frame takes the transparent index's
 * (or, without one, index 0's) colour, which is what Pillow fills with.
 */
function fixGifColours(bytes: Uint8Array, data: Uint8Array, width: number, height: number, channels: number): void {
  const frame = gifFirstFrame(bytes);
  if (frame === undefined) return;
  const colour = (index: number): [number, number, number] =>
    3 * index + 2 < frame.table.length
      ? [frame.table[3 * index], frame.table[3 * index + 1], frame.table[3 * index + 2]]
      : [0, 0, 0];
  const [fr, fg, fb] = colour(frame.transparent ?? 0);
  const x0 = frame.left;
  const y0 = frame.top;
  const x1 = frame.left + frame.width;
  const y1 = frame.top + frame.height;
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const p = (y * width + x) * channels;
      const outside = x < x0 || x >= x1 || y < y0 || y >= y1;
      if (outside || (channels === 4 && data[p + 3] === 0 && frame.transparent !== undefined)) {
        data[p] = fr;
        data[p + 1] = fg;
        data[p + 2] = fb;
      }
    }
  }
}

// ---------------------------------------------------------------------------
// BMP (Windows and OS/2 bitmaps), uncompressed layouts only, read as Pillow 9.4's
// BmpImagePlugin does: 1/4/8-bit palette (P, or L for a grey ramp: the same L values),
// 24-bit BGR, 32-bit BGRX (and BGRA bit fields); rows bottom-up unless height < 0.

const BI_RGB = 0;
const BI_BITFIELDS = 3;

/**
 * Decodes an uncompressed BMP into Pillow's 'L' and 'RGB' planes.
 *
 * @param bytes - the whole file
 * @param maxPixels - decompression-bomb limit, checked before pixel data is touched
 * @returns the planes or a failure (RLE and 16-bit layouts: IMAGE_UNSUPPORTED)
 */
export function decodeBmp(bytes: Uint8Array, maxPixels: number): DecodedImage | FileFailure {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (bytes.length < 26) return failure('IMAGE_DECODE_FAILED', 'BMP header truncated');
  const dataOffset = view.getUint32(10, true);
  const headerSize = view.getUint32(14, true);
  if (bytes.length < 14 + Math.min(headerSize, 40)) return failure('IMAGE_DECODE_FAILED', 'BMP header truncated');
  let width: number;
  let rawHeight: number;
  let bits: number;
  let compression = BI_RGB;
  let colorsUsed = 0;
  let paletteEntrySize = 4;
  if (headerSize === 12) {
    width = view.getUint16(18, true);
    rawHeight = view.getInt16(20, true);
    bits = view.getUint16(24, true);
    paletteEntrySize = 3;
  } else if (headerSize >= 40) {
    width = view.getInt32(18, true);
    rawHeight = view.getInt32(22, true);
    bits = view.getUint16(28, true);
    compression = view.getUint32(30, true);
    colorsUsed = view.getUint32(46, true);
  } else {
    return failure('IMAGE_UNSUPPORTED', `BMP info header of ${headerSize} bytes`);
  }
  const topDown = rawHeight < 0;
  const height = Math.abs(rawHeight);
  if (!(width > 0 && height > 0)) return failure('IMAGE_DECODE_FAILED', `BMP has no size (${width}x${rawHeight})`);
  if (width * height > maxPixels) {
    return failure('IMAGE_TOO_LARGE', `${width}x${height} exceeds the limit of ${maxPixels} pixels`);
  }

  const paletted = bits === 1 || bits === 4 || bits === 8;
  let bgrOffsets = [0, 1, 2];
  if (compression === BI_BITFIELDS && bits === 32) {
    // Masks follow a 40-byte header, or sit inside a V2+ header at the same place.
    if (bytes.length < 66) return failure('IMAGE_DECODE_FAILED', 'BMP header truncated');
    const masks = [view.getUint32(54, true), view.getUint32(58, true), view.getUint32(62, true)];
    const byteOf = (m: number): number => [0xff, 0xff00, 0xff0000, 0xff000000].indexOf(m);
    const [r, g, b] = masks.map(byteOf);
    if (r < 0 || g < 0 || b < 0) return failure('IMAGE_UNSUPPORTED', 'BMP with unusual bit-field masks');
    bgrOffsets = [b, g, r];
  } else if (compression !== BI_RGB || !(paletted || bits === 24 || bits === 32)) {
    return failure('IMAGE_UNSUPPORTED', `BMP with ${bits} bits per pixel and compression ${compression}`);
  }

  let palette = new Uint8Array(0);
  if (paletted) {
    const colors = colorsUsed > 0 && colorsUsed <= 1 << bits ? colorsUsed : 1 << bits;
    const start = 14 + headerSize;
    if (bytes.length < start + colors * paletteEntrySize) return failure('IMAGE_DECODE_FAILED', 'BMP palette truncated');
    // Indices past the palette read as black, as Pillow's zero-filled palette does.
    palette = new Uint8Array(256 * 3);
    for (let i = 0; i < colors; i++) {
      const p = start + i * paletteEntrySize;
      palette[i * 3] = bytes[p + 2];
      palette[i * 3 + 1] = bytes[p + 1];
      palette[i * 3 + 2] = bytes[p];
    }
  }

  const stride = Math.floor((width * bits + 31) / 32) * 4;
  if (dataOffset + stride * height > bytes.length) return failure('IMAGE_DECODE_FAILED', 'BMP pixel data truncated');
  const pixels = width * height;
  const rgb = new Uint8Array(pixels * 3);
  const luma = new Uint8Array(pixels);
  const bytesPerPixel = bits >> 3;
  for (let y = 0; y < height; y++) {
    const row = dataOffset + (topDown ? y : height - 1 - y) * stride;
    for (let x = 0; x < width; x++) {
      let r: number;
      let g: number;
      let b: number;
      if (paletted) {
        const bitPos = x * bits;
        const byte = bytes[row + (bitPos >> 3)];
        const index = (byte >> (8 - bits - (bitPos & 7))) & ((1 << bits) - 1);
        r = palette[index * 3];
        g = palette[index * 3 + 1];
        b = palette[index * 3 + 2];
      } else {
        const p = row + x * bytesPerPixel;
        b = bytes[p + bgrOffsets[0]];
        g = bytes[p + bgrOffsets[1]];
        r = bytes[p + bgrOffsets[2]];
      }
      const i = y * width + x;
      rgb[i * 3] = r;
      rgb[i * 3 + 1] = g;
      rgb[i * 3 + 2] = b;
      luma[i] = lumaL24(r, g, b);
    }
  }
  return { format: 'bmp', width, height, luma, rgb };
}
