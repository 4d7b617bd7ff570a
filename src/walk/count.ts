/**
 * The pre-count pass: how many files and bytes a scan will hash, so the
 * progress display can show an ETA. It is the same walk (same order, same
 * skips, same read-only guarantees) with the hashing left out, so the count
 * always agrees with what the scan will see, barring changes in between.
 */
import { walk } from './walk.js';

/** Totals of the regular files below a root. */
export interface FileCount {
  files: number;
  bytes: number;
}

/**
 * Counts the regular files below `root` and their total size.
 * Skipped entries and per-entry errors are not counted.
 *
 * @param root - the evidence directory.
 * @param signal - stops the count (rejects with the signal's reason).
 * @returns the number of files and the sum of their sizes in bytes.
 * @throws {HashtriageError} `EVIDENCE_NOT_A_DIRECTORY` or `EVIDENCE_UNREADABLE`, as {@link walk}.
 */
export async function countFiles(root: string, signal?: AbortSignal): Promise<FileCount> {
  let files = 0;
  let bytes = 0;
  for await (const entry of walk(root, { signal })) {
    if (entry.kind === 'file') {
      files++;
      bytes += entry.size;
    }
  }
  return { files, bytes };
}
