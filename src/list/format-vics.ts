/**
 * Project VIC VICS 1.x / 2.0 JSON and NIST CAID (VICS 1.2) hash sets, streamed.
 *
 * Shapes: `{context, "value": [Media, …]}` (hash set) and
 * `{context, "value": [Case{…, "Media": [Media, …]}, …]}` (case export).
 * Values that arrive as strings (`"true"`, `"6"`) are accepted.
 */
import { HashtriageError } from '../errors.js';
import { isPerceptualAlgorithm, type CryptoAlgorithm } from '../types.js';
import { parseVicsContext, VICS_CONTEXT, type VicsContext } from './detect.js';
import { clip, decodeDigest, decodePhotoDna, isProblem } from './hex.js';
import { JsonSyntaxError, streamJsonObjects, type Json, type PathStep } from './json-stream.js';
import { readHead } from './lines.js';
import type { ImportRecord, RecordSink } from './record.js';
import { mediaScanner, SCANNED_FIELDS, type ScannedAlternative } from './vics-scan.js';

type Obj = { [k: string]: Json };

/** Reads a JSON scalar as text: numbers and booleans become their JSON spelling; empty → undefined. */
function text(v: unknown): string | undefined {
  if (v === null || v === undefined) return undefined;
  if (typeof v === 'string') {
    const t = v.trim();
    return t === '' ? undefined : t;
  }
  if (typeof v === 'number' || typeof v === 'boolean') return String(v);
  return undefined;
}

function flag(v: unknown): boolean | undefined {
  if (typeof v === 'boolean') return v;
  const s = text(v)?.toLowerCase();
  return s === 'true' ? true : s === 'false' ? false : undefined;
}

/** Case-insensitive property read (exporters differ in the case of keys). */
function prop(o: Obj, name: string): Json | undefined {
  if (name in o) return o[name];
  const lower = name.toLowerCase();
  for (const k in o) if (k.toLowerCase() === lower) return o[k];
  return undefined;
}

/**
 * Every property name mapMedia reads from a Media object, as spelled in the
 * VICS data model: the native scanner's fields (their order, so its values
 * land in place) but the FileName it takes from MediaFiles, then the two
 * arrays it does not hand over.
 */
const MEDIA_PROPS = [...(SCANNED_FIELDS.slice(0, -1) as Exclude<(typeof SCANNED_FIELDS)[number], 'FileName'>[]), 'AlternativeHashes', 'MediaFiles'] as const;
/** Positions in the array {@link mediaValues} returns, one per {@link MEDIA_PROPS} entry. */
const enum P {
  MD5,
  SHA1,
  PhotoDNA,
  Category,
  Series,
  VictimIdentified,
  MediaID,
  MediaSize,
  Comments,
  RelativeFilePath,
  AlternativeHashes,
  MediaFiles,
}
const MEDIA_SLOT = new Map<string, number>(MEDIA_PROPS.map((n, i) => [n, i]));
const MEDIA_PROPS_LOWER = new Set<string>(MEDIA_PROPS.map((n) => n.toLowerCase()));

/**
 * Key → true when it is another spelling (case) of a property mapMedia reads.
 * Keys repeat from record to record, so each is lower-cased once, not on every read.
 */
const variantKeys = new Map<string, boolean>();

/**
 * The {@link MEDIA_PROPS} of a Media object, read in one pass over its keys,
 * giving the same values as {@link prop} for each name.
 * Most exporters spell keys as the data model does; for such an object a name
 * is either present as spelled or absent, so the per-name scan that lower-cases
 * every key is not needed. An object with another spelling of a wanted name is
 * read with {@link prop}, name by name.
 */
function mediaValues(o: Obj): (Json | undefined)[] {
  const vals: (Json | undefined)[] = new Array<Json | undefined>(MEDIA_PROPS.length).fill(undefined);
  for (const k in o) {
    const slot = MEDIA_SLOT.get(k);
    if (slot !== undefined) {
      vals[slot] = o[k];
      continue;
    }
    let variant = variantKeys.get(k);
    if (variant === undefined) {
      variant = MEDIA_PROPS_LOWER.has(k.toLowerCase());
      // Bounded: a list with ever-new keys must not grow this without limit.
      if (variantKeys.size >= 4096) variantKeys.clear();
      variantKeys.set(k, variant);
    }
    if (variant) return MEDIA_PROPS.map((n) => prop(o, n));
  }
  return vals;
}

const ALT_CRYPTO: Readonly<Record<string, CryptoAlgorithm>> = {
  md5: 'md5',
  sha1: 'sha1',
  sha256: 'sha256',
  sha512: 'sha512',
  blake3: 'blake3',
};

/** The digest properties of a Media object (hoisted: mapMedia runs once per record). */
const MEDIA_DIGESTS = [
  [P.MD5, 'md5'],
  [P.SHA1, 'sha1'],
] as const;

/**
 * Maps one VICS Media object to a record.
 * @returns the record, or the reason it is invalid
 */
export function mapMedia(m: Obj, ctx: VicsContext): ImportRecord | { reason: string } {
  const v = mediaValues(m);
  const files = v[P.MediaFiles];
  const firstFile = Array.isArray(files) ? files.find((f) => f !== null && typeof f === 'object' && !Array.isArray(f)) : undefined;
  return mapValues(v, firstFile ? prop(firstFile as Obj, 'FileName') : undefined, ctx);
}

/**
 * Maps the values native/vics.c read from one Media object, with the same
 * result as {@link mapMedia} on that object: they are the strings
 * JSON.parse gives (a number or boolean as its token, which {@link text}
 * and {@link flag} read as they read the number or boolean itself), its
 * AlternativeHashes are the array's objects with the two properties read
 * from them, and the scanner leaves to mapMedia every object it would read
 * otherwise.
 */
function mapScanned(
  values: (string | Buffer | undefined)[],
  alternatives: ScannedAlternative[] | undefined,
  ctx: VicsContext,
): ImportRecord | { reason: string } {
  // The scanner's values are MEDIA_PROPS' first ones, in order; then AlternativeHashes (MediaFiles is read for its FileName only).
  const v: (Json | Buffer | undefined)[] = values.slice(0, -1);
  v[P.AlternativeHashes] = alternatives as Json[] | undefined;
  return mapValues(v, values[SCANNED_FIELDS.length - 1] as string | undefined, ctx);
}

/**
 * The record from a Media object's values ({@link mediaValues}) and the
 * FileName of its first MediaFiles object.
 */
function mapValues(v: (Json | Buffer | undefined)[], fileName: Json | undefined, ctx: VicsContext): ImportRecord | { reason: string } {
  const rec: ImportRecord = { digests: {} };
  for (const [slot, alg] of MEDIA_DIGESTS) {
    const value = v[slot];
    // Decoded by native/vics.c from exactly its length in hex digits: what decodeDigest gives for that text.
    if (Buffer.isBuffer(value)) {
      rec.digests[alg] = value;
      continue;
    }
    const hex = text(value);
    if (hex === undefined) continue;
    const d = decodeDigest(hex, alg);
    if (isProblem(d)) return d;
    rec.digests[alg] = d;
  }
  const pdna = text(v[P.PhotoDNA]);
  if (pdna !== undefined) {
    const p = decodePhotoDna(pdna);
    if (isProblem(p)) return p;
    rec.photoDna = p;
  }
  const alts = v[P.AlternativeHashes];
  if (Array.isArray(alts)) {
    for (const a of alts) {
      if (a === null || typeof a !== 'object' || Array.isArray(a)) continue;
      const name = text(prop(a, 'HashName'))?.toLowerCase().replace(/[\s_-]/g, '');
      const value = text(prop(a, 'HashValue'));
      if (!name || value === undefined) continue;
      if (name === 'photodna') {
        const p = decodePhotoDna(value);
        if (isProblem(p)) return p;
        rec.photoDna ??= p;
      } else if (ALT_CRYPTO[name]) {
        const alg = ALT_CRYPTO[name]!;
        const d = decodeDigest(value, alg);
        if (isProblem(d)) return d;
        rec.digests[alg] ??= d;
      } else if (isPerceptualAlgorithm(name)) {
        const d = decodeDigest(value, name);
        if (isProblem(d)) return d;
        (rec.perceptual ??= []).push({ algorithm: name, value: d });
      }
      // Other names (EDK, SHA384, …) are not matched by hashtriage and are left out.
    }
  }
  const category = text(v[P.Category]);
  if (category !== undefined) {
    rec.category = category;
    if (ctx.region) rec.categoryRegion = ctx.region;
  }
  const series = text(v[P.Series]);
  if (series !== undefined) rec.series = series;
  const victim = flag(v[P.VictimIdentified]);
  if (victim !== undefined) rec.victimIdentified = victim;
  const mediaId = text(v[P.MediaID]);
  if (mediaId !== undefined) rec.mediaId = mediaId;
  const size = text(v[P.MediaSize]);
  if (size !== undefined) {
    if (!/^\d+$/.test(size)) return { reason: `MediaSize is not a whole number: ${JSON.stringify(clip(size))}` };
    const n = Number(size);
    if (Number.isSafeInteger(n)) rec.size = n;
  }
  const comment = text(v[P.Comments]);
  if (comment !== undefined) rec.comment = comment;
  const name = text(fileName);
  const rel = text(v[P.RelativeFilePath]);
  if (name !== undefined) rec.name = name;
  else if (rel !== undefined) rec.name = rel;
  return rec;
}

function isKey(step: PathStep | undefined, name: string): boolean {
  return typeof step === 'string' && step.toLowerCase() === name.toLowerCase();
}

/**
 * Streams a VICS/CAID JSON file into the sink.
 * @returns the context (version, region, shape)
 * @throws HashtriageError `LIST_FORMAT_UNKNOWN` (no VICS context), `LIST_MALFORMED` (syntax error or truncated JSON, with its line)
 */
export async function parseVicsFile(path: string, sink: RecordSink): Promise<VicsContext> {
  const m = VICS_CONTEXT.exec((await readHead(path)).toString('utf8'));
  const ctx = m ? parseVicsContext(m[1]!) : undefined;
  if (!ctx) throw new HashtriageError('LIST_FORMAT_UNKNOWN', `${path}: no Project VIC (VICS) OData context near the start`);
  // Hash set: root.value[i]; case export: root.value[i].Media[j].
  const capture =
    ctx.shape === 'Media'
      ? (p: readonly PathStep[]) => p.length === 2 && isKey(p[0], 'value') && typeof p[1] === 'number'
      : (p: readonly PathStep[]) =>
          p.length === 4 && isKey(p[0], 'value') && typeof p[1] === 'number' && isKey(p[2], 'Media') && typeof p[3] === 'number';
  const take = (r: ImportRecord | { reason: string }, line: number): void => {
    if ('reason' in r) sink.reject(line, r.reason as string);
    else sink.add(r);
  };
  try {
    await streamJsonObjects(
      path,
      capture,
      (obj, line) => take(mapMedia(obj, ctx), line),
      mediaScanner((values, alternatives, line) => take(mapScanned(values, alternatives, ctx), line)),
    );
  } catch (err) {
    if (err instanceof JsonSyntaxError) throw new HashtriageError('LIST_MALFORMED', `${path}: line ${err.line}: ${err.message}`, { cause: err });
    throw err;
  }
  return ctx;
}
