/**
 * `list info`: what a hash list holds.
 */
import { ALGORITHMS, CRYPTO_ALGORITHMS, type Algorithm, type ListSource, type Role } from '../types.js';
import { openListDatabase, readSources, sha256FileSync } from './reader.js';
import { digestTable, SCHEMA_VERSION } from './schema.js';

/** Counts and provenance of a list, as `list info --json` prints it. */
export interface ListInfo {
  path: string;
  /** SHA-256 of the list file itself. */
  sha256: string;
  schemaVersion: number;
  /** Entries (records kept) over all sources. */
  entries: number;
  sources: ListSource[];
  /** Values held per algorithm (a digest shared by two entries counts twice). */
  algorithms: Partial<Record<Algorithm, number>>;
  /** Perceptual values flagged low-information, per algorithm. */
  lowInformation: Partial<Record<Algorithm, number>>;
  roles: Record<Role, number>;
  /** Entries per category; the key is `<region>:<category>` when a region is known, else the raw category. */
  categories: Record<string, number>;
}

/**
 * Describes a hash list.
 * @param path the list file
 * @throws HashtriageError `LIST_NOT_FOUND`, `LIST_UNREADABLE`, `LIST_SCHEMA_MISMATCH`
 */
export function listInfo(path: string): ListInfo {
  const db = openListDatabase(path);
  try {
    const algorithms: Partial<Record<Algorithm, number>> = {};
    for (const a of CRYPTO_ALGORITHMS) {
      const n = (db.prepare(`SELECT count(*) AS n FROM ${digestTable(a)}`).get() as { n: number }).n;
      if (n > 0) algorithms[a] = n;
    }
    const lowInformation: Partial<Record<Algorithm, number>> = {};
    for (const r of db
      .prepare('SELECT algorithm, count(*) AS n, sum(low_information) AS low FROM perceptual GROUP BY algorithm')
      .all() as { algorithm: Algorithm; n: number; low: number }[]) {
      if (!(ALGORITHMS as readonly string[]).includes(r.algorithm)) continue;
      algorithms[r.algorithm] = r.n;
      lowInformation[r.algorithm] = r.low;
    }
    const roles: Record<Role, number> = { notable: 0, known: 0 };
    for (const r of db.prepare('SELECT role, count(*) AS n FROM entries GROUP BY role').all() as { role: number; n: number }[]) {
      roles[r.role === 1 ? 'known' : 'notable'] += r.n;
    }
    const categories: Record<string, number> = {};
    for (const r of db
      .prepare(
        'SELECT category, category_region AS region, count(*) AS n FROM entries WHERE category IS NOT NULL GROUP BY category_region, category ORDER BY category_region, category',
      )
      .all() as { category: string; region: string | null; n: number }[]) {
      categories[r.region === null ? r.category : `${r.region}:${r.category}`] = r.n;
    }
    return {
      path,
      sha256: sha256FileSync(path),
      schemaVersion: SCHEMA_VERSION,
      entries: roles.notable + roles.known,
      sources: readSources(db).map(({ id: _id, ...s }) => s),
      algorithms,
      lowInformation,
      roles,
      categories,
    };
  } finally {
    db.close();
  }
}
