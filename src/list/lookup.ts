/**
 * `list lookup`: looks hashes up by hand.
 *
 * A bare hex value's algorithm comes from its length (32 md5, 40 sha1,
 * 64 sha256, 128 sha512); `blake3:<hex>` and `sha256:<hex>` say which
 * 64-digit hash is meant (a bare 64-digit value is looked up as both). A
 * perceptual value is written `<alg>:<hex>` and found only when exactly equal.
 * Case is ignored. A malformed query does not throw: its result carries
 * `error: { code: 'LIST_BAD_QUERY', message }` and `found: false`.
 */
import type { ErrorCode } from '../errors.js';
import {
  DIGEST_BYTES,
  isCryptoAlgorithm,
  isPerceptualAlgorithm,
  type Algorithm,
  type CryptoAlgorithm,
  type ListEntry,
} from '../types.js';
import { ENTRY_COLUMNS, toListEntry, type EntryRow } from './entry-row.js';
import { openListDatabase, readSources } from './reader.js';
import { digestTable } from './schema.js';

/** The answer for one query. */
export interface LookupResult {
  /** The query as given. */
  hash: string;
  /** Algorithm(s) it was looked up as. */
  algorithms: Algorithm[];
  found: boolean;
  entries: (ListEntry & { algorithm: Algorithm })[];
  /** Set for a malformed query (code `LIST_BAD_QUERY`). */
  error?: { code: ErrorCode; message: string };
}

const BY_LENGTH: Readonly<Record<number, CryptoAlgorithm[]>> = {
  32: ['md5'],
  40: ['sha1'],
  64: ['sha256', 'blake3'],
  128: ['sha512'],
};

/**
 * Parses a query into the algorithms to try and the value bytes.
 * @returns the parsed query, or the reason it is malformed
 */
export function parseQuery(q: string): { algorithms: Algorithm[]; value: Buffer } | { reason: string } {
  const t = q.trim().toLowerCase();
  const colon = t.indexOf(':');
  const alg = colon >= 0 ? t.slice(0, colon) : undefined;
  const hex = colon >= 0 ? t.slice(colon + 1) : t;
  if (!/^[0-9a-f]+$/.test(hex)) return { reason: `not a hex value: ${JSON.stringify(q)}` };
  if (alg !== undefined) {
    if (!isCryptoAlgorithm(alg) && !isPerceptualAlgorithm(alg)) return { reason: `unknown algorithm ${JSON.stringify(alg)}` };
    if (hex.length !== DIGEST_BYTES[alg] * 2)
      return { reason: `${alg} takes ${DIGEST_BYTES[alg] * 2} hex digits, got ${hex.length}` };
    return { algorithms: [alg], value: Buffer.from(hex, 'hex') };
  }
  const algs = BY_LENGTH[hex.length];
  if (!algs) return { reason: `cannot infer the algorithm from ${hex.length} hex digits (write alg:hex for perceptual hashes)` };
  return { algorithms: algs, value: Buffer.from(hex, 'hex') };
}

/**
 * Looks each query up in a list.
 * @param path the list file
 * @param queries hex digests, or `alg:hex`
 * @returns one result per query, in order
 * @throws HashtriageError `LIST_NOT_FOUND`, `LIST_UNREADABLE`, `LIST_SCHEMA_MISMATCH` (never for a bad query)
 */
export function lookup(path: string, queries: string[]): LookupResult[] {
  const db = openListDatabase(path);
  try {
    const names = new Map(readSources(db).map((s) => [s.id, s.name]));
    const exact = new Map(
      (['md5', 'sha1', 'sha256', 'sha512', 'blake3'] as const).map((a) => [
        a as Algorithm,
        db.prepare(`SELECT ${ENTRY_COLUMNS} FROM ${digestTable(a)} AS d JOIN entries AS e ON e.id = d.entry WHERE d.digest = ? ORDER BY e.id`),
      ]),
    );
    const perceptual = db.prepare(
      `SELECT ${ENTRY_COLUMNS} FROM perceptual AS p JOIN entries AS e ON e.id = p.entry WHERE p.algorithm = ? AND p.value = ? ORDER BY e.id`,
    );
    return queries.map((hash) => {
      const q = parseQuery(hash);
      if ('reason' in q) return { hash, algorithms: [], found: false, entries: [], error: { code: 'LIST_BAD_QUERY', message: q.reason } };
      const entries: LookupResult['entries'] = [];
      for (const a of q.algorithms) {
        const rows = (isCryptoAlgorithm(a) ? exact.get(a)!.all(q.value) : perceptual.all(a, q.value)) as EntryRow[];
        for (const r of rows) entries.push({ ...toListEntry(r, names.get(r.source) ?? String(r.source)), algorithm: a });
      }
      return { hash, algorithms: q.algorithms, found: entries.length > 0, entries };
    });
  } finally {
    db.close();
  }
}
