/**
 * The few header facts a decode needs, read from the bytes of the common
 * formats (JPEG, PNG, GIF, WebP) without asking libvips.
 *
 * decode.ts needs, before decoding, the image's size (to refuse a
 * decompression bomb) and whether the image needs one of its special routes
 * (CMYK JPEG, 16-bit grey PNG). libvips' own header read is a whole extra
 * sharp call per image; for these formats the facts sit in the first few
 * hundred bytes. Anything this reader is not sure of gives `undefined`, and
 * the caller asks libvips as before.
 */

/** What decode.ts needs to know before decoding. */
export interface ImageHeader {
  width: number;
  height: number;
  /**
   * True when the image decodes by the ordinary route (8-bit grey, RGB,
   * palette, with or without alpha); false when it needs a special one
   * (CMYK or 12-bit JPEG, 16-bit grey PNG), which the caller leaves to the
   * route that asks libvips for the full metadata.
   */
  ordinary: boolean;
}

const u16be = (b: Uint8Array, at: number): number => (b[at] << 8) | b[at + 1];
const u16le = (b: Uint8Array, at: number): number => b[at] | (b[at + 1] << 8);
const u24le = (b: Uint8Array, at: number): number => b[at] | (b[at + 1] << 8) | (b[at + 2] << 16);
const u32be = (b: Uint8Array, at: number): number => ((b[at] << 24) | (b[at + 1] << 16) | (b[at + 2] << 8) | b[at + 3]) >>> 0;
const ascii = (b: Uint8Array, at: number, n: number): string =>
  at + n <= b.length ? String.fromCharCode(...b.subarray(at, at + n)) : '';

/** PNG: the IHDR chunk, which must come first. */
function pngHeader(b: Uint8Array): ImageHeader | undefined {
  if (b.length < 29 || u32be(b, 8) !== 13 || ascii(b, 12, 4) !== 'IHDR') return undefined;
  const width = u32be(b, 16);
  const height = u32be(b, 20);
  const depth = b[24];
  const colourType = b[25];
  if (![1, 2, 4, 8, 16].includes(depth) || ![0, 2, 3, 4, 6].includes(colourType)) return undefined;
  // 16-bit grey: Pillow clips where libvips scales, so decode.ts takes its special route.
  return { width, height, ordinary: !(depth === 16 && colourType === 0) };
}

/** JPEG start-of-frame markers (baseline, extended, progressive, lossless; Huffman and arithmetic). */
function isStartOfFrame(marker: number): boolean {
  return marker >= 0xc0 && marker <= 0xcf && marker !== 0xc4 && marker !== 0xc8 && marker !== 0xcc;
}

/** JPEG: the first start-of-frame segment, found by walking the marker segments. */
function jpegHeader(b: Uint8Array): ImageHeader | undefined {
  let at = 2;
  while (at + 4 <= b.length) {
    if (b[at] !== 0xff) return undefined;
    const marker = b[at + 1];
    if (marker === 0xff) {
      at++; // fill byte
      continue;
    }
    // Markers without a length: TEM, RSTn (not expected before a frame, harmless).
    if (marker === 0x01 || (marker >= 0xd0 && marker <= 0xd7)) {
      at += 2;
      continue;
    }
    if (marker === 0xd9 || marker === 0xda) return undefined; // end of image or scan before any frame
    const length = u16be(b, at + 2);
    if (length < 2) return undefined;
    if (isStartOfFrame(marker)) {
      if (length < 8 || at + 10 > b.length) return undefined;
      const precision = b[at + 4];
      const height = u16be(b, at + 5);
      const width = u16be(b, at + 7);
      const components = b[at + 9];
      // Height 0 (defined later by a DNL marker) is left to libvips.
      if (height === 0) return undefined;
      // Four components is CMYK (or YCCK), which decode.ts converts with Pillow's formula.
      return { width, height, ordinary: precision === 8 && (components === 1 || components === 3) };
    }
    at += 2 + length;
  }
  return undefined;
}

/** GIF: the logical screen, which is what libvips decodes the first frame onto. */
function gifHeader(b: Uint8Array): ImageHeader | undefined {
  if (b.length < 13) return undefined;
  return { width: u16le(b, 6), height: u16le(b, 8), ordinary: true };
}

/** WebP: the canvas of an extended file, else the lossy or lossless frame header. */
function webpHeader(b: Uint8Array): ImageHeader | undefined {
  const chunk = ascii(b, 12, 4);
  if (chunk === 'VP8X' && b.length >= 30) {
    return { width: u24le(b, 24) + 1, height: u24le(b, 27) + 1, ordinary: true };
  }
  if (chunk === 'VP8 ' && b.length >= 30) {
    // Frame tag (3 bytes), start code 9d 01 2a, then 14-bit sizes (the top 2 bits are scaling).
    if (b[23] !== 0x9d || b[24] !== 0x01 || b[25] !== 0x2a) return undefined;
    return { width: u16le(b, 26) & 0x3fff, height: u16le(b, 28) & 0x3fff, ordinary: true };
  }
  if (chunk === 'VP8L' && b.length >= 25) {
    if (b[20] !== 0x2f) return undefined;
    const bits = (b[21] | (b[22] << 8) | (b[23] << 16) | (b[24] << 24)) >>> 0;
    return { width: (bits & 0x3fff) + 1, height: ((bits >>> 14) & 0x3fff) + 1, ordinary: true };
  }
  return undefined;
}

/**
 * Reads an image's size and decode route from its header bytes.
 *
 * @param bytes - the file (only the header part is read)
 * @param format - the format recognised from the magic bytes (magic.ts)
 * @returns the facts, or undefined when the format is not one read here or
 *   the header is short, malformed or unusual (ask libvips instead). Never throws.
 */
export function readImageHeader(bytes: Uint8Array, format: string): ImageHeader | undefined {
  let h: ImageHeader | undefined;
  switch (format) {
    case 'png':
      h = pngHeader(bytes);
      break;
    case 'jpeg':
      h = jpegHeader(bytes);
      break;
    case 'gif':
      h = gifHeader(bytes);
      break;
    case 'webp':
      h = webpHeader(bytes);
      break;
    default:
      return undefined;
  }
  return h !== undefined && h.width > 0 && h.height > 0 ? h : undefined;
}
