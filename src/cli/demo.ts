/**
 * `hashtriage demo`: the whole pipeline on a generated, benign evidence tree.
 *
 * It builds, in a temporary folder, an evidence tree of synthetic images and
 * text files, and a small hash list naming some of them as "notable" (by
 * SHA-256, and by pHash for a resized copy) and one as known-good, imports
 * the list with the real importer and runs the real scan. Nothing in it is,
 * or resembles, real material.
 */
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { ExitCode } from '../errors.js';
import { hashPaths, importLists, scan, escapeForTerminal, type HashRecord } from '../index.js';
import type { Io } from './commands.js';
import { interruptSignal, matchListText, scanSummaryText } from './commands.js';
import { hashConfig, scanConfig } from './config.js';
import { syntheticImage } from './synthetic.js';

/** Writes the demo evidence tree; returns the files the list will name. */
async function buildEvidence(root: string): Promise<{ notable: string[]; resized: string; resizedFrom: string; known: string }> {
  const dirs = ['Pictures/2024/holiday', 'Pictures/.cache', 'Documents', 'Downloads/renamed'];
  for (const d of dirs) mkdirSync(join(root, d), { recursive: true });
  const photo = async (rel: string, w: number, h: number, seed: number, fmt: 'jpeg' | 'png' | 'webp') => {
    writeFileSync(join(root, rel), await syntheticImage(w, h, seed, fmt));
    return rel;
  };
  const a = await photo('Pictures/2024/holiday/IMG_0001.jpg', 640, 480, 1, 'jpeg');
  await photo('Pictures/2024/holiday/IMG_0002.jpg', 640, 480, 2, 'jpeg');
  const c = await photo('Pictures/2024/holiday/IMG_0003.png', 400, 300, 3, 'png');
  await photo('Pictures/.cache/thumb.webp', 160, 120, 4, 'webp');
  // A renamed copy of a notable image: found by content, not by name.
  writeFileSync(join(root, 'Downloads/renamed/invoice.pdf'), await syntheticImage(640, 480, 1, 'jpeg'));
  // A resized, recompressed copy: only a perceptual hash can find it.
  const original = await syntheticImage(800, 600, 5, 'jpeg', 90);
  writeFileSync(join(root, 'Downloads/resized.jpg'), await sharp(original).resize(400, 300).jpeg({ quality: 70 }).toBuffer());
  writeFileSync(join(root, 'Documents/readme.txt'), 'A benign demo file.\n');
  writeFileSync(join(root, 'Documents/system.dll'), Buffer.alloc(4096, 7));
  writeFileSync(join(root, 'Documents/empty.txt'), '');
  // A corrupt image: recorded as a decode error, its hashes still reported.
  writeFileSync(join(root, 'Pictures/broken.jpg'), (await syntheticImage(320, 240, 6, 'jpeg')).subarray(0, 600));
  symlinkSync('/etc/hostname', join(root, 'Documents/link-out-of-tree'));
  const originalPath = join(root, '..', 'original-not-in-evidence.jpg');
  writeFileSync(originalPath, original);
  return { notable: [a, c], resized: 'Downloads/resized.jpg', resizedFrom: originalPath, known: 'Documents/system.dll' };
}

async function hashOne(path: string, algorithms: string): Promise<HashRecord> {
  let out: HashRecord | undefined;
  await hashPaths(hashConfig([path], { algorithms, threads: '1' }), (r) => (out = r), new AbortController().signal);
  return out!;
}

/** Runs the demo; returns the exit code. */
export async function runDemo(options: { keep?: string; threads?: string }, io: Io): Promise<number> {
  const base = options.keep ?? mkdtempSync(join(tmpdir(), 'hashtriage-demo-'));
  mkdirSync(base, { recursive: true });
  try {
    const evidence = join(base, 'evidence');
    mkdirSync(evidence);
    io.stdout.write(`Demo folder: ${escapeForTerminal(base)}\n1. Generating a benign synthetic evidence tree in evidence/ ...\n`);
    const files = await buildEvidence(evidence);

    io.stdout.write('2. Writing a demo hash list (sha256sum, md5sum and CSV with pHash) and importing it ...\n');
    const sha = await Promise.all(files.notable.map(async (f) => `${(await hashOne(join(evidence, f), 'sha256')).hashes.sha256}  ${f}`));
    writeFileSync(join(base, 'demo-notable.sha256'), `${sha.join('\n')}\n`);
    writeFileSync(join(base, 'demo-known.md5'), `${(await hashOne(join(evidence, files.known), 'md5')).hashes.md5}  system.dll\n`);
    const phash = (await hashOne(files.resizedFrom, 'phash')).hashes.phash;
    writeFileSync(join(base, 'demo-perceptual.csv'), `phash,name,category,comment\n${phash},original-not-in-evidence.jpg,demo,synthetic test image\n`);
    const list = join(base, 'demo-list.sqlite');
    await importLists([join(base, 'demo-notable.sha256')], { out: list, format: 'auto', name: 'demo notable (sha256)', skipInvalid: false });
    await importLists([join(base, 'demo-known.md5')], { out: list, format: 'auto', role: 'known', name: 'demo known-good (md5)', skipInvalid: false });
    await importLists([join(base, 'demo-perceptual.csv')], { out: list, format: 'auto', name: 'demo perceptual (phash)', skipInvalid: false });

    io.stdout.write('3. Scanning evidence/ with the real pipeline ...\n\n');
    const caseDir = join(base, 'case');
    const config = scanConfig(evidence, { list, out: caseDir, case: 'DEMO-1', examiner: 'demo', threads: options.threads }, io.argv);
    const stop = interruptSignal();
    try {
      const result = await scan(config, { stderr: io.stderr, signal: stop.signal });
      io.stdout.write(matchListText(result.caseDir));
      io.stdout.write(scanSummaryText(result));
      io.stdout.write(`\nExpected: 4 matches (IMG_0001.jpg and its renamed copy and IMG_0003.png by SHA-256, the resized copy by pHash),\n1 known-good file, 1 skipped symlink, 1 corrupt image recorded as an error.\n`);
      if (options.keep === undefined) io.stdout.write('The demo folder is removed on exit; use --keep DIR to keep it.\n');
      return result.status === 'completed' ? ExitCode.OK : ExitCode.INTERRUPTED;
    } finally {
      stop.dispose();
    }
  } finally {
    if (options.keep === undefined) rmSync(base, { recursive: true, force: true });
  }
}
