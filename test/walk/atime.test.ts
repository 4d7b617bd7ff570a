import { describe, it, expect, beforeEach, afterEach } from 'vitest';
import { lstatSync, mkdirSync, readdirSync, utimesSync, writeFileSync, linkSync } from 'node:fs';
import { join } from 'node:path';
import { directoryAtimePreserved, directoryReaderDescription, nativeReader, portableReader } from '../../src/walk/read-dir.js';
import { collect, makeTempRoot, removeTree } from './tree.js';

/** Old, distinct dates: relatime updates an atime once it is more than a day old. */
const OLD_ATIME = new Date('2001-02-03T04:05:06Z');
const OLD_MTIME = new Date('2000-01-01T00:00:00Z');

interface Times {
  atimeNs: bigint;
  mtimeNs: bigint;
  ctimeNs: bigint;
}

/**
 * Builds a small tree and ages every file's and directory's times. The paths
 * are known from construction: listing the tree to find them would itself
 * move the directory atimes under test.
 */
function agedTree(root: string): string[] {
  const dirs = ['.', 'a', 'a/b', 'a/b/c', '.hidden', 'empty'];
  const files = ['top.bin', 'a/x.jpg', 'a/b/y.png', 'a/b/c/z', '.hidden/h', 'a/hard'];
  for (const d of dirs.slice(1)) mkdirSync(join(root, d));
  for (const f of files.slice(0, -1)) writeFileSync(join(root, f), f);
  linkSync(join(root, 'top.bin'), join(root, 'a/hard'));
  const paths = [...files, ...dirs];
  // Creating entries moved the directories' mtimes; utimes resets only the
  // inode it is given, so every path is aged after the whole tree exists.
  for (const p of paths) utimesSync(join(root, p), OLD_ATIME, OLD_MTIME);
  return paths;
}

/** The times of each path, read with lstat (which never moves an atime). */
function timesOf(root: string, paths: string[]): Map<string, Times> {
  const out = new Map<string, Times>();
  for (const p of paths) {
    const st = lstatSync(join(root, p), { bigint: true });
    out.set(p, { atimeNs: st.atimeNs, mtimeNs: st.mtimeNs, ctimeNs: st.ctimeNs });
  }
  return out;
}

/** Whether reading a directory moves its atime on this file system (relatime/strictatime). */
function fileSystemUpdatesDirAtime(root: string): boolean {
  const probe = join(root, 'probe');
  mkdirSync(probe);
  utimesSync(probe, OLD_ATIME, OLD_MTIME);
  readdirSync(probe);
  return lstatSync(probe).atimeMs !== OLD_ATIME.getTime();
}

describe('access times', () => {
  let root: string;
  beforeEach(() => {
    root = makeTempRoot('atime');
  });
  afterEach(() => removeTree(root));

  it.skipIf(nativeReader === undefined)(
    'leaves every atime, mtime and ctime of files and directories unchanged (native reader)',
    async () => {
      const tree = join(root, 'tree');
      mkdirSync(tree);
      const paths = agedTree(tree);
      const before = timesOf(tree, paths);
      expect(before.get('a/b')!.atimeNs).toBe(BigInt(OLD_ATIME.getTime()) * 1_000_000n);

      const entries = await collect(tree);
      expect(entries.filter((e) => e.kind === 'file')).toHaveLength(6);

      const after = timesOf(tree, paths);
      for (const p of paths) expect({ path: p, ...after.get(p) }).toEqual({ path: p, ...before.get(p) });
      expect(directoryAtimePreserved()).toBe(true);
      expect(directoryReaderDescription()).toMatch(/^O_NOATIME/);
    },
  );

  it('the same check catches the portable reader moving directory atimes', async (ctx) => {
    if (!fileSystemUpdatesDirAtime(root)) {
      ctx.skip('this file system does not update directory atimes on read (noatime?): nothing to catch');
    }
    const tree = join(root, 'tree');
    mkdirSync(tree);
    const paths = agedTree(tree);
    const before = timesOf(tree, paths);
    await collect(tree, { readDirectory: portableReader });
    const after = timesOf(tree, paths);
    const moved = paths.filter((p) => after.get(p)!.atimeNs !== before.get(p)!.atimeNs);
    // Every directory was read, so every directory's atime moved; no file's did.
    expect(moved.sort()).toEqual(['.', '.hidden', 'a', 'a/b', 'a/b/c', 'empty']);
    for (const p of paths) expect(after.get(p)!.mtimeNs).toBe(before.get(p)!.mtimeNs);
    expect(directoryAtimePreserved()).toBe(false);
    expect(directoryReaderDescription()).toMatch(/read with fs\.opendir instead$/);
  });

  it('reports the fallback when the addon is not built', () => {
    if (nativeReader === undefined) {
      console.warn(`native directory reader not built: ${directoryReaderDescription()}`);
      expect(directoryAtimePreserved()).toBe(false);
      expect(directoryReaderDescription()).toMatch(/^fs\.opendir/);
    } else {
      expect(directoryReaderDescription()).toContain('hashtriage_dirlist.node');
    }
  });
});
