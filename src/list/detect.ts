/**
 * Recognises a list format by content, never by file name: SQLite table
 * names, EnCase magic bytes, header lines, the JSON OData context.
 */
import { HashtriageError } from '../errors.js';
import { splitDelimited } from './csv.js';
import { classifyHeader } from './format-csv.js';
import { ENCASE_MAGIC } from './format-encase.js';
import { looksLikeBsdLine, looksLikeSumLine } from './format-sum.js';
import { hasTable, openForeign, readForeignSchema, type ForeignSchema } from './foreign-sqlite.js';
import type { ListFormat } from './formats.js';
import { readHead } from './lines.js';

const SQLITE_MAGIC = Buffer.from('SQLite format 3\0', 'latin1');

/** The OData context of a VICS file: `…/DataModels/<version>.xml[/<Region>/$metadata]#<Media|Cases>`. */
export const VICS_CONTEXT = /"(?:odata\.metadata|@odata\.context)"\s*:\s*"([^"]*)"/;
const VICS_CONTEXT_PARTS = /DataModels\/(\d+(?:\.\d+)?)\.xml(?:\/([^/#]+))?(?:\/\$metadata)?#(Media|Cases)\s*$/i;

/** The first Category value in a VICS file's opening bytes (number or string). */
const FIRST_CATEGORY = /"Category"\s*:\s*"?\s*(-?\d+)/;

/**
 * True when a VICS 1.2 Media file looks like a NIST CAID set of known
 * (non-CSAM) files: CAID is VICS 1.2 and every one of its records has
 * Category 8. The first record is checked, not just the version, because
 * CAID's default role is `known`, whose matches a scan counts but never
 * reports: an agency's VICS 1.2 export of material to find must not be
 * taken for it. Anything else is read as VICS, notable.
 */
function looksLikeNistCaid(ctx: VicsContext, head: string): boolean {
  return ctx.version === '1.2' && ctx.shape === 'Media' && FIRST_CATEGORY.exec(head)?.[1] === '8';
}

/** Parsed VICS context. */
export interface VicsContext {
  version: string;
  region?: string;
  shape: 'Media' | 'Cases';
}

/**
 * Parses a VICS OData context URL.
 * @returns the parts, or undefined when the text is not a VICS context
 */
export function parseVicsContext(url: string): VicsContext | undefined {
  const m = VICS_CONTEXT_PARTS.exec(url);
  if (!m || !/ProjectVic/i.test(url)) return undefined;
  const ctx: VicsContext = { version: m[1]!, shape: m[3]!.toLowerCase() === 'cases' ? 'Cases' : 'Media' };
  if (m[2]) ctx.region = m[2];
  return ctx;
}

/**
 * Which SQLite hash set a foreign file is, from its base tables and columns.
 * @returns the format, or undefined when the schema is not one we read
 */
export function classifySqlite(schema: ForeignSchema): { format: ListFormat; variant?: string } | 'hashtriage' | undefined {
  if (hasTable(schema, 'meta', ['key', 'value']) && hasTable(schema, 'entries', ['id', 'source'])) return 'hashtriage';
  if (hasTable(schema, 'FILE', ['sha256', 'sha1', 'md5', 'file_name', 'file_size', 'package_id']))
    return { format: 'nsrl-rdsv3', variant: 'minimal' };
  if (
    hasTable(schema, 'METADATA', ['object_id', 'sha256', 'sha1', 'md5', 'file_name', 'extension', 'bytes']) &&
    hasTable(schema, 'PACKAGE_OBJECT', ['package_id', 'object_id'])
  )
    return { format: 'nsrl-rdsv3', variant: 'full' };
  if (hasTable(schema, 'HASHES', ['hash_id', 'md5', 'sha1', 'sha256', 'sha512']) && hasTable(schema, 'HASHES_PROPERTIES', ['hash_id', 'property_id', 'value']) && hasTable(schema, 'PROPERTIES', ['property_id', 'property_name']))
    return { format: 'iped' };
  if (hasTable(schema, 'hashes', ['id', 'md5', 'sha1', 'sha2_256']) && hasTable(schema, 'db_properties', ['name', 'value']))
    return { format: 'autopsy' };
  return undefined;
}

function firstDataLines(text: string, max: number): string[] {
  const lines = text.split(/\r?\n/);
  // The last piece may be cut by the head limit; only use it when it is the whole file.
  const out: string[] = [];
  for (const l of lines) {
    if (l.trim() === '' || l.startsWith('#')) continue;
    out.push(l);
    if (out.length >= max) break;
  }
  return out;
}

/**
 * Detects the format of a list file.
 * @param path the file
 * @throws HashtriageError `LIST_EMPTY` (no bytes or only blanks), `LIST_FOREIGN_SCHEMA` (a SQLite
 *   file of another layout), `LIST_FORMAT_UNKNOWN` (nothing recognised)
 */
export async function detectFormat(path: string): Promise<ListFormat> {
  const head = await readHead(path);
  if (head.length === 0) throw new HashtriageError('LIST_EMPTY', `${path}: file is empty`);
  if (head.subarray(0, SQLITE_MAGIC.length).equals(SQLITE_MAGIC)) {
    const db = openForeign(path);
    try {
      const kind = classifySqlite(readForeignSchema(db));
      if (kind === 'hashtriage')
        throw new HashtriageError('LIST_FOREIGN_SCHEMA', `${path}: is a hashtriage list itself; import its original sources instead`);
      if (!kind)
        throw new HashtriageError(
          'LIST_FOREIGN_SCHEMA',
          `${path}: SQLite file with an unknown schema (not NSRL RDSv3, Autopsy/TSK or IPED)`,
        );
      return kind.format;
    } finally {
      db.close();
    }
  }
  if (head.subarray(0, ENCASE_MAGIC.length).equals(ENCASE_MAGIC)) return 'encase';
  let text = head.toString('latin1');
  if (text.startsWith('\xef\xbb\xbf')) text = text.slice(3);
  if (text.trim() === '') throw new HashtriageError('LIST_EMPTY', `${path}: file holds only blank space`);
  const start = text.trimStart();
  if (start.startsWith('{') || start.startsWith('[')) {
    const m = VICS_CONTEXT.exec(text);
    const ctx = m ? parseVicsContext(m[1]!) : undefined;
    if (!ctx) throw new HashtriageError('LIST_FORMAT_UNKNOWN', `${path}: JSON without a Project VIC (VICS) OData context`);
    return looksLikeNistCaid(ctx, text) ? 'caid' : 'vics';
  }
  const firstLine = text.split(/\r?\n/, 1)[0]!;
  if (/^%%%% HASHDEEP-/i.test(firstLine)) return 'hashdeep';
  const header = splitDelimited(firstLine, firstLine.includes('\t') ? '\t' : firstLine.includes(';') && !firstLine.includes(',') ? ';' : ',');
  // An RDS 2.x release's version.txt has a SHA-1 column, so it would read as a one-entry CSV
  // list, notable by default: the SHA-1 of the release itself, which no drive should flag.
  if (header && header.length === 2 && header[0]!.toLowerCase() === 'sha-1' && header[1]!.toLowerCase() === 'rdsversion') {
    throw new HashtriageError(
      'LIST_FORMAT_UNKNOWN',
      `${path}: an NSRL RDS version file (it names the release, not files); import NSRLFile.txt from the same folder`,
    );
  }
  if (header) {
    const kind = classifyHeader(header);
    if (kind) return kind;
  }
  const data = firstDataLines(text, 1);
  if (data.length > 0) {
    if (looksLikeBsdLine(data[0]!)) return 'bsd';
    if (looksLikeSumLine(data[0]!)) return 'sum';
  }
  throw new HashtriageError(
    'LIST_FORMAT_UNKNOWN',
    `${path}: line 1: unknown list format (${JSON.stringify(firstLine.slice(0, 60))})`,
  );
}
