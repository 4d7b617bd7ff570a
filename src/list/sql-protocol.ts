/**
 * What the main thread (sql-channel.ts) and the import's SQL thread
 * (sql-thread.ts) say to each other.
 */
import type { MessagePort } from 'node:worker_threads';
import type { ErrorCode } from '../errors.js';

/** Slots of the shared control array. */
export const REPLIED = 0;
/** Messages posted and not yet handled: the main thread waits while too many are queued. */
export const IN_FLIGHT = 1;
/** Set by the SQL thread once its modules are loaded: a thread that never gets there is an error, not a hang. */
export const STARTED = 2;
/** Set by the SQL thread as it exits, for whatever reason (an uncaught error included). */
export const STOPPED = 3;
/** Int32 slots of the control array. */
export const CONTROL_SLOTS = 4;

/** A statement run without waiting for it. */
export type SqlOp =
  | { k: 'prepare'; id: number; sql: string }
  | { k: 'run'; id: number; v?: unknown[] }
  /** A statement of two values: the blobs of `keys` back to back, and `nums` as the text of a JSON array. */
  | { k: 'pairs'; id: number; keys: Uint8Array; nums: Float64Array }
  | { k: 'exec'; sql: string };

/** A request the main thread waits for. */
export type SqlCall =
  | { k: 'open'; target: string; temp: string | null }
  | { k: 'get'; id: number; v?: unknown[] }
  | { k: 'insert'; id: number; v: unknown[] }
  | { k: 'commit' }
  | { k: 'abort' };

export type SqlMessage = { t: 'ops'; ops: SqlOp[] } | { t: 'call'; call: SqlCall };

/** A call's answer: its value, or what went wrong (a hashtriage code, or SQLite's). */
export type SqlReply = { value: unknown; error?: undefined } | { error: { message: string; code?: ErrorCode; sqliteCode?: string } };

export interface SqlThreadData {
  control: SharedArrayBuffer;
  replies: MessagePort;
}

export function busyMessage(target: string): string {
  return `${target}: the hash list is in use by another hashtriage process (a running scan or import); try again when it has finished`;
}
