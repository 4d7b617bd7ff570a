/**
 * The case dir as one writer: the case database, the audit log and the match
 * outputs kept consistent with each other, including across a resume.
 *
 * Order of writes for a file with a match: case database (committed), then
 * matches.jsonl/csv, then the audit record (fsynced), then the database's
 * "audited" mark. A crash anywhere in between leaves either nothing (the file
 * is hashed again on resume) or a committed match whose audit record may be
 * missing: on resume, `open` writes it unless the log already holds it (a
 * crash between the record's fsync and the mark). So no match is lost or
 * reported twice.
 */
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { KeyObject } from 'node:crypto';
import { HashtriageError } from '../errors.js';
import { pathBytesOf, type FileFailure, type MatchRecord, type ReportedPath } from '../types.js';
import { AuditLog, matchKey } from './audit.js';
import { CaseDb, type CaseTotals, type FileOutcome } from './case-db.js';
import { MatchOutputs } from './outputs.js';

export interface CaseOpenOptions {
  caseDir: string;
  /** Continue the scan recorded in the case dir, if there is one. */
  resume: boolean;
  /** Facts that must be the same for a resume to be allowed. */
  identity: Record<string, string>;
  /** What the scan_start (or resume) record carries. */
  startFacts: Record<string, unknown>;
  checkpointSeconds: number;
}

/** Running counts, for the progress line and checkpoints. */
export interface CaseCounts {
  files: number;
  bytes: number;
  matches: number;
  errors: number;
}

export const CASE_FILES = ['matches.jsonl', 'matches.csv', 'audit.jsonl', 'summary.json', 'case.sqlite'] as const;

export class CaseWriter {
  readonly caseDir: string;
  readonly resumed: boolean;
  readonly counts: CaseCounts;
  readonly #db: CaseDb;
  readonly #audit: AuditLog;
  readonly #outputs: MatchOutputs;
  readonly #checkpointMs: number;
  #lastCheckpoint = Date.now();

  private constructor(caseDir: string, resumed: boolean, db: CaseDb, audit: AuditLog, checkpointSeconds: number) {
    this.caseDir = caseDir;
    this.resumed = resumed;
    this.#db = db;
    this.#audit = audit;
    this.#checkpointMs = checkpointSeconds * 1000;
    const t = db.totals();
    this.counts = { files: t.files, bytes: t.bytes, matches: t.matches, errors: t.errors };
    this.#outputs = new MatchOutputs(caseDir, db.matches());
  }

  /**
   * Opens the case dir: a new scan, or the continuation of the one recorded
   * there (`resume`, when its state exists).
   * @throws HashtriageError RESUME_STATE_INVALID when the recorded scan is of
   *   another evidence root or list, or the dir holds an audit log without state.
   */
  static open(o: CaseOpenOptions): CaseWriter {
    mkdirSync(o.caseDir, { recursive: true });
    const dbPath = join(o.caseDir, 'case.sqlite');
    const auditPath = join(o.caseDir, 'audit.jsonl');
    const resumed = o.resume && existsSync(dbPath);
    if (!resumed && existsSync(auditPath)) {
      throw new HashtriageError('RESUME_STATE_INVALID', `${auditPath} exists but the case database does not: not a resumable case dir`);
    }
    const db = new CaseDb(dbPath);
    try {
      for (const [key, value] of Object.entries(o.identity)) {
        const was = db.getMeta(key);
        if (resumed && was !== undefined && was !== value) {
          throw new HashtriageError('RESUME_STATE_INVALID', `cannot resume: the case was scanned with ${key} ${was}, not ${value}`);
        }
        db.setMeta(key, value);
      }
      let audit: AuditLog;
      if (resumed) {
        const prior = AuditLog.resume(auditPath, { ...o.startFacts, alreadyDone: db.totals() });
        audit = prior.log;
        for (const { seq, record } of db.unauditedMatches()) {
          // Killed after the audit record's fsync but before the database noted it: the log
          // already holds it, and is what decides (writing it again would report it twice).
          if (!prior.matchKeys.has(matchKey(record))) audit.append('match', { ...record, recoveredOnResume: true }, { durable: true });
          db.markAudited(seq);
        }
      } else {
        audit = AuditLog.create(auditPath);
        audit.append('scan_start', o.startFacts, { durable: true });
      }
      return new CaseWriter(o.caseDir, resumed, db, audit, o.checkpointSeconds);
    } catch (err) {
      db.close();
      throw err;
    }
  }

  /** Whether a previous run already finished this path. */
  isDone(p: ReportedPath): boolean {
    return this.#db.isDone(pathBytesOf(p));
  }

  /** Records a symlink or special file: never opened, but never silently dropped. */
  skipped(p: ReportedPath, reason: string): void {
    this.#db.recordFile(pathBytesOf(p), 'skipped', 0, []);
    this.#audit.append('file_skipped', { path: p.path, pathBytes: p.pathBytes ?? null, reason });
  }

  /** Records one finished file, its failures and its matches, in the order described above. */
  file(p: ReportedPath, outcome: FileOutcome, size: number, failures: readonly FileFailure[], matches: readonly MatchRecord[]): void {
    const seqs = this.#db.recordFile(pathBytesOf(p), outcome, size, failures, matches);
    if (matches.length > 0) this.#outputs.append(matches);
    matches.forEach((m, i) => {
      this.#audit.append('match', m as unknown as Record<string, unknown>, { durable: true });
      this.#db.markAudited(seqs[i]);
    });
    for (const f of failures) this.#audit.append('file_error', { path: p.path, pathBytes: p.pathBytes ?? null, code: f.code, message: f.message });
    this.counts.files++;
    this.counts.bytes += size;
    this.counts.matches += matches.length;
    if (failures.length > 0) this.counts.errors++;
    if (Date.now() - this.#lastCheckpoint >= this.#checkpointMs) {
      // The database first, so a checkpoint never claims more than a resume would find.
      this.#db.flush();
      this.#audit.append('checkpoint', { ...this.counts }, { durable: true });
      this.#lastCheckpoint = Date.now();
    }
  }

  /**
   * Closes the audit log (signed if a key is given), writes summary.json and
   * closes everything.
   * @returns the totals over every run of this case, and the audit chain head.
   */
  finish(
    status: 'completed' | 'interrupted',
    closing: Record<string, unknown>,
    summary: Record<string, unknown>,
    signKey?: KeyObject,
  ): { totals: CaseTotals; chainHead: string } {
    const totals = this.#db.totals();
    const end = this.#audit.close({ ...closing, totals }, { status, ...(signKey === undefined ? {} : { signKeyPem: signKey }) });
    writeFileSync(
      join(this.caseDir, 'summary.json'),
      `${JSON.stringify({ ...summary, status, resumed: this.resumed, totals, outputs: CASE_FILES, auditChainHead: end.hash }, null, 2)}\n`,
    );
    this.#outputs.close();
    this.#db.close();
    return { totals, chainHead: end.hash };
  }
}
