/**
 * `list import`: reads list files of any supported format into a hash list.
 *
 * All files of one call go into one transaction (or one temporary file for a
 * new list): when any of them fails, the target is left exactly as it was.
 */
import { createHash } from 'node:crypto';
import { createReadStream, statSync } from 'node:fs';
import { basename } from 'node:path';
import { HashtriageError } from '../errors.js';
import type { Role } from '../types.js';
import { detectFormat } from './detect.js';
import { parseDelimitedFile } from './format-csv.js';
import { parseEncaseFile } from './format-encase.js';
import { parseHashdeepFile } from './format-hashdeep.js';
import { parseAutopsyFile, parseIpedFile, parseRdsv3File } from './format-sqlite.js';
import { parseSumFile } from './format-sum.js';
import { parseVicsFile } from './format-vics.js';
import { defaultRole, isListFormat, LIST_FORMATS, type ListFormat } from './formats.js';
import type { LowInformationRule } from './low-information.js';
import { DEFAULT_LOW_INFORMATION_RULE } from './low-information.js';
import { hasValues, type ImportRecord, type RecordSink } from './record.js';
import { ListWriter } from './writer.js';

/** How many rejected records a report lists (the count is always exact). */
export const MAX_REPORTED_REJECTIONS = 10;

/** Options of {@link importLists}. */
export interface ImportOptions {
  /** The hash list to create or add to. */
  out: string;
  /** `auto` detects by content. */
  format: 'auto' | ListFormat;
  /** Overrides the format's default role (and any role the file states). */
  role?: Role;
  /** Source name; default the file's base name. */
  name?: string;
  /** Import the valid records and count the rest instead of failing on the first invalid one. */
  skipInvalid: boolean;
  /** Called with the running record count (every 65 536 records, and at the end of each file). */
  onProgress?: (records: number) => void;
  /** Low-information thresholds for perceptual values (default {@link DEFAULT_LOW_INFORMATION_RULE}). */
  lowInformation?: Partial<LowInformationRule>;
  /** Lets the caller stop the import (see {@link Interruption}). */
  interruption?: Interruption;
}

/**
 * How a caller stops an import. Firing `signal` ends it with
 * `LIST_IMPORT_INTERRUPTED` and the list left as it was; it is seen between
 * records while a streamed format (text, CSV, JSON, EnCase) is read, and
 * between files. The SQLite formats are read, and each file's digests
 * sorted and written, in synchronous steps during which no signal handler
 * can run: `synchronous(true)` is called before such a step and
 * `synchronous(false)` after, so that the caller can let a signal end the
 * process at once meanwhile (what is left beside the list is removed by the
 * next import into it).
 */
export interface Interruption {
  signal: AbortSignal;
  synchronous(active: boolean): void;
}

/** Formats read by a synchronous parser (better-sqlite3 over the foreign file). */
const SYNCHRONOUS_FORMATS: ReadonlySet<ListFormat> = new Set(['nsrl-rdsv3', 'autopsy', 'iped']);

/** One rejected record: where it was (1-based line, or record ordinal for binary/SQLite input) and why. */
export interface Rejection {
  line: number;
  reason: string;
}

/** What happened to one input file. */
export interface ImportSourceReport {
  file: string;
  name: string;
  /** Format detected or forced, refined where possible (e.g. `md5sum`, `nsrl-rdsv3-minimal`). */
  format: string;
  sha256: string;
  role: Role;
  /** `skipped-duplicate-source`: a file with the same SHA-256 was imported before; nothing was added. */
  status: 'imported' | 'skipped-duplicate-source';
  /** Entries stored. */
  records: number;
  /** Records that repeated an earlier record of the same file (same values) and were not stored again. */
  duplicates: number;
  rejected: number;
  /** The first {@link MAX_REPORTED_REJECTIONS} rejections. */
  rejections: Rejection[];
  warnings: string[];
}

/** What {@link importLists} did. */
export interface ImportReport {
  out: string;
  /** True when the list file was created by this import. */
  created: boolean;
  sources: ImportSourceReport[];
  /** Entries stored over all files. */
  records: number;
  /** Leftovers of killed imports into this list that were removed first (temporary list files, sort folders). */
  removedStale?: string[];
}

/**
 * SHA-256 of a file, streamed.
 * @throws the read error
 */
export async function sha256File(path: string): Promise<Buffer> {
  const h = createHash('sha256');
  for await (const chunk of createReadStream(path, { highWaterMark: 1 << 20 }) as AsyncIterable<Buffer>) h.update(chunk);
  return h.digest();
}

function interrupted(): HashtriageError {
  return new HashtriageError('LIST_IMPORT_INTERRUPTED', 'import interrupted: the list is left as it was');
}

class Sink implements RecordSink {
  records = 0;
  rejected = 0;
  readonly rejections: Rejection[] = [];
  readonly warnings: string[] = [];
  private nextProgress = 65536;

  constructor(
    private readonly writer: ListWriter,
    private readonly file: string,
    private readonly skipInvalid: boolean,
    private readonly progressBase: number,
    private readonly onProgress: ((n: number) => void) | undefined,
    private readonly stop: Interruption | undefined,
  ) {}

  add(record: ImportRecord): void {
    // Streamed parsers yield between chunks, where a signal handler gets to run and abort.
    if (this.stop?.signal.aborted) throw interrupted();
    if (!hasValues(record)) {
      this.reject(this.records + this.rejected + 1, 'record carries no hash value');
      return;
    }
    this.writer.add(record);
    this.records++;
    if (this.onProgress && this.records >= this.nextProgress) {
      this.nextProgress += 65536;
      this.onProgress(this.progressBase + this.records);
    }
  }

  reject(position: number, reason: string): void {
    if (!this.skipInvalid) throw new HashtriageError('LIST_MALFORMED', `${this.file}: line ${position}: ${reason}`);
    this.rejected++;
    if (this.rejections.length < MAX_REPORTED_REJECTIONS) this.rejections.push({ line: position, reason });
  }

  warn(message: string): void {
    this.warnings.push(message);
  }
}

interface ParseOutcome {
  format: string;
  role?: Role;
  name?: string;
  detail?: Record<string, unknown>;
}

async function runParser(path: string, format: ListFormat, sink: Sink): Promise<ParseOutcome> {
  switch (format) {
    case 'sum':
    case 'md5sum':
    case 'sha1sum':
    case 'sha256sum':
    case 'sha512sum':
    case 'b3sum':
    case 'bsd': {
      const seen = await parseSumFile(path, format, sink);
      const only = seen.size === 1 ? [...seen][0]! : undefined;
      const refined = format === 'sum' && only ? `${only === 'blake3' ? 'b3' : only}sum` : format;
      return { format: refined, detail: { algorithms: [...seen] } };
    }
    case 'hashdeep':
      await parseHashdeepFile(path, sink);
      return { format };
    case 'csv':
    case 'icse':
    case 'ilook':
    case 'hashkeeper':
    case 'nsrl-rds2': {
      const r = await parseDelimitedFile(path, format, sink);
      const out: ParseOutcome = { format, detail: r.detail };
      if (r.role) out.role = r.role;
      return out;
    }
    case 'encase': {
      const h = await parseEncaseFile(path, sink);
      const out: ParseOutcome = { format, detail: { hashSet: h.hashSet, category: h.category, count: h.count } };
      if (h.role) out.role = h.role;
      return out;
    }
    case 'vics':
    case 'caid': {
      const ctx = await parseVicsFile(path, sink);
      return { format: ctx.version === '1.2' && ctx.shape === 'Media' && format === 'caid' ? 'caid' : `vics-${ctx.version}`, detail: { ...ctx } };
    }
    case 'nsrl-rdsv3': {
      const r = await parseRdsv3File(path, sink);
      return { format: `nsrl-rdsv3-${r.variant}`, detail: r.detail };
    }
    case 'autopsy':
      return { format, detail: parseAutopsyFile(path, sink) };
    case 'iped':
      return { format, detail: parseIpedFile(path, sink) };
  }
}

/**
 * Imports list files into a hash list (created when absent).
 *
 * A file whose SHA-256 matches a source already in the list is skipped (status
 * `skipped-duplicate-source`). Known-good formats (NSRL, NIST CAID) default to
 * role `known`, everything else to `notable`; `options.role` overrides both.
 *
 * @param files list files to import, in order
 * @param options see {@link ImportOptions}
 * @returns one report per file
 * @throws HashtriageError naming the file and line/record: `LIST_FORMAT_UNKNOWN`, `LIST_MALFORMED`
 *   (invalid record without `skipInvalid`, truncated JSON, bad header), `LIST_EMPTY` (no record),
 *   `LIST_FOREIGN_SCHEMA` (SQLite file of another layout), `LIST_NOT_FOUND` / `LIST_UNREADABLE`
 *   (input cannot be read), `LIST_SCHEMA_MISMATCH` (`out` exists but is not a list of this version),
 *   `USAGE_INVALID_OPTION` (unknown format name), `LIST_IMPORT_INTERRUPTED` (stopped through `options.interruption`).
 *   The target is unchanged after any of them.
 */
export async function importLists(files: string[], options: ImportOptions): Promise<ImportReport> {
  if (options.format !== 'auto' && !isListFormat(options.format)) {
    throw new HashtriageError(
      'USAGE_INVALID_OPTION',
      `Expected auto or one of ${LIST_FORMATS.join(', ')} for --format but received ${JSON.stringify(options.format)}`,
    );
  }
  for (const f of files) {
    let st;
    try {
      st = statSync(f);
    } catch (err) {
      throw new HashtriageError('LIST_NOT_FOUND', `${f}: cannot read list file: ${(err as Error).message}`, { cause: err });
    }
    if (!st.isFile()) throw new HashtriageError('LIST_UNREADABLE', `${f}: not a regular file`);
  }
  const rule: LowInformationRule = { ...DEFAULT_LOW_INFORMATION_RULE, ...options.lowInformation };
  const writer = ListWriter.open(options.out, rule);
  const report: ImportReport = { out: options.out, created: writer.created, sources: [], records: 0 };
  if (writer.removedStale.length > 0) report.removedStale = writer.removedStale;
  try {
    const stop = options.interruption;
    /** Runs a synchronous step with the caller told (see {@link Interruption}). */
    const synchronously = <T>(step: () => T): T => {
      stop?.synchronous(true);
      try {
        return step();
      } finally {
        stop?.synchronous(false);
      }
    };
    for (const file of files) {
      if (stop?.signal.aborted) throw interrupted();
      const sha = await sha256File(file);
      const name = options.name ?? basename(file);
      const base: ImportSourceReport = {
        file,
        name,
        format: options.format,
        sha256: sha.toString('hex'),
        role: options.role ?? 'notable',
        status: 'imported',
        records: 0,
        duplicates: 0,
        rejected: 0,
        rejections: [],
        warnings: [],
      };
      const existing = writer.sourceWithSha256(sha);
      if (existing !== undefined) {
        base.status = 'skipped-duplicate-source';
        base.warnings.push(`already imported as source ${JSON.stringify(existing)}`);
        report.sources.push(base);
        continue;
      }
      if (statSync(file).size === 0) throw new HashtriageError('LIST_EMPTY', `${file}: file is empty`);
      const format = options.format === 'auto' ? await detectFormat(file) : options.format;
      const role = options.role ?? defaultRole(format);
      writer.beginSource({ name, format, fileName: basename(file), sha256: sha, role });
      const sink = new Sink(writer, file, options.skipInvalid, report.records, options.onProgress, stop);
      let outcome: ParseOutcome;
      try {
        outcome = SYNCHRONOUS_FORMATS.has(format) ? await synchronously(() => runParser(file, format, sink)) : await runParser(file, format, sink);
      } catch (err) {
        if (err instanceof HashtriageError) throw err;
        throw new HashtriageError('LIST_UNREADABLE', `${file}: ${(err as Error).message}`, { cause: err });
      }
      if (sink.records === 0) {
        throw new HashtriageError(
          'LIST_EMPTY',
          sink.rejected > 0 ? `${file}: no valid record (${sink.rejected} rejected)` : `${file}: no record found`,
        );
      }
      const finalRole = options.role ?? outcome.role ?? role;
      if (finalRole !== role) writer.setSourceRole(finalRole);
      const { records, duplicates } = synchronously(() => writer.endSource(outcome.format, outcome.detail));
      report.sources.push({
        ...base,
        format: outcome.format,
        role: finalRole,
        records,
        duplicates,
        rejected: sink.rejected,
        rejections: sink.rejections,
        warnings: sink.warnings,
      });
      report.records += records;
      options.onProgress?.(report.records);
    }
    if (stop?.signal.aborted) throw interrupted();
    writer.commit();
  } catch (err) {
    writer.abort();
    throw err;
  }
  return report;
}
