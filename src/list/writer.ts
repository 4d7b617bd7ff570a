/**
 * Writes records into a hash list: one transaction per import, bulk loading,
 * indexes after loading.
 *
 * Records are staged in a TEMP table, one column per algorithm. When a source
 * ends, one sort (GROUP BY all values) finds the records that repeat an earlier one, and the
 * digests go into the per-algorithm tables in sorted order, which fills
 * B-tree pages sequentially instead of at random. SQLite's sorter spills to
 * temporary files, so memory stays flat for any input size.
 *
 * A new list is built in a temporary file beside the target and renamed into
 * place on success; an existing list is changed inside one transaction that
 * is rolled back on failure. Either way a failed import leaves nothing behind.
 */
import Database from 'better-sqlite3';
import { closeSync, existsSync, fsyncSync, openSync, renameSync, rmSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { HashtriageError } from '../errors.js';
import { ALGORITHMS, CRYPTO_ALGORITHMS, type Algorithm, type CryptoAlgorithm, type Role } from '../types.js';
import { DEFAULT_LOW_INFORMATION_RULE, isLowInformation, type LowInformationRule } from './low-information.js';
import type { ImportRecord } from './record.js';
import { checkSchema, createSchema, digestTable, INDEX_DDL, ROLE_CODE } from './schema.js';

/** Provenance of the source being written. */
export interface SourceMeta {
  name: string;
  format: string;
  fileName: string;
  sha256: Buffer;
  role: Role;
  /** Format facts kept as JSON (version, region, set name...). */
  detail?: Record<string, unknown>;
}

/** Algorithm tag bytes inside a perceptual staging key (1-based position in ALGORITHMS). */
const TAG: Readonly<Record<Algorithm, number>> = Object.fromEntries(ALGORITHMS.map((a, i) => [a, i + 1])) as Record<
  Algorithm,
  number
>;

/**
 * The record's perceptual values as one comparable blob (tag byte + value, sorted), so
 * that two records with the same values compare equal whatever their column order.
 */
function perceptualKey(r: ImportRecord): Buffer | null {
  if (!r.perceptual || r.perceptual.length === 0) return null;
  const sorted = [...r.perceptual].sort((x, y) => TAG[x.algorithm] - TAG[y.algorithm] || Buffer.compare(x.value, y.value));
  return Buffer.concat(sorted.flatMap((p) => [Buffer.of(TAG[p.algorithm]), p.value]));
}

/** Opens a list for writing and collects one or more sources into it. */
export class ListWriter {
  readonly created: boolean;
  private readonly db: Database.Database;
  private readonly target: string;
  private readonly temp: string | null;
  private readonly rule: LowInformationRule;
  private nextEntry: number;
  private source: { id: number; role: number; firstEntry: number; staged: number; algorithms: Set<CryptoAlgorithm> } | null =
    null;
  private finished = false;
  private readonly st: {
    entry: Database.Statement;
    stage: Database.Statement;
    perceptual: Database.Statement;
    hasSource: Database.Statement;
    addSource: Database.Statement;
    setRecords: Database.Statement;
  };

  private constructor(target: string, rule: LowInformationRule) {
    this.target = target;
    this.rule = rule;
    this.created = !existsSync(target);
    if (this.created) {
      this.temp = join(dirname(target), `.${basename(target)}.${process.pid}.${Date.now()}.tmp`);
      this.db = new Database(this.temp);
      // Nothing to protect yet: on failure the whole temporary file is deleted.
      this.db.pragma('journal_mode = OFF');
      this.db.pragma('synchronous = OFF');
      this.db.pragma('locking_mode = EXCLUSIVE');
      createSchema(this.db);
    } else {
      this.temp = null;
      try {
        this.db = new Database(target, { fileMustExist: true });
      } catch (err) {
        throw new HashtriageError('LIST_UNREADABLE', `${target}: cannot open hash list: ${(err as Error).message}`, { cause: err });
      }
      try {
        checkSchema(this.db, target);
      } catch (err) {
        this.db.close();
        if (err instanceof HashtriageError) throw err;
        throw new HashtriageError('LIST_SCHEMA_MISMATCH', `${target}: not a hashtriage hash list (${(err as Error).message})`, { cause: err });
      }
    }
    this.db.pragma('cache_size = -131072');
    this.db.pragma('temp_store = FILE');
    this.db.pragma('foreign_keys = OFF');
    // The staging table lives in the temp schema, which has its own (small) cache by default.
    this.db.pragma('temp.cache_size = -131072');
    // Lets SQLite's sorter use a helper thread for the large sorts in endSource().
    this.db.pragma('threads = 2');
    this.db.exec(`
      CREATE TEMP TABLE stage (entry INTEGER NOT NULL, ${CRYPTO_ALGORITHMS.map((a) => `${a} BLOB`).join(', ')}, pk BLOB);
      CREATE TEMP TABLE firsts (entry INTEGER NOT NULL);
    `);
    this.db.exec(this.created ? 'BEGIN' : 'BEGIN IMMEDIATE');
    this.nextEntry = ((this.db.prepare('SELECT max(id) AS m FROM entries').get() as { m: number | null }).m ?? 0) + 1;
    this.st = {
      entry: this.db.prepare(
        `INSERT INTO entries (id, source, role, category, category_region, series, victim_identified, media_id, name, size, comment, photodna)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      ),
      stage: this.db.prepare(
        `INSERT INTO temp.stage (entry, ${CRYPTO_ALGORITHMS.join(', ')}, pk) VALUES (?, ${CRYPTO_ALGORITHMS.map(() => '?').join(', ')}, ?)`,
      ),
      perceptual: this.db.prepare(
        'INSERT INTO perceptual (algorithm, value, entry, implementation, quality, low_information) VALUES (?, ?, ?, ?, ?, ?)',
      ),
      hasSource: this.db.prepare('SELECT name FROM sources WHERE sha256 = ?').pluck(),
      addSource: this.db.prepare(
        `INSERT INTO sources (name, format, file_name, sha256, imported_at, records, role, detail)
         VALUES (?, ?, ?, ?, ?, 0, ?, ?)`,
      ),
      setRecords: this.db.prepare('UPDATE sources SET records = ?, format = ?, detail = ? WHERE id = ?'),
    };
  }

  /**
   * Opens `target` for an import: creates it (via a temporary file) or opens the existing list.
   * @param target list path
   * @param rule low-information thresholds for perceptual values
   * @throws HashtriageError `LIST_SCHEMA_MISMATCH` when `target` exists and is not a list of this version,
   *   `LIST_UNREADABLE` when it cannot be opened
   */
  static open(target: string, rule: LowInformationRule = DEFAULT_LOW_INFORMATION_RULE): ListWriter {
    return new ListWriter(target, rule);
  }

  /** Name of the source already imported from a file with this SHA-256, if any. */
  sourceWithSha256(sha256: Buffer): string | undefined {
    return this.st.hasSource.get(sha256) as string | undefined;
  }

  /** Starts a source; records added until {@link endSource} belong to it. */
  beginSource(meta: SourceMeta): void {
    const info = this.st.addSource.run(
      meta.name,
      meta.format,
      meta.fileName,
      meta.sha256,
      new Date().toISOString(),
      meta.role,
      meta.detail ? JSON.stringify(meta.detail) : null,
    );
    this.source = {
      id: Number(info.lastInsertRowid),
      role: ROLE_CODE[meta.role],
      firstEntry: this.nextEntry,
      staged: 0,
      algorithms: new Set(),
    };
  }

  /**
   * Changes the current source's role, for formats that state it inside the file
   * (HashKeeper `.hke`, EnCase category): the entries already written take it too.
   */
  setSourceRole(role: Role): void {
    const src = this.source;
    if (!src) throw new HashtriageError('INTERNAL', 'ListWriter.setSourceRole before beginSource');
    this.db.prepare('UPDATE sources SET role = ? WHERE id = ?').run(role, src.id);
    // This source's entries are the contiguous id range starting at firstEntry.
    this.db.prepare('UPDATE entries SET role = ? WHERE id >= ? AND role = ?').run(ROLE_CODE[role], src.firstEntry, src.role);
    src.role = ROLE_CODE[role];
  }

  /** Stores one record of the current source. */
  add(r: ImportRecord): void {
    const src = this.source;
    if (!src) throw new HashtriageError('INTERNAL', 'ListWriter.add before beginSource');
    const id = this.nextEntry++;
    this.st.entry.run(
      id,
      src.id,
      r.role ? ROLE_CODE[r.role] : src.role,
      r.category ?? null,
      r.categoryRegion ?? null,
      r.series ?? null,
      r.victimIdentified === undefined ? null : r.victimIdentified ? 1 : 0,
      r.mediaId ?? null,
      r.name ?? null,
      r.size ?? null,
      r.comment ?? null,
      r.photoDna ?? null,
    );
    for (const a of CRYPTO_ALGORITHMS) if (r.digests[a]) src.algorithms.add(a);
    if (r.perceptual) {
      for (const p of r.perceptual) {
        const low = isLowInformation(p.algorithm, p.value, p.quality, this.rule);
        this.st.perceptual.run(p.algorithm, p.value, id, p.implementation ?? null, p.quality ?? null, low ? 1 : 0);
      }
    }
    const d = r.digests;
    this.st.stage.run(id, d.md5 ?? null, d.sha1 ?? null, d.sha256 ?? null, d.sha512 ?? null, d.blake3 ?? null, perceptualKey(r));
    src.staged++;
  }

  /**
   * Ends the current source: drops repeated records and loads its digests in sorted order.
   * @param format the format name to record (parsers may refine it, e.g. `sum` → `md5sum`)
   * @returns records kept and duplicates dropped
   */
  endSource(format: string, detail?: Record<string, unknown>): { records: number; duplicates: number } {
    const src = this.source;
    if (!src) throw new HashtriageError('INTERNAL', 'ListWriter.endSource before beginSource');
    const db = this.db;
    let kept = src.staged;
    if (src.staged > 1) {
      // GROUP BY treats NULLs as equal, so records with the same set of values fall together.
      kept = db
        .prepare(`INSERT INTO temp.firsts (entry) SELECT min(entry) FROM temp.stage GROUP BY ${CRYPTO_ALGORITHMS.join(', ')}, pk`)
        .run().changes;
      if (kept < src.staged) {
        db.exec('CREATE INDEX temp.firsts_entry ON firsts (entry)');
        const dropped = 'SELECT entry FROM temp.stage WHERE entry NOT IN (SELECT entry FROM temp.firsts)';
        db.prepare(`DELETE FROM entries WHERE id IN (${dropped})`).run();
        db.prepare(`DELETE FROM perceptual WHERE entry IN (${dropped})`).run();
        db.prepare('DELETE FROM temp.stage WHERE entry NOT IN (SELECT entry FROM temp.firsts)').run();
        db.exec('DROP INDEX temp.firsts_entry');
      }
    }
    for (const a of src.algorithms) {
      db.prepare(
        `INSERT INTO ${digestTable(a)} (digest, entry) SELECT ${a}, entry FROM temp.stage WHERE ${a} IS NOT NULL ORDER BY ${a}, entry`,
      ).run();
    }
    this.st.setRecords.run(kept, format, detail ? JSON.stringify(detail) : null, src.id);
    db.exec('DELETE FROM temp.stage; DELETE FROM temp.firsts;');
    this.source = null;
    return { records: kept, duplicates: src.staged - kept };
  }

  /**
   * Builds the indexes, commits, and (for a new list) moves the file into place.
   * @throws the SQLite or file-system error; the caller then calls {@link abort}
   */
  commit(): void {
    this.db.exec(INDEX_DDL);
    this.db.exec('COMMIT');
    this.db.pragma('optimize');
    this.db.close();
    this.finished = true;
    if (this.temp) {
      const fd = openSync(this.temp, 'r');
      try {
        fsyncSync(fd);
      } finally {
        closeSync(fd);
      }
      renameSync(this.temp, this.target);
    }
  }

  /** Undoes everything: rolls back, or deletes the temporary file. Safe to call twice. */
  abort(): void {
    if (!this.finished) {
      this.finished = true;
      try {
        if (this.db.inTransaction) this.db.exec('ROLLBACK');
      } catch {
        // The connection is closed next; SQLite rolls back an open transaction on close.
      }
      this.db.close();
    }
    if (this.temp) {
      rmSync(this.temp, { force: true });
      rmSync(`${this.temp}-journal`, { force: true });
    }
  }
}
