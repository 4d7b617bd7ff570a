/**
 * Helpers for the walk tests: generated evidence trees in a temporary
 * directory, and a way to collect what the walk yields.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, realpathSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { WalkEntry } from '../../src/types.js';
import { walk, type WalkOptions } from '../../src/walk/walk.js';

/** A fresh, empty directory under the system temp dir, with its symlink-free path. */
export function makeTempRoot(label: string): string {
  return realpathSync(mkdtempSync(join(tmpdir(), `hashtriage-walk-${label}-`)));
}

/**
 * Removes a generated tree. `rm -rf` rather than `fs.rmSync`: it copes with
 * trees deeper than PATH_MAX, which Node's recursive removal does not.
 */
export function removeTree(dir: string): void {
  execFileSync('chmod', ['-R', 'u+rwx', dir], { stdio: 'ignore' });
  execFileSync('rm', ['-rf', dir]);
}

/** Absolute path bytes of `rel` (raw bytes) under `root`. */
export function under(root: string, ...parts: (string | Buffer)[]): Buffer {
  const pieces: Buffer[] = [Buffer.from(root)];
  for (const p of parts) pieces.push(Buffer.from('/'), typeof p === 'string' ? Buffer.from(p) : p);
  return Buffer.concat(pieces);
}

/**
 * Creates a chain of nested directories `names[0]/names[1]/...` below `root`,
 * each holding an empty file `f`. Runs in a child process that chdirs one
 * level at a time, because the absolute path may exceed PATH_MAX and no
 * absolute-path API can create it.
 */
export function makeChain(root: string, names: string[]): void {
  const script = `
    const fs = require('node:fs');
    process.chdir(process.argv[1]);
    for (const n of JSON.parse(process.argv[2])) {
      fs.mkdirSync(n);
      process.chdir(n);
      fs.writeFileSync('f', '');
    }`;
  execFileSync(process.execPath, ['-e', script, root, JSON.stringify(names)]);
}

/** Every entry the walk yields, in order. */
export async function collect(root: string, options?: WalkOptions): Promise<WalkEntry[]> {
  const out: WalkEntry[] = [];
  for await (const e of walk(root, options)) out.push(e);
  return out;
}

/** The entries as comparable plain data (no Buffers, no inode numbers). */
export function summary(entries: WalkEntry[]): string[] {
  return entries.map((e) => {
    if (e.kind === 'file') return `file ${e.path} ${e.size}`;
    if (e.kind === 'skipped') return `skipped ${e.reason} ${e.path}`;
    return `error ${e.failure.code} ${e.path}`;
  });
}
