/**
 * The audit log's record format, the rules of its chain, and the verifier.
 *
 * The format lives here rather than in the writer because it is the
 * verifier's definition that matters: the writer (`audit.ts`) reuses this
 * checker when it resumes, so the two cannot drift apart. The prose
 * specification, for people writing their own verifier, is
 * `docs/audit-log.md`.
 */
import { createHash, type KeyObject } from 'node:crypto';
import { closeSync, openSync, readSync } from 'node:fs';
import { ExitCode, HashtriageError, type ErrorCode } from '../errors.js';
import { canonicalJson } from './canonical.js';
import { checkHeadSignature, loadVerifyKey, type AuditSignature } from './sign.js';

/** The `v` member of every record written by this version. */
export const AUDIT_FORMAT_VERSION = 1;

/** `prev` of the first record: there is no earlier record to point at. */
export const GENESIS_HASH = '0'.repeat(64);

/**
 * Longest record line, without its newline. Records are small (a path, some
 * digests, list metadata); a line this long means something other than
 * metadata is being logged, and bounding it bounds the verifier's memory.
 */
export const MAX_RECORD_BYTES = 1024 * 1024;

/** Every event type of format version 1, in the order a scan usually writes them. */
export const AUDIT_EVENT_TYPES = [
  'scan_start',
  'resume',
  'match',
  'file_error',
  'file_skipped',
  'warning',
  'checkpoint',
  'scan_end',
] as const;

/**
 * What a record reports. `scan_start` only as record 1; `resume` only through
 * `AuditLog.resume`; `scan_end` only through `AuditLog.close`.
 */
export type AuditEventType = (typeof AUDIT_EVENT_TYPES)[number];

/** How a scan ended, recorded in the closing record's `data.status`. */
export type CloseStatus = 'completed' | 'interrupted';

/** One line of `audit.jsonl`, as parsed. */
export interface AuditRecord {
  /** Format version: {@link AUDIT_FORMAT_VERSION}. */
  v: number;
  /** 1 for the first record, then +1 per record; equals the line number. */
  seq: number;
  /** When the record was written: ISO 8601 UTC with milliseconds, `2025-01-31T12:00:00.000Z`. */
  ts: string;
  type: AuditEventType;
  /** `hash` of the previous record; {@link GENESIS_HASH} for record 1. */
  prev: string;
  /** The event's content. Metadata only, never file or image content. */
  data: Record<string, unknown>;
  /** SHA-256 (lowercase hex) of the canonical JSON of this record without `hash` and `signature`. */
  hash: string;
  /** Only on `scan_end`, and only when signed: not covered by `hash`, since it signs `hash`. */
  signature?: AuditSignature;
}

/** What `AuditLog.resume` cut from the end of a log, as recorded in the resume record's `data.discarded`. */
export interface DiscardedTail {
  /** Byte offset where the discarded bytes began: also where the resume record begins. */
  offset: number;
  /** How many bytes were discarded. */
  bytes: number;
  /** SHA-256 (lowercase hex) of exactly those bytes. */
  sha256: string;
  /** The bytes themselves in base64, when at most {@link DISCARDED_KEEP_BYTES}. */
  base64?: string;
}

/** Torn tails up to this size are kept verbatim (base64) in the resume record. */
export const DISCARDED_KEEP_BYTES = 64 * 1024;

/** Where verification failed and why. */
export interface BadRecord {
  /** 1-based line number in the file. */
  line: number;
  /** Byte offset of that line. */
  offset: number;
  /** The sequence number the record at this position should have had. */
  seq: number;
  /** `AUDIT_CHAIN_BROKEN`, `AUDIT_NOT_SEALED` or `AUDIT_SIGNATURE_INVALID`. */
  code: ErrorCode;
  reason: string;
}

/** Status of the closing record's signature. `unchecked`: present, but no public key was given. */
export type SignatureStatus = 'valid' | 'invalid' | 'absent' | 'unchecked';

/** The outcome of {@link verifyAuditLog}. */
export interface VerifyResult {
  /** True only when the chain is intact, sealed, and (if a key was given) the seal's signature is valid. */
  ok: boolean;
  /** Records that passed every chain check, from the start up to the first bad one. */
  records: number;
  /** `hash` of the last record that passed; null when none did. */
  head: string | null;
  /** The chain is intact and its last record is a `scan_end`. */
  sealed: boolean;
  /** The closing record's `data.status`, when sealed. */
  status?: CloseStatus;
  signature: SignatureStatus;
  /** How many times the scan was resumed. */
  resumes: number;
  /** The first thing wrong, when `ok` is false. */
  firstBad?: BadRecord;
}

const HEX64 = /^[0-9a-f]{64}$/;
const ISO_MS_UTC = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;
const MEMBERS = new Set(['v', 'seq', 'ts', 'type', 'prev', 'data', 'hash', 'signature']);
const REQUIRED = ['v', 'seq', 'ts', 'type', 'prev', 'data', 'hash'];
const utf8 = new TextDecoder('utf-8', { fatal: true });

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/**
 * Computes a record's `hash`: SHA-256 over the UTF-8 bytes of the canonical
 * JSON of the record with its `hash` and `signature` members removed.
 *
 * @param record - a record, with or without `hash` and `signature`.
 * @returns 64 lowercase hex characters.
 * @throws HashtriageError `INTERNAL` when the record holds values canonical JSON refuses.
 */
export function recordHash(record: Omit<AuditRecord, 'hash' | 'signature'> & { hash?: unknown; signature?: unknown }): string {
  const { hash: _hash, signature: _signature, ...body } = record;
  return createHash('sha256').update(canonicalJson(body), 'utf8').digest('hex');
}

/** Positional read, as `fs.readSync(fd, buffer, offset, length, position)`. */
export type ReadAt = (fd: number, buffer: Buffer, offset: number, length: number, position: number) => number;

/** A line as read: `bytes` is null when the line exceeded {@link MAX_RECORD_BYTES}. */
interface RawLine {
  bytes: Buffer | null;
  length: number;
  offset: number;
  line: number;
}

/**
 * Reads LF-terminated lines from a file descriptor in fixed-size chunks, so
 * a log of any length verifies in bounded memory. Bytes after the last LF
 * are not a line: they are reported as `tail` once the reader is exhausted.
 *
 * @internal shared with audit.ts
 */
export class LineReader {
  /** Set when `next()` has returned null: the bytes after the last LF. */
  tail = { offset: 0, length: 0 };
  private readonly chunk = Buffer.allocUnsafe(1024 * 1024);
  private chunkLen = 0;
  private chunkPos = 0;
  private filePos = 0;
  private line = 0;
  private lineStart = 0;
  private done = false;

  constructor(
    private readonly fd: number,
    private readonly read: ReadAt = readSync,
  ) {}

  /** The next complete line, or null at the end of the file. */
  next(): RawLine | null {
    if (this.done) return null;
    const parts: Buffer[] = [];
    let length = 0;
    let overlong = false;
    for (;;) {
      if (this.chunkPos >= this.chunkLen) {
        const n = this.read(this.fd, this.chunk, 0, this.chunk.length, this.filePos);
        if (n === 0) break;
        this.filePos += n;
        this.chunkLen = n;
        this.chunkPos = 0;
      }
      const view = this.chunk.subarray(this.chunkPos, this.chunkLen);
      const nl = view.indexOf(0x0a);
      const piece = nl === -1 ? view : view.subarray(0, nl);
      length += piece.length;
      if (!overlong && length > MAX_RECORD_BYTES) {
        overlong = true;
        parts.length = 0;
      }
      // Copied, because the chunk buffer is reused by the next read.
      if (!overlong) parts.push(Buffer.from(piece));
      if (nl === -1) {
        this.chunkPos = this.chunkLen;
        continue;
      }
      this.chunkPos += nl + 1;
      const offset = this.lineStart;
      this.lineStart += length + 1;
      this.line += 1;
      return { bytes: overlong ? null : Buffer.concat(parts, length), length, offset, line: this.line };
    }
    this.done = true;
    this.tail = { offset: this.lineStart, length };
    return null;
  }

  /** Lines returned so far. */
  get lines(): number {
    return this.line;
  }
}

/**
 * Applies the chain rules to one line after another and keeps what a
 * verifier or a resuming writer needs to know about the accepted prefix.
 *
 * @internal shared with audit.ts
 */
export class ChainChecker {
  /** seq of the last accepted record; 0 before any. */
  seq = 0;
  /** hash of the last accepted record; the genesis value before any. */
  head = GENESIS_HASH;
  resumes = 0;
  start?: AuditRecord;
  last?: AuditRecord;
  lastCheckpoint?: AuditRecord;
  /** Line and byte offset of the last accepted record. */
  lastLine = 0;
  lastOffset = 0;
  /** Signature status of the last accepted `scan_end`. */
  signature: SignatureStatus = 'absent';
  /** The first signature that failed to check, if a key was given. */
  signatureProblem?: BadRecord;

  constructor(private readonly publicKey?: KeyObject) {}

  /**
   * Checks one line. On success the record becomes the new head.
   *
   * @returns null when the line is a valid next record, else what is wrong with it.
   */
  accept(raw: RawLine): BadRecord | null {
    const expected = this.seq + 1;
    const bad = (reason: string): BadRecord => ({
      line: raw.line,
      offset: raw.offset,
      seq: expected,
      code: 'AUDIT_CHAIN_BROKEN',
      reason,
    });
    if (raw.bytes === null) return bad(`the line is longer than ${MAX_RECORD_BYTES} bytes`);
    if (raw.length === 0) return bad('empty line');
    let text: string;
    try {
      text = utf8.decode(raw.bytes);
    } catch {
      return bad('the line is not valid UTF-8');
    }
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch {
      return bad('the line is not valid JSON');
    }
    if (!isPlainObject(parsed)) return bad('the line is not a JSON object');
    let canonical: string | undefined;
    try {
      canonical = canonicalJson(parsed);
    } catch {
      canonical = undefined;
    }
    // Requiring the exact canonical bytes makes any edit a failure, even one
    // (a space, a swapped member order) that would not change the parsed value.
    if (canonical !== text) return bad('the line is not in canonical form: it was edited');
    const shapeProblem = checkShape(parsed);
    if (shapeProblem) return bad(shapeProblem);
    const record = parsed as unknown as AuditRecord;
    if (recordHash(record) !== record.hash) {
      return bad('hash mismatch: the record was changed after it was written');
    }
    if (record.seq !== expected) {
      return bad(
        record.seq > expected
          ? `seq is ${record.seq}, expected ${expected}: record(s) missing before this one`
          : `seq is ${record.seq}, expected ${expected}: a record was inserted, repeated or moved here`,
      );
    }
    if (record.prev !== this.head) {
      return bad(
        expected === 1
          ? 'the first record must have the genesis prev (64 zeros)'
          : `prev does not match the hash of record ${this.seq}: a record was deleted, inserted or reordered`,
      );
    }
    const ruleProblem = this.checkSequence(record, raw.offset);
    if (ruleProblem) return bad(ruleProblem);

    if (record.type === 'scan_end') this.checkSignature(record, raw);
    if (record.type === 'scan_start') this.start = record;
    if (record.type === 'checkpoint') this.lastCheckpoint = record;
    if (record.type === 'resume') this.resumes += 1;
    this.seq = record.seq;
    this.head = record.hash;
    this.last = record;
    this.lastLine = raw.line;
    this.lastOffset = raw.offset;
    return null;
  }

  /** Where each event type may appear, and what the writer-owned members must hold. */
  private checkSequence(record: AuditRecord, offset: number): string | null {
    const previous = this.last;
    if (record.seq === 1 && record.type !== 'scan_start') return `the first record must be scan_start, not ${record.type}`;
    if (record.seq !== 1 && record.type === 'scan_start') return 'scan_start may only be the first record';
    if (previous?.type === 'scan_end') {
      if (previous.data.status === 'completed') return 'a record follows the completed closing record';
      if (record.type !== 'resume') return 'only a resume record may follow an interrupted closing record';
    }
    if (record.type === 'scan_end' && record.data.status !== 'completed' && record.data.status !== 'interrupted') {
      return 'scan_end data.status must be "completed" or "interrupted"';
    }
    if (record.type !== 'scan_end' && record.signature !== undefined) return 'only scan_end may carry a signature';
    if (record.type === 'resume') {
      const prior = previous?.type === 'scan_end' ? 'interrupted' : 'unclosed';
      if (record.data.priorState !== prior) return `resume data.priorState must be "${prior}"`;
      if (record.data.discarded !== undefined) return checkDiscarded(record.data.discarded, offset);
    }
    return null;
  }

  private checkSignature(record: AuditRecord, raw: RawLine): void {
    if (record.signature === undefined) {
      this.signature = 'absent';
      return;
    }
    if (!this.publicKey) {
      this.signature = 'unchecked';
      return;
    }
    const check = checkHeadSignature(record.hash, record.signature, this.publicKey);
    this.signature = check.valid ? 'valid' : 'invalid';
    if (!check.valid && !this.signatureProblem) {
      this.signatureProblem = {
        line: raw.line,
        offset: raw.offset,
        seq: record.seq,
        code: 'AUDIT_SIGNATURE_INVALID',
        reason: `signature invalid: ${check.reason}`,
      };
    }
  }
}

/** Member names, types and formats; null when the record is well formed. */
function checkShape(r: Record<string, unknown>): string | null {
  for (const k of Object.keys(r)) if (!MEMBERS.has(k)) return `unexpected member "${k}"`;
  for (const k of REQUIRED) if (!(k in r)) return `missing member "${k}"`;
  if (r.v !== AUDIT_FORMAT_VERSION) return `unsupported format version ${JSON.stringify(r.v)}`;
  if (!Number.isSafeInteger(r.seq) || (r.seq as number) < 1) return 'seq must be a positive integer';
  if (typeof r.ts !== 'string' || !ISO_MS_UTC.test(r.ts) || !isRealInstant(r.ts)) {
    return 'ts must be an ISO 8601 UTC time with milliseconds';
  }
  if (!(AUDIT_EVENT_TYPES as readonly unknown[]).includes(r.type)) return `unknown event type ${JSON.stringify(r.type)}`;
  if (typeof r.prev !== 'string' || !HEX64.test(r.prev)) return 'prev must be 64 lowercase hex characters';
  if (typeof r.hash !== 'string' || !HEX64.test(r.hash)) return 'hash must be 64 lowercase hex characters';
  if (!isPlainObject(r.data)) return 'data must be an object';
  return null;
}

function isRealInstant(ts: string): boolean {
  const t = Date.parse(ts);
  // Round-tripping rejects impossible dates such as 2025-02-30 that Date.parse would roll over.
  return Number.isFinite(t) && new Date(t).toISOString() === ts;
}

/** A resume record's account of the torn tail it cut must agree with itself and with where it sits. */
function checkDiscarded(d: unknown, offset: number): string | null {
  if (!isPlainObject(d)) return 'resume data.discarded must be an object';
  if (d.offset !== offset) return `resume data.discarded.offset must be ${offset}, the offset of the resume record`;
  if (!Number.isSafeInteger(d.bytes) || (d.bytes as number) < 1) return 'resume data.discarded.bytes must be a positive integer';
  if (typeof d.sha256 !== 'string' || !HEX64.test(d.sha256)) return 'resume data.discarded.sha256 must be 64 lowercase hex characters';
  if (d.base64 !== undefined) {
    const bytes = typeof d.base64 === 'string' ? Buffer.from(d.base64, 'base64') : Buffer.alloc(0);
    if (typeof d.base64 !== 'string' || bytes.toString('base64') !== d.base64 || bytes.length !== d.bytes) {
      return 'resume data.discarded.base64 does not hold data.discarded.bytes bytes';
    }
    if (createHash('sha256').update(bytes).digest('hex') !== d.sha256) {
      return 'resume data.discarded.sha256 is not the hash of data.discarded.base64';
    }
  }
  return null;
}

/**
 * Verifies an audit log: every line a canonical, correctly hashed record;
 * sequence numbers consecutive from 1; each `prev` the previous `hash`; the
 * event order rules; the log sealed by a final `scan_end`; and, when a public
 * key is given, the seal signed by that key.
 *
 * Stops at the first problem. A log cut at a line boundary is reported as
 * "not sealed: the scan did not finish"; one cut inside a line as truncated.
 *
 * @param path - the `audit.jsonl` file.
 * @param options.publicKeyPem - Ed25519 public key (PEM); when given, an unsigned or wrongly signed seal fails.
 * @returns the result; `ok` is false for every kind of damage (see `firstBad`).
 * @throws HashtriageError `AUDIT_UNREADABLE` when the file cannot be opened or read;
 *   `AUDIT_KEY_INVALID` when the public key cannot be used.
 */
export function verifyAuditLog(path: string, options: { publicKeyPem?: string | Buffer } = {}): VerifyResult {
  const key = options.publicKeyPem === undefined ? undefined : loadVerifyKey(options.publicKeyPem);
  let fd: number;
  try {
    fd = openSync(path, 'r');
  } catch (err) {
    throw unreadable(path, err);
  }
  try {
    return checkLines(new LineReader(fd), new ChainChecker(key), key !== undefined);
  } catch (err) {
    if (err instanceof HashtriageError) throw err;
    throw unreadable(path, err);
  } finally {
    closeSync(fd);
  }
}

/** Runs the checker over every line and turns its state into a result. */
function checkLines(reader: LineReader, checker: ChainChecker, keyGiven: boolean): VerifyResult {
  let chainBad: BadRecord | undefined;
  for (let raw = reader.next(); raw !== null; raw = reader.next()) {
    const problem = checker.accept(raw);
    if (problem) {
      chainBad = problem;
      break;
    }
  }
  if (!chainBad && reader.tail.length > 0) {
    chainBad = {
      line: reader.lines + 1,
      offset: reader.tail.offset,
      seq: checker.seq + 1,
      code: 'AUDIT_CHAIN_BROKEN',
      reason: `truncated: the last line is incomplete (${reader.tail.length} bytes without a final newline)`,
    };
  }
  const sealed = !chainBad && checker.last?.type === 'scan_end';
  let firstBad = chainBad;
  if (!firstBad && !sealed) {
    firstBad = {
      line: reader.lines + 1,
      offset: reader.tail.offset,
      seq: checker.seq + 1,
      code: 'AUDIT_NOT_SEALED',
      reason: checker.seq === 0 ? 'not sealed: the log is empty' : 'not sealed: the scan did not finish',
    };
  }
  const signature: SignatureStatus = sealed ? checker.signature : 'absent';
  if (keyGiven && sealed && signature === 'absent') {
    firstBad = {
      line: checker.lastLine,
      offset: checker.lastOffset,
      seq: checker.seq,
      code: 'AUDIT_SIGNATURE_INVALID',
      reason: 'not signed: the closing record carries no signature',
    };
  }
  // An earlier signed-but-invalid interrupted seal is a problem further up the file.
  const sig = checker.signatureProblem;
  if (sig && (!firstBad || sig.line < firstBad.line)) firstBad = sig;
  const result: VerifyResult = {
    ok: firstBad === undefined,
    records: checker.seq,
    head: checker.seq === 0 ? null : checker.head,
    sealed,
    signature,
    resumes: checker.resumes,
  };
  if (sealed) result.status = checker.last?.data.status as CloseStatus;
  if (firstBad) result.firstBad = firstBad;
  return result;
}

function unreadable(path: string, err: unknown): HashtriageError {
  const e = err as NodeJS.ErrnoException;
  // Not being able to read the log means verification could not run (3), not that it failed (4).
  return new HashtriageError('AUDIT_UNREADABLE', `Cannot read audit log ${path}: ${e?.code ?? ''} ${e?.message ?? String(err)}`.trim(), {
    cause: err,
    exitCode: ExitCode.FAILURE,
  });
}

/**
 * One line for people, as `hashtriage audit verify` prints it.
 *
 * @param result - from {@link verifyAuditLog}.
 * @example "FAILED at line 7 (record 7): hash mismatch: the record was changed after it was written"
 */
export function describeVerifyResult(result: VerifyResult): string {
  if (result.ok) {
    const sig = result.signature === 'absent' ? 'unsigned' : `signature ${result.signature}`;
    return `OK: ${result.records} records, sealed (${result.status}), head ${result.head}, ${sig}`;
  }
  const bad = result.firstBad!;
  return `FAILED at line ${bad.line} (record ${bad.seq}): ${bad.reason}`;
}
