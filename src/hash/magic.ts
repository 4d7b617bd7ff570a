/**
 * Image format recognition from content. Evidence file names are not
 * trusted (a renamed extension is a classic concealment), so only the
 * leading bytes decide.
 */

/** How many leading bytes {@link sniffImageFormat} may look at; reading more is harmless. */
export const SNIFF_BYTES = 32;

/** Image formats `sniffImageFormat` can name. */
export type ImageFormat = 'jpeg' | 'png' | 'gif' | 'webp' | 'tiff' | 'bmp' | 'heif' | 'avif' | 'ico' | 'psd' | 'jxl' | 'jp2';

function startsWith(head: Uint8Array, bytes: readonly number[], at = 0): boolean {
  if (head.length < at + bytes.length) return false;
  for (let i = 0; i < bytes.length; i++) if (head[at + i] !== bytes[i]) return false;
  return true;
}

function ascii(head: Uint8Array, at: number, length: number): string {
  if (head.length < at + length) return '';
  return String.fromCharCode(...head.subarray(at, at + length));
}

// ISO-BMFF major/compatible brands that mark a still HEIF or AVIF image.
const AVIF_BRANDS = new Set(['avif', 'avis']);
const HEIF_BRANDS = new Set(['heic', 'heix', 'hevc', 'hevx', 'heim', 'heis', 'hevm', 'hevs', 'mif1', 'msf1']);

/** Reads the `ftyp` box's brands (major first), within the bytes given. */
function isoBrands(head: Uint8Array): string[] {
  if (ascii(head, 4, 4) !== 'ftyp') return [];
  const boxSize = ((head[0] << 24) | (head[1] << 16) | (head[2] << 8) | head[3]) >>> 0;
  const end = Math.min(head.length, boxSize >= 16 ? boxSize : 16);
  const brands = [ascii(head, 8, 4)];
  for (let at = 16; at + 4 <= end; at += 4) brands.push(ascii(head, at, 4));
  return brands;
}

/**
 * Names the image format of a file from its first bytes (pass at least
 * {@link SNIFF_BYTES}; fewer only lowers recall).
 *
 * BMP is recognised by `BM` plus a known info-header size, because a bare
 * `BM` is too common at the start of unrelated files. SVG and other text
 * formats are deliberately not recognised: imagehash (Pillow) cannot open
 * them, so they never carry a comparable perceptual hash.
 *
 * @param head - the file's leading bytes
 * @returns `'jpeg' | 'png' | 'gif' | 'webp' | 'tiff' | 'bmp' | 'heif' | 'avif' |
 *   'ico' | 'psd' | 'jxl' | 'jp2'`, or undefined when the content is not an image
 *   format known here. Never throws.
 */
export function sniffImageFormat(head: Uint8Array): ImageFormat | undefined {
  if (startsWith(head, [0xff, 0xd8, 0xff])) return 'jpeg';
  if (startsWith(head, [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a])) return 'png';
  const gif = ascii(head, 0, 6);
  if (gif === 'GIF87a' || gif === 'GIF89a') return 'gif';
  if (ascii(head, 0, 4) === 'RIFF' && ascii(head, 8, 4) === 'WEBP') return 'webp';
  // Classic TIFF (42) and BigTIFF (43), both byte orders.
  if (startsWith(head, [0x49, 0x49, 0x2a, 0x00]) || startsWith(head, [0x4d, 0x4d, 0x00, 0x2a])) return 'tiff';
  if (startsWith(head, [0x49, 0x49, 0x2b, 0x00]) || startsWith(head, [0x4d, 0x4d, 0x00, 0x2b])) return 'tiff';
  if (startsWith(head, [0x42, 0x4d]) && head.length >= 18) {
    const infoSize = head[14] | (head[15] << 8) | (head[16] << 16) | (head[17] << 24);
    if ([12, 16, 40, 52, 56, 64, 108, 124].includes(infoSize)) return 'bmp';
  }
  const brands = isoBrands(head);
  if (brands.some((b) => AVIF_BRANDS.has(b))) return 'avif';
  if (brands.some((b) => HEIF_BRANDS.has(b))) return 'heif';
  if (ascii(head, 0, 4) === '8BPS') return 'psd';
  if (startsWith(head, [0xff, 0x0a]) || startsWith(head, [0, 0, 0, 0x0c, 0x4a, 0x58, 0x4c, 0x20, 0x0d, 0x0a, 0x87, 0x0a])) {
    return 'jxl';
  }
  if (startsWith(head, [0, 0, 0, 0x0c, 0x6a, 0x50, 0x20, 0x20, 0x0d, 0x0a, 0x87, 0x0a])) return 'jp2';
  if (startsWith(head, [0xff, 0x4f, 0xff, 0x51])) return 'jp2';
  // ICO: reserved 0, type 1, a non-zero image count.
  if (startsWith(head, [0, 0, 1, 0]) && head.length >= 6 && (head[4] | head[5]) !== 0) return 'ico';
  return undefined;
}
