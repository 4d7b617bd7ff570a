import { describe, it, expect } from 'vitest';
import { execFileSync } from 'node:child_process';
import { mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { HashtriageError } from '../../src/errors.js';
import { countFiles } from '../../src/walk/count.js';
import { collect, makeTempRoot, removeTree } from './tree.js';

describe('countFiles', () => {
  it('counts regular files and their bytes, not links, FIFOs or directories', async () => {
    const root = makeTempRoot('count');
    try {
      mkdirSync(`${root}/sub/deeper`, { recursive: true });
      writeFileSync(`${root}/zero`, '');
      writeFileSync(`${root}/sub/five`, '12345');
      writeFileSync(`${root}/sub/deeper/kilo`, Buffer.alloc(1000));
      symlinkSync('sub/five', `${root}/link`);
      execFileSync('mkfifo', [`${root}/fifo`]);
      expect(await countFiles(root)).toEqual({ files: 3, bytes: 1005 });

      // Same walk: the count agrees with the file entries the scan will see.
      const files = (await collect(root)).filter((e) => e.kind === 'file');
      expect(files).toHaveLength(3);
    } finally {
      removeTree(root);
    }
  });

  it('passes set-up failures and aborts through', async () => {
    const root = makeTempRoot('count-fail');
    try {
      const err = await countFiles(`${root}/missing`).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(HashtriageError);
      expect((err as HashtriageError).code).toBe('EVIDENCE_NOT_A_DIRECTORY');
      await expect(countFiles(root, AbortSignal.abort())).rejects.toMatchObject({ name: 'AbortError' });
    } finally {
      removeTree(root);
    }
  });
});
