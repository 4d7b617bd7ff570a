/**
 * Reading one evidence file: read-only, without moving its access time,
 * once, in chunks.
 *
 * Runs inside a worker thread, so it uses the synchronous fs calls: they block
 * only this worker, and skip the round trip through libuv's small shared
 * thread pool that the async calls would take for every chunk.
 */
import { closeSync, constants, fstatSync, openSync, readSync } from 'node:fs';
import { failureFromSystemError } from '../errors.js';
import type { FileFailure } from '../types.js';

/** O_NOATIME is Linux-only; elsewhere the constant is absent and we open plainly. */
const O_NOATIME: number = (constants as Record<string, number>).O_NOATIME ?? 0;

/**
 * Opens a file for reading only, asking the kernel not to update its access
 * time. Linux refuses O_NOATIME (EPERM) on files the caller neither owns nor
 * has CAP_FOWNER for; then it opens without it, and says so, because the
 * atime may then move unless the evidence is mounted read-only or noatime.
 *
 * @returns the descriptor and whether O_NOATIME was in force.
 * @throws the system error when the file cannot be opened at all.
 */
export function openEvidence(path: Buffer): { fd: number; noatime: boolean } {
  // O_NONBLOCK: if the entry was swapped for a FIFO since the walk saw a
  // regular file, open must not wait for a writer (the caller then refuses
  // it, see readEvidence). It changes nothing for regular files.
  const flags = constants.O_RDONLY | (constants.O_NOFOLLOW ?? 0) | (constants.O_NONBLOCK ?? 0);
  if (O_NOATIME !== 0) {
    try {
      return { fd: openSync(path, flags | O_NOATIME), noatime: true };
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EPERM') throw err;
    }
  }
  return { fd: openSync(path, flags), noatime: false };
}

export interface ReadOutcome {
  /** Bytes read. */
  size: number;
  /** The whole content, when it was asked to be kept (see `keep`). */
  bytes?: Buffer;
  /** Whether O_NOATIME was in force for this file. */
  noatime: boolean;
  failure?: FileFailure;
}

export interface ReadOptions {
  /** Chunk size in bytes; memory per file stays at this whatever the file size. */
  chunkSize: number;
  /**
   * Called with the first chunk (or the whole file if smaller) before the rest
   * is read; returns true to keep the whole content in memory (an image to be
   * decoded), so the file is still read only once.
   */
  keep?: (head: Uint8Array, size: number) => boolean;
}

/**
 * Reads a file once, handing every chunk to `onChunk`.
 *
 * Never throws for a per-file problem: an unreadable, vanished or changing
 * file comes back as `failure`, with `size` the bytes read before it.
 */
export function readEvidence(path: Buffer, onChunk: (chunk: Uint8Array) => void, options: ReadOptions): ReadOutcome {
  let opened: { fd: number; noatime: boolean };
  try {
    opened = openEvidence(path);
  } catch (err) {
    return { size: 0, noatime: false, failure: failureFromSystemError(err, 'READ') };
  }
  const { fd, noatime } = opened;
  let total = 0;
  try {
    const st = fstatSync(fd);
    if (!st.isFile()) {
      return { size: 0, noatime, failure: { code: 'READ_FAILED', message: 'not a regular file (a FIFO, socket or device is never read)' } };
    }
    const expected = st.size;
    const chunk = Buffer.allocUnsafe(options.chunkSize);
    let n = readSync(fd, chunk, 0, chunk.length, null);
    let whole: Buffer | undefined;
    if (options.keep?.(chunk.subarray(0, n), expected)) {
      // Read straight into the kept buffer so nothing is copied twice. Never
      // from Buffer's shared pool: the buffer is transferred to the main
      // thread, which would detach the pool under every other Buffer.
      whole = Buffer.allocUnsafeSlow(Math.max(expected, n));
      chunk.copy(whole, 0, 0, n);
    }
    while (n > 0) {
      const view = whole ? whole.subarray(total, total + n) : chunk.subarray(0, n);
      onChunk(view);
      total += n;
      if (whole) {
        if (total >= whole.length) {
          // The file grew while being read: keep hashing, but stop keeping.
          n = readSync(fd, chunk, 0, chunk.length, null);
          if (n > 0) {
            whole = undefined;
            continue;
          }
          break;
        }
        n = readSync(fd, whole, total, Math.min(options.chunkSize, whole.length - total), null);
      } else {
        n = readSync(fd, chunk, 0, chunk.length, null);
      }
    }
    const outcome: ReadOutcome = { size: total, noatime };
    if (whole) outcome.bytes = whole.subarray(0, total);
    if (total !== expected) {
      outcome.failure = {
        code: 'READ_CHANGED',
        message: `size changed while reading: ${expected} bytes at open, ${total} bytes read`,
      };
    }
    return outcome;
  } catch (err) {
    return { size: total, noatime, failure: failureFromSystemError(err, 'READ') };
  } finally {
    closeSync(fd);
  }
}
