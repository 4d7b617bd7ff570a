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

/** `entries` columns after `id, source, role`, in the order {@link ListWriter.add} fills them. */
const ENTRY_OPTIONAL = [
  'category',
  'category_region',
  'series',
  'victim_identified',
  'media_id',
  'name',
  'size',
  'comment',
  'photodna',
] as const;

/** `temp.stage` columns after `entry`. */
const STAGE_OPTIONAL = [...CRYPTO_ALGORITHMS, 'pk'] as const;

/**
 * Rows per multi-row INSERT. Each better-sqlite3 call has a fixed cost that
 * dwarfs SQLite's own per-row work, so rows are sent in blocks; 256 rows of
 * at most 13 values stays far below SQLite's bound-parameter limit.
 */
const BATCH = 256;

/**
 * Rows of one table waiting to be inserted, all with the same set of non-NULL
 * columns: only those columns are bound, since most records leave most columns empty.
 */
interface Pending {
  mask: number;
  rows: number;
  values: unknown[];
}

/** Opens a list for writing and collects one or more sources into it. */
export class ListWriter {
  readonly created: boolean;
  private readonly db: Database.Database;
  private readonly target: string;
  private readonly temp: string | null;
  private readonly rule: LowInformationRule;
  private nextEntry: number;
  private source: {
    id: number;
    role: number;
    firstEntry: number;
    staged: number;
    algorithms: Set<CryptoAlgorithm>;
    /** Records carrying each algorithm, to find one that every record has (see endSource). */
    counts: Record<CryptoAlgorithm, number>;
    /** Records with perceptual values (a staging key). */
    withPerceptual: number;
  } | null = null;
  private readonly pendingEntries: Pending = { mask: -1, rows: 0, values: [] };
  private readonly pendingStage: Pending = { mask: -1, rows: 0, values: [] };
  /** Prepared INSERTs by column mask and row count (1 or {@link BATCH}). */
  private readonly inserts = new Map<string, Database.Statement>();
  private finished = false;
  private readonly st: {
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
      counts: { md5: 0, sha1: 0, sha256: 0, sha512: 0, blake3: 0 },
      withPerceptual: 0,
    };
  }

  /**
   * Changes the current source's role, for formats that state it inside the file
   * (HashKeeper `.hke`, EnCase category): the entries already written take it too.
   */
  setSourceRole(role: Role): void {
    const src = this.source;
    if (!src) throw new HashtriageError('INTERNAL', 'ListWriter.setSourceRole before beginSource');
    this.flush();
    this.db.prepare('UPDATE sources SET role = ? WHERE id = ?').run(role, src.id);
    // This source's entries are the contiguous id range starting at firstEntry.
    this.db.prepare('UPDATE entries SET role = ? WHERE id >= ? AND role = ?').run(ROLE_CODE[role], src.firstEntry, src.role);
    src.role = ROLE_CODE[role];
  }

  /** Stores one record of the current source (buffered; written by {@link flush}). */
  add(r: ImportRecord): void {
    const src = this.source;
    if (!src) throw new HashtriageError('INTERNAL', 'ListWriter.add before beginSource');
    const id = this.nextEntry++;

    const victim = r.victimIdentified === undefined ? null : r.victimIdentified ? 1 : 0;
    let mask = 0;
    if (r.category != null) mask |= 1;
    if (r.categoryRegion != null) mask |= 2;
    if (r.series != null) mask |= 4;
    if (victim !== null) mask |= 8;
    if (r.mediaId != null) mask |= 16;
    if (r.name != null) mask |= 32;
    if (r.size != null) mask |= 64;
    if (r.comment != null) mask |= 128;
    if (r.photoDna != null) mask |= 256;
    const e = this.pendingEntries;
    if (mask !== e.mask) {
      this.flushPending(e, 'entries');
      e.mask = mask;
    }
    const ev = e.values;
    ev.push(id, src.id, r.role ? ROLE_CODE[r.role] : src.role);
    if (mask & 1) ev.push(r.category);
    if (mask & 2) ev.push(r.categoryRegion);
    if (mask & 4) ev.push(r.series);
    if (mask & 8) ev.push(victim);
    if (mask & 16) ev.push(r.mediaId);
    if (mask & 32) ev.push(r.name);
    if (mask & 64) ev.push(r.size);
    if (mask & 128) ev.push(r.comment);
    if (mask & 256) ev.push(r.photoDna);
    if (++e.rows === BATCH) this.flushPending(e, 'entries');

    if (r.perceptual) {
      for (const p of r.perceptual) {
        const low = isLowInformation(p.algorithm, p.value, p.quality, this.rule);
        this.st.perceptual.run(p.algorithm, p.value, id, p.implementation ?? null, p.quality ?? null, low ? 1 : 0);
      }
    }

    const d = r.digests;
    const pk = perceptualKey(r);
    let smask = 0;
    for (let i = 0; i < CRYPTO_ALGORITHMS.length; i++) {
      const a = CRYPTO_ALGORITHMS[i]!;
      if (d[a]) {
        smask |= 1 << i;
        src.algorithms.add(a);
        src.counts[a]++;
      }
    }
    if (pk) {
      smask |= 1 << CRYPTO_ALGORITHMS.length;
      src.withPerceptual++;
    }
    const st = this.pendingStage;
    if (smask !== st.mask) {
      this.flushPending(st, 'stage');
      st.mask = smask;
    }
    st.values.push(id);
    for (let i = 0; i < CRYPTO_ALGORITHMS.length; i++) if (smask & (1 << i)) st.values.push(d[CRYPTO_ALGORITHMS[i]!]);
    if (pk) st.values.push(pk);
    if (++st.rows === BATCH) this.flushPending(st, 'stage');
    src.staged++;
  }

  /** The INSERT for `rows` rows of `table` binding the columns in `mask`, prepared once. */
  private insertFor(table: 'entries' | 'stage', mask: number, rows: number): Database.Statement {
    const key = `${table}:${mask}:${rows}`;
    let st = this.inserts.get(key);
    if (!st) {
      const optional = table === 'entries' ? ENTRY_OPTIONAL : STAGE_OPTIONAL;
      const cols = [...(table === 'entries' ? ['id', 'source', 'role'] : ['entry']), ...optional.filter((_, i) => mask & (1 << i))];
      const row = `(${cols.map(() => '?').join(', ')})`;
      st = this.db.prepare(
        `INSERT INTO ${table === 'entries' ? 'main.entries' : 'temp.stage'} (${cols.join(', ')}) VALUES ${Array(rows).fill(row).join(', ')}`,
      );
      this.inserts.set(key, st);
    }
    return st;
  }

  private flushPending(p: Pending, table: 'entries' | 'stage'): void {
    if (p.rows === 0) return;
    if (p.rows === BATCH) {
      this.insertFor(table, p.mask, BATCH).run(p.values);
    } else {
      // A short tail: row by row rather than preparing a statement for every length.
      const st = this.insertFor(table, p.mask, 1);
      const width = p.values.length / p.rows;
      for (let i = 0; i < p.values.length; i += width) st.run(p.values.slice(i, i + width));
    }
    p.rows = 0;
    p.values.length = 0;
  }

  /** Writes the buffered rows, before anything reads `entries` or the staging table. */
  private flush(): void {
    this.flushPending(this.pendingEntries, 'entries');
    this.flushPending(this.pendingStage, 'stage');
  }

  /**
   * Ends the current source: drops repeated records and loads its digests in sorted order.
   * @param format the format name to record (parsers may refine it, e.g. `sum` → `md5sum`)
   * @returns records kept and duplicates dropped
   */
  endSource(format: string, detail?: Record<string, unknown>): { records: number; duplicates: number } {
    const src = this.source;
    if (!src) throw new HashtriageError('INTERNAL', 'ListWriter.endSource before beginSource');
    this.flush();
    const db = this.db;
    let kept = src.staged;
    const algorithms = CRYPTO_ALGORITHMS.filter((a) => src.algorithms.has(a));
    // An algorithm every record carries, when no record has perceptual values: the usual case.
    const lead = src.withPerceptual === 0 ? algorithms.find((a) => src.counts[a] === src.staged) : undefined;
    let loaded: CryptoAlgorithm | undefined;
    if (lead) {
      // One sort both finds each group's first record and loads the lead table (in nearly
      // sorted order). Columns no record of this source has are NULL throughout, so leaving
      // them out of the GROUP BY groups exactly as grouping by all of them would.
      const key = [lead, ...algorithms.filter((a) => a !== lead)].join(', ');
      kept = db
        .prepare(`INSERT INTO ${digestTable(lead)} (digest, entry) SELECT ${lead}, min(entry) FROM temp.stage GROUP BY ${key}`)
        .run().changes;
      loaded = lead;
      if (kept < src.staged) {
        // The kept records are those just loaded; earlier sources' entries are all below firstEntry.
        db.prepare(
          `INSERT INTO temp.firsts (entry) SELECT s.entry FROM temp.stage s
           WHERE EXISTS (SELECT 1 FROM ${digestTable(lead)} d WHERE d.digest = s.${lead} AND d.entry = s.entry)`,
        ).run();
      }
    } else if (src.staged > 1) {
      // GROUP BY treats NULLs as equal, so records with the same set of values fall together.
      kept = db
        .prepare(`INSERT INTO temp.firsts (entry) SELECT min(entry) FROM temp.stage GROUP BY ${CRYPTO_ALGORITHMS.join(', ')}, pk`)
        .run().changes;
    }
    if (kept < src.staged) {
      db.exec('CREATE INDEX temp.firsts_entry ON firsts (entry)');
      const dropped = 'SELECT entry FROM temp.stage WHERE entry NOT IN (SELECT entry FROM temp.firsts)';
      db.prepare(`DELETE FROM entries WHERE id IN (${dropped})`).run();
      db.prepare(`DELETE FROM perceptual WHERE entry IN (${dropped})`).run();
      db.prepare('DELETE FROM temp.stage WHERE entry NOT IN (SELECT entry FROM temp.firsts)').run();
      db.exec('DROP INDEX temp.firsts_entry');
    }
    for (const a of algorithms) {
      if (a === loaded) continue;
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
