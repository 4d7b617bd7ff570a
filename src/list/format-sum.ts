/**
 * md5sum / sha1sum / sha256sum / sha512sum / b3sum lines, BSD tag lines,
 * md5deep `-z` size lines and bare hashes.
 *
 * The algorithm comes from the digest length (32 md5, 40 sha1, 64 sha256,
 * 128 sha512). 64 hex digits are SHA-256 unless the format is `b3sum`, or the
 * file's first line is a `# b3sum` / `# blake3` comment; a BSD tag line
 * (`BLAKE3 (name) = …`) names its algorithm itself.
 */
import type { CryptoAlgorithm } from '../types.js';
import { decodeDigest, inferAlgorithm, isProblem } from './hex.js';
import { forEachLine } from './lines.js';
import type { RecordSink } from './record.js';

/** The sum formats; `sum` infers the algorithm per line from its length. */
export type SumFormat = 'sum' | 'md5sum' | 'sha1sum' | 'sha256sum' | 'sha512sum' | 'b3sum' | 'bsd';

const FORCED: Partial<Record<SumFormat, CryptoAlgorithm>> = {
  md5sum: 'md5',
  sha1sum: 'sha1',
  sha256sum: 'sha256',
  sha512sum: 'sha512',
  b3sum: 'blake3',
};

const BSD_TAGS: Readonly<Record<string, CryptoAlgorithm>> = {
  MD5: 'md5',
  SHA1: 'sha1',
  'SHA-1': 'sha1',
  SHA256: 'sha256',
  'SHA-256': 'sha256',
  SHA512: 'sha512',
  'SHA-512': 'sha512',
  BLAKE3: 'blake3',
};

const BSD_LINE = /^([A-Za-z0-9-]+) ?\((.*)\) ?= ?([^\s]+)$/;
const SIZE_LINE = /^\s*(\d+)\s+([0-9A-Fa-f]+)\s+(.*)$/;
const B3_HEADER = /^#\s*(b3sum|blake3)\b/i;

/** Undoes coreutils' escaping of a name on a line that starts with a backslash. */
export function unescapeName(name: string): string {
  return name.replace(/\\(.)/g, (_m, c: string) => (c === 'n' ? '\n' : c === 'r' ? '\r' : c));
}

/** True when a line looks like one of the sum formats (for detection). */
export function looksLikeSumLine(line: string): boolean {
  const l = line.startsWith('\\') ? line.slice(1) : line;
  if (BSD_LINE.test(l)) return BSD_TAGS[BSD_LINE.exec(l)![1]!.toUpperCase()] !== undefined;
  if (/^[0-9A-Fa-f]{32}(?:[0-9A-Fa-f]{8}|[0-9A-Fa-f]{32}|[0-9A-Fa-f]{96})?(?:$|[ \t])/.test(l)) return true;
  return /^\s*\d+\s+[0-9A-Fa-f]{32}\s/.test(l);
}

/** True when a line is a BSD tag line (for detection). */
export function looksLikeBsdLine(line: string): boolean {
  const m = BSD_LINE.exec(line.startsWith('\\') ? line.slice(1) : line);
  return m !== null && BSD_TAGS[m[1]!.toUpperCase()] !== undefined;
}

/**
 * Parses a sum file into the sink.
 * @param path the file
 * @param format `sum` for auto by length, or a forced algorithm
 * @param sink receives records and rejections
 * @returns the algorithms seen (so the caller can name the format precisely)
 */
export async function parseSumFile(path: string, format: SumFormat, sink: RecordSink): Promise<Set<CryptoAlgorithm>> {
  const forced = FORCED[format];
  let length64: CryptoAlgorithm = format === 'b3sum' ? 'blake3' : 'sha256';
  const seen = new Set<CryptoAlgorithm>();
  await forEachLine(path, (raw, lineNo) => {
    if (lineNo === 1 && B3_HEADER.test(raw)) {
      length64 = 'blake3';
      return;
    }
    if (raw.trim() === '' || raw.startsWith('#')) return;
    const escaped = raw.startsWith('\\');
    const line = escaped ? raw.slice(1) : raw;
    let hex: string;
    let name: string | undefined;
    let size: number | undefined;
    let alg: CryptoAlgorithm | undefined = forced;
    // A tag line always has a parenthesis; most lines do not, and the regex is a large share of parsing.
    const bsd = line.includes('(') ? BSD_LINE.exec(line) : null;
    if (bsd && BSD_TAGS[bsd[1]!.toUpperCase()]) {
      const tagged = BSD_TAGS[bsd[1]!.toUpperCase()]!;
      if (forced && forced !== tagged) {
        sink.reject(lineNo, `BSD tag ${bsd[1]} does not match format ${format}`);
        return;
      }
      alg = tagged;
      hex = bsd[3]!;
      name = bsd[2]!;
    } else if (bsd && format === 'bsd') {
      sink.reject(lineNo, `unsupported algorithm tag ${JSON.stringify(bsd[1])}`);
      return;
    } else {
      const sp = line.search(/[ \t]/);
      const first = sp < 0 ? line : line.slice(0, sp);
      // md5deep -z right-aligns the size, so such a line may start with blanks.
      const sizeLine = sp === 0 || (/^\d+$/.test(first) && first.length < 32) ? SIZE_LINE.exec(line) : null;
      if (sizeLine) {
        size = Number(sizeLine[1]);
        hex = sizeLine[2]!;
        name = sizeLine[3]!;
      } else {
        hex = first;
        if (sp >= 0) {
          // "hash␠␠name" (text mode) or "hash␠*name" (binary mode); a name may itself start with blanks.
          const rest = line.slice(sp + 1);
          name = rest.startsWith(' ') || rest.startsWith('*') ? rest.slice(1) : rest;
        }
      }
    }
    if (!alg) {
      const inferred = inferAlgorithm(hex, length64);
      if (isProblem(inferred)) {
        sink.reject(lineNo, inferred.reason);
        return;
      }
      alg = inferred;
    }
    const digest = decodeDigest(hex, alg);
    if (isProblem(digest)) {
      sink.reject(lineNo, digest.reason);
      return;
    }
    seen.add(alg);
    const rec: { digests: Partial<Record<CryptoAlgorithm, Buffer>>; name?: string; size?: number } = { digests: { [alg]: digest } };
    if (name !== undefined && name !== '') rec.name = escaped ? unescapeName(name) : name;
    if (size !== undefined) rec.size = size;
    sink.add(rec);
  });
  return seen;
}
