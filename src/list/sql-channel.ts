/**
 * The import's SQLite connection, held by a worker thread (sql-thread.ts)
 * and driven from here with a synchronous interface.
 *
 * Statements whose result is not needed (nearly all: the inserts) are queued
 * and sent in batches without waiting, so the SQL thread inserts one batch
 * while the main thread parses and sorts the next. A statement whose result
 * is needed flushes the queue and waits for the answer: the main thread
 * blocks (Atomics.wait) until the SQL thread has run everything before it,
 * so the order of statements, and so their effect, is exactly that of a
 * single connection used in place.
 *
 * Memory stays bounded: at most {@link MAX_IN_FLIGHT} batches are queued;
 * beyond that the main thread waits for the SQL thread to catch up. Blob
 * values are copied into each batch's own buffer, which is transferred, so
 * a key that is a view of a large sort buffer never drags that buffer along.
 *
 * The SQL thread catches every error of a statement and reports it at the
 * next call. It can still fail as a whole, and a main thread blocked in a
 * wait cannot receive the Worker's events, so the thread also flags in
 * shared memory that it has started (a broken native module never gets
 * there: the first wait gives up after a minute) and that it is exiting
 * (an uncaught error included: every wait checks it once a second). Only a
 * thread killed outright (out of memory) is caught no sooner than the next
 * time the event loop runs; its bounded queue makes that as unlikely as on
 * the main thread.
 */
import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { MessageChannel, receiveMessageOnPort, Worker, type MessagePort } from 'node:worker_threads';
import { HashtriageError } from '../errors.js';
import { CONTROL_SLOTS, IN_FLIGHT, REPLIED, STARTED, STOPPED, type SqlCall, type SqlMessage, type SqlOp, type SqlReply, type SqlThreadData } from './sql-protocol.js';

/** Batches queued for the SQL thread before the main thread waits. */
const MAX_IN_FLIGHT = 16;
/** A batch is sent when it holds this many bound values... */
const BATCH_VALUES = 16_384;
/** ...or this many blob bytes (the size of its buffer). */
const ARENA_BYTES = 1 << 20;
/** How long the SQL thread may take to load its modules before the import fails instead of waiting on. */
const STARTUP_LIMIT_MS = 60_000;

function threadFile(): string {
  const here = fileURLToPath(import.meta.url);
  if (here.endsWith('.js')) return join(dirname(here), 'sql-thread.js');
  // Under the test runner this file is TypeScript; the thread runs the build (npm test builds first).
  const built = resolve(dirname(here), '../../dist/src/list/sql-thread.js');
  if (!existsSync(built)) throw new HashtriageError('INTERNAL', `SQL thread not built: run "npm run build" (looked for ${built})`);
  return built;
}

/** For tests: another thread script, a shorter start-up limit. */
export interface ThreadOptions {
  file?: string;
  startupLimitMs?: number;
}

/** A SQLite connection in a worker thread; see the file comment. */
export class SqlChannel {
  private readonly worker: Worker;
  private readonly control: Int32Array;
  private readonly replies: MessagePort;
  private readonly ids = new Map<string, number>();
  private ops: SqlOp[] = [];
  private values = 0;
  private arena: Buffer | undefined;
  private arenaUsed = 0;
  private closed = false;
  private readonly startupLimitMs: number;
  /** Set when the thread failed or ended on its own. */
  private failure: Error | undefined;

  private constructor(options: ThreadOptions) {
    this.startupLimitMs = options.startupLimitMs ?? STARTUP_LIMIT_MS;
    this.control = new Int32Array(new SharedArrayBuffer(4 * CONTROL_SLOTS));
    const { port1, port2 } = new MessageChannel();
    this.replies = port1;
    const data: SqlThreadData = { control: this.control.buffer as SharedArrayBuffer, replies: port2 };
    this.worker = new Worker(options.file ?? threadFile(), { workerData: data, transferList: [port2] });
    // The main thread never waits for the thread to exit; it must not keep the process alive.
    this.worker.unref();
    // Seen whenever the event loop runs between two calls (the import awaits its reads):
    // the next call then fails at once instead of waiting for an answer that cannot come.
    this.worker.on('error', (err) => {
      this.failure ??= err;
    });
    this.worker.on('exit', (code) => {
      if (!this.closed) this.failure ??= new Error(`exit code ${code}`);
    });
  }

  /**
   * Opens a list for an import on a new SQL thread: `temp` (a new list being
   * built) or `target` (an existing list, checked and locked).
   * @throws HashtriageError `LIST_UNREADABLE`, `LIST_SCHEMA_MISMATCH`, `LIST_BUSY`
   */
  static open(target: string, temp: string | null, options: ThreadOptions = {}): SqlChannel {
    const c = new SqlChannel(options);
    try {
      c.call({ k: 'open', target, temp });
    } catch (err) {
      c.end();
      throw err;
    }
    return c;
  }

  /**
   * Queues a statement (prepared once per distinct text on the SQL thread).
   * @param values taken over: the caller must not change the array afterwards
   */
  run(sql: string, values?: unknown[]): void {
    const id = this.statement(sql);
    if (values === undefined || values.length === 0) this.queue({ k: 'run', id }, 0);
    else this.queue({ k: 'run', id, v: this.own(values) }, values.length);
  }

  /**
   * Queues a statement that inserts `nums.length` pairs of (blob, number),
   * the blobs `width` bytes each, back to back in `keys`: the bulk of an
   * import (digest, entry). The statement takes two values: the blobs as one
   * blob, and the numbers as the text of a JSON array (for `json_each`).
   */
  runPairs(sql: string, width: number, keys: Uint8Array, nums: Float64Array): void {
    const id = this.statement(sql);
    const bytes = nums.length * width;
    const at = this.reserve(bytes);
    this.arena!.set(keys.subarray(0, bytes), at);
    this.queue({ k: 'pairs', id, keys: this.arena!.subarray(at, at + bytes), nums: nums.slice() }, 2 * nums.length);
  }

  /** Queues SQL text of one or more statements, with no values. */
  exec(sql: string): void {
    this.queue({ k: 'exec', sql }, 0);
  }

  /** Runs everything queued, then `sql`; returns its first row (or undefined). */
  get(sql: string, values?: unknown[]): unknown {
    const id = this.statement(sql);
    return this.call(values === undefined ? { k: 'get', id } : { k: 'get', id, v: this.own(values, true) });
  }

  /** Runs everything queued, then the INSERT `sql`; returns its rowid. */
  insert(sql: string, values: unknown[]): number {
    return this.call({ k: 'insert', id: this.statement(sql), v: this.own(values, true) }) as number;
  }

  /**
   * Runs everything queued, builds the indexes, commits and closes the connection.
   * @throws the first failure of anything queued, or of the commit
   */
  commit(): void {
    // On failure the connection stays open, for abort() to roll back.
    this.call({ k: 'commit' });
    this.end();
  }

  /** Rolls back (anything still queued is dropped) and closes. Safe to call twice. */
  abort(): void {
    if (this.closed) return;
    // A failed thread took its connection with it: nothing to roll back, and the caller is
    // already handling an error, which this must not replace.
    if (this.failure) {
      this.end();
      return;
    }
    try {
      this.call({ k: 'abort' });
    } finally {
      this.end();
    }
  }

  private statement(sql: string): number {
    let id = this.ids.get(sql);
    if (id === undefined) {
      id = this.ids.size;
      this.ids.set(sql, id);
      this.queue({ k: 'prepare', id, sql }, 0);
    }
    return id;
  }

  /**
   * The values (the array itself, taken over) with every blob copied into
   * this batch's buffer. Strings and numbers are copied by the message itself.
   */
  private own(values: unknown[], call = false): unknown[] {
    let bytes = 0;
    for (const v of values) if (v instanceof Uint8Array) bytes += v.length;
    if (bytes === 0) return values;
    // A call is sent on its own, after the batch it follows: its blobs get buffers of their own.
    if (call) {
      for (let i = 0; i < values.length; i++) if (values[i] instanceof Uint8Array) values[i] = (values[i] as Uint8Array).slice();
      return values;
    }
    // All of one statement's blobs go into the same buffer, so they travel in the same batch.
    let at = this.reserve(bytes);
    for (let i = 0; i < values.length; i++) {
      const v = values[i];
      if (!(v instanceof Uint8Array)) continue;
      this.arena!.set(v, at);
      values[i] = this.arena!.subarray(at, at + v.length);
      at += v.length;
    }
    return values;
  }

  /** Reserves `bytes` in the current batch's buffer (sending the batch first when it is full); returns the offset. */
  private reserve(bytes: number): number {
    if (this.arena === undefined || this.arenaUsed + bytes > this.arena.length) {
      this.flush();
      this.arena = Buffer.allocUnsafeSlow(Math.max(ARENA_BYTES, bytes));
      this.arenaUsed = 0;
    }
    const at = this.arenaUsed;
    this.arenaUsed += bytes;
    return at;
  }

  private queue(op: SqlOp, values: number): void {
    if (this.closed) throw new HashtriageError('INTERNAL', 'SQL channel used after it was closed');
    this.ops.push(op);
    this.values += values;
    if (this.values >= BATCH_VALUES || this.ops.length >= 1024) this.flush();
  }

  /** Sends the queued batch, waiting first while too many are in flight. */
  private flush(): void {
    if (this.ops.length === 0) return;
    for (;;) {
      const inFlight = Atomics.load(this.control, IN_FLIGHT);
      if (inFlight < MAX_IN_FLIGHT) break;
      this.checkAlive();
      Atomics.wait(this.control, IN_FLIGHT, inFlight, 1000);
    }
    const message: SqlMessage = { t: 'ops', ops: this.ops };
    const transfer = this.arena === undefined ? [] : [this.arena.buffer as ArrayBuffer];
    this.post(message, transfer);
    this.ops = [];
    this.values = 0;
    // The ops already built hold views of the current arena: it goes with them.
    this.arena = undefined;
    this.arenaUsed = 0;
  }

  private post(message: SqlMessage, transfer: ArrayBuffer[]): void {
    if (this.failure) throw new HashtriageError('INTERNAL', `the import's SQL thread failed: ${this.failure.message}`, { cause: this.failure });
    Atomics.add(this.control, IN_FLIGHT, 1);
    this.worker.postMessage(message, transfer);
  }

  private call(call: SqlCall): unknown {
    this.flush();
    Atomics.store(this.control, REPLIED, 0);
    this.post({ t: 'call', call }, []);
    const since = Date.now();
    while (Atomics.load(this.control, REPLIED) === 0) {
      this.checkAlive();
      Atomics.wait(this.control, REPLIED, 0, Math.min(1000, this.startupLimitMs));
      // A thread that failed while loading (a broken native module) would never answer.
      if (Atomics.load(this.control, STARTED) === 0 && Date.now() - since > this.startupLimitMs) {
        throw new HashtriageError('INTERNAL', `the import's SQL thread did not start within ${this.startupLimitMs / 1000} s`);
      }
    }
    const received = receiveMessageOnPort(this.replies);
    if (received === undefined) throw new HashtriageError('INTERNAL', 'SQL thread answered without a reply');
    const reply = received.message as SqlReply;
    if (reply.error === undefined) return reply.value;
    const { message, code, sqliteCode } = reply.error;
    if (code !== undefined) throw new HashtriageError(code, message);
    throw Object.assign(new Error(message), sqliteCode === undefined ? {} : { code: sqliteCode });
  }

  /** Throws when the thread has ended without being asked to. */
  private checkAlive(): void {
    if (Atomics.load(this.control, STOPPED) === 1) {
      this.failure ??= new Error('the thread ended');
      throw new HashtriageError('INTERNAL', `the import's SQL thread ended unexpectedly`);
    }
  }

  private end(): void {
    this.closed = true;
    this.replies.close();
    void this.worker.terminate();
  }
}
