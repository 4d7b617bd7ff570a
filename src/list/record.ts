/**
 * The record every format parser produces, and the sink it hands records to.
 *
 * Parsers know layouts; the sink knows the database. Keeping the boundary to
 * this one shape is what lets each format be tested on its own.
 */
import type { CryptoAlgorithm, ListEntry, PerceptualAlgorithm, Role } from '../types.js';

/** One perceptual value carried by a record. */
export interface PerceptualInput {
  algorithm: PerceptualAlgorithm;
  value: Buffer;
  /** Producing implementation when the source says (e.g. "imagehash 4.3.2"). */
  implementation?: string;
  /** PDQ quality 0..100 when the source carries it. */
  quality?: number;
}

/** One list record, normalised: digests as bytes, metadata as text. */
export interface ImportRecord extends Omit<ListEntry, 'source' | 'role'> {
  digests: Partial<Record<CryptoAlgorithm, Buffer>>;
  perceptual?: PerceptualInput[];
  /** Overrides the source role for this record (IPED `status`). */
  role?: Role;
  photoDna?: Buffer;
}

/** Where a record came from in its file: a 1-based line, or a record ordinal for binary/SQLite input. */
export type Position = number;

/** What parsers call. `reject` throws when invalid records are not being skipped. */
export interface RecordSink {
  /** Stores a record. */
  add(record: ImportRecord): void;
  /**
   * Notes an invalid record.
   * @throws HashtriageError `LIST_MALFORMED` unless the import skips invalid records
   */
  reject(position: Position, reason: string): void;
  /** A note for the import report (e.g. a companion file that was not found). */
  warn(message: string): void;
}

/** True when the record carries something to match on. */
export function hasValues(r: ImportRecord): boolean {
  for (const k in r.digests) if (r.digests[k as CryptoAlgorithm]) return true;
  return (r.perceptual?.length ?? 0) > 0;
}
