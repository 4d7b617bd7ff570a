/**
 * A generated evidence tree with every awkward case the scan must survive,
 * and a snapshot of it (bytes, modes, sizes, times, link targets) to prove
 * the scan left it untouched.
 */
import { createHash } from 'node:crypto';
import { execFileSync } from 'node:child_process';
import { closeSync, constants, lstatSync, lutimesSync, mkdirSync, openSync, readFileSync, readdirSync, readlinkSync, symlinkSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { prng, syntheticImage } from '../../src/cli/synthetic.js';
import { nativeReader } from '../../src/walk/read-dir.js';

/** Path bytes for a name that is not valid UTF-8. */
export const LATIN1_NAME = Buffer.from([0x63, 0x61, 0x66, 0xe9, 0x2e, 0x6a, 0x70, 0x67]); // "caf\xE9.jpg"

export interface Tree {
  root: string;
  /** Relative path (as reported) → content, for the files the list names as notable. */
  notable: Map<string, Buffer>;
  /** Content the list names as known-good. */
  known: Buffer;
  /** Every regular file's reported path. */
  files: string[];
}

function pseudoRandom(n: number, seed: number): Buffer {
  const r = prng(seed);
  const b = Buffer.allocUnsafe(n);
  for (let i = 0; i < n; i++) b[i] = (r() * 256) | 0;
  return b;
}

/**
 * Builds the tree under `root`. Contents are deterministic, so golden outputs
 * stay stable.
 */
export async function buildTree(root: string): Promise<Tree> {
  const files: string[] = [];
  const notable = new Map<string, Buffer>();
  const put = (rel: string, data: Buffer | string) => {
    mkdirSync(join(root, rel, '..'), { recursive: true });
    writeFileSync(join(root, rel), data);
    files.push(rel);
    return Buffer.from(data);
  };
  const imgA = await syntheticImage(320, 240, 11, 'jpeg');
  const imgB = await syntheticImage(200, 200, 12, 'png');
  const known = Buffer.from('known-good system file\n');

  notable.set('photos/a.jpg', put('photos/a.jpg', imgA));
  // Duplicate copies: each reported.
  notable.set('photos/.hidden/copy-of-a.jpg', put('photos/.hidden/copy-of-a.jpg', imgA));
  // An image renamed to another extension.
  notable.set('docs/report.docx', put('docs/report.docx', imgB));
  // Very deep path.
  const deep = `${Array.from({ length: 40 }, (_, i) => `d${i}`).join('/')}/deep.png`;
  notable.set(deep, put(deep, imgB));
  // Newline in the name: must not forge output lines.
  notable.set('odd/new\nline.jpg', put('odd/new\nline.jpg', imgA));
  // A formula-looking name: neutralised in the CSV.
  notable.set('=HYPERLINK(1).jpg', put('=HYPERLINK(1).jpg', imgB));
  // A name that is not valid UTF-8.
  mkdirSync(join(root, 'odd'), { recursive: true });
  writeFileSync(Buffer.concat([Buffer.from(`${root}/odd/`), LATIN1_NAME]), imgA);
  files.push('odd/caf\\xE9.jpg');
  notable.set('odd/caf\\xE9.jpg', imgA);

  put('system/known.dll', known);
  put('empty/zero.bin', '');
  // A multi-MB file (not listed): hashed in many chunks.
  put('big/blob.bin', pseudoRandom(5 * 1024 * 1024 + 17, 99));
  put('notes.txt', 'nothing to see\n');
  // Corrupt images: a decode error each, hashes still reported.
  put('photos/truncated.jpg', imgA.subarray(0, imgA.length >> 1));
  put('photos/garbage.png', Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), pseudoRandom(500, 5)]));

  // Never opened: a FIFO (a read would block forever), a symlink loop, links out of the tree.
  execFileSync('mkfifo', [join(root, 'special/fifo')].map((p) => (mkdirSync(join(root, 'special'), { recursive: true }), p)));
  symlinkSync('loop-b', join(root, 'special/loop-a'));
  symlinkSync('loop-a', join(root, 'special/loop-b'));
  symlinkSync('/etc/passwd', join(root, 'special/outside'));
  symlinkSync('../../photos', join(root, 'special/dir-link'));
  return { root, notable, known, files };
}

/** Sets every entry's atime and mtime to an old date, so any access would show. */
export function ageTree(root: string, when = new Date('2001-02-03T04:05:06Z')): void {
  const visit = (dir: Buffer) => {
    for (const name of readdirSync(dir, { encoding: 'buffer' })) {
      const p = Buffer.concat([dir, Buffer.from('/'), name]);
      const st = lstatSync(p);
      if (st.isDirectory()) visit(p);
      if (st.isSymbolicLink()) lutimesSync(p, when, when);
      else utimesSync(p, when, when);
    }
  };
  visit(Buffer.from(root));
  utimesSync(root, when, when);
}

/**
 * Everything observable about the tree, entry by entry: type, mode, size,
 * atime, mtime, content hash, link target. Taking it must not disturb the
 * tree itself, so files are read with O_NOATIME and directories listed with
 * the walk's O_NOATIME reader. `readlink` has no such flag: call `ageTree`
 * again after a snapshot that will be compared later.
 */
export async function snapshot(root: string): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  const list = nativeReader ?? (async (d: Buffer) => readdirSync(d, { encoding: 'buffer' }).map((name) => ({ name })));
  const visit = async (dir: Buffer) => {
    const st = lstatSync(dir);
    out.set(dir.toString('base64'), `dir ${st.mode} ${st.atimeMs} ${st.mtimeMs}`);
    for (const { name } of await list(dir)) {
      const p = Buffer.concat([dir, Buffer.from('/'), name]);
      const s = lstatSync(p);
      if (s.isDirectory()) await visit(p);
      else if (s.isSymbolicLink()) out.set(p.toString('base64'), `link ${s.atimeMs} ${s.mtimeMs} ${readlinkSync(p, { encoding: 'buffer' }).toString('base64')}`);
      else if (s.isFile()) {
        const fd = openSync(p, constants.O_RDONLY | constants.O_NOATIME);
        const sha = createHash('sha256').update(readFileSync(fd)).digest('hex');
        closeSync(fd);
        out.set(p.toString('base64'), `file ${s.mode} ${s.size} ${s.atimeMs} ${s.mtimeMs} ${sha}`);
      } else out.set(p.toString('base64'), `special ${s.mode} ${s.atimeMs} ${s.mtimeMs}`);
    }
  };
  await visit(Buffer.from(root));
  return out;
}
