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

type Obj = { [k: string]: Json };

/** Reads a JSON scalar as text: numbers and booleans become their JSON spelling; empty → undefined. */
function text(v: Json | undefined): string | undefined {
  if (v === null || v === undefined) return undefined;
  if (typeof v === 'string') return v.trim() === '' ? undefined : v.trim();
  if (typeof v === 'number' || typeof v === 'boolean') return String(v);
  return undefined;
}

function flag(v: Json | undefined): boolean | undefined {
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

const ALT_CRYPTO: Readonly<Record<string, CryptoAlgorithm>> = {
  md5: 'md5',
  sha1: 'sha1',
  sha256: 'sha256',
  sha512: 'sha512',
  blake3: 'blake3',
};

/** The digest properties of a Media object (hoisted: mapMedia runs once per record). */
const MEDIA_DIGESTS = [
  ['MD5', 'md5'],
  ['SHA1', 'sha1'],
] as const;

/**
 * Maps one VICS Media object to a record.
 * @returns the record, or the reason it is invalid
 */
export function mapMedia(m: Obj, ctx: VicsContext): ImportRecord | { reason: string } {
  const rec: ImportRecord = { digests: {} };
  for (const [key, alg] of MEDIA_DIGESTS) {
    const v = text(prop(m, key));
    if (v === undefined) continue;
    const d = decodeDigest(v, alg);
    if (isProblem(d)) return d;
    rec.digests[alg] = d;
  }
  const pdna = text(prop(m, 'PhotoDNA'));
  if (pdna !== undefined) {
    const p = decodePhotoDna(pdna);
    if (isProblem(p)) return p;
    rec.photoDna = p;
  }
  const alts = prop(m, 'AlternativeHashes');
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
  const category = text(prop(m, 'Category'));
  if (category !== undefined) {
    rec.category = category;
    if (ctx.region) rec.categoryRegion = ctx.region;
  }
  const series = text(prop(m, 'Series'));
  if (series !== undefined) rec.series = series;
  const victim = flag(prop(m, 'VictimIdentified'));
  if (victim !== undefined) rec.victimIdentified = victim;
  const mediaId = text(prop(m, 'MediaID'));
  if (mediaId !== undefined) rec.mediaId = mediaId;
  const size = text(prop(m, 'MediaSize'));
  if (size !== undefined) {
    if (!/^\d+$/.test(size)) return { reason: `MediaSize is not a whole number: ${JSON.stringify(clip(size))}` };
    const n = Number(size);
    if (Number.isSafeInteger(n)) rec.size = n;
  }
  const comment = text(prop(m, 'Comments'));
  if (comment !== undefined) rec.comment = comment;
  const files = prop(m, 'MediaFiles');
  const firstFile = Array.isArray(files) ? files.find((f) => f !== null && typeof f === 'object' && !Array.isArray(f)) : undefined;
  const name = firstFile ? text(prop(firstFile as Obj, 'FileName')) : undefined;
  const rel = text(prop(m, 'RelativeFilePath'));
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
  try {
    await streamJsonObjects(path, capture, (obj, line) => {
      const r = mapMedia(obj, ctx);
      if ('reason' in r) sink.reject(line, r.reason as string);
      else sink.add(r);
    });
  } catch (err) {
    if (err instanceof JsonSyntaxError) throw new HashtriageError('LIST_MALFORMED', `${path}: line ${err.line}: ${err.message}`, { cause: err });
    throw err;
  }
  return ctx;
}
