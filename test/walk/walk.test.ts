import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { execFileSync } from 'node:child_process';
import {
  chmodSync,
  linkSync,
  mkdirSync,
  readFileSync,
  readdirSync,
  rmSync,
  symlinkSync,
  unlinkSync,
  writeFileSync,
} from 'node:fs';
import { createServer, type Server } from 'node:net';
import { HashtriageError } from '../../src/errors.js';
import type { WalkEntry } from '../../src/types.js';
import { pathBytesOf } from '../../src/walk/path-text.js';
import { defaultReader, nativeReader, portableReader, type DirectoryReader } from '../../src/walk/read-dir.js';
import { walk } from '../../src/walk/walk.js';
import { collect, makeChain, makeTempRoot, removeTree, summary, under } from './tree.js';

const INVALID_NAME = Buffer.from([0x62, 0x61, 0x64, 0xff, 0xfe, 0x2e, 0x6a, 0x70, 0x67]); // "bad\xFF\xFE.jpg"

describe('walk over a mixed tree', () => {
  let root: string;
  let entries: WalkEntry[];

  beforeAll(async () => {
    root = makeTempRoot('mixed');
    mkdirSync(`${root}/a/b/c`, { recursive: true });
    mkdirSync(`${root}/.hidden`);
    mkdirSync(`${root}/empty-dir`);
    writeFileSync(`${root}/a/b/c/deep.txt`, 'deep');
    writeFileSync(`${root}/a/one.txt`, 'one');
    writeFileSync(`${root}/.hidden/.secret`, 'secret!');
    writeFileSync(`${root}/zero`, '');
    writeFileSync(`${root}/new\nline`, 'nl');
    writeFileSync(`${root}/ünïcödé 😀.txt`, 'utf8');
    writeFileSync(under(root, INVALID_NAME), 'invalid');
    writeFileSync(`${root}/copy1`, 'same');
    writeFileSync(`${root}/copy2`, 'same');
    linkSync(`${root}/copy1`, `${root}/hardlink`);
    entries = await collect(root);
  });
  afterAll(() => removeTree(root));

  it('yields every file exactly once and nothing else', () => {
    expect(summary(entries)).toEqual([
      'file .hidden/.secret 7',
      'file a/b/c/deep.txt 4',
      'file a/one.txt 3',
      'file bad\\xFF\\xFE.jpg 7',
      'file copy1 4',
      'file copy2 4',
      'file hardlink 4',
      'file new\nline 2',
      'file zero 0',
      'file ünïcödé 😀.txt 4',
    ]);
  });

  it('gives absolute path bytes that open the very file', () => {
    for (const e of entries) {
      if (e.kind !== 'file') continue;
      expect(readFileSync(e.abs).length).toBe(e.size);
      expect(e.abs.equals(under(root, pathBytesOf(e)))).toBe(true);
    }
  });

  it('reports a name that is not UTF-8 with its exact bytes', () => {
    const bad = entries.find((e) => e.path.startsWith('bad'))!;
    expect(bad.pathBytes).toBe(INVALID_NAME.toString('base64'));
    expect(pathBytesOf(bad).equals(INVALID_NAME)).toBe(true);
    expect(entries.filter((e) => e.pathBytes !== undefined)).toHaveLength(1);
  });

  it('reports hard links as separate copies sharing dev and ino', () => {
    const files = entries.filter((e): e is Extract<WalkEntry, { kind: 'file' }> => e.kind === 'file');
    const c1 = files.find((e) => e.path === 'copy1')!;
    const c2 = files.find((e) => e.path === 'copy2')!;
    const hl = files.find((e) => e.path === 'hardlink')!;
    expect([hl.dev, hl.ino]).toEqual([c1.dev, c1.ino]);
    expect(c2.ino).not.toBe(c1.ino);
    expect(typeof c1.mtimeMs).toBe('number');
  });

  it('yields the same sequence on every run, and with either directory reader', async () => {
    const again = await collect(root);
    expect(summary(again)).toEqual(summary(entries));
    const portable = await collect(root, { readDirectory: portableReader });
    expect(summary(portable)).toEqual(summary(entries));
  });
});

describe('walk order', () => {
  it('sorts names by raw bytes, depth first', async () => {
    const root = makeTempRoot('order');
    try {
      for (const name of ['b', 'B', '_', 'a.txt', 'é', 'a-b', '10', '9']) writeFileSync(`${root}/${name}`, '');
      mkdirSync(`${root}/a`);
      writeFileSync(`${root}/a/x`, '');
      writeFileSync(`${root}/a/Y`, '');
      const paths = (await collect(root)).map((e) => e.path);
      // Bytes: '1'(31) < '9'(39) < 'B'(42) < '_'(5F) < 'a'(61) < 'a-b' < 'a.txt' < 'b' < 'é'(C3 A9).
      // The directory 'a' is entered where its name sorts, before 'a-b'.
      expect(paths).toEqual(['10', '9', 'B', '_', 'a/Y', 'a/x', 'a-b', 'a.txt', 'b', 'é']);
    } finally {
      removeTree(root);
    }
  });
});

describe('symlinks and special files', () => {
  let root: string;
  let outside: string;
  let server: Server | undefined;
  let deviceMade = false;
  let entries: WalkEntry[];

  beforeAll(async () => {
    root = makeTempRoot('special');
    outside = makeTempRoot('outside');
    writeFileSync(`${outside}/outside-file`, 'not evidence');
    mkdirSync(`${root}/dir`);
    writeFileSync(`${root}/dir/inside`, 'x');
    symlinkSync('loop-b', `${root}/loop-a`);
    symlinkSync('loop-a', `${root}/loop-b`);
    symlinkSync('.', `${root}/self`);
    symlinkSync(outside, `${root}/out`);
    symlinkSync('dir', `${root}/to-dir`);
    symlinkSync('no/such/target', `${root}/dangling`);
    symlinkSync(Buffer.from([0x74, 0xff]), under(root, 'odd-target'));
    execFileSync('mkfifo', [`${root}/fifo`]);
    server = createServer();
    await new Promise<void>((res) => server!.listen(`${root}/sock`, res));
    try {
      execFileSync('mknod', [`${root}/null-dev`, 'c', '1', '3'], { stdio: 'ignore' });
      deviceMade = true;
    } catch {
      deviceMade = false;
    }
    entries = await collect(root);
  });
  afterAll(async () => {
    await new Promise<void>((res) => (server ? server.close(() => res()) : res()));
    removeTree(root);
    removeTree(outside);
  });

  it('records symlinks without reading or following them', () => {
    const expected = [
      'skipped symlink dangling',
      'file dir/inside 1',
      'skipped fifo fifo',
      'skipped symlink loop-a',
      'skipped symlink loop-b',
      ...(deviceMade ? ['skipped char-device null-dev'] : []),
      'skipped symlink odd-target',
      'skipped symlink out',
      'skipped symlink self',
      'skipped socket sock',
      'skipped symlink to-dir',
    ];
    expect(summary(entries)).toEqual(expected);
    if (!deviceMade) console.warn('mknod not permitted here: the char-device case was not exercised');
  });

  it('classifies by lstat alone when the file system gives no entry types (d_type unknown)', async () => {
    const read = defaultReader();
    const untyped: DirectoryReader = async (dir) => (await read(dir)).map((e) => ({ name: e.name, type: 'unknown' }));
    expect(summary(await collect(root, { readDirectory: untyped }))).toEqual(summary(entries));
  });

  it('leaves the FIFO unopened (the walk would block forever if it opened it)', () => {
    // Reaching this point at all proves it: opening a FIFO with no writer blocks.
    expect(entries.some((e) => e.kind === 'skipped' && e.reason === 'fifo')).toBe(true);
  });
});

describe('deep trees and long paths', () => {
  let root: string;
  beforeAll(() => {
    root = makeTempRoot('deep');
  });
  afterAll(() => removeTree(root));

  it('walks more than 100 levels deep', async () => {
    const names = Array.from({ length: 150 }, (_, i) => `d${i}`);
    makeChain(`${root}`, names);
    const entries = (await collect(root)).filter((e) => e.path.startsWith('d0/'));
    // One file 'f' per level, deepest last (the directory sorts before 'f').
    expect(entries).toHaveLength(150);
    expect(entries.every((e) => e.kind === 'file')).toBe(true);
    expect(entries[0].path).toBe(`${names.join('/')}/f`);
    expect(entries[149].path).toBe('d0/f');
    rmSync(`${root}/d0`, { recursive: true });
  });

  it('records WALK_NAME_TOO_LONG where a path passes PATH_MAX and goes on', async () => {
    const PATH_MAX = 4096;
    // 30 levels of 200-byte names: about 6000 bytes, beyond PATH_MAX.
    const names = Array.from({ length: 30 }, (_, i) => String(i).padStart(3, '0') + 'x'.repeat(197));
    makeChain(root, names);
    writeFileSync(`${root}/sibling-after`, 'still walked');

    // Model of the rule: an entry can be examined while its absolute path,
    // plus the terminating NUL, fits in PATH_MAX.
    const fits = (rel: string): boolean => Buffer.byteLength(`${root}/${rel}`) + 1 <= PATH_MAX;
    const expected: string[] = [];
    let rel = '';
    for (const n of names) {
      const dir = rel ? `${rel}/${n}` : n;
      if (!fits(dir)) {
        expected.push(`error WALK_NAME_TOO_LONG ${dir}`);
        break;
      }
      rel = dir;
    }
    // Files 'f' come back out of the recursion, deepest first.
    const dirs = rel.split('/');
    for (let k = dirs.length; k >= 1; k--) {
      const f = `${dirs.slice(0, k).join('/')}/f`;
      expected.push(fits(f) ? `file ${f} 0` : `error WALK_NAME_TOO_LONG ${f}`);
    }
    expected.push('file sibling-after 12');

    const got = summary(await collect(root));
    expect(got.some((s) => s.startsWith('error WALK_NAME_TOO_LONG'))).toBe(true);
    expect(got).toEqual(expected);
  });
});

describe('entries that vanish mid-scan', () => {
  it('records a file and a directory deleted between listing and examination', async () => {
    const root = makeTempRoot('vanish');
    try {
      writeFileSync(`${root}/a`, '1');
      writeFileSync(`${root}/b`, '2');
      mkdirSync(`${root}/c`);
      writeFileSync(`${root}/c/inner`, '3');
      writeFileSync(`${root}/d`, '4');
      // A reader that deletes 'b' and 'c' right after listing the root: the
      // names are in the listing, the entries are gone when examined.
      const read = defaultReader();
      const deleting: DirectoryReader = async (dir) => {
        const listing = await read(dir);
        if (dir.equals(Buffer.from(root))) {
          unlinkSync(`${root}/b`);
          rmSync(`${root}/c`, { recursive: true });
        }
        return listing;
      };
      expect(summary(await collect(root, { readDirectory: deleting }))).toEqual([
        'file a 1',
        'error WALK_VANISHED b',
        'error WALK_VANISHED c',
        'file d 1',
      ]);
    } finally {
      removeTree(root);
    }
  });

  it('records a directory deleted while the walk is suspended at a yield', async () => {
    const root = makeTempRoot('vanish-dir');
    try {
      writeFileSync(`${root}/a`, '1');
      mkdirSync(`${root}/b`);
      writeFileSync(`${root}/b/inner`, '2');
      const seen: string[] = [];
      for await (const e of walk(root)) {
        seen.push(summary([e])[0]);
        if (e.path === 'a') rmSync(`${root}/b`, { recursive: true });
      }
      expect(seen).toEqual(['file a 1', 'error WALK_VANISHED b']);
    } finally {
      removeTree(root);
    }
  });
});

describe('a directory swapped for a symlink after listing', () => {
  it.skipIf(nativeReader === undefined)('is not followed by the native reader (O_NOFOLLOW)', async () => {
    const root = makeTempRoot('swap');
    const outside = makeTempRoot('swap-outside');
    try {
      writeFileSync(`${outside}/must-not-appear`, 'x');
      mkdirSync(`${root}/c`);
      const swapping: DirectoryReader = async (dir) => {
        const listing = await nativeReader!(dir);
        if (dir.equals(Buffer.from(root))) {
          rmSync(`${root}/c`, { recursive: true });
          symlinkSync(outside, `${root}/c`);
        }
        return listing;
      };
      // Linux answers O_DIRECTORY|O_NOFOLLOW on a symlink with ENOTDIR: the
      // directory that was listed is gone, and nothing behind the link is read.
      expect(summary(await collect(root, { readDirectory: swapping }))).toEqual(['error WALK_VANISHED c']);
    } finally {
      removeTree(root);
      removeTree(outside);
    }
  });
});

/** True when this process can read a directory whose mode is 000 (root, CAP_DAC_OVERRIDE). */
function bypassesPermissions(dir: string): boolean {
  try {
    readdirSync(dir);
    return true;
  } catch {
    return false;
  }
}

describe('unreadable directories', () => {
  it('records WALK_ACCESS_DENIED and walks on (in this process)', async (ctx) => {
    const root = makeTempRoot('denied');
    try {
      mkdirSync(`${root}/locked`);
      writeFileSync(`${root}/locked/hidden`, 'x');
      writeFileSync(`${root}/open`, 'y');
      chmodSync(`${root}/locked`, 0o000);
      if (bypassesPermissions(`${root}/locked`)) {
        ctx.skip(
          'running with permission to read a mode-000 directory (root / CAP_DAC_OVERRIDE): ' +
            'EACCES cannot arise in this process; see unreadable.test.ts for the unprivileged run',
        );
      }
      expect(summary(await collect(root))).toEqual(['error WALK_ACCESS_DENIED locked', 'file open 1']);
    } finally {
      removeTree(root);
    }
  });
});

describe('the root', () => {
  it('throws EVIDENCE_NOT_A_DIRECTORY for a missing root or a file', async () => {
    const root = makeTempRoot('root');
    try {
      writeFileSync(`${root}/file`, '');
      for (const bad of [`${root}/missing`, `${root}/file`]) {
        const err = await collect(bad).catch((e: unknown) => e);
        expect(err).toBeInstanceOf(HashtriageError);
        expect((err as HashtriageError).code).toBe('EVIDENCE_NOT_A_DIRECTORY');
      }
    } finally {
      removeTree(root);
    }
  });

  it('follows a root that is itself a symlink, and only that one', async () => {
    const root = makeTempRoot('rootlink');
    try {
      mkdirSync(`${root}/real`);
      writeFileSync(`${root}/real/file`, 'abc');
      symlinkSync('real', `${root}/link`);
      symlinkSync('.', `${root}/real/again`);
      expect(summary(await collect(`${root}/link`))).toEqual(['skipped symlink again', 'file file 3']);
    } finally {
      removeTree(root);
    }
  });
});

describe('cancellation', () => {
  it('stops with the abort reason, before or during the walk', async () => {
    const root = makeTempRoot('abort');
    try {
      for (const n of ['a', 'b', 'c']) writeFileSync(`${root}/${n}`, '');
      const pre = new AbortController();
      pre.abort();
      await expect(collect(root, { signal: pre.signal })).rejects.toMatchObject({ name: 'AbortError' });

      const mid = new AbortController();
      const seen: string[] = [];
      const run = (async () => {
        for await (const e of walk(root, { signal: mid.signal })) {
          seen.push(e.path);
          mid.abort(new Error('stop here'));
        }
      })();
      await expect(run).rejects.toThrow('stop here');
      expect(seen).toEqual(['a']);
    } finally {
      removeTree(root);
    }
  });
});
