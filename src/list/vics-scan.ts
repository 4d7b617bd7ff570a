/**
 * The JavaScript half of native/vics.c: reads runs of VICS Media objects
 * through the native scanner and hands each record's kept values over as
 * the strings JSON.parse would have given for them (an MD5 or SHA-1 of
 * exactly its length in hex digits comes decoded, the bytes the mapping
 * would have decoded it to), with its AlternativeHashes objects reduced to
 * the two properties the mapping reads.
 *
 * Where the addon is not built, or the scanner leaves a record to
 * JavaScript (native/vics.c says when), the caller's usual path
 * (JSON.parse, then the same mapping) reads it: the imported list is the
 * same either way, only slower.
 */
import type { CaptureBatch } from './json-stream.js';
import { listAddon } from './list-addon.js';

/** The values the scanner reports, in the order of native/vics.c's F_ enum (`FileName`: of the first MediaFiles object). */
export const SCANNED_FIELDS = [
  'MD5',
  'SHA1',
  'PhotoDNA',
  'Category',
  'Series',
  'VictimIdentified',
  'MediaID',
  'MediaSize',
  'Comments',
  'RelativeFilePath',
  'FileName',
] as const;

const HEAD_INTS = 3;
const REC_INTS = 1 + 3 * SCANNED_FIELDS.length;
/** Decoded MD5 and SHA-1 bytes per record, at 0 and 16. */
const DIGEST_BYTES = 36;
/** Records per native call at most. */
const BATCH_RECORDS = 2048;
/**
 * Characters handed to one call. The scanner copies them all, so the window
 * follows what a call reads: it doubles while calls run out of text, shrinks
 * to a little over what a full batch of records took, and starts small after
 * a record left to JavaScript (a file where most records take the JavaScript
 * path pays little for trying).
 */
const MIN_WINDOW = 4096;
const MAX_WINDOW = 1 << 20;

/** One object of a record's AlternativeHashes, with the two properties the mapping reads (absent: not there, or null). */
export interface ScannedAlternative {
  HashName?: string;
  HashValue?: string;
}

/** AlternativeHashes entries a call can hand over. */
const ALT_CAPACITY = 8192;
/** Ints per entry: the record, then (kind, start, end) of HashName and of HashValue. */
const ALT_INTS = 7;
/**
 * After this many calls in a row that read nothing, the scanner stands aside
 * for a while (doubling up to {@link MAX_STAND_ASIDE} records), so a file
 * whose records it always leaves to JavaScript costs next to nothing more.
 */
const FAILURES_BEFORE_STANDING_ASIDE = 8;
const MAX_STAND_ASIDE = 4096;

/**
 * A capture batch for {@link JsonObjectStream} that reads Media objects natively.
 *
 * @param onRecord - called per record read, with its values in {@link SCANNED_FIELDS} order
 *   (undefined: absent or null; a Buffer: a digest already decoded), its AlternativeHashes
 *   objects (undefined when it has none), and the line of its opening brace
 * @returns the batch, or undefined when the scanner is not available
 */
export function mediaScanner(
  onRecord: (values: (string | Buffer | undefined)[], alternatives: ScannedAlternative[] | undefined, line: number) => void,
): CaptureBatch | undefined {
  const addon = listAddon();
  if (!addon) return undefined;
  const out = new Int32Array(HEAD_INTS + BATCH_RECORDS * REC_INTS);
  const alts = new Int32Array(1 + ALT_CAPACITY * ALT_INTS);
  // Replaced only after a call that read records: their digests are views of it.
  let digests = Buffer.allocUnsafeSlow(BATCH_RECORDS * DIGEST_BYTES);
  let window = 1 << 16;
  let failures = 0;
  let standAside = 0;
  /** A value the scanner located: kind 1 its characters, 2 a string to unescape. */
  const value = (text: string, start: number, kind: number, from: number, to: number): string | undefined =>
    kind === 0 ? undefined : kind === 1 ? text.slice(start + from, start + to) : (JSON.parse(text.slice(start + from, start + to)) as string);
  return (text, start, line) => {
    if (standAside > 0) {
      standAside--;
      return undefined;
    }
    let count: number;
    for (;;) {
      const end = Math.min(text.length, start + window);
      count = addon.vicsMedia(text.slice(start, end), out, digests, alts);
      if (count > 0) {
        window = count === BATCH_RECORDS ? Math.max(MIN_WINDOW, Math.ceil(out[0]! * 1.25)) : Math.min(window * 2, MAX_WINDOW);
        failures = 0;
        break;
      }
      // Cut off by the window, not by the text: try again with more of it.
      if (out[2] === 1 && end < text.length) {
        window *= 4;
        continue;
      }
      window = MIN_WINDOW;
      if (++failures >= FAILURES_BEFORE_STANDING_ASIDE) standAside = Math.min(MAX_STAND_ASIDE, 2 ** (failures - FAILURES_BEFORE_STANDING_ASIDE));
      return undefined;
    }
    let a = 0;
    const altCount = alts[0]!;
    for (let r = 0; r < count; r++) {
      const at = HEAD_INTS + r * REC_INTS;
      const values = new Array<string | Buffer | undefined>(SCANNED_FIELDS.length);
      for (let f = 0, o = at + 1; f < SCANNED_FIELDS.length; f++, o += 3) {
        const kind = out[o]!;
        values[f] =
          kind !== 3
            ? value(text, start, kind, out[o + 1]!, out[o + 2]!)
            : f === 0
              ? digests.subarray(r * DIGEST_BYTES, r * DIGEST_BYTES + 16)
              : digests.subarray(r * DIGEST_BYTES + 16, r * DIGEST_BYTES + 36);
      }
      let alternatives: ScannedAlternative[] | undefined;
      for (; a < altCount && alts[1 + a * ALT_INTS] === r; a++) {
        const e = 1 + a * ALT_INTS;
        const alt: ScannedAlternative = {};
        const name = value(text, start, alts[e + 1]!, alts[e + 2]!, alts[e + 3]!);
        const hash = value(text, start, alts[e + 4]!, alts[e + 5]!, alts[e + 6]!);
        if (name !== undefined) alt.HashName = name;
        if (hash !== undefined) alt.HashValue = hash;
        (alternatives ??= []).push(alt);
      }
      onRecord(values, alternatives, line + out[at]!);
    }
    digests = Buffer.allocUnsafeSlow(BATCH_RECORDS * DIGEST_BYTES);
    return { count, end: start + out[0]!, lines: out[1]! };
  };
}
