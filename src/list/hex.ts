/**
 * Digest text → bytes, with the validation every importer shares.
 */
import { DIGEST_BYTES, type CryptoAlgorithm } from '../types.js';

const HEX = /^[0-9a-fA-F]*$/;

/**
 * Char code → nibble value, or -1 for anything that is not a hex digit.
 * A table lookup per character is what lets a digest be checked and decoded
 * in one pass, instead of a regex pass followed by `Buffer.from(hex)`.
 */
const NIBBLE = (() => {
  const t = new Int8Array(128).fill(-1);
  for (let i = 0; i < 10; i++) t[0x30 + i] = i;
  for (let i = 0; i < 6; i++) {
    t[0x41 + i] = 10 + i;
    t[0x61 + i] = 10 + i;
  }
  return t;
})();

/** True when every character of `s` is a hex digit (same answer as the `HEX` regex, without it). */
function allHex(s: string): boolean {
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c >= 128 || NIBBLE[c]! < 0) return false;
  }
  return true;
}

/**
 * Decodes exactly `bytes` bytes from `s` when it is that many pairs of hex
 * digits and nothing else; undefined otherwise, so the caller can fall back
 * to the slow path that words the reason.
 */
function fastHex(s: string, bytes: number): Buffer | undefined {
  if (s.length !== bytes * 2) return undefined;
  const out = Buffer.allocUnsafe(bytes);
  for (let i = 0, j = 0; i < bytes; i++, j += 2) {
    const hi = s.charCodeAt(j);
    const lo = s.charCodeAt(j + 1);
    // Non-ASCII codes would index past the table, so they are mapped to -1 before the lookup.
    const h = hi < 128 ? NIBBLE[hi]! : -1;
    const l = lo < 128 ? NIBBLE[lo]! : -1;
    if ((h | l) < 0) return undefined;
    out[i] = (h << 4) | l;
  }
  return out;
}

/** Hex length → algorithm, for bare values. 64 hex digits mean SHA-256 unless told otherwise. */
const BY_HEX_LENGTH: Readonly<Record<number, CryptoAlgorithm>> = { 32: 'md5', 40: 'sha1', 64: 'sha256', 128: 'sha512' };

/** A digest that could not be decoded: the reason, worded for the import report. */
export interface DigestProblem {
  reason: string;
}

/**
 * Decodes a hex digest of a known algorithm.
 * @param text the digest as written (either case, surrounding blanks ignored)
 * @param algorithm what it must be
 * @returns the bytes, or the reason it is not a valid digest
 */
export function decodeDigest(text: string, algorithm: keyof typeof DIGEST_BYTES): Buffer | DigestProblem {
  // Nearly every value is already bare hex of the right length: decode it in one pass.
  // Anything else (blanks to trim, bad characters, wrong length) takes the original path below.
  const fast = fastHex(text, DIGEST_BYTES[algorithm]);
  if (fast) return fast;
  const t = text.trim();
  if (!HEX.test(t)) return { reason: `non-hex characters in ${algorithm} value ${JSON.stringify(clip(t))}` };
  const want = DIGEST_BYTES[algorithm] * 2;
  if (t.length !== want) return { reason: `wrong hash length for ${algorithm}: ${t.length} hex digits, expected ${want}` };
  return Buffer.from(t, 'hex');
}

/**
 * Infers a cryptographic algorithm from a bare hex value's length.
 * @param text hex digest
 * @param length64 what 64 hex digits mean (sha256 unless a format says blake3)
 * @returns the algorithm, or the reason none fits
 */
export function inferAlgorithm(text: string, length64: CryptoAlgorithm = 'sha256'): CryptoAlgorithm | DigestProblem {
  if (!allHex(text)) return { reason: `non-hex characters in hash ${JSON.stringify(clip(text))}` };
  const a = text.length === 64 ? length64 : BY_HEX_LENGTH[text.length];
  if (!a) return { reason: `wrong hash length: ${text.length} hex digits (expected 32, 40, 64 or 128)` };
  return a;
}

/** True for a decode failure. */
export function isProblem(v: unknown): v is DigestProblem {
  return typeof v === 'object' && v !== null && !Buffer.isBuffer(v) && 'reason' in v;
}

/** PhotoDNA is 144 bytes: 192 base64 characters, or 288 hex digits in some CSV exports. */
export const PHOTODNA_BYTES = 144;

/**
 * Decodes a PhotoDNA value written in base64 or hex. It is stored, never matched.
 * @returns the 144 bytes, or the reason
 */
export function decodePhotoDna(text: string): Buffer | DigestProblem {
  const t = text.trim();
  if (t.length === PHOTODNA_BYTES * 2 && HEX.test(t)) return Buffer.from(t, 'hex');
  if (/^[A-Za-z0-9+/]+={0,2}$/.test(t)) {
    const b = Buffer.from(t, 'base64');
    if (b.length === PHOTODNA_BYTES) return b;
  }
  return { reason: `PhotoDNA value is not 144 bytes in base64 or hex (${t.length} characters)` };
}

/** Long values are cut in messages so one bad line cannot flood a report. */
export function clip(s: string, max = 40): string {
  return s.length > max ? `${s.slice(0, max)}…` : s;
}
