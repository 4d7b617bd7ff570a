/**
 * The hash-list database layout: DDL, version and the identifiers stored in it.
 *
 * Digests are stored as BLOBs, never hex text: half the bytes, and a lookup
 * compares raw bytes. Each cryptographic algorithm has its own `WITHOUT ROWID`
 * table keyed by (digest, entry): the table *is* the index, so a digest is
 * stored once, and the same digest from two sources keeps both provenances.
 */
import type Database from 'better-sqlite3';
import { HashtriageError } from '../errors.js';
import { CRYPTO_ALGORITHMS, type CryptoAlgorithm } from '../types.js';

/** Bump on any incompatible change; readers refuse any other value. */
export const SCHEMA_VERSION = 1;

/**
 * `PRAGMA application_id` of a hashtriage list ("HTLS"), so `file(1)`-style
 * tools and our own importer can tell the file from other SQLite databases.
 */
export const APPLICATION_ID = 0x48544c53;

/** Name of the table holding the digests of one algorithm. */
export function digestTable(algorithm: CryptoAlgorithm): string {
  return `digest_${algorithm}`;
}

/** Tables only; indexes are created after bulk loading (see {@link INDEX_DDL}). */
export const TABLE_DDL = `
CREATE TABLE meta (
  key   TEXT PRIMARY KEY,
  value TEXT NOT NULL
) WITHOUT ROWID;

CREATE TABLE sources (
  id          INTEGER PRIMARY KEY,
  name        TEXT NOT NULL,
  format      TEXT NOT NULL,
  file_name   TEXT NOT NULL,
  sha256      BLOB NOT NULL UNIQUE,
  imported_at TEXT NOT NULL,
  records     INTEGER NOT NULL,
  role        TEXT NOT NULL CHECK (role IN ('notable', 'known')),
  detail      TEXT
);

CREATE TABLE entries (
  id                INTEGER PRIMARY KEY,
  source            INTEGER NOT NULL,
  role              INTEGER NOT NULL,
  category          TEXT,
  category_region   TEXT,
  series            TEXT,
  victim_identified INTEGER,
  media_id          TEXT,
  name              TEXT,
  size              INTEGER,
  comment           TEXT,
  photodna          BLOB
);

${CRYPTO_ALGORITHMS.map(
  (a) => `CREATE TABLE ${digestTable(a)} (
  digest BLOB NOT NULL,
  entry  INTEGER NOT NULL,
  PRIMARY KEY (digest, entry)
) WITHOUT ROWID;`,
).join('\n')}

CREATE TABLE perceptual (
  id              INTEGER PRIMARY KEY,
  algorithm       TEXT NOT NULL,
  value           BLOB NOT NULL,
  entry           INTEGER NOT NULL,
  implementation  TEXT,
  quality         INTEGER,
  low_information INTEGER NOT NULL
);
`;

/** Secondary indexes, built once the rows are in (cheaper than maintaining them per insert). */
export const INDEX_DDL = `
CREATE INDEX IF NOT EXISTS perceptual_value ON perceptual (algorithm, value);
CREATE INDEX IF NOT EXISTS perceptual_entry ON perceptual (entry);
`;

/** `entries.role` encoding: 0 and 1 cost no payload bytes in a SQLite record. */
export const ROLE_CODE = { notable: 0, known: 1 } as const;

/**
 * Creates an empty list in `db` and stamps its version.
 * @param db a freshly created, empty database
 */
export function createSchema(db: Database.Database): void {
  db.exec(TABLE_DDL);
  const put = db.prepare('INSERT INTO meta (key, value) VALUES (?, ?)');
  put.run('schema_version', String(SCHEMA_VERSION));
  put.run('created_at', new Date().toISOString());
  put.run('producer', 'hashtriage');
  db.pragma(`application_id = ${APPLICATION_ID}`);
  db.pragma(`user_version = ${SCHEMA_VERSION}`);
}

/**
 * Checks that `db` is a hashtriage list of this schema version.
 * @param db an open database
 * @param path shown in the error message
 * @throws HashtriageError `LIST_SCHEMA_MISMATCH` when the file is another SQLite
 *   database or another schema version
 */
export function checkSchema(db: Database.Database, path: string): void {
  const appId = db.pragma('application_id', { simple: true }) as number;
  const userVersion = db.pragma('user_version', { simple: true }) as number;
  const hasMeta = db
    .prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'meta'")
    .get();
  if (appId !== APPLICATION_ID || !hasMeta) {
    throw new HashtriageError('LIST_SCHEMA_MISMATCH', `${path}: not a hashtriage hash list`);
  }
  const stored = db.prepare("SELECT value FROM meta WHERE key = 'schema_version'").get() as
    | { value: string }
    | undefined;
  if (userVersion !== SCHEMA_VERSION || stored?.value !== String(SCHEMA_VERSION)) {
    throw new HashtriageError(
      'LIST_SCHEMA_MISMATCH',
      `${path}: hash list schema version ${userVersion} (meta ${stored?.value ?? 'missing'}), expected ${SCHEMA_VERSION}`,
    );
  }
}
