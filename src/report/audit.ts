/**
 * The audit log writer: `audit.jsonl`, one hash-chained record per line.
 *
 * Writes are synchronous (`fs.writeSync` on a descriptor opened for append)
 * so a record is in the file, in order, before `append` returns; the
 * durable ones are also `fsync`ed, so a crash or power cut leaves a log
 * whose complete lines are a valid chain prefix. At most the last line can
 * be torn, and `AuditLog.resume` knows how to deal with that.
 *
 * The record format and the chain rules are defined (and checked) in
 * `verify.ts`; `docs/audit-log.md` specifies them for other implementers.
 */
import { createHash, type KeyObject } from 'node:crypto';
import * as nodeFs from 'node:fs';
import { dirname } from 'node:path';
import { ExitCode, HashtriageError } from '../errors.js';
import { canonicalJson } from './canonical.js';
import { loadSigningKey, signHead } from './sign.js';
import {
  AUDIT_FORMAT_VERSION,
  ChainChecker,
  DISCARDED_KEEP_BYTES,
  GENESIS_HASH,
  LineReader,
  MAX_RECORD_BYTES,
  recordHash,
  type AuditEventType,
  type AuditRecord,
  type CloseStatus,
  type DiscardedTail,
} from './verify.js';

export {
  AUDIT_EVENT_TYPES,
  GENESIS_HASH,
  type AuditEventType,
  type AuditRecord,
  type CloseStatus,
  type DiscardedTail,
} from './verify.js';

/**
 * The file operations the writer uses. Injectable so tests can observe
 * `fsyncSync` calls and provoke write failures; the default is node:fs.
 */
export interface AuditFs {
  openSync(path: string, flags: string): number;
  writeSync(fd: number, buffer: Buffer, offset: number, length: number): number;
  readSync(fd: number, buffer: Buffer, offset: number, length: number, position: number): number;
  fsyncSync(fd: number): void;
  ftruncateSync(fd: number, length: number): void;
  fstatSync(fd: number): { size: number };
  closeSync(fd: number): void;
}

const nodeAuditFs: AuditFs = {
  openSync: (path, flags) => nodeFs.openSync(path, flags),
  writeSync: (fd, buffer, offset, length) => nodeFs.writeSync(fd, buffer, offset, length),
  readSync: (fd, buffer, offset, length, position) => nodeFs.readSync(fd, buffer, offset, length, position),
  fsyncSync: (fd) => nodeFs.fsyncSync(fd),
  ftruncateSync: (fd, length) => nodeFs.ftruncateSync(fd, length),
  fstatSync: (fd) => nodeFs.fstatSync(fd),
  closeSync: (fd) => nodeFs.closeSync(fd),
};

/** Options shared by {@link AuditLog.create} and {@link AuditLog.resume}. */
export interface AuditLogOptions {
  /** Call fsync where the format promises durability (default true). Off only for tests and benchmarks. */
  fsync?: boolean;
  /** Source of record timestamps (default `() => new Date()`); injectable for reproducible examples. */
  clock?: () => Date;
  /** File operations (default node:fs). */
  fs?: AuditFs;
}

/** What {@link AuditLog.resume} hands back. */
export interface ResumedAuditLog {
  /** The reopened writer, positioned after the resume record. */
  log: AuditLog;
  /** The `resume` record just written. */
  record: AuditRecord;
  /** The torn last line that was cut off, if the log ended with one. */
  discarded?: DiscardedTail;
  /** Record 1 (`scan_start`), whose data holds the original options. */
  start: AuditRecord;
  /** The last `checkpoint` before the interruption, if any: where the scan can pick up. */
  lastCheckpoint?: AuditRecord;
  /** The last intact record before the resume record. */
  last: AuditRecord;
  /** {@link matchKey} of every `match` record already in the log. */
  matchKeys: Set<string>;
}

/**
 * What identifies one match record: the file (reported path and raw bytes)
 * and how it matched. A file is scanned once and gets at most one record
 * per kind and algorithm, so no two matches of a case share a key.
 */
export function matchKey(data: { path?: unknown; pathBytes?: unknown; match?: { kind?: unknown; algorithm?: unknown } }): string {
  return JSON.stringify([data.path, data.pathBytes ?? null, data.match?.kind, data.match?.algorithm]);
}

/**
 * Which event types are fsynced by default. Every match and checkpoint must
 * survive a crash (the requirement), and so must the records that
 * frame a scan. Per-file errors, skipped entries and warnings can number in the hundreds of
 * thousands on a damaged disk, where an fsync each would dominate the run;
 * they become durable with the next fsynced record, since fsync flushes the
 * whole file.
 */
const DURABLE_BY_DEFAULT: Readonly<Record<AuditEventType, boolean>> = {
  scan_start: true,
  resume: true,
  match: true,
  checkpoint: true,
  scan_end: true,
  file_error: false,
  file_skipped: false,
  warning: false,
};

function misuse(message: string): HashtriageError {
  return new HashtriageError('INTERNAL', `AuditLog: ${message}`);
}

function writeFailed(path: string, what: string, err: unknown): HashtriageError {
  const e = err as NodeJS.ErrnoException;
  return new HashtriageError('AUDIT_WRITE_FAILED', `Cannot ${what} audit log ${path}: ${e?.code ?? ''} ${e?.message ?? String(err)}`.trim(), {
    cause: err,
    exitCode: ExitCode.FAILURE,
  });
}

function rejectReserved(data: Record<string, unknown>, reserved: string[]): void {
  for (const key of reserved) {
    if (key in data) throw misuse(`data.${key} is written by the log itself and cannot be passed in`);
  }
}

/**
 * An open audit log. Not safe to share between processes: exactly one
 * writer may append to a given file.
 */
export class AuditLog {
  private _seq: number;
  private _head: string;
  private closed = false;
  private failure: unknown;

  private constructor(
    private readonly path: string,
    private readonly fd: number,
    state: { seq: number; head: string },
    private readonly fs: AuditFs,
    private readonly fsync: boolean,
    private readonly clock: () => Date,
  ) {
    this._seq = state.seq;
    this._head = state.head;
  }

  /** `hash` of the last record written: the chain head. The genesis value before any record. */
  get head(): string {
    return this._head;
  }

  /** `seq` of the last record written; 0 before any. */
  get seq(): number {
    return this._seq;
  }

  /**
   * Starts a new log. The first record appended must be `scan_start`.
   *
   * @param path - where to write `audit.jsonl`; its directory must exist.
   * @param options - see {@link AuditLogOptions}.
   * @returns a writer with no records yet.
   * @throws HashtriageError `AUDIT_LOG_EXISTS` when the file exists and is not empty (never overwrite
   *   or extend evidence of another run; resume it instead); `AUDIT_WRITE_FAILED` when it cannot be created.
   */
  static create(path: string, options: AuditLogOptions = {}): AuditLog {
    const fs = options.fs ?? nodeAuditFs;
    const fsync = options.fsync ?? true;
    let fd: number;
    try {
      fd = fs.openSync(path, 'ax');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw writeFailed(path, 'create', err);
      // An empty file is accepted: a case directory may have been laid out in advance.
      try {
        fd = fs.openSync(path, 'a');
      } catch (err2) {
        throw writeFailed(path, 'open', err2);
      }
      if (fs.fstatSync(fd).size > 0) {
        fs.closeSync(fd);
        throw new HashtriageError('AUDIT_LOG_EXISTS', `Audit log ${path} already exists and is not empty; resume it or use a new case directory`, {
          exitCode: ExitCode.FAILURE,
        });
      }
    }
    if (fsync) {
      try {
        fs.fsyncSync(fd);
        syncDirectory(fs, dirname(path));
      } catch (err) {
        fs.closeSync(fd);
        throw writeFailed(path, 'create', err);
      }
    }
    return new AuditLog(path, fd, { seq: 0, head: GENESIS_HASH }, fs, fsync, options.clock ?? (() => new Date()));
  }

  /**
   * Reopens an interrupted log to continue it: verifies every complete line,
   * cuts a torn last line (recording its length, SHA-256 and, if small, its
   * bytes in the resume record), and appends a `resume` record.
   *
   * @param path - an existing `audit.jsonl`.
   * @param data - what the resume record should carry besides `priorState` and `discarded`
   *   (e.g. tool version, command line).
   * @param options - see {@link AuditLogOptions}.
   * @returns the writer and what the prefix held (start, last checkpoint, last record).
   * @throws HashtriageError `AUDIT_UNREADABLE` when the file cannot be opened;
   *   `AUDIT_CHAIN_BROKEN` when a complete line fails verification (the message names it);
   *   `RESUME_STATE_INVALID` when the log holds no complete record or was sealed as completed;
   *   `AUDIT_WRITE_FAILED` when cutting the tail or writing the resume record fails.
   */
  static resume(path: string, data: Record<string, unknown> = {}, options: AuditLogOptions = {}): ResumedAuditLog {
    const fs = options.fs ?? nodeAuditFs;
    const fsync = options.fsync ?? true;
    rejectReserved(data, ['priorState', 'discarded']);
    let fd: number;
    try {
      // r+ rather than a+: resuming must never create a log that was not there.
      fd = fs.openSync(path, 'r+');
    } catch (err) {
      const e = err as NodeJS.ErrnoException;
      throw new HashtriageError('AUDIT_UNREADABLE', `Cannot open audit log ${path} to resume: ${e?.code ?? ''} ${e?.message ?? String(err)}`.trim(), {
        cause: err,
        exitCode: ExitCode.FAILURE,
      });
    }
    const checker = new ChainChecker();
    const matchKeys = new Set<string>();
    let discarded: DiscardedTail | undefined;
    try {
      const reader = new LineReader(fd, fs.readSync);
      for (let raw = reader.next(); raw !== null; raw = reader.next()) {
        const bad = checker.accept(raw);
        if (bad) {
          throw new HashtriageError('AUDIT_CHAIN_BROKEN', `Cannot resume ${path}: line ${bad.line} (record ${bad.seq}): ${bad.reason}`);
        }
        if (checker.last?.type === 'match') matchKeys.add(matchKey(checker.last.data as Parameters<typeof matchKey>[0]));
      }
      if (checker.seq === 0) {
        throw new HashtriageError('RESUME_STATE_INVALID', `Cannot resume ${path}: it holds no complete record; start a new scan`);
      }
      if (checker.last?.type === 'scan_end' && checker.last.data.status === 'completed') {
        throw new HashtriageError('RESUME_STATE_INVALID', `Cannot resume ${path}: the scan it records completed and the log is sealed`);
      }
      if (reader.tail.length > 0) {
        discarded = readTail(fs, fd, reader.tail.offset, reader.tail.length);
        try {
          // The torn line is not a record and never was; its bytes survive in the resume record.
          fs.ftruncateSync(fd, reader.tail.offset);
          if (fsync) fs.fsyncSync(fd);
        } catch (err) {
          throw writeFailed(path, 'cut the torn last line of', err);
        }
      }
    } catch (err) {
      fs.closeSync(fd);
      throw err;
    }
    fs.closeSync(fd);
    let appendFd: number;
    try {
      appendFd = fs.openSync(path, 'a');
    } catch (err) {
      throw writeFailed(path, 'reopen', err);
    }
    const log = new AuditLog(path, appendFd, { seq: checker.seq, head: checker.head }, fs, fsync, options.clock ?? (() => new Date()));
    const priorState = checker.last?.type === 'scan_end' ? 'interrupted' : 'unclosed';
    const record = log.write('resume', { ...data, priorState, ...(discarded ? { discarded } : {}) }, true);
    const result: ResumedAuditLog = { log, record, start: checker.start!, last: checker.last!, matchKeys };
    if (discarded) result.discarded = discarded;
    if (checker.lastCheckpoint) result.lastCheckpoint = checker.lastCheckpoint;
    return result;
  }

  /**
   * Appends one record.
   *
   * @param type - the event; `scan_start` first and only first. `resume` and `scan_end`
   *   are written by {@link AuditLog.resume} and {@link AuditLog.close}.
   * @param data - the event's metadata: plain JSON values only (see canonical.ts). Never file content.
   * @param options.durable - fsync before returning; defaults to true for every type but
   *   `file_error`, `file_skipped` and `warning`.
   * @returns the record as written.
   * @throws HashtriageError `INTERNAL` for misuse (wrong order, closed log, unserialisable data,
   *   record over 1 MiB); `AUDIT_WRITE_FAILED` when the write or fsync fails, after which the log
   *   refuses further records.
   */
  append(type: AuditEventType, data: Record<string, unknown>, options: { durable?: boolean } = {}): AuditRecord {
    if (type === 'resume' || type === 'scan_end') throw misuse(`${type} records are written by ${type === 'resume' ? 'AuditLog.resume' : 'close()'}`);
    if (this._seq === 0 && type !== 'scan_start') throw misuse(`the first record must be scan_start, not ${type}`);
    if (this._seq > 0 && type === 'scan_start') throw misuse('scan_start may only be the first record');
    return this.write(type, data, options.durable ?? DURABLE_BY_DEFAULT[type]);
  }

  /**
   * Seals the log: writes the `scan_end` record (optionally signed), fsyncs it and closes the file.
   *
   * @param data - totals, elapsed time and whatever else closes the scan; `status` is added here.
   * @param options.status - `completed` (default) or `interrupted` (SIGINT/SIGTERM; the log may be resumed).
   * @param options.signKeyPem - Ed25519 private key (PEM or a key from `loadSigningKey`) to sign the
   *   record's hash, which is the final chain head.
   * @returns the closing record.
   * @throws HashtriageError `AUDIT_KEY_INVALID` (before anything is written) when the key cannot sign;
   *   otherwise as {@link AuditLog.append}.
   */
  close(data: Record<string, unknown>, options: { status?: CloseStatus; signKeyPem?: string | Buffer | KeyObject } = {}): AuditRecord {
    if (this._seq === 0) throw misuse('cannot close a log that has no scan_start record');
    rejectReserved(data, ['status']);
    const { signKeyPem } = options;
    const key =
      signKeyPem === undefined ? undefined : typeof signKeyPem === 'string' || Buffer.isBuffer(signKeyPem) ? loadSigningKey(signKeyPem) : signKeyPem;
    const record = this.write('scan_end', { ...data, status: options.status ?? 'completed' }, true, key);
    this.release();
    return record;
  }

  /**
   * Closes the file without sealing it, as a crash would leave it (the log
   * verifies as "not sealed" and can be resumed). For error paths and tests.
   */
  release(): void {
    if (this.closed) return;
    this.closed = true;
    this.fs.closeSync(this.fd);
  }

  private write(type: AuditEventType, data: Record<string, unknown>, durable: boolean, signKey?: KeyObject): AuditRecord {
    if (this.closed) throw misuse('the log is closed');
    if (this.failure !== undefined) throw writeFailed(this.path, 'append to (an earlier write failed)', this.failure);
    const body = {
      v: AUDIT_FORMAT_VERSION,
      seq: this._seq + 1,
      ts: this.clock().toISOString(),
      type,
      prev: this._head,
      data,
    };
    const hash = recordHash(body);
    const full: Record<string, unknown> = { ...body, hash };
    if (signKey) full.signature = signHead(hash, signKey);
    const text = canonicalJson(full);
    const line = Buffer.from(`${text}\n`, 'utf8');
    if (line.length - 1 > MAX_RECORD_BYTES) {
      throw misuse(`a ${type} record of ${line.length - 1} bytes exceeds the ${MAX_RECORD_BYTES}-byte limit`);
    }
    try {
      // One write per record: a crash then tears at most this line.
      for (let off = 0; off < line.length; ) {
        const n = this.fs.writeSync(this.fd, line, off, line.length - off);
        if (n <= 0) throw new Error(`write returned ${n}`);
        off += n;
      }
      if (durable && this.fsync) this.fs.fsyncSync(this.fd);
    } catch (err) {
      // The file may now end in a partial line; only resume can repair that.
      this.failure = err;
      throw writeFailed(this.path, 'append to', err);
    }
    this._seq = body.seq;
    this._head = hash;
    // Parsed back from what was written, so the caller sees exactly the logged values.
    return JSON.parse(text) as AuditRecord;
  }
}

/** Makes a new directory entry durable. */
function syncDirectory(fs: AuditFs, dir: string): void {
  let fd: number;
  try {
    fd = fs.openSync(dir, 'r');
  } catch (err) {
    // Windows cannot open a directory as a file, and has no such fsync to do.
    if (isUnsupportedDirSync(err)) return;
    throw err;
  }
  try {
    fs.fsyncSync(fd);
  } catch (err) {
    // Some filesystems (certain network and FUSE mounts) refuse fsync on a directory.
    if (!isUnsupportedDirSync(err)) throw err;
  } finally {
    fs.closeSync(fd);
  }
}

function isUnsupportedDirSync(err: unknown): boolean {
  const code = (err as NodeJS.ErrnoException)?.code;
  return code === 'EISDIR' || code === 'EPERM' || code === 'EINVAL' || code === 'ENOTSUP' || code === 'EBADF';
}

/** Reads (and hashes) the torn tail in bounded chunks, keeping the bytes only when small. */
function readTail(fs: AuditFs, fd: number, offset: number, length: number): DiscardedTail {
  const hash = createHash('sha256');
  const kept: Buffer[] = [];
  const chunk = Buffer.allocUnsafe(Math.min(length, 1024 * 1024));
  for (let done = 0; done < length; ) {
    const n = fs.readSync(fd, chunk, 0, Math.min(chunk.length, length - done), offset + done);
    if (n <= 0) break;
    const piece = chunk.subarray(0, n);
    hash.update(piece);
    if (length <= DISCARDED_KEEP_BYTES) kept.push(Buffer.from(piece));
    done += n;
  }
  const tail: DiscardedTail = { offset, bytes: length, sha256: hash.digest('hex') };
  if (length <= DISCARDED_KEEP_BYTES) tail.base64 = Buffer.concat(kept).toString('base64');
  return tail;
}
