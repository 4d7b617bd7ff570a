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
import { closeSync, existsSync, fsyncSync, openSync, readdirSync, renameSync, rmSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { HashtriageError } from '../errors.js';
import { ALGORITHMS, CRYPTO_ALGORITHMS, DIGEST_BYTES, type Algorithm, type CryptoAlgorithm, type Role } from '../types.js';
import { DEFAULT_LOW_INFORMATION_RULE, isLowInformation, type LowInformationRule } from './low-information.js';
import type { ImportRecord } from './record.js';
import { digestTable, ROLE_CODE } from './schema.js';
import { SqlChannel } from './sql-channel.js';
import { DEFAULT_RUN_LIMITS, SortedRuns, SPILL_PREFIX, type RunLimits } from './sorted-runs.js';

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

/**
 * Digest rows per statement. They go as two values, all keys in one blob and
 * the entries as a JSON array that `json_each` unfolds, not as a value
 * each: binding a thousand values a statement cost the SQL thread more
 * than SQLite's own inserting (18% less time per row this way).
 */
const PAIRS_BATCH = 4096;

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

/** The statements {@link ListWriter} runs besides its batched inserts. */
const SQL = {
  perceptual: 'INSERT INTO perceptual (algorithm, value, entry, implementation, quality, low_information) VALUES (?, ?, ?, ?, ?, ?)',
  hasSource: 'SELECT name FROM sources WHERE sha256 = ?',
  addSource: `INSERT INTO sources (name, format, file_name, sha256, imported_at, records, role, detail)
         VALUES (?, ?, ?, ?, ?, 0, ?, ?)`,
  setRecords: 'UPDATE sources SET records = ?, format = ?, detail = ? WHERE id = ?',
  maxEntry: 'SELECT max(id) AS id FROM entries',
} as const;

/**
 * Opens a list for writing and collects one or more sources into it.
 *
 * The SQLite work runs on a thread of its own (sql-channel.ts): this class
 * decides every statement, in the order a single connection would run
 * them, and the inserts overlap with the parsing and sorting done here.
 */
export class ListWriter {
  readonly created: boolean;
  /** Leftovers of imports into this list that were killed (their process is gone), removed by {@link ListWriter.open}. */
  readonly removedStale: string[];
  private readonly sql: SqlChannel;
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
  /** INSERT text by statement key and row count. */
  private readonly inserts = new Map<string, string>();
  private finished = false;

  private constructor(target: string, rule: LowInformationRule, runLimits: RunLimits) {
    this.target = target;
    this.rule = rule;
    this.created = !existsSync(target);
    this.removedStale = removeStale(target);
    this.temp = this.created ? join(dirname(target), `${tempPrefix(target)}${process.pid}.${Date.now()}.tmp`) : null;
    try {
      this.sql = SqlChannel.open(target, this.temp);
    } catch (err) {
      if (this.temp) rmSync(this.temp, { force: true });
      throw err;
    }
    const spillParent = dirname(target);
    this.digests = Object.fromEntries(CRYPTO_ALGORITHMS.map((a) => [a, new SortedRuns(spillParent, runLimits)])) as Record<
      CryptoAlgorithm,
      SortedRuns
    >;
    this.perceptualOnly = new SortedRuns(spillParent, runLimits);
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
    return (this.sql.get(SQL.hasSource, [sha256]) as { name: string } | undefined)?.name;
  }

  /** Starts a source; records added until {@link endSource} belong to it. */
  beginSource(meta: SourceMeta): void {
    const id = this.sql.insert(SQL.addSource, [
      meta.name,
      meta.format,
      meta.fileName,
      meta.sha256,
      new Date().toISOString(),
      meta.role,
      meta.detail ? JSON.stringify(meta.detail) : null,
    ]);
    // Entries are inserted without an id, so SQLite gives each max(id) + 1: this counter
    // follows it (endSource checks), and a source's entries are one contiguous range.
    this.nextEntry = this.maxEntry() + 1;
    this.source = { id, role: ROLE_CODE[meta.role], firstEntry: this.nextEntry, staged: 0 };
  }

  /**
   * Changes the current source's role, for formats that state it inside the file
   * (HashKeeper `.hke`, EnCase category): the entries already written take it too.
   */
  setSourceRole(role: Role): void {
    const src = this.source;
    if (!src) throw new HashtriageError('INTERNAL', 'ListWriter.setSourceRole before beginSource');
    this.flushEntries();
    this.sql.run('UPDATE sources SET role = ? WHERE id = ?', [role, src.id]);
    // This source's entries are the contiguous id range starting at firstEntry.
    this.sql.run('UPDATE entries SET role = ? WHERE id >= ? AND role = ?', [ROLE_CODE[role], src.firstEntry, src.role]);
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
        this.sql.run(SQL.perceptual, [p.algorithm, p.value, id, p.implementation ?? null, p.quality ?? null, low ? 1 : 0]);
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

  /** The INSERT text for `rows` rows of a statement key, made once. */
  private insertFor(key: string, rows: number, make: () => { head: string; row: string }): string {
    const k = `${key}/${rows}`;
    let text = this.inserts.get(k);
    if (!text) {
      const { head, row } = make();
      text = `${head} VALUES ${Array(rows).fill(row).join(', ')}`;
      this.inserts.set(k, text);
    }
    return text;
  }

  /** Sends a block of rows (or a short tail row by row, rather than preparing a statement for every length). */
  private flushPending(p: Pending, make: () => { head: string; row: string }): void {
    if (p.rows === 0) return;
    if (p.rows === BATCH) {
      this.sql.run(this.insertFor(p.key, BATCH, make), p.values);
    } else {
      const text = this.insertFor(p.key, 1, make);
      const width = p.values.length / p.rows;
      if (width === 0) for (let i = 0; i < p.rows; i++) this.sql.run(text);
      else for (let i = 0; i < p.values.length; i += width) this.sql.run(text, p.values.slice(i, i + width));
    }
    p.rows = 0;
    // The channel owns the array it was given.
    p.values = [];
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
    const dropped = new EntrySet(src.firstEntry, src.staged);
    // Records without a digest: sorted by value set, a repeat sits right after its first.
    this.perceptualOnly.drain((_bytes, _start, _end, entry, _flag, repeat) => {
      if (repeat) dropped.add(entry);
    });
    for (const a of CRYPTO_ALGORITHMS) {
      const runs = this.digests[a];
      if (runs.size === 0) continue;
      const width = DIGEST_BYTES[a];
      const insert = `INSERT INTO ${digestTable(a)} (digest, entry) SELECT substr(?, key * ${width} + 1, ${width}), value FROM json_each(?)`;
      const keys = Buffer.allocUnsafe(PAIRS_BATCH * width);
      const entries = new Float64Array(PAIRS_BATCH);
      let rows = 0;
      runs.drain((bytes, start, end, entry, flag, repeat) => {
        if (flag === LEAD) {
          // The same value set as the record before: a repeat. A record's lead is its
          // first algorithm, so its later digests see this decision.
          if (repeat) {
            dropped.add(entry);
            return;
          }
        } else if (dropped.has(entry)) return;
        // Digests are at most 64 bytes: a plain loop beats a view and a copy call.
        for (let i = start, o = rows * width; i < end; i++, o++) keys[o] = bytes[i]!;
        entries[rows++] = entry;
        if (rows === PAIRS_BATCH) {
          this.sql.runPairs(insert, width, keys, entries);
          rows = 0;
        }
      }, width);
      if (rows > 0) this.sql.runPairs(insert, width, keys, entries.subarray(0, rows));
    }
    // Checked once everything is queued: waiting here costs only the SQL thread's last batches.
    const last = this.maxEntry();
    if (src.staged > 0 && last !== this.nextEntry - 1) {
      throw new HashtriageError('INTERNAL', `entry ids out of step: expected ${this.nextEntry - 1}, found ${last}`);
    }
    if (dropped.count > 0) {
      for (const id of dropped) this.sql.run('INSERT INTO temp.dropped (id) VALUES (?)', [id]);
      this.sql.exec(`
        DELETE FROM main.entries WHERE id IN (SELECT id FROM temp.dropped);
        DELETE FROM main.perceptual WHERE entry IN (SELECT id FROM temp.dropped);
        DELETE FROM temp.dropped;`);
    }
    const kept = src.staged - dropped.count;
    this.sql.run(SQL.setRecords, [kept, format, detail ? JSON.stringify(detail) : null, src.id]);
    this.source = null;
    return { records: kept, duplicates: dropped.count };
  }

  /**
   * Builds the indexes, commits, and (for a new list) moves the file into place.
   * @throws the SQLite or file-system error; the caller then calls {@link abort}
   */
  commit(): void {
    this.disposeRuns();
    this.sql.commit();
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
      this.sql.abort();
    }
    if (this.temp) {
      rmSync(this.temp, { force: true });
      rmSync(`${this.temp}-journal`, { force: true });
    }
  }

  private maxEntry(): number {
    return (this.sql.get(SQL.maxEntry) as { id: number | null }).id ?? 0;
  }

  private disposeRuns(): void {
    for (const runs of [...Object.values(this.digests), this.perceptualOnly]) runs.dispose();
  }
}

/** A new list is built in `<prefix><pid>.<time>.tmp` beside it. */
function tempPrefix(target: string): string {
  return `.${basename(target)}.`;
}

/** True while a process with this id exists (EPERM: it does, but is another user's). */
function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * Removes what killed imports into `target` left beside it: the temporary
 * list file of a new list (`.<name>.<pid>.<time>.tmp`, and its journal) and
 * sort spill folders (`.hashtriage-sort-<pid>-…`), each only when the
 * process named in it is gone. A kill (Ctrl-C, SIGKILL, power loss) never
 * touches the list itself, but these can be gigabytes.
 *
 * @returns the paths removed
 */
function removeStale(target: string): string[] {
  const dir = dirname(target);
  const temp = tempPrefix(target);
  const removed: string[] = [];
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return removed; // the import itself reports an unusable folder
  }
  for (const name of names) {
    const m = name.startsWith(temp)
      ? /^(\d+)\.\d+\.tmp(?:-journal)?$/.exec(name.slice(temp.length))
      : name.startsWith(SPILL_PREFIX)
        ? /^(\d+)-/.exec(name.slice(SPILL_PREFIX.length))
        : null;
    if (!m) continue;
    const pid = Number(m[1]);
    if (pid === process.pid || processAlive(pid)) continue;
    const path = join(dir, name);
    rmSync(path, { recursive: true, force: true });
    removed.push(path);
  }
  return removed;
}

