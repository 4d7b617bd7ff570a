/**
 * Writes records into a hash list: one transaction per import, bulk loading,
 * indexes after loading.
 *
 * Each record becomes an `entries` row at once; its digests go to one
 * {@link SortedRuns} per algorithm. When a source ends, each algorithm's
 * digests come back sorted and are inserted in key order, which fills
 * B-tree pages sequentially instead of at random. Runs larger than memory
 * allows are spilled beside the list and merged, so memory stays flat for
 * any input size.
 *
 * A record that repeats an earlier record of the same source with exactly the
 * same values is dropped (counted as a duplicate): a record with one digest
 * and nothing else is a repeat when that algorithm's sorted digests show the
 * same digest with a lower entry; any other record is compared whole, through
 * a sort of its complete set of values.
 *
 * A new list is built in a temporary file beside the target and renamed into
 * place on success; an existing list is changed inside one exclusive
 * transaction that is rolled back on failure. Either way a failed import
 * leaves nothing behind.
 */
import Database from 'better-sqlite3';
import { closeSync, existsSync, fsyncSync, openSync, renameSync, rmSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { HashtriageError } from '../errors.js';
import { ALGORITHMS, CRYPTO_ALGORITHMS, DIGEST_BYTES, type Algorithm, type CryptoAlgorithm, type Role } from '../types.js';
import { DEFAULT_LOW_INFORMATION_RULE, isLowInformation, type LowInformationRule } from './low-information.js';
import type { ImportRecord } from './record.js';
import { checkSchema, createSchema, digestTable, INDEX_DDL, ROLE_CODE } from './schema.js';
import { DEFAULT_RUN_LIMITS, SortedRuns, type RunLimits } from './sorted-runs.js';

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

/** `entries` columns after `source, role`, in the order {@link ListWriter.add} fills them; `role` is bound only when a record sets its own. */
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
  'role',
] as const;

/**
 * Rows per multi-row INSERT. Each better-sqlite3 call has a fixed cost that
 * dwarfs SQLite's own per-row work, so rows are sent in blocks; 256 rows of
 * at most 10 values stays far below SQLite's bound-parameter limit.
 */
const BATCH = 256;

/** Sort flag: the key is the record's whole value set, led by this digest (see {@link ListWriter.add}). */
const LEAD = 1;

/**
 * Rows waiting to be inserted by one family of statements, all with the same
 * statement key (for entries: the set of non-NULL columns, since most records
 * leave most columns empty).
 */
interface Pending {
  key: string;
  rows: number;
  values: unknown[];
}

/** Bit set over a source's entries, indexed by entry - firstEntry. */
class EntrySet {
  private readonly bits: Uint8Array;
  count = 0;
  constructor(
    private readonly first: number,
    size: number,
  ) {
    this.bits = new Uint8Array(Math.ceil(size / 8));
  }
  has(entry: number): boolean {
    const i = entry - this.first;
    return (this.bits[i >> 3]! & (1 << (i & 7))) !== 0;
  }
  add(entry: number): void {
    if (this.has(entry)) return;
    const i = entry - this.first;
    this.bits[i >> 3]! |= 1 << (i & 7);
    this.count++;
  }
  *[Symbol.iterator](): Generator<number> {
    for (let i = 0; i < this.bits.length * 8; i++) if (this.bits[i >> 3]! & (1 << (i & 7))) yield this.first + i;
  }
}

/** Opens a list for writing and collects one or more sources into it. */
export class ListWriter {
  readonly created: boolean;
  private readonly db: Database.Database;
  private readonly target: string;
  private readonly temp: string | null;
  private readonly rule: LowInformationRule;
  private nextEntry = 0;
  private source: {
    id: number;
    role: number;
    firstEntry: number;
    staged: number;
  } | null = null;
  private readonly pendingEntries: Pending = { key: '', rows: 0, values: [] };
  /** Each algorithm's digests of the current source, with their entries (see {@link ListWriter.add}). */
  private readonly digests: Record<CryptoAlgorithm, SortedRuns>;
  /** Value sets of the current source's records that have perceptual values and no digest. */
  private readonly perceptualOnly: SortedRuns;
  /** Scratch space for building a value set. */
  private scratch = Buffer.allocUnsafe(512);
  /** Prepared INSERTs by statement key. */
  private readonly inserts = new Map<string, Database.Statement>();
  private finished = false;
  private readonly st: {
    perceptual: Database.Statement;
    hasSource: Database.Statement;
    addSource: Database.Statement;
    setRecords: Database.Statement;
    maxEntry: Database.Statement;
  };

  private constructor(target: string, rule: LowInformationRule, runLimits: RunLimits) {
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
        if (isBusy(err)) throw busyError(target, err);
        throw new HashtriageError('LIST_SCHEMA_MISMATCH', `${target}: not a hashtriage hash list (${(err as Error).message})`, { cause: err });
      }
    }
    this.db.pragma('cache_size = -131072');
    this.db.pragma('temp_store = FILE');
    this.db.pragma('foreign_keys = OFF');
    this.db.exec('CREATE TEMP TABLE dropped (id INTEGER PRIMARY KEY)');
    try {
      // EXCLUSIVE, not IMMEDIATE: a scan reading this list holds its shared lock until it
      // ends, so wait for it (or fail) now rather than at COMMIT, after all the work.
      this.db.exec(this.created ? 'BEGIN' : 'BEGIN EXCLUSIVE');
    } catch (err) {
      this.db.close();
      if (isBusy(err)) throw busyError(target, err);
      throw err;
    }
    const spillParent = dirname(target);
    this.digests = Object.fromEntries(CRYPTO_ALGORITHMS.map((a) => [a, new SortedRuns(spillParent, runLimits)])) as Record<
      CryptoAlgorithm,
      SortedRuns
    >;
    this.perceptualOnly = new SortedRuns(spillParent, runLimits);
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
      maxEntry: this.db.prepare('SELECT max(id) FROM entries').pluck(),
    };
  }

  /**
   * Opens `target` for an import: creates it (via a temporary file) or opens the existing list.
   * @param target list path
   * @param rule low-information thresholds for perceptual values
   * @param runLimits sort run size before spilling to disk (tests make it small)
   * @throws HashtriageError `LIST_SCHEMA_MISMATCH` when `target` exists and is not a list of this version,
   *   `LIST_UNREADABLE` when it cannot be opened, `LIST_BUSY` when another process holds it
   */
  static open(
    target: string,
    rule: LowInformationRule = DEFAULT_LOW_INFORMATION_RULE,
    runLimits: RunLimits = DEFAULT_RUN_LIMITS,
  ): ListWriter {
    return new ListWriter(target, rule, runLimits);
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
    // Entries are inserted without an id, so SQLite gives each max(id) + 1: this counter
    // follows it (endSource checks), and a source's entries are one contiguous range.
    this.nextEntry = ((this.st.maxEntry.get() as number | null) ?? 0) + 1;
    this.source = { id: Number(info.lastInsertRowid), role: ROLE_CODE[meta.role], firstEntry: this.nextEntry, staged: 0 };
  }

  /**
   * Changes the current source's role, for formats that state it inside the file
   * (HashKeeper `.hke`, EnCase category): the entries already written take it too.
   */
  setSourceRole(role: Role): void {
    const src = this.source;
    if (!src) throw new HashtriageError('INTERNAL', 'ListWriter.setSourceRole before beginSource');
    this.flushEntries();
    this.db.prepare('UPDATE sources SET role = ? WHERE id = ?').run(role, src.id);
    // This source's entries are the contiguous id range starting at firstEntry.
    this.db.prepare('UPDATE entries SET role = ? WHERE id >= ? AND role = ?').run(ROLE_CODE[role], src.firstEntry, src.role);
    src.role = ROLE_CODE[role];
  }

  /** Stores one record of the current source (entries buffered; digests sorted at {@link endSource}). */
  add(r: ImportRecord): void {
    const src = this.source;
    if (!src) throw new HashtriageError('INTERNAL', 'ListWriter.add before beginSource');
    const id = this.nextEntry++;
    src.staged++;

    const victim = r.victimIdentified === undefined ? null : r.victimIdentified ? 1 : 0;
    const role = r.role ? ROLE_CODE[r.role] : src.role;
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
    if (role !== src.role) mask |= 512;
    const e = this.pendingEntries;
    // Source and default role are written into the statement, not bound: fewer values per row.
    const key = `${src.id}:${src.role}:${mask}`;
    if (key !== e.key) {
      this.flushEntries();
      e.key = key;
    }
    const ev = e.values;
    if (mask & 1) ev.push(r.category);
    if (mask & 2) ev.push(r.categoryRegion);
    if (mask & 4) ev.push(r.series);
    if (mask & 8) ev.push(victim);
    if (mask & 16) ev.push(r.mediaId);
    if (mask & 32) ev.push(r.name);
    if (mask & 64) ev.push(r.size);
    if (mask & 128) ev.push(r.comment);
    if (mask & 256) ev.push(r.photoDna);
    if (mask & 512) ev.push(role);
    if (++e.rows === BATCH) this.flushEntries();

    if (r.perceptual) {
      for (const p of r.perceptual) {
        const low = isLowInformation(p.algorithm, p.value, p.quality, this.rule);
        this.st.perceptual.run(p.algorithm, p.value, id, p.implementation ?? null, p.quality ?? null, low ? 1 : 0);
      }
    }

    // The first digest a record has "leads": its sort key is the record's whole value set,
    // starting with that digest, so the sorted digests both load the table in order and
    // put a repeated record right after its first. Other digests are sorted bare.
    let lead: CryptoAlgorithm | undefined;
    for (const a of CRYPTO_ALGORITHMS) {
      const digest = r.digests[a];
      if (!digest) continue;
      // Parsers check lengths; the sorted load relies on it (the lead digest is cut back out by length).
      if (digest.length !== DIGEST_BYTES[a]) throw new HashtriageError('INTERNAL', `${a} digest of ${digest.length} bytes`);
      if (lead === undefined) {
        lead = a;
        this.digests[a].add(this.valueSet(r, digest), id, LEAD);
      } else this.digests[a].add(digest, id, 0);
    }
    if (lead === undefined && r.perceptual && r.perceptual.length > 0) this.perceptualOnly.add(this.valueSet(r), id);
  }

  /**
   * The record's values as one comparable byte string: the lead digest if any, a
   * presence mask of the digests (bit 7: perceptual values), every other digest in
   * algorithm order, then the perceptual values (tag byte + value, sorted), so two
   * records with the same values give the same bytes whatever their column order.
   */
  private valueSet(r: ImportRecord, lead?: Buffer): Buffer {
    const perceptual =
      r.perceptual && r.perceptual.length > 0
        ? [...r.perceptual].sort((x, y) => TAG[x.algorithm] - TAG[y.algorithm] || Buffer.compare(x.value, y.value))
        : undefined;
    let len = 1;
    for (const a of CRYPTO_ALGORITHMS) len += r.digests[a]?.length ?? 0;
    if (perceptual) for (const p of perceptual) len += 1 + p.value.length;
    if (len > this.scratch.length) this.scratch = Buffer.allocUnsafe(Math.max(len, this.scratch.length * 2));
    const b = this.scratch;
    let at = lead ? lead.copy(b, 0) : 0;
    const maskAt = at++;
    let present = perceptual ? 0x80 : 0;
    for (let i = 0; i < CRYPTO_ALGORITHMS.length; i++) {
      const digest = r.digests[CRYPTO_ALGORITHMS[i]!];
      if (!digest) continue;
      present |= 1 << i;
      if (digest !== lead) at += digest.copy(b, at);
    }
    b[maskAt] = present;
    if (perceptual) {
      for (const p of perceptual) {
        b[at++] = TAG[p.algorithm];
        at += p.value.copy(b, at);
      }
    }
    return b.subarray(0, at);
  }

  /** The prepared INSERT for `rows` rows of a statement key, made once. */
  private insertFor(key: string, rows: number, make: () => { head: string; row: string }): Database.Statement {
    const k = `${key}/${rows}`;
    let st = this.inserts.get(k);
    if (!st) {
      const { head, row } = make();
      st = this.db.prepare(`${head} VALUES ${Array(rows).fill(row).join(', ')}`);
      this.inserts.set(k, st);
    }
    return st;
  }

  /** Sends a block of rows (or a short tail row by row, rather than preparing a statement for every length). */
  private flushPending(p: Pending, make: () => { head: string; row: string }): void {
    if (p.rows === 0) return;
    if (p.rows === BATCH) {
      this.insertFor(p.key, BATCH, make).run(p.values);
    } else {
      const st = this.insertFor(p.key, 1, make);
      const width = p.values.length / p.rows;
      if (width === 0) for (let i = 0; i < p.rows; i++) st.run();
      else for (let i = 0; i < p.values.length; i += width) st.run(p.values.slice(i, i + width));
    }
    p.rows = 0;
    p.values.length = 0;
  }

  private flushEntries(): void {
    const p = this.pendingEntries;
    this.flushPending(p, () => {
      const [source, role, mask] = p.key.split(':').map(Number) as [number, number, number];
      const cols = ENTRY_OPTIONAL.filter((_, i) => mask & (1 << i));
      const fixed = [String(source), ...(mask & 512 ? [] : [String(role)])];
      const names = ['source', ...(mask & 512 ? [] : ['role']), ...cols];
      return {
        head: `INSERT INTO main.entries (${names.join(', ')})`,
        row: `(${[...fixed, ...cols.map(() => '?')].join(', ')})`,
      };
    });
  }

  /**
   * Ends the current source: drops repeated records and loads its digests in sorted order.
   * @param format the format name to record (parsers may refine it, e.g. `sum` → `md5sum`)
   * @returns records kept and duplicates dropped
   */
  endSource(format: string, detail?: Record<string, unknown>): { records: number; duplicates: number } {
    const src = this.source;
    if (!src) throw new HashtriageError('INTERNAL', 'ListWriter.endSource before beginSource');
    this.flushEntries();
    const last = (this.st.maxEntry.get() as number | null) ?? 0;
    if (src.staged > 0 && last !== this.nextEntry - 1) {
      throw new HashtriageError('INTERNAL', `entry ids out of step: expected ${this.nextEntry - 1}, found ${last}`);
    }
    const dropped = new EntrySet(src.firstEntry, src.staged);
    // Records without a digest: sorted by value set, a repeat sits right after its first.
    this.perceptualOnly.drain((_set, entry, _flag, repeat) => {
      if (repeat) dropped.add(entry);
    });
    for (const a of CRYPTO_ALGORITHMS) {
      const runs = this.digests[a];
      if (runs.size === 0) continue;
      const rows: Pending = { key: `digest:${a}`, rows: 0, values: [] };
      const make = () => ({ head: `INSERT INTO ${digestTable(a)} (digest, entry)`, row: '(?, ?)' });
      const width = DIGEST_BYTES[a];
      runs.drain((key, entry, flag, repeat) => {
        if (flag === LEAD) {
          // The same value set as the record before: a repeat. A record's lead is its
          // first algorithm, so its later digests see this decision.
          if (repeat) {
            dropped.add(entry);
            return;
          }
        } else if (dropped.has(entry)) return;
        rows.values.push(key, entry);
        if (++rows.rows === BATCH) this.flushPending(rows, make);
      }, width);
      this.flushPending(rows, make);
    }
    if (dropped.count > 0) {
      const put = this.db.prepare('INSERT INTO temp.dropped (id) VALUES (?)');
      for (const id of dropped) put.run(id);
      this.db.exec(`
        DELETE FROM main.entries WHERE id IN (SELECT id FROM temp.dropped);
        DELETE FROM main.perceptual WHERE entry IN (SELECT id FROM temp.dropped);
        DELETE FROM temp.dropped;`);
    }
    const kept = src.staged - dropped.count;
    this.st.setRecords.run(kept, format, detail ? JSON.stringify(detail) : null, src.id);
    this.source = null;
    return { records: kept, duplicates: dropped.count };
  }

  /**
   * Builds the indexes, commits, and (for a new list) moves the file into place.
   * @throws the SQLite or file-system error; the caller then calls {@link abort}
   */
  commit(): void {
    this.disposeRuns();
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
    this.disposeRuns();
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

  private disposeRuns(): void {
    for (const runs of [...Object.values(this.digests), this.perceptualOnly]) runs.dispose();
  }
}

function isBusy(err: unknown): boolean {
  const code = (err as { code?: unknown }).code;
  return code === 'SQLITE_BUSY' || code === 'SQLITE_LOCKED';
}

function busyError(target: string, cause: unknown): HashtriageError {
  return new HashtriageError(
    'LIST_BUSY',
    `${target}: the hash list is in use by another hashtriage process (a running scan or import); try again when it has finished`,
    { cause },
  );
}
