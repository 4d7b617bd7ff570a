import { describe, it, expect } from 'vitest';
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { nativeReader, portableReader, type DirEntry } from '../../src/walk/read-dir.js';
import { buildWalkPackage } from './transpiled.js';
import { collect, makeTempRoot, removeTree, under } from './tree.js';

const INVALID_NAME = Buffer.from([0x6e, 0xc3, 0x28]); // "n" + a broken two-byte sequence

/** Order-free, comparable form of a listing. */
const norm = (list: DirEntry[]) => list.map((e) => `${e.name.toString('hex')}:${e.type}`).sort();

describe('directory readers', () => {
  it.skipIf(nativeReader === undefined)('native and portable agree on names and types', async () => {
    const root = makeTempRoot('readers');
    try {
      mkdirSync(`${root}/sub`);
      writeFileSync(under(root, INVALID_NAME), '');
      writeFileSync(`${root}/plain`, '');
      symlinkSync('sub', `${root}/ln`);
      execFileSync('mkfifo', [`${root}/p`]);
      const native = await nativeReader!(Buffer.from(root));
      const portable = await portableReader(Buffer.from(root));
      expect(norm(native)).toEqual(norm(portable));
      expect(norm(native)).toEqual(
        [
          `${INVALID_NAME.toString('hex')}:file`,
          `${Buffer.from('ln').toString('hex')}:symlink`,
          `${Buffer.from('p').toString('hex')}:fifo`,
          `${Buffer.from('plain').toString('hex')}:file`,
          `${Buffer.from('sub').toString('hex')}:directory`,
        ].sort(),
      );
    } finally {
      removeTree(root);
    }
  });

  it.skipIf(nativeReader === undefined)('native reader: empty and large directories', async () => {
    const root = makeTempRoot('readers-size');
    try {
      mkdirSync(`${root}/empty`);
      mkdirSync(`${root}/big`);
      for (let i = 0; i < 3000; i++) writeFileSync(`${root}/big/${'n'.repeat(i % 200)}${i}`, '');
      expect(await nativeReader!(Buffer.from(`${root}/empty`))).toEqual([]);
      const big = await nativeReader!(Buffer.from(`${root}/big`));
      expect(big).toHaveLength(3000);
      expect(norm(big)).toEqual(norm(await portableReader(Buffer.from(`${root}/big`))));
    } finally {
      removeTree(root);
    }
  });

  it.skipIf(nativeReader === undefined)('native reader fails like Node: code, errno, syscall', async () => {
    const root = makeTempRoot('readers-fail');
    try {
      writeFileSync(`${root}/file`, '');
      symlinkSync('.', `${root}/ln`);
      await expect(nativeReader!(Buffer.from(`${root}/missing`))).rejects.toMatchObject({
        code: 'ENOENT',
        errno: -2,
        syscall: 'open',
        path: `${root}/missing`,
      });
      await expect(nativeReader!(Buffer.from(`${root}/file`))).rejects.toMatchObject({ code: 'ENOTDIR' });
      // O_NOFOLLOW: a symlink to a directory is never opened through.
      await expect(nativeReader!(Buffer.from(`${root}/ln`))).rejects.toHaveProperty('code');
      await expect(nativeReader!(Buffer.from(`${root}/a\0b`))).rejects.toThrow(/NUL/);
    } finally {
      removeTree(root);
    }
  });
});

describe('without the addon', () => {
  it('falls back to fs.opendir, walks the same, and says atimes are not preserved', async () => {
    const base = makeTempRoot('no-addon');
    try {
      buildWalkPackage(join(base, 'pkg'), { withAddon: false });
      const ev = join(base, 'evidence');
      mkdirSync(join(ev, 'a/b'), { recursive: true });
      writeFileSync(join(ev, 'a/b/f'), 'x');
      writeFileSync(join(ev, 'g'), 'y');
      symlinkSync('a', join(ev, 'link'));
      const run = spawnSync(process.execPath, [join(base, 'pkg', 'run.mjs'), ev], { encoding: 'utf8' });
      expect(run.stderr).toBe('');
      const result = JSON.parse(run.stdout) as { lines: string[]; atimePreserved: boolean; reader: string };
      expect(result.lines).toEqual(['file a/b/f', 'file g', 'skipped link']);
      // The in-process walk (native reader when built) sees the same entries.
      expect((await collect(ev)).map((e) => `${e.kind} ${e.path}`)).toEqual(result.lines);
      expect(result.atimePreserved).toBe(false);
      expect(result.reader).toMatch(/^fs\.opendir \(directory atimes may be updated\): .* not found/);
    } finally {
      removeTree(base);
    }
  });
});
