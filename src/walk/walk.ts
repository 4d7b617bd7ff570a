/**
 * Stage 1: the read-only evidence walk.
 *
 * Streams one `WalkEntry` per directory entry below the root, depth first,
 * each directory's names sorted by raw bytes so that every run over the same
 * tree yields the same sequence (stable reports, golden tests). Only the
 * listings of the directories on the current path are held in memory.
 *
 * Read-only by construction: the walk lists directories and lstats entries.
 * It never opens a file, never follows or even reads a symlink (readlink
 * would move the link's atime) and never opens a special file. Directory atimes: see read-dir.ts.
 */
import { lstat, realpath, stat } from 'node:fs/promises';
import type { Stats } from 'node:fs';
import { resolve } from 'node:path';
import { HashtriageError, failureFromSystemError } from '../errors.js';
import type { WalkEntry } from '../types.js';
import { reportedPath } from './path-text.js';
import { defaultReader, entryTypeOf, type DirEntry, type DirectoryReader, type EntryType } from './read-dir.js';

/** Options of {@link walk}. */
export interface WalkOptions {
  /** Stops the walk: the generator throws `signal.reason` at the next entry. */
  signal?: AbortSignal;
  /**
   * How directories are listed. Defaults to the O_NOATIME native reader when
   * built, else `fs.opendir`. Tests pass `portableReader` to compare the two.
   */
  readDirectory?: DirectoryReader;
}

/** An lstat result, settled either way so that a prefetched failure is never an unhandled rejection. */
type StatOutcome = { st: Stats; err?: undefined } | { st?: undefined; err: unknown };

/** One directory on the current path: its listing and how far we are through it. */
interface Frame {
  abs: Buffer;
  rel: Buffer;
  entries: DirEntry[];
  /** Index of the next entry to examine. */
  next: number;
  /** lstat calls started ahead of `next`, by entry index (see LSTAT_AHEAD). */
  pending: (Promise<StatOutcome> | undefined)[];
  /** Index of the first entry whose lstat has not been started. */
  prefetched: number;
}

/**
 * How many lstat calls run ahead of the entry being yielded. Awaiting one
 * lstat per file leaves the libuv pool idle between round trips; a window
 * in flight overlaps them (measured: less CPU per entry, and about twice
 * the entries per second on an idle machine), while a fixed window keeps
 * memory flat on directories with millions of names.
 */
const LSTAT_AHEAD = 32;

const SLASH = Buffer.from('/');
const EMPTY = Buffer.alloc(0);

function byRawBytes(a: DirEntry, b: DirEntry): number {
  return Buffer.compare(a.name, b.name);
}

function child(parent: Buffer, name: Buffer): Buffer {
  if (parent.length === 0) return Buffer.from(name);
  // The root may be "/" itself; avoid "//name".
  return parent[parent.length - 1] === 0x2f ? Buffer.concat([parent, name]) : Buffer.concat([parent, SLASH, name]);
}

/** Directories, symlinks and special files are known from the listing alone. */
function needsStat(type: EntryType): boolean {
  return type === 'file' || type === 'unknown';
}

function lstatOutcome(abs: Buffer): Promise<StatOutcome> {
  return lstat(abs).then(
    (st) => ({ st }),
    (err: unknown) => ({ err }),
  );
}

function newFrame(abs: Buffer, rel: Buffer, entries: DirEntry[]): Frame {
  return { abs, rel, entries: entries.sort(byRawBytes), next: 0, pending: [], prefetched: 0 };
}

/** Starts the lstat of the next entries that need one, up to LSTAT_AHEAD ahead of `next`. */
function prefetch(frame: Frame): void {
  const limit = Math.min(frame.entries.length, frame.next + LSTAT_AHEAD);
  for (; frame.prefetched < limit; frame.prefetched++) {
    const e = frame.entries[frame.prefetched];
    if (needsStat(e.type)) frame.pending[frame.prefetched] = lstatOutcome(child(frame.abs, e.name));
  }
}

function errorEntry(rel: Buffer, err: unknown): WalkEntry {
  return { kind: 'error', ...reportedPath(rel), failure: failureFromSystemError(err, 'WALK') };
}

/**
 * Resolves the root to an absolute, symlink-free path and checks that it is a
 * directory. The root is the one path the walk follows a symlink for: the
 * examiner named it on the command line (like `find -H`).
 */
async function resolveRoot(root: string): Promise<Buffer> {
  let abs: Buffer;
  let st: Stats;
  try {
    abs = await realpath(Buffer.from(resolve(root)), { encoding: 'buffer' });
    st = await stat(abs);
  } catch (err) {
    const { message } = failureFromSystemError(err, 'WALK');
    throw new HashtriageError('EVIDENCE_NOT_A_DIRECTORY', `Evidence root ${root} cannot be examined: ${message}`, {
      cause: err,
    });
  }
  if (!st.isDirectory()) {
    throw new HashtriageError('EVIDENCE_NOT_A_DIRECTORY', `Evidence root ${root} is not a directory`);
  }
  return abs;
}

/**
 * Walks an evidence tree read-only and streams one record per entry.
 *
 * Yields, for every entry below `root` (directories themselves are entered,
 * not yielded):
 * - `file` for a regular file, with its absolute path bytes, size, dev/ino and mtime.
 *   Hard links and copies are each reported (dev/ino lets later stages notice).
 * - `skipped` for a symlink (never followed, and its target not read),
 *   a FIFO, socket, block or character device (recorded from the directory entry
 *   type or lstat, never opened).
 * - `error` for an entry that could not be examined: a directory that cannot be
 *   listed (`WALK_ACCESS_DENIED`), an entry that vanished mid-scan (`WALK_VANISHED`),
 *   a path longer than PATH_MAX (`WALK_NAME_TOO_LONG`), `WALK_LOOP`, `WALK_UNREADABLE`.
 *   The walk goes on after each.
 *
 * Order: depth first, each directory's names sorted by raw bytes.
 *
 * @param root - the evidence directory. If it is a symlink, it is followed (only the root).
 * @param options - abort signal; directory reader (tests).
 * @returns an async generator of `WalkEntry`.
 * @throws {HashtriageError} `EVIDENCE_NOT_A_DIRECTORY` when the root does not exist or is
 *   not a directory; `EVIDENCE_UNREADABLE` when the root itself cannot be listed.
 * @throws the signal's `reason` (an `AbortError` by default) once `options.signal` aborts.
 * @example
 * for await (const entry of walk('/mnt/evidence')) if (entry.kind === 'file') queue(entry);
 */
export async function* walk(root: string, options: WalkOptions = {}): AsyncGenerator<WalkEntry> {
  const { signal } = options;
  const read = options.readDirectory ?? defaultReader();
  signal?.throwIfAborted();

  const rootAbs = await resolveRoot(root);
  let rootEntries: DirEntry[];
  try {
    rootEntries = await read(rootAbs);
  } catch (err) {
    const { message } = failureFromSystemError(err, 'WALK');
    throw new HashtriageError('EVIDENCE_UNREADABLE', `Evidence root ${root} cannot be listed: ${message}`, {
      cause: err,
    });
  }
  const stack: Frame[] = [newFrame(rootAbs, EMPTY, rootEntries)];

  while (stack.length > 0) {
    signal?.throwIfAborted();
    const top = stack[stack.length - 1];
    if (top.next === top.entries.length) {
      stack.pop();
      continue;
    }
    const index = top.next++;
    const { name, type: listedType } = top.entries[index];
    const abs = child(top.abs, name);
    const rel = child(top.rel, name);
    prefetch(top);

    // Check the listed type first: directories, symlinks and special files
    // need no lstat. Regular files do (size, inode), and so does any entry
    // whose file system left d_type unknown.
    let type = listedType;
    let st: Stats | undefined;
    if (needsStat(type)) {
      const outcome = await top.pending[index]!;
      top.pending[index] = undefined;
      if (outcome.err !== undefined || outcome.st === undefined) {
        yield errorEntry(rel, outcome.err);
        continue;
      }
      st = outcome.st;
      // Trust lstat over the listing: the entry may have been replaced since.
      type = entryTypeOf(st);
    }

    switch (type) {
      case 'file':
        yield {
          kind: 'file',
          ...reportedPath(rel),
          abs,
          size: st!.size,
          dev: st!.dev,
          ino: st!.ino,
          mtimeMs: st!.mtimeMs,
        };
        break;
      case 'directory':
        try {
          stack.push(newFrame(abs, rel, await read(abs)));
        } catch (err) {
          yield errorEntry(rel, err);
        }
        break;
      case 'symlink':
        // The target is not read: readlink moves the link's own access time,
        // and no flag prevents it. The examiner can read it from the image.
        yield { kind: 'skipped', ...reportedPath(rel), reason: 'symlink' };
        break;
      case 'unknown':
        yield { kind: 'skipped', ...reportedPath(rel), reason: 'unknown-type' };
        break;
      default:
        // fifo, socket, block-device, char-device: recorded, never opened.
        yield { kind: 'skipped', ...reportedPath(rel), reason: type };
    }
  }
}
