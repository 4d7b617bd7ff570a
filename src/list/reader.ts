/**
 * Read-only access to a hash list, as the match stage consumes it.
 */
import Database from 'better-sqlite3';
import { createHash } from 'node:crypto';
import { closeSync, existsSync, openSync, readSync } from 'node:fs';
import { HashtriageError } from '../errors.js';
import {
  CRYPTO_ALGORITHMS,
  PERCEPTUAL_ALGORITHMS,
  type Algorithm,
  type CryptoAlgorithm,
  type HashListReader,
  type ListDescription,
  type ListEntry,
  type ListSource,
  type PerceptualAlgorithm,
  type PerceptualValue,
} from '../types.js';
import { ENTRY_COLUMNS, toListEntry, type EntryRow } from './entry-row.js';
import { checkSchema, digestTable, SCHEMA_VERSION } from './schema.js';

/**
 * SHA-256 of a file, read synchronously in 1 MiB blocks.
 * @throws the read error
 */
export function sha256FileSync(path: string): string {
  const h = createHash('sha256');
  const fd = openSync(path, 'r');
  try {
    const buf = Buffer.allocUnsafe(1 << 20);
    for (;;) {
      const n = readSync(fd, buf, 0, buf.length, null);
      if (n === 0) break;
      h.update(buf.subarray(0, n));
    }
  } finally {
    closeSync(fd);
  }
  return h.digest('hex');
}

interface SourceRow {
  id: number;
  name: string;
  format: string;
  file_name: string;
  sha256: Buffer;
  imported_at: string;
  records: number;
  role: 'notable' | 'known';
}

/**
 * Opens a list read-only, checks its schema and prepares a statement per algorithm.
 * @throws HashtriageError `LIST_SCHEMA_MISMATCH`
 */
export function openListDatabase(path: string): Database.Database {
  if (!existsSync(path)) throw new HashtriageError('LIST_NOT_FOUND', `${path}: hash list not found`);
  let db: Database.Database;
  try {
    db = new Database(path, { readonly: true, fileMustExist: true });
    // Reads only: map the file instead of copying pages through read(2), and
    // keep a larger page cache; both are for the scan's million look-ups.
    db.pragma('mmap_size = 1073741824');
    db.pragma('cache_size = -65536');
    // Keep the shared lock from the first read to close instead of taking and
    // dropping it (and re-checking the file) around every statement: that
    // per-statement locking was 80% of a look-up's time. Other readers are
    // unaffected; a writer waits until this list is closed, so the list
    // cannot change under a running scan.
    db.pragma('locking_mode = EXCLUSIVE');
  } catch (err) {
    throw new HashtriageError('LIST_UNREADABLE', `${path}: cannot open hash list: ${(err as Error).message}`, { cause: err });
  }
  try {
    checkSchema(db, path);
  } catch (err) {
    db.close();
    if (err instanceof HashtriageError) throw err;
    // SQLITE_NOTADB and friends: the file is not a database at all.
    throw new HashtriageError('LIST_UNREADABLE', `${path}: cannot read hash list: ${(err as Error).message}`, { cause: err });
  }
  return db;
}

/** Source rows of an open list, in import order. */
export function readSources(db: Database.Database): (ListSource & { id: number })[] {
  const rows = db
    .prepare('SELECT id, name, format, file_name, sha256, imported_at, records, role FROM sources ORDER BY id')
    .all() as SourceRow[];
  return rows.map((r) => ({
    id: r.id,
    name: r.name,
    format: r.format,
    fileName: r.file_name,
    sha256: r.sha256.toString('hex'),
    importedAt: r.imported_at,
    records: r.records,
    role: r.role,
  }));
}

class Reader implements HashListReader {
  readonly algorithms: ReadonlySet<Algorithm>;
  private readonly db: Database.Database;
  private readonly path: string;
  private readonly sourceNames = new Map<number, string>();
  private readonly sources: ListSource[];
  private readonly exact: Map<CryptoAlgorithm, Database.Statement>;
  private readonly values: Database.Statement;
  private readonly perEntries: Database.Statement;
  private fileSha256: string | undefined;

  constructor(path: string) {
    this.path = path;
    this.db = openListDatabase(path);
    const srcs = readSources(this.db);
    this.sources = srcs.map(({ id, ...s }) => {
      this.sourceNames.set(id, s.name);
      return s;
    });
    const algs = new Set<Algorithm>();
    this.exact = new Map();
    for (const a of CRYPTO_ALGORITHMS) {
      const t = digestTable(a);
      if (this.db.prepare(`SELECT 1 FROM ${t} LIMIT 1`).get()) algs.add(a);
      this.exact.set(
        a,
        this.db.prepare(`SELECT ${ENTRY_COLUMNS} FROM ${t} AS d JOIN entries AS e ON e.id = d.entry WHERE d.digest = ? ORDER BY d.entry`),
      );
    }
    const present = this.db.prepare('SELECT 1 FROM perceptual WHERE algorithm = ? LIMIT 1');
    for (const a of PERCEPTUAL_ALGORITHMS) if (present.get(a)) algs.add(a);
    this.algorithms = algs;
    // One id per distinct value: the lowest row id holding it. A value is low-information
    // only when every entry carrying it was flagged.
    this.values = this.db.prepare(
      `SELECT min(id) AS id, value, min(low_information) AS low FROM perceptual WHERE algorithm = ? GROUP BY value ORDER BY value`,
    );
    this.perEntries = this.db.prepare(
      `SELECT ${ENTRY_COLUMNS} FROM perceptual AS p JOIN entries AS e ON e.id = p.entry
       WHERE p.algorithm = @alg AND p.value = (SELECT value FROM perceptual WHERE id = @id AND algorithm = @alg) ORDER BY e.id`,
    );
  }

  describe(): ListDescription {
    this.fileSha256 ??= sha256FileSync(this.path);
    return { path: this.path, sha256: this.fileSha256, schemaVersion: SCHEMA_VERSION, sources: this.sources.map((s) => ({ ...s })) };
  }

  lookupExact(algorithm: CryptoAlgorithm, digest: Buffer): ListEntry[] {
    const st = this.exact.get(algorithm);
    if (!st) return [];
    return (st.all(digest) as EntryRow[]).map((r) => toListEntry(r, this.sourceNames.get(r.source) ?? String(r.source)));
  }

  *perceptualValues(algorithm: PerceptualAlgorithm): Iterable<PerceptualValue> {
    // all(), not iterate(): an open iterator keeps the connection busy, and a caller may well
    // look up entries while it walks the values.
    for (const r of this.values.all(algorithm) as { id: number; value: Buffer; low: number }[]) {
      yield { id: r.id, value: r.value, lowInformation: r.low === 1 };
    }
  }

  perceptualEntries(algorithm: PerceptualAlgorithm, id: number): ListEntry[] {
    return (this.perEntries.all({ alg: algorithm, id }) as EntryRow[]).map((r) =>
      toListEntry(r, this.sourceNames.get(r.source) ?? String(r.source)),
    );
  }

  close(): void {
    if (this.db.open) this.db.close();
  }
}

/**
 * Opens a hash list for matching. Statements are prepared once, here.
 * @param path the list file
 * @returns a reader; call `close()` when done
 * @throws HashtriageError `LIST_NOT_FOUND` (no such file), `LIST_UNREADABLE` (not a SQLite file,
 *   unreadable), `LIST_SCHEMA_MISMATCH` (another SQLite database, or another schema version)
 */
export function openHashList(path: string): HashListReader {
  return new Reader(path);
}
