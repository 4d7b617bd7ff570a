/**
 * The scan's state in the case dir (`case.sqlite`): which files are done, what
 * each gave, and every match. It is what makes a scan resumable after a
 * crash, and the source the JSON Lines and CSV outputs are rebuilt from.
 *
 * Durability: WAL with `synchronous = FULL`. A file that matched is committed
 * at once, before its audit record is written; files without a match are
 * committed in batches, because a crash that loses one only means hashing
 * those files again on resume, which reports nothing twice.
 */
import Database from 'better-sqlite3';
import { HashtriageError } from '../errors.js';
import type { FileFailure, MatchRecord } from '../types.js';

export const CASE_SCHEMA_VERSION = 1;

const DDL = `
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS files (
  path BLOB PRIMARY KEY,            -- raw path bytes relative to the evidence root
  outcome TEXT NOT NULL,            -- hashed | matched | known | empty-listed | skipped | error
  size INTEGER NOT NULL,
  failures TEXT                     -- JSON array of FileFailure, or NULL
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS matches (
  seq INTEGER PRIMARY KEY,          -- report order
  path BLOB NOT NULL,
  record TEXT NOT NULL,             -- the MatchRecord as JSON
  audited INTEGER NOT NULL DEFAULT 0
);
`;

/** `empty-listed`: a zero-byte file whose digest the list holds as notable, not reported (see ScanConfig.matchEmptyFiles). */
export type FileOutcome = 'hashed' | 'matched' | 'known' | 'empty-listed' | 'skipped' | 'error';

export interface CaseTotals {
  files: number;
  bytes: number;
  matchedFiles: number;
  matches: number;
  knownGood: number;
  /** Zero-byte files whose digest is on the list as notable: counted, not reported. */
  emptyListed: number;
  skipped: number;
  /** Files with at least one failure (unreadable, vanished, undecodable...). */
  errors: number;
  /** Failures by code. */
  errorsByCode: Record<string, number>;
}

/** How many unmatched files may wait for one commit. */
const BATCH = 2000;

export class CaseDb {
  readonly #db: Database.Database;
  readonly #isDone: Database.Statement;
  readonly #insertFile: Database.Statement;
  readonly #insertMatch: Database.Statement;
  readonly #markAudited: Database.Statement;
  #pending = 0;

  /**
   * Opens (creating if needed) the case database.
   * @throws HashtriageError RESUME_STATE_INVALID when the file is not a hashtriage case database of this version.
   */
  constructor(path: string) {
    try {
      this.#db = new Database(path);
      this.#db.pragma('journal_mode = WAL');
      this.#db.pragma('synchronous = FULL');
      const version = this.#db.pragma('user_version', { simple: true }) as number;
      if (version !== 0 && version !== CASE_SCHEMA_VERSION) {
        throw new HashtriageError('RESUME_STATE_INVALID', `${path}: case database version ${version}, expected ${CASE_SCHEMA_VERSION}`);
      }
      this.#db.exec(DDL);
      this.#db.pragma(`user_version = ${CASE_SCHEMA_VERSION}`);
    } catch (err) {
      if (err instanceof HashtriageError) throw err;
      throw new HashtriageError('RESUME_STATE_INVALID', `${path}: cannot open the case database: ${(err as Error).message}`, { cause: err });
    }
    this.#isDone = this.#db.prepare('SELECT 1 AS one FROM files WHERE path = ?');
    this.#insertFile = this.#db.prepare('INSERT OR REPLACE INTO files (path, outcome, size, failures) VALUES (?, ?, ?, ?)');
    this.#insertMatch = this.#db.prepare('INSERT INTO matches (path, record) VALUES (?, ?)');
    this.#markAudited = this.#db.prepare('UPDATE matches SET audited = 1 WHERE seq = ?');
  }

  getMeta(key: string): string | undefined {
    const row = this.#db.prepare('SELECT value FROM meta WHERE key = ?').get(key) as { value: string } | undefined;
    return row?.value;
  }

  setMeta(key: string, value: string): void {
    this.#db.prepare('INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)').run(key, value);
  }

  /** Whether a previous run already finished this path. */
  isDone(path: Buffer): boolean {
    return this.#isDone.get(path) !== undefined;
  }

  /**
   * Records a finished file. With matches, commits at once (with the matches,
   * atomically) and returns their sequence numbers; otherwise batches.
   */
  recordFile(path: Buffer, outcome: FileOutcome, size: number, failures: readonly FileFailure[], matches: readonly MatchRecord[] = []): number[] {
    const failuresJson = failures.length > 0 ? JSON.stringify(failures) : null;
    if (matches.length === 0) {
      if (this.#pending === 0) this.#db.exec('BEGIN');
      this.#insertFile.run(path, outcome, size, failuresJson);
      if (++this.#pending >= BATCH) this.flush();
      return [];
    }
    this.flush();
    const seqs: number[] = [];
    this.#db.transaction(() => {
      this.#insertFile.run(path, outcome, size, failuresJson);
      for (const m of matches) seqs.push(Number(this.#insertMatch.run(path, JSON.stringify(m)).lastInsertRowid));
    })();
    return seqs;
  }

  /** Marks a match as written to the audit log (see `unauditedMatches`). */
  markAudited(seq: number): void {
    this.#markAudited.run(seq);
  }

  /** Matches committed here whose audit record a crash may have prevented. */
  unauditedMatches(): { seq: number; record: MatchRecord }[] {
    const rows = this.#db.prepare('SELECT seq, record FROM matches WHERE audited = 0 ORDER BY seq').all() as { seq: number; record: string }[];
    return rows.map((r) => ({ seq: r.seq, record: JSON.parse(r.record) as MatchRecord }));
  }

  /** Every match, in report order. */
  *matches(): IterableIterator<MatchRecord> {
    for (const row of this.#db.prepare('SELECT record FROM matches ORDER BY seq').iterate() as IterableIterator<{ record: string }>) {
      yield JSON.parse(row.record) as MatchRecord;
    }
  }

  /** Commits the pending batch. */
  flush(): void {
    if (this.#pending > 0) {
      this.#db.exec('COMMIT');
      this.#pending = 0;
    }
  }

  totals(): CaseTotals {
    this.flush();
    const t = this.#db
      .prepare(
        `SELECT COUNT(*) AS files, COALESCE(SUM(size), 0) AS bytes,
                SUM(outcome = 'matched') AS matchedFiles, SUM(outcome = 'known') AS knownGood,
                SUM(outcome = 'empty-listed') AS emptyListed, SUM(outcome = 'skipped') AS skipped, SUM(failures IS NOT NULL) AS errors
         FROM files`,
      )
      .get() as Record<string, number | null>;
    const errorsByCode: Record<string, number> = {};
    for (const row of this.#db.prepare('SELECT failures FROM files WHERE failures IS NOT NULL').iterate() as IterableIterator<{ failures: string }>) {
      for (const f of JSON.parse(row.failures) as FileFailure[]) errorsByCode[f.code] = (errorsByCode[f.code] ?? 0) + 1;
    }
    const matches = (this.#db.prepare('SELECT COUNT(*) AS n FROM matches').get() as { n: number }).n;
    return {
      files: (t.files ?? 0) - (t.skipped ?? 0),
      bytes: t.bytes ?? 0,
      matchedFiles: t.matchedFiles ?? 0,
      matches,
      knownGood: t.knownGood ?? 0,
      emptyListed: t.emptyListed ?? 0,
      skipped: t.skipped ?? 0,
      errors: t.errors ?? 0,
      errorsByCode,
    };
  }

  close(): void {
    this.flush();
    this.#db.close();
  }
}
