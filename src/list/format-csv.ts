/**
 * Delimited text with a header row: generic CSV/TSV, INTERPOL ICSE, iLook,
 * HashKeeper `.hsh` and NSRL RDS 2.x `NSRLFile.txt`.
 *
 * Each format is a mapping from header names to record fields; header names
 * are compared lowercased with blanks, `-` and `_` removed, so `SHA-1`,
 * `sha_1` and `sha1` are one column. Unknown columns are ignored.
 */
import { readdirSync } from 'node:fs';
import { basename, dirname, extname, join } from 'node:path';
import { HashtriageError } from '../errors.js';
import {
  type CryptoAlgorithm,
  type PerceptualAlgorithm,
  type Role,
} from '../types.js';
import { splitDelimited } from './csv.js';
import type { ListFormat } from './formats.js';
import { clip, decodeDigest, decodePhotoDna, isProblem } from './hex.js';
import { forEachLine } from './lines.js';
import type { ImportRecord, PerceptualInput, RecordSink } from './record.js';

type Field =
  | { kind: 'digest'; algorithm: CryptoAlgorithm }
  | { kind: 'perceptual'; algorithm: PerceptualAlgorithm }
  | {
      kind:
        | 'name'
        | 'size'
        | 'category'
        | 'region'
        | 'series'
        | 'comment'
        | 'mediaId'
        | 'victim'
        | 'photoDna'
        | 'quality'
        | 'implementation'
        | 'role'
        | 'product'
        | 'special'
        | 'baseline';
    };

/** Normalised header name, e.g. `SHA-1` → `sha1`, `Image ID` → `imageid`. */
export function normaliseHeader(h: string): string {
  return h.trim().toLowerCase().replace(/[\s_-]+/g, '');
}

const GENERIC: Readonly<Record<string, Field>> = {
  md5: { kind: 'digest', algorithm: 'md5' },
  sha1: { kind: 'digest', algorithm: 'sha1' },
  sha256: { kind: 'digest', algorithm: 'sha256' },
  sha512: { kind: 'digest', algorithm: 'sha512' },
  blake3: { kind: 'digest', algorithm: 'blake3' },
  ahash: { kind: 'perceptual', algorithm: 'ahash' },
  dhash: { kind: 'perceptual', algorithm: 'dhash' },
  phash: { kind: 'perceptual', algorithm: 'phash' },
  whash: { kind: 'perceptual', algorithm: 'whash' },
  pdq: { kind: 'perceptual', algorithm: 'pdq' },
  name: { kind: 'name' },
  filename: { kind: 'name' },
  size: { kind: 'size' },
  filesize: { kind: 'size' },
  category: { kind: 'category' },
  region: { kind: 'region' },
  categoryregion: { kind: 'region' },
  series: { kind: 'series' },
  comment: { kind: 'comment' },
  comments: { kind: 'comment' },
  mediaid: { kind: 'mediaId' },
  victimidentified: { kind: 'victim' },
  photodna: { kind: 'photoDna' },
  quality: { kind: 'quality' },
  pdqquality: { kind: 'quality' },
  implementation: { kind: 'implementation' },
  role: { kind: 'role' },
};

/** Per-format column names on top of (or instead of) the generic ones. */
const FORMAT_COLUMNS: Partial<Record<ListFormat, Readonly<Record<string, Field>>>> = {
  icse: {
    md5: GENERIC.md5!,
    sha1: GENERIC.sha1!,
    photodna: GENERIC.photodna!,
    imageid: { kind: 'mediaId' },
    victimidentified: { kind: 'victim' },
    seriesname: { kind: 'series' },
    baseline: { kind: 'baseline' },
  },
  ilook: {
    v1hash: GENERIC.md5!,
    v3hash: GENERIC.md5!,
    v4hash: GENERIC.md5!,
    hashsha1: GENERIC.sha1!,
    hashsha256: GENERIC.sha256!,
    hashsha512: GENERIC.sha512!,
    filename: { kind: 'name' },
    filesize: { kind: 'size' },
  },
  hashkeeper: {
    hash: GENERIC.md5!,
    filename: { kind: 'name' },
    filesize: { kind: 'size' },
    comments: { kind: 'comment' },
  },
  'nsrl-rds2': {
    sha1: GENERIC.sha1!,
    md5: GENERIC.md5!,
    filename: { kind: 'name' },
    filesize: { kind: 'size' },
    productcode: { kind: 'product' },
    specialcode: { kind: 'special' },
  },
};

/**
 * Recognises a header row (detection).
 * @param fields the header split into fields
 * @returns the delimited format it starts, or undefined
 */
export function classifyHeader(fields: string[]): ListFormat | undefined {
  const h = fields.map(normaliseHeader);
  const has = (...names: string[]): boolean => names.every((n) => h.includes(n));
  if (h[0] === 'sha1' && has('md5', 'filename', 'productcode')) return 'nsrl-rds2';
  if (has('fileid', 'hashsetid', 'hash')) return 'hashkeeper';
  if (has('md5', 'imageid') && (has('seriesname') || has('baseline') || has('photodna'))) return 'icse';
  if (/^v\d+hash$/.test(h[0] ?? '')) return 'ilook';
  if (h.some((n) => GENERIC[n]?.kind === 'digest' || GENERIC[n]?.kind === 'perceptual')) return 'csv';
  return undefined;
}

function delimiterFor(format: ListFormat, header: string): string {
  if (format === 'icse') return ';';
  if (format !== 'csv') return ',';
  if (header.includes('\t')) return '\t';
  return header.includes(';') && !header.includes(',') ? ';' : ',';
}

const TRUE = new Set(['true', 't', 'yes', 'y', '1']);
const FALSE = new Set(['false', 'f', 'no', 'n', '0']);

/** Reads "true"/"yes"/"1"… and "false"/"no"/"0"…; anything else is undefined. */
export function parseFlag(v: string): boolean | undefined {
  const s = v.trim().toLowerCase();
  return TRUE.has(s) ? true : FALSE.has(s) ? false : undefined;
}

/** Finds a companion file beside `path` by exact name, ignoring case. */
export function findBeside(path: string, wanted: (name: string) => boolean): string | undefined {
  try {
    const hit = readdirSync(dirname(path)).find(wanted);
    return hit === undefined ? undefined : join(dirname(path), hit);
  } catch {
    return undefined;
  }
}

async function readTable(path: string, delimiter = ','): Promise<string[][]> {
  const rows: string[][] = [];
  await forEachLine(path, (line) => {
    if (line.trim() === '') return;
    const f = splitDelimited(line, delimiter);
    if (f) rows.push(f);
  });
  return rows;
}

/** NSRLProd.txt: ProductCode → "ProductName ProductVersion". */
async function loadNsrlProducts(nsrlFile: string, sink: RecordSink): Promise<Map<string, string> | undefined> {
  const prod = findBeside(nsrlFile, (n) => n.toLowerCase() === 'nsrlprod.txt');
  if (!prod) {
    sink.warn('NSRLProd.txt not found beside the file: entries carry no product names');
    return undefined;
  }
  const rows = await readTable(prod);
  const head = (rows.shift() ?? []).map(normaliseHeader);
  const code = head.indexOf('productcode');
  const name = head.indexOf('productname');
  const version = head.indexOf('productversion');
  const map = new Map<string, string>();
  if (code < 0 || name < 0) {
    sink.warn(`${basename(prod)}: no ProductCode/ProductName header; product names skipped`);
    return map;
  }
  for (const r of rows) {
    const label = [r[name], version >= 0 ? r[version] : undefined].filter((x) => x && x.trim() !== '').join(' ');
    if (r[code] !== undefined && !map.has(r[code]!.trim())) map.set(r[code]!.trim(), label);
  }
  return map;
}

/** HashKeeper `.hke` beside a `.hsh`: the set name and its known/notable flag. */
async function loadHashKeeperHeader(hsh: string): Promise<{ name?: string; role?: Role } | undefined> {
  const stem = basename(hsh, extname(hsh)).toLowerCase();
  const hke = findBeside(hsh, (n) => n.toLowerCase() === `${stem}.hke`);
  if (!hke) return undefined;
  const rows = await readTable(hke);
  const head = (rows[0] ?? []).map(normaliseHeader);
  const row = rows[1];
  if (!row) return undefined;
  const out: { name?: string; role?: Role } = {};
  const n = head.indexOf('name');
  if (n >= 0 && row[n]) out.name = row[n];
  const flag = head.indexOf('notableflag');
  if (flag >= 0 && row[flag] !== undefined) {
    const f = parseFlag(row[flag]!);
    if (f !== undefined) out.role = f ? 'notable' : 'known';
  }
  return out;
}

/** What a delimited import learned beyond its records. */
export interface DelimitedResult {
  /** Role the file itself states (HashKeeper `.hke`), when any. */
  role?: Role;
  detail: Record<string, unknown>;
}

/**
 * Parses a delimited list into the sink.
 * @param path the file
 * @param format which mapping to use
 * @param sink receives records and rejections
 * @throws HashtriageError `LIST_MALFORMED` (through the sink) when the header names no hash column
 */
export async function parseDelimitedFile(path: string, format: ListFormat, sink: RecordSink): Promise<DelimitedResult> {
  const columns = FORMAT_COLUMNS[format] ?? GENERIC;
  const detail: Record<string, unknown> = {};
  const result: DelimitedResult = { detail };
  const products = format === 'nsrl-rds2' ? await loadNsrlProducts(path, sink) : undefined;
  if (format === 'hashkeeper') {
    const hke = await loadHashKeeperHeader(path);
    if (hke?.name) detail.hashSet = hke.name;
    if (hke?.role) result.role = hke.role;
    if (!hke) sink.warn('no .hke header beside the file: set name and notable flag unknown');
  }
  let fields: (Field | undefined)[] | null = null;
  let delimiter = ',';
  await forEachLine(path, (line, lineNo) => {
    if (fields === null) {
      delimiter = delimiterFor(format, line);
      const head = splitDelimited(line, delimiter);
      fields = head ? head.map((h) => columns[normaliseHeader(h)]) : [];
      if (!fields.some((f) => f?.kind === 'digest' || f?.kind === 'perceptual')) {
        // Without a hash column no line can be imported: fatal even when skipping invalid lines.
        throw new HashtriageError(
          'LIST_MALFORMED',
          `${path}: line ${lineNo}: header names no hash column (${JSON.stringify(clip(line, 80))})`,
        );
      }
      detail.header = head;
      return;
    }
    if (line.trim() === '') return;
    const cells = splitDelimited(line, delimiter);
    if (!cells) {
      sink.reject(lineNo, 'unterminated quoted field');
      return;
    }
    if (cells.length > fields.length) {
      sink.reject(lineNo, `${cells.length} fields, the header has ${fields.length}`);
      return;
    }
    const rec: ImportRecord = { digests: {} };
    const perceptual: PerceptualInput[] = [];
    let quality: number | undefined;
    let implementation: string | undefined;
    let product: string | undefined;
    let special: string | undefined;
    for (let i = 0; i < cells.length; i++) {
      const f = fields[i];
      const v = cells[i]!.trim();
      if (!f || v === '') continue;
      switch (f.kind) {
        case 'digest': {
          const d = decodeDigest(v, f.algorithm);
          if (isProblem(d)) return sink.reject(lineNo, d.reason);
          rec.digests[f.algorithm] = d;
          break;
        }
        case 'perceptual': {
          const d = decodeDigest(v, f.algorithm);
          if (isProblem(d)) return sink.reject(lineNo, d.reason);
          perceptual.push({ algorithm: f.algorithm, value: d });
          break;
        }
        case 'size': {
          if (!/^\d+$/.test(v)) return sink.reject(lineNo, `size is not a whole number: ${JSON.stringify(clip(v))}`);
          rec.size = Number(v);
          break;
        }
        case 'quality': {
          const q = Number(v);
          if (!Number.isFinite(q)) return sink.reject(lineNo, `quality is not a number: ${JSON.stringify(clip(v))}`);
          quality = q;
          break;
        }
        case 'photoDna': {
          const p = decodePhotoDna(v);
          if (isProblem(p)) return sink.reject(lineNo, p.reason);
          rec.photoDna = p;
          break;
        }
        case 'victim': {
          const b = parseFlag(v);
          if (b !== undefined) rec.victimIdentified = b;
          break;
        }
        case 'role': {
          const r = v.toLowerCase();
          if (r !== 'known' && r !== 'notable') return sink.reject(lineNo, `role must be known or notable: ${JSON.stringify(clip(v))}`);
          rec.role = r;
          break;
        }
        case 'baseline':
          if (parseFlag(v)) {
            rec.category = 'baseline';
            rec.categoryRegion = 'ICSE';
          }
          break;
        case 'name':
          rec.name = v;
          break;
        case 'category':
          rec.category = v;
          break;
        case 'region':
          rec.categoryRegion = v;
          break;
        case 'series':
          rec.series = v;
          break;
        case 'comment':
          rec.comment = v;
          break;
        case 'mediaId':
          rec.mediaId = v;
          break;
        case 'implementation':
          implementation = v;
          break;
        case 'product':
          product = products?.get(v) ?? `product ${v}`;
          break;
        case 'special':
          special = v;
          break;
      }
    }
    for (const p of perceptual) {
      if (implementation !== undefined) p.implementation = implementation;
      if (quality !== undefined && p.algorithm === 'pdq') p.quality = quality;
    }
    if (perceptual.length > 0) rec.perceptual = perceptual;
    if (product !== undefined || special !== undefined) {
      rec.comment = [product, special ? `SpecialCode ${special}` : undefined].filter(Boolean).join('; ');
    }
    if (Object.keys(rec.digests).length === 0 && perceptual.length === 0) return sink.reject(lineNo, 'no hash value on the line');
    sink.add(rec);
  });
  if (fields === null) throw new HashtriageError('LIST_EMPTY', `${path}: no header line`);
  return result;
}
