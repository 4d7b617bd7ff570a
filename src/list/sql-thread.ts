/**
 * The worker-thread side of {@link SqlChannel} (sql-channel.ts): it owns the
 * import's SQLite connection and runs, in order, what the main thread sends.
 *
 * Why a thread of its own: an import's SQLite work (B-tree inserts) and its
 * JavaScript work (parsing, decoding hex, sorting digests) each take about
 * half the time, and on one thread they add up. Here they overlap: the main
 * thread parses and sorts while this one writes.
 *
 * Queued statements are not answered; the first one that fails is kept and
 * every later queued statement skipped, and the next call (a statement whose
 * result the writer waits for, or commit) returns that failure instead.
 */
import Database from 'better-sqlite3';
import { parentPort, workerData, type MessagePort } from 'node:worker_threads';
import { HashtriageError } from '../errors.js';
import { checkSchema, createSchema, INDEX_DDL } from './schema.js';
import type { SqlCall, SqlMessage, SqlOp, SqlReply, SqlThreadData } from './sql-protocol.js';
import { busyMessage, IN_FLIGHT, REPLIED, STARTED, STOPPED } from './sql-protocol.js';

const { control: controlBuffer, replies } = workerData as SqlThreadData;
const control = new Int32Array(controlBuffer);
Atomics.store(control, STARTED, 1);
Atomics.notify(control, STARTED);
// Wakes a main thread that is waiting for an answer this thread will no longer give.
process.on('exit', () => {
  Atomics.store(control, STOPPED, 1);
  Atomics.notify(control, REPLIED);
  Atomics.notify(control, IN_FLIGHT);
});

let db: Database.Database | undefined;
const statements: Database.Statement[] = [];
/** The first failure of a queued statement, answered at the next call. */
let failed: SqlReply | undefined;

function errorReply(err: unknown): SqlReply {
  if (err instanceof HashtriageError) return { error: { message: err.message, code: err.code } };
  const e = err as { message?: string; code?: unknown };
  return { error: { message: String(e.message ?? err), sqliteCode: typeof e.code === 'string' ? e.code : undefined } };
}

function isBusy(err: unknown): boolean {
  const code = (err as { code?: unknown }).code;
  return code === 'SQLITE_BUSY' || code === 'SQLITE_LOCKED';
}

/** Opens the list as ListWriter always has: a new one in a temporary file, an existing one checked first. */
function open(target: string, temp: string | null): SqlReply {
  if (temp !== null) {
    db = new Database(temp);
    // Nothing to protect yet: on failure the whole temporary file is deleted.
    db.pragma('journal_mode = OFF');
    db.pragma('synchronous = OFF');
    db.pragma('locking_mode = EXCLUSIVE');
    db.pragma('page_size = 16384');
    createSchema(db);
  } else {
    try {
      db = new Database(target, { fileMustExist: true });
    } catch (err) {
      return { error: { code: 'LIST_UNREADABLE', message: `${target}: cannot open hash list: ${(err as Error).message}` } };
    }
    try {
      checkSchema(db, target);
    } catch (err) {
      db.close();
      db = undefined;
      if (err instanceof HashtriageError) return errorReply(err);
      if (isBusy(err)) return { error: { code: 'LIST_BUSY', message: busyMessage(target) } };
      return { error: { code: 'LIST_SCHEMA_MISMATCH', message: `${target}: not a hashtriage hash list (${(err as Error).message})` } };
    }
  }
  db.pragma('cache_size = -131072');
  db.pragma('temp_store = FILE');
  db.pragma('foreign_keys = OFF');
  db.exec('CREATE TEMP TABLE dropped (id INTEGER PRIMARY KEY)');
  try {
    // EXCLUSIVE, not IMMEDIATE: a scan reading this list holds its shared lock until it
    // ends, so wait for it (or fail) now rather than at COMMIT, after all the work.
    db.exec(temp !== null ? 'BEGIN' : 'BEGIN EXCLUSIVE');
  } catch (err) {
    db.close();
    db = undefined;
    if (isBusy(err)) return { error: { code: 'LIST_BUSY', message: busyMessage(target) } };
    return errorReply(err);
  }
  return { value: null };
}

function connection(): Database.Database {
  if (!db) throw new HashtriageError('INTERNAL', 'SQL thread: no open connection');
  return db;
}

function runOp(op: SqlOp): void {
  switch (op.k) {
    case 'prepare':
      statements[op.id] = connection().prepare(op.sql);
      return;
    case 'run': {
      const st = statements[op.id]!;
      if (op.v === undefined) st.run();
      else st.run(op.v);
      return;
    }
    case 'pairs':
      statements[op.id]!.run(op.keys, `[${op.nums.join(',')}]`);
      return;
    case 'exec':
      connection().exec(op.sql);
      return;
  }
}

function call(c: SqlCall): SqlReply {
  if (c.k === 'abort') {
    failed = undefined;
    if (db) {
      try {
        if (db.inTransaction) db.exec('ROLLBACK');
      } catch {
        // The connection is closed next; SQLite rolls back an open transaction on close.
      }
      db.close();
      db = undefined;
    }
    return { value: null };
  }
  if (failed) return failed;
  try {
    switch (c.k) {
      case 'open':
        return open(c.target, c.temp);
      case 'get': {
        const st = statements[c.id]!;
        return { value: c.v === undefined ? st.get() : st.get(c.v) };
      }
      case 'insert': {
        const info = statements[c.id]!.run(c.v);
        return { value: Number(info.lastInsertRowid) };
      }
      case 'commit': {
        const d = connection();
        d.exec(INDEX_DDL);
        d.exec('COMMIT');
        d.pragma('optimize');
        d.close();
        db = undefined;
        return { value: null };
      }
    }
  } catch (err) {
    return errorReply(err);
  }
}

function reply(port: MessagePort, r: SqlReply): void {
  try {
    port.postMessage(r);
  } catch (err) {
    port.postMessage(errorReply(err));
  }
  Atomics.store(control, REPLIED, 1);
  Atomics.notify(control, REPLIED);
}

// Nothing may escape this handler: the main thread, blocked waiting, would never learn that the thread ended.
parentPort!.on('message', (m: SqlMessage) => {
  try {
    if (m.t === 'ops') {
      if (!failed) {
        try {
          for (const op of m.ops) runOp(op);
        } catch (err) {
          failed = errorReply(err);
        }
      }
    } else {
      let r: SqlReply;
      try {
        r = call(m.call);
      } catch (err) {
        r = errorReply(err);
      }
      reply(replies, r);
    }
  } finally {
    Atomics.sub(control, IN_FLIGHT, 1);
    Atomics.notify(control, IN_FLIGHT);
  }
});
