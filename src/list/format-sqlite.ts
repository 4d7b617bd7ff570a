/**
 * SQLite hash sets of other tools: NSRL RDSv3 (minimal and full), Autopsy/TSK
 * `.kdb` and the IPED hash database. Every file is opened as untrusted input
 * (see foreign-sqlite.ts) and only checked base tables are read.
 */
import type Database from 'better-sqlite3';
import { HashtriageError } from '../errors.js';
import { DIGEST_BYTES, type CryptoAlgorithm } from '../types.js';
import { classifySqlite } from './detect.js';
import { hasTable, openForeign, quoteIdent, readForeignSchema, type ForeignSchema } from './foreign-sqlite.js';
import { decodeDigest, decodePhotoDna, isProblem } from './hex.js';
import type { ImportRecord, RecordSink } from './record.js';

/**
 * A digest cell: a BLOB of the right length, or hex text.
 * @returns bytes, undefined for NULL/empty, or the reason it is invalid
 */
function digestCell(v: unknown, algorithm: CryptoAlgorithm): Buffer | undefined | { reason: string } {
  if (v === null || v === undefined || v === '') return undefined;
  if (Buffer.isBuffer(v)) {
    if (v.length === DIGEST_BYTES[algorithm]) return v;
    // Some writers store hex text in a BLOB column.
    return decodeDigest(v.toString('latin1'), algorithm);
  }
  if (typeof v === 'string') return decodeDigest(v, algorithm);
  return { reason: `${algorithm} is a ${typeof v}, not a digest` };
}

function withForeign<T>(path: string, expect: string, fn: (db: Database.Database, schema: ForeignSchema) => T): T {
  const db = openForeign(path);
  try {
    const schema = readForeignSchema(db);
    const kind = classifySqlite(schema);
    if (kind === undefined || kind === 'hashtriage' || kind.format !== expect)
      throw new HashtriageError('LIST_FOREIGN_SCHEMA', `${path}: SQLite schema is not ${expect}`);
    return fn(db, schema);
  } finally {
    db.close();
  }
}

function table(schema: ForeignSchema, name: string): string {
  return quoteIdent(schema.tables.get(name.toLowerCase())!.name);
}

/**
 * NSRL RDSv3. Minimal databases hold `FILE` and `PKG` as tables; full databases
 * hold `FILE` as a view, so they are read from the `METADATA` and
 * `PACKAGE_OBJECT` base tables directly (never through the view).
 */
export async function parseRdsv3File(
  path: string,
  sink: RecordSink,
): Promise<{ variant: 'minimal' | 'full'; detail: Record<string, unknown> }> {
  return withForeign(path, 'nsrl-rdsv3', (db, schema) => {
    const minimal = hasTable(schema, 'FILE', ['sha256', 'sha1', 'md5', 'file_name', 'file_size', 'package_id']);
    const detail: Record<string, unknown> = {};
    if (hasTable(schema, 'VERSION', ['version', 'build_set'])) {
      const v = db.prepare(`SELECT version AS version, build_set AS build_set FROM ${table(schema, 'VERSION')} LIMIT 1`).get() as
        | { version: string; build_set: string }
        | undefined;
      if (v) Object.assign(detail, { version: v.version, buildSet: v.build_set });
    }
    const products = new Map<number, string>();
    const pkg = minimal
      ? hasTable(schema, 'PKG', ['package_id', 'name', 'version'])
        ? `SELECT package_id AS id, name AS name, version AS version FROM ${table(schema, 'PKG')}`
        : undefined
      : hasTable(schema, 'APPLICATION', ['package_id', 'name', 'version'])
        ? `SELECT package_id AS id, name AS name, version AS version FROM ${table(schema, 'APPLICATION')}`
        : undefined;
    if (pkg) {
      for (const p of db.prepare(pkg).iterate() as Iterable<{ id: number; name: string; version: string | null }>) {
        if (!products.has(p.id)) products.set(p.id, [p.name, p.version].filter((x) => x).join(' '));
      }
    }
    const sql = minimal
      ? `SELECT sha256 AS sha256, sha1 AS sha1, md5 AS md5, file_name AS name, file_size AS size, package_id AS package_id FROM ${table(schema, 'FILE')}`
      : `SELECT md.sha256 AS sha256, md.sha1 AS sha1, md.md5 AS md5,
           CASE WHEN md.extension IS NULL OR md.extension = '' THEN md.file_name ELSE md.file_name || '.' || md.extension END AS name,
           md.bytes AS size, po.package_id AS package_id
         FROM ${table(schema, 'METADATA')} AS md LEFT JOIN ${table(schema, 'PACKAGE_OBJECT')} AS po ON po.object_id = md.object_id`;
    let n = 0;
    for (const row of db.prepare(sql).iterate() as Iterable<Record<string, unknown>>) {
      n++;
      const rec: ImportRecord = { digests: {} };
      let bad: string | undefined;
      for (const a of ['sha256', 'sha1', 'md5'] as const) {
        const d = digestCell(row[a], a);
        if (d && 'reason' in d) bad ??= d.reason;
        else if (d) rec.digests[a] = d;
      }
      if (bad) {
        sink.reject(n, bad);
        continue;
      }
      if (typeof row.name === 'string' && row.name !== '') rec.name = row.name;
      if (typeof row.size === 'number') rec.size = row.size;
      if (typeof row.package_id === 'number') {
        const p = products.get(row.package_id);
        rec.comment = p ? `${p} (package ${row.package_id})` : `package ${row.package_id}`;
      }
      sink.add(rec);
    }
    return { variant: minimal ? 'minimal' : 'full', detail };
  });
}

/** Autopsy / The Sleuth Kit SQLite hash set (`hashes`, `file_names`, `comments`). */
export function parseAutopsyFile(path: string, sink: RecordSink): Record<string, unknown> {
  return withForeign(path, 'autopsy', (db, schema) => {
    const detail: Record<string, unknown> = {};
    const props = db.prepare(`SELECT name AS name, value AS value FROM ${table(schema, 'db_properties')}`).all() as { name: string; value: string }[];
    for (const p of props) detail[p.name] = p.value;
    const names = hasTable(schema, 'file_names', ['name', 'hash_id'])
      ? `(SELECT hash_id, min(name) AS name FROM ${table(schema, 'file_names')} GROUP BY hash_id)`
      : undefined;
    const comments = hasTable(schema, 'comments', ['comment', 'hash_id'])
      ? `(SELECT hash_id, min(comment) AS comment FROM ${table(schema, 'comments')} GROUP BY hash_id)`
      : undefined;
    const sql = `SELECT h.id AS id, h.md5 AS md5, h.sha1 AS sha1, h.sha2_256 AS sha2_256, ${names ? 'n.name' : 'NULL'} AS name, ${comments ? 'c.comment' : 'NULL'} AS comment
      FROM ${table(schema, 'hashes')} AS h
      ${names ? `LEFT JOIN ${names} AS n ON n.hash_id = h.id` : ''}
      ${comments ? `LEFT JOIN ${comments} AS c ON c.hash_id = h.id` : ''}
      ORDER BY h.id`;
    let n = 0;
    for (const row of db.prepare(sql).iterate() as Iterable<Record<string, unknown>>) {
      n++;
      const rec: ImportRecord = { digests: {} };
      let bad: string | undefined;
      for (const [col, a] of [
        ['md5', 'md5'],
        ['sha1', 'sha1'],
        ['sha2_256', 'sha256'],
      ] as const) {
        const d = digestCell(row[col], a);
        if (d && 'reason' in d) bad ??= d.reason;
        else if (d) rec.digests[a] = d;
      }
      if (bad) {
        sink.reject(n, bad);
        continue;
      }
      if (typeof row.name === 'string') rec.name = row.name;
      if (typeof row.comment === 'string') rec.comment = row.comment;
      sink.add(rec);
    }
    return detail;
  });
}

/** IPED property names we keep, and where they go. */
function applyIpedProperty(rec: ImportRecord, name: string, value: string, extra: { set?: string; product?: string }): string | undefined {
  switch (name.toLowerCase()) {
    case 'status':
      rec.role = value.toLowerCase() === 'known' ? 'known' : 'notable';
      return undefined;
    case 'set':
      extra.set = value;
      return undefined;
    case 'nsrlproductname':
      extra.product = value;
      return undefined;
    case 'viccategory':
      rec.category = value;
      return undefined;
    case 'vicseries':
    case 'icseseriesname':
      rec.series = value;
      return undefined;
    case 'vicvictimidentified':
    case 'icsevictimidentified': {
      const v = value.toLowerCase();
      if (v === 'true' || v === 'false') rec.victimIdentified = v === 'true';
      return undefined;
    }
    case 'icseimageid':
      rec.mediaId = value;
      return undefined;
    case 'caidfilename':
      rec.name = value;
      return undefined;
    case 'caidmediasize':
      if (/^\d+$/.test(value)) rec.size = Number(value);
      return undefined;
    case 'photodna': {
      const p = decodePhotoDna(value);
      if (isProblem(p)) return p.reason;
      rec.photoDna = p;
      return undefined;
    }
    default:
      return undefined;
  }
}

/** IPED hash database (`HASHES`, `HASHES_PROPERTIES`, `PROPERTIES`); `status` gives each entry its role. */
export function parseIpedFile(path: string, sink: RecordSink): Record<string, unknown> {
  return withForeign(path, 'iped', (db, schema) => {
    const propNames = new Map<number, string>();
    for (const p of db.prepare(`SELECT property_id AS id, property_name AS name FROM ${table(schema, 'PROPERTIES')}`).all() as {
      id: number;
      name: string;
    }[])
      propNames.set(p.id, p.name);
    // Column names are aliased throughout: better-sqlite3 names a bare column as the file declares it.
    // Properties are read with a second statement per row through the (HASH_ID, PROPERTY_ID)
    // primary key; better-sqlite3 allows reads while an iterator is open.
    const props = db.prepare(`SELECT property_id AS id, value AS value FROM ${table(schema, 'HASHES_PROPERTIES')} WHERE hash_id = ?`);
    const sets = new Set<string>();
    let n = 0;
    for (const row of db
      .prepare(`SELECT hash_id AS hash_id, md5 AS md5, sha1 AS sha1, sha256 AS sha256, sha512 AS sha512 FROM ${table(schema, 'HASHES')} ORDER BY hash_id`)
      .iterate() as Iterable<Record<string, unknown>>) {
      n++;
      const rec: ImportRecord = { digests: {} };
      let bad: string | undefined;
      for (const a of ['md5', 'sha1', 'sha256', 'sha512'] as const) {
        const d = digestCell(row[a], a);
        if (d && 'reason' in d) bad ??= d.reason;
        else if (d) rec.digests[a] = d;
      }
      const extra: { set?: string; product?: string } = {};
      for (const p of props.all(row.hash_id) as { id: number; value: string }[]) {
        const name = propNames.get(p.id);
        if (name) bad ??= applyIpedProperty(rec, name, p.value, extra);
      }
      if (bad) {
        sink.reject(n, bad);
        continue;
      }
      if (extra.set) sets.add(extra.set);
      // IPED's own NSRL and CAID importers mark known files by their set name.
      if (rec.role === undefined && extra.set && /^(nsrl|caid)$/i.test(extra.set)) rec.role = 'known';
      const comment = [extra.set, extra.product].filter(Boolean).join(': ');
      if (comment) rec.comment = comment;
      sink.add(rec);
    }
    return { sets: [...sets].sort() };
  });
}

