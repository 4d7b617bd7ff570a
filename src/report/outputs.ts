/**
 * `matches.jsonl` and `matches.csv`: the examiner's view, one line per match.
 *
 * Both are derived from the case database. They are appended as matches are
 * found, so a long scan shows its results early, and rebuilt from the
 * database when a scan resumes, so a line torn by a crash or a match written
 * twice cannot survive.
 */
import { closeSync, fsyncSync, openSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { csvRow } from './csv.js';
import type { ListEntry, MatchRecord } from '../types.js';

const HASH_COLUMNS = ['md5', 'sha1', 'sha256', 'blake3', 'ahash', 'dhash', 'phash', 'whash', 'pdq'] as const;

/** The CSV header; entries' fields are joined with " | " when a match has several. */
export const CSV_HEADER = [
  'path',
  'path_bytes_base64',
  'size',
  'match_kind',
  'algorithm',
  'distance',
  ...HASH_COLUMNS,
  'sources',
  'roles',
  'categories',
  'series',
  'list_names',
  'media_ids',
  'comments',
  // Last, so that adding it moved no column: "yes" when the hash came from a reduced decode (--fast-decode).
  'reduced_decode',
] as const;

function joined(entries: readonly ListEntry[], pick: (e: ListEntry) => string | number | boolean | undefined): string {
  return entries
    .map(pick)
    .map((v) => (v === undefined ? '' : String(v)))
    .join(' | ');
}

/** One match as a CSV record. */
export function matchCsvRow(m: MatchRecord): string {
  return csvRow([
    m.path,
    m.pathBytes,
    m.size,
    m.match.kind,
    m.match.algorithm,
    m.match.distance,
    ...HASH_COLUMNS.map((a) => m.hashes[a]),
    joined(m.entries, (e) => e.source),
    joined(m.entries, (e) => e.role),
    joined(m.entries, (e) => (e.categoryRegion ? `${e.category ?? ''}@${e.categoryRegion}` : e.category)),
    joined(m.entries, (e) => e.series),
    joined(m.entries, (e) => e.name),
    joined(m.entries, (e) => e.mediaId),
    joined(m.entries, (e) => e.comment),
    m.match.reducedDecode ? 'yes' : '',
  ]);
}

/** One match as a JSON line, keys in a fixed order. */
export function matchJsonLine(m: MatchRecord): string {
  const { path, pathBytes, size, hashes, match, entries } = m;
  return `${JSON.stringify({ path, ...(pathBytes === undefined ? {} : { pathBytes }), size, hashes, match, entries })}\n`;
}

/** Appends matches to both files, each write followed by fsync. */
export class MatchOutputs {
  readonly #jsonl: number;
  readonly #csv: number;

  /**
   * Creates (truncating) both files in `caseDir` and writes `existing` first:
   * on resume, the matches already in the case database.
   */
  constructor(caseDir: string, existing: Iterable<MatchRecord> = []) {
    this.#jsonl = openSync(join(caseDir, 'matches.jsonl'), 'w');
    this.#csv = openSync(join(caseDir, 'matches.csv'), 'w');
    writeSync(this.#csv, csvRow(CSV_HEADER));
    for (const m of existing) this.#write(m);
    this.#sync();
  }

  #write(m: MatchRecord): void {
    writeSync(this.#jsonl, matchJsonLine(m));
    writeSync(this.#csv, matchCsvRow(m));
  }

  #sync(): void {
    fsyncSync(this.#jsonl);
    fsyncSync(this.#csv);
  }

  append(matches: readonly MatchRecord[]): void {
    for (const m of matches) this.#write(m);
    this.#sync();
  }

  close(): void {
    this.#sync();
    closeSync(this.#jsonl);
    closeSync(this.#csv);
  }
}
