/**
 * Opening another tool's SQLite file (NSRL RDSv3, Autopsy/TSK `.kdb`, IPED) as
 * untrusted input.
 *
 * The file is opened read-only with `trusted_schema` off and `query_only` on,
 * and its schema is inspected through `sqlite_master` and `PRAGMA
 * table_xinfo` only. Importers then read *base tables* whose columns were
 * checked: never a view (its SQL is the file author's), never a virtual
 * table (module code), never a generated column (an expression).
 */
import Database from 'better-sqlite3';
import { HashtriageError } from '../errors.js';

/** A base table of the foreign file: its exact name and its lowercase column names. */
export interface ForeignTable {
  name: string;
  columns: Set<string>;
}

/** What the foreign file holds, by lowercase name. */
export interface ForeignSchema {
  tables: Map<string, ForeignTable>;
  views: Set<string>;
}

/**
 * Opens a foreign SQLite file defensively.
 * @throws HashtriageError `LIST_UNREADABLE` when SQLite cannot open or read it
 */
export function openForeign(path: string): Database.Database {
  let db: Database.Database | undefined;
  try {
    db = new Database(path, { readonly: true, fileMustExist: true });
    db.unsafeMode(false);
    db.pragma('trusted_schema = OFF');
    db.pragma('query_only = ON');
    db.pragma('cell_size_check = ON');
    // Reading the schema forces SQLite to parse it now, so a corrupt file fails here.
    db.prepare('SELECT count(*) FROM sqlite_master').get();
    return db;
  } catch (err) {
    db?.close();
    throw new HashtriageError('LIST_UNREADABLE', `${path}: cannot open SQLite file: ${(err as Error).message}`, { cause: err });
  }
}

/**
 * Lists base tables (with columns) and views. Tables with generated columns
 * and virtual tables are left out, so nothing can select from them.
 */
export function readForeignSchema(db: Database.Database): ForeignSchema {
  const rows = db.prepare("SELECT type, name, sql FROM sqlite_master WHERE type IN ('table', 'view')").all() as {
    type: string;
    name: string;
    sql: string | null;
  }[];
  const tables = new Map<string, ForeignTable>();
  const views = new Set<string>();
  for (const r of rows) {
    if (r.type === 'view') {
      views.add(r.name.toLowerCase());
      continue;
    }
    if (r.name.startsWith('sqlite_') || /^\s*CREATE\s+VIRTUAL/i.test(r.sql ?? '')) continue;
    const cols = db.prepare(`PRAGMA table_xinfo(${quoteIdent(r.name)})`).all() as { name: string; hidden: number }[];
    if (cols.some((c) => c.hidden === 2 || c.hidden === 3)) continue;
    tables.set(r.name.toLowerCase(), { name: r.name, columns: new Set(cols.map((c) => c.name.toLowerCase())) });
  }
  return { tables, views };
}

/** Quotes an identifier taken from the foreign file, so its name cannot inject SQL. */
export function quoteIdent(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}

/** True when `schema` has a base table `name` with all `columns`. */
export function hasTable(schema: ForeignSchema, name: string, columns: string[]): boolean {
  const t = schema.tables.get(name.toLowerCase());
  return t !== undefined && columns.every((c) => t.columns.has(c.toLowerCase()));
}
