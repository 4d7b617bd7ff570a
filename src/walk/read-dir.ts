/**
 * Listing one directory: names as raw bytes plus the type the file system
 * reports for each, so the walk can skip `lstat` where the type says enough.
 *
 * Two readers with one contract:
 * - `nativeReader`: our N-API addon (native/dirlist.c), which opens the
 *   directory with O_NOATIME. Reading a directory otherwise updates its atime
 *   (Linux `relatime`, once the atime is a day old), which alters evidence.
 * - `portableReader`: `fs.promises.opendir` with Buffer names. Used when the
 *   addon is not built; it cannot avoid the atime update, and
 *   {@link directoryAtimePreserved} says so.
 */
import { opendir } from 'node:fs/promises';
import type { Dirent, OpenDirOptions } from 'node:fs';
import { loadAddon } from '../addon.js';

/** What a directory entry is, as far as the listing (d_type) knows. */
export type EntryType = 'file' | 'directory' | 'symlink' | 'fifo' | 'socket' | 'block-device' | 'char-device' | 'unknown';

/** One name in a directory listing. */
export interface DirEntry {
  /** The name's raw bytes, exactly as stored. */
  name: Buffer;
  /** `unknown` when the file system does not fill in d_type: the walk then asks lstat. */
  type: EntryType;
}

/** Lists one directory. Rejects with a Node-style system error (`code` = errno name). */
export type DirectoryReader = (dir: Buffer) => Promise<DirEntry[]>;

/** What the addon's `list()` resolves to (see native/dirlist.c). */
interface NativeListing {
  names: Buffer;
  types: Buffer;
  noatime: boolean;
}
interface NativeAddon {
  list(path: Buffer): Promise<NativeListing>;
}

const loaded = loadAddon('hashtriage_dirlist', import.meta.url, (x): x is NativeAddon => typeof (x as Partial<NativeAddon>).list === 'function');

/** Directories listed by the addon without O_NOATIME because the kernel refused it (EPERM). */
let noatimeRefusals = 0;
/** Directories listed by the portable reader, which cannot ask for O_NOATIME. */
let portableListings = 0;

/** d_type values (<dirent.h>; the same on Linux and the BSDs). */
const D_TYPES: Readonly<Record<number, EntryType>> = {
  1: 'fifo',
  2: 'char-device',
  4: 'directory',
  6: 'block-device',
  8: 'file',
  10: 'symlink',
  12: 'socket',
};

/** The type predicates shared by `fs.Dirent` and `fs.Stats`. */
type TypePredicates = Pick<Dirent, 'isFile' | 'isDirectory' | 'isSymbolicLink' | 'isFIFO' | 'isSocket' | 'isBlockDevice' | 'isCharacterDevice'>;

/**
 * Classifies a directory entry or an lstat result.
 *
 * @param d - an `fs.Dirent` or `fs.Stats`.
 * @returns its entry type; `unknown` when no predicate holds.
 */
export function entryTypeOf(d: TypePredicates): EntryType {
  if (d.isFile()) return 'file';
  if (d.isDirectory()) return 'directory';
  if (d.isSymbolicLink()) return 'symlink';
  if (d.isFIFO()) return 'fifo';
  if (d.isSocket()) return 'socket';
  if (d.isBlockDevice()) return 'block-device';
  if (d.isCharacterDevice()) return 'char-device';
  return 'unknown';
}

/** The addon reader, or `undefined` when the addon is not built or failed to load. */
export const nativeReader: DirectoryReader | undefined = loaded.addon
  ? async (dir) => {
      const listing = await loaded.addon!.list(dir);
      if (!listing.noatime) noatimeRefusals++;
      const entries: DirEntry[] = new Array(listing.types.length);
      const { names, types } = listing;
      let start = 0;
      for (let k = 0; k < types.length; k++) {
        const end = names.indexOf(0, start);
        entries[k] = { name: names.subarray(start, end), type: D_TYPES[types[k]] ?? 'unknown' };
        start = end + 1;
      }
      return entries;
    }
  : undefined;

/**
 * The portable reader: `fs.promises.opendir` with Buffer names.
 * Updates the directory's atime where the mount does (see module comment).
 */
export const portableReader: DirectoryReader = async (dir) => {
  portableListings++;
  // @types/node does not list 'buffer' as an opendir encoding, but Node 20
  // honours it and returns Buffer names, which is the whole point here.
  const options = { encoding: 'buffer', bufferSize: 256 } as unknown as OpenDirOptions;
  const handle = await opendir(dir, options);
  const entries: DirEntry[] = [];
  for await (const d of handle) {
    entries.push({ name: d.name as unknown as Buffer, type: entryTypeOf(d) });
  }
  return entries;
};

/**
 * The reader the walk uses by default: native when built, portable otherwise.
 *
 * @returns the directory reader.
 */
export function defaultReader(): DirectoryReader {
  return nativeReader ?? portableReader;
}

/**
 * Whether directory access times are left untouched by the walk, for the
 * audit log. False when the addon is not built (directories are read with
 * `fs.opendir`), when a directory was listed with the portable reader anyway,
 * or when the kernel refused O_NOATIME for at least one directory listed so
 * far in this process (a directory not owned by the scanning user, without
 * CAP_FOWNER). Call it after the walk for the final answer.
 *
 * File atimes are never touched by the walk (it only lstats files). A
 * symlink's own atime is, by `readlink`: the kernel offers no O_NOATIME there.
 *
 * @returns true when every directory was (or will be) read with O_NOATIME.
 */
export function directoryAtimePreserved(): boolean {
  return nativeReader !== undefined && noatimeRefusals === 0 && portableListings === 0;
}

/**
 * A one-line explanation of how directories are read, for the audit log:
 * which reader, and how many directories were read without O_NOATIME.
 *
 * @returns human-readable text.
 */
export function directoryReaderDescription(): string {
  if (nativeReader === undefined) return `fs.opendir (directory atimes may be updated): ${loaded.reason}`;
  let text = `O_NOATIME ${loaded.reason}`;
  if (noatimeRefusals > 0) text += `; O_NOATIME refused (EPERM) for ${plural(noatimeRefusals)} not owned by this user`;
  if (portableListings > 0) text += `; ${plural(portableListings)} read with fs.opendir instead`;
  return text;
}

function plural(n: number): string {
  return `${n} director${n === 1 ? 'y' : 'ies'}`;
}
