/**
 * Path bytes ⇄ reported text.
 *
 * Linux file names are arbitrary bytes (anything but `/` and NUL), but every
 * report is text. The rule (see `ReportedPath` in ../types.ts): valid UTF-8
 * is reported as itself; otherwise each byte that is not part of a valid
 * UTF-8 sequence becomes `\xHH` and the exact bytes travel in `pathBytes`.
 * The rendering alone is not reversible (a real name may contain the four
 * characters `\x41`), which is why `pathBytes` is the source of truth.
 */
import { pathBytesOf, type ReportedPath } from '../types.js';

const HEX = '0123456789ABCDEF';

/**
 * Length of the well-formed UTF-8 sequence starting at `i`, or 0 when the byte
 * at `i` does not start one. Follows the Unicode table of well-formed byte
 * sequences, so overlong forms, surrogates (ED A0..BF) and code points above
 * U+10FFFF are rejected exactly as `TextDecoder({ fatal: true })` rejects them.
 */
function sequenceLength(bytes: Uint8Array, i: number): number {
  const b0 = bytes[i];
  if (b0 < 0x80) return 1;
  // The second byte's allowed range depends on the lead byte.
  let len: number;
  let lo = 0x80;
  let hi = 0xbf;
  if (b0 >= 0xc2 && b0 <= 0xdf) len = 2;
  else if (b0 >= 0xe0 && b0 <= 0xef) {
    len = 3;
    if (b0 === 0xe0) lo = 0xa0;
    else if (b0 === 0xed) hi = 0x9f;
  } else if (b0 >= 0xf0 && b0 <= 0xf4) {
    len = 4;
    if (b0 === 0xf0) lo = 0x90;
    else if (b0 === 0xf4) hi = 0x8f;
  } else return 0;
  if (i + len > bytes.length) return 0;
  const b1 = bytes[i + 1];
  if (b1 < lo || b1 > hi) return 0;
  for (let k = 2; k < len; k++) {
    const b = bytes[i + k];
    if (b < 0x80 || b > 0xbf) return 0;
  }
  return len;
}

/**
 * Renders bytes as text: valid UTF-8 sequences as themselves, every other
 * byte as `\xHH` (uppercase hex).
 *
 * Also used for symlink targets, which `WalkEntry` carries as text only.
 *
 * @param bytes - raw bytes (a name, a relative path or a link target).
 * @returns the rendering, and whether any byte had to be escaped.
 */
export function renderBytes(bytes: Uint8Array): { text: string; escaped: boolean } {
  // Fast path: almost every name is valid UTF-8.
  let i = 0;
  while (i < bytes.length) {
    const n = sequenceLength(bytes, i);
    if (n === 0) break;
    i += n;
  }
  const buf = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (i === bytes.length) return { text: buf.toString('utf8'), escaped: false };

  let text = buf.toString('utf8', 0, i);
  let runStart = i;
  while (i < bytes.length) {
    const n = sequenceLength(bytes, i);
    if (n > 0) {
      i += n;
      continue;
    }
    text += buf.toString('utf8', runStart, i);
    const b = bytes[i];
    text += '\\x' + HEX[b >> 4] + HEX[b & 0x0f];
    i += 1;
    runStart = i;
  }
  text += buf.toString('utf8', runStart, i);
  return { text, escaped: true };
}

/**
 * The reported form of a relative path.
 *
 * @param relBytes - the raw path relative to the evidence root, `/`-separated.
 * @returns `{ path }` when the bytes are valid UTF-8; otherwise `{ path, pathBytes }`
 *   with `\xHH` escapes in `path` and the raw bytes in base64 in `pathBytes`.
 * @example reportedPath(Buffer.from([0x61, 0xff])) // { path: 'a\\xFF', pathBytes: 'Yf8=' }
 */
export function reportedPath(relBytes: Buffer): ReportedPath {
  const { text, escaped } = renderBytes(relBytes);
  return escaped ? { path: text, pathBytes: relBytes.toString('base64') } : { path: text };
}

export { pathBytesOf };
