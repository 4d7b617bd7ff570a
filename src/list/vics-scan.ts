/**
 * The JavaScript half of native/vics.c: reads runs of VICS Media objects
 * through the native scanner and hands each record's kept values over as
 * the strings JSON.parse would have given for them.
 *
 * Where the addon is not built, or the scanner leaves a record to
 * JavaScript (native/vics.c says when), the caller's usual path
 * (JSON.parse, then the same mapping) reads it: the imported list is the
 * same either way, only slower.
 */
import { loadAddon } from '../addon.js';
import type { CaptureBatch } from './json-stream.js';

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

interface VicsAddon {
  vicsMedia(text: string, out: Int32Array): number;
}

const HEAD_INTS = 3;
const REC_INTS = 1 + 3 * SCANNED_FIELDS.length;
/** Records per native call at most. */
const BATCH_RECORDS = 2048;
/**
 * Characters handed to one call: the scanner copies them, so after a record
 * it left to JavaScript the next call starts small (a file where most records
 * take the JavaScript path pays little for trying), and doubles while it reads.
 */
const MIN_WINDOW = 4096;
const MAX_WINDOW = 1 << 20;

const loaded = loadAddon('hashtriage_vics', import.meta.url, (x): x is VicsAddon => typeof (x as Partial<VicsAddon>).vicsMedia === 'function');
let enabled = loaded.addon !== undefined;

/**
 * Turns the native scanner off or back on (tests compare both paths).
 *
 * @param on - true to use it where built
 * @returns whether it is now in use
 */
export function useVicsScanner(on: boolean): boolean {
  enabled = on && loaded.addon !== undefined;
  return enabled;
}

/** Where the scanner came from, or why it is not used. */
export function vicsScannerStatus(): string {
  return loaded.reason;
}

/**
 * A capture batch for {@link JsonObjectStream} that reads Media objects natively.
 *
 * @param onRecord - called per record read, with its values in {@link SCANNED_FIELDS} order
 *   (undefined: absent or null) and the line of its opening brace
 * @returns the batch, or undefined when the scanner is not available
 */
export function mediaScanner(onRecord: (values: (string | undefined)[], line: number) => void): CaptureBatch | undefined {
  const addon = enabled ? loaded.addon : undefined;
  if (!addon) return undefined;
  const out = new Int32Array(HEAD_INTS + BATCH_RECORDS * REC_INTS);
  let window = 1 << 16;
  return (text, start, line) => {
    let count: number;
    for (;;) {
      const end = Math.min(text.length, start + window);
      count = addon.vicsMedia(text.slice(start, end), out);
      if (count > 0) {
        window = Math.min(window * 2, MAX_WINDOW);
        break;
      }
      // Cut off by the window, not by the text: try again with more of it.
      if (out[2] === 1 && end < text.length) {
        window *= 4;
        continue;
      }
      window = MIN_WINDOW;
      return undefined;
    }
    for (let r = 0; r < count; r++) {
      const at = HEAD_INTS + r * REC_INTS;
      const values = new Array<string | undefined>(SCANNED_FIELDS.length);
      for (let f = 0, o = at + 1; f < SCANNED_FIELDS.length; f++, o += 3) {
        const kind = out[o]!;
        values[f] =
          kind === 0
            ? undefined
            : kind === 1
              ? text.slice(start + out[o + 1]!, start + out[o + 2]!)
              : (JSON.parse(text.slice(start + out[o + 1]!, start + out[o + 2]!)) as string);
      }
      onRecord(values, line + out[at]!);
    }
    return { count, end: start + out[0]!, lines: out[1]! };
  };
}
