/**
 * End to end: `hashtriage list import` then `hashtriage scan` on a generated
 * evidence tree holding every awkward case, compared with golden outputs.
 * Set UPDATE_GOLDEN=1 to rewrite the golden files after a deliberate change
 * (and review the diff).
 */
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { directoryAtimePreserved } from '../../src/walk/read-dir.js';
import { ageTree, buildTree, snapshot, type Tree } from './evidence-tree.js';
import { runCli, type Run } from './helpers.js';

const GOLDEN = new URL('./golden/', import.meta.url);
const work = mkdtempSync(join(tmpdir(), 'ht-e2e-'));
const evidence = join(work, 'evidence');
const caseDir = join(work, 'case');
let tree: Tree;
let before: Map<string, string>;
let scanRun: Run;

const sha256 = (b: Buffer) => createHash('sha256').update(b).digest('hex');
const md5 = (b: Buffer) => createHash('md5').update(b).digest('hex');

function golden(name: string, actual: string): void {
  const file = new URL(name, GOLDEN);
  if (process.env.UPDATE_GOLDEN === '1' || !existsSync(file)) {
    mkdirSync(GOLDEN, { recursive: true });
    writeFileSync(file, actual);
  }
  expect(actual).toBe(readFileSync(file, 'utf8'));
}

beforeAll(async () => {
  mkdirSync(evidence);
  tree = await buildTree(evidence);
  const contents = new Map([...tree.notable.values()].map((b) => [sha256(b), b]));
  // Real lists sometimes carry the empty file's digest; it must not flag every zero-byte file.
  const hashes = [...contents.keys(), sha256(Buffer.alloc(0))];
  writeFileSync(join(work, 'notable.sha256'), hashes.map((h, i) => `${h}  item-${i}.bin`).join('\n') + '\n');
  writeFileSync(join(work, 'known.md5'), `${md5(tree.known)}  known.dll\n`);
  // The perceptual entry: pHash of photos/a.jpg, as the hash command computes it.
  const ph = await runCli(['hash', '--json', '--algorithms', 'phash', join(evidence, 'photos/a.jpg')]);
  const phash = JSON.parse(ph.stdout).phash as string;
  writeFileSync(join(work, 'perceptual.csv'), `phash,name,category,series\n${phash},a-original.jpg,1,S-7\n`);
  const list = join(work, 'list.sqlite');
  for (const [file, extra] of [['notable.sha256', ['--name', 'agency notable']], ['known.md5', ['--role', 'known', '--name', 'nsrl-like']], ['perceptual.csv', ['--name', 'agency perceptual']]] as const) {
    const r = await runCli(['list', 'import', join(work, file), '--out', list, ...extra]);
    expect(r.code, r.stderr).toBe(0);
  }
  ageTree(evidence);
  before = await snapshot(evidence);
  ageTree(evidence); // the snapshot's readlink touched the links' atimes
  scanRun = await runCli(['scan', evidence, '--list', list, '--out', caseDir, '--case', 'T-1', '--examiner', 'tester', '--threads', '2']);
}, 120_000);

afterAll(() => rmSync(work, { recursive: true, force: true }));

function matches(): Record<string, unknown>[] {
  return readFileSync(join(caseDir, 'matches.jsonl'), 'utf8')
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as Record<string, unknown>);
}

describe('hashtriage scan (end to end)', () => {
  it('exits 1 (matches found) and prints a summary', () => {
    expect(scanRun.stderr).toBe('');
    expect(scanRun.code).toBe(1);
    expect(scanRun.stdout).toContain('Scan complete');
  });

  it('lists the matches on the terminal with control characters escaped', () => {
    expect(scanRun.stdout).toContain('[exact sha256] odd/new\\nline.jpg');
    expect(scanRun.stdout).toContain('[exact sha256] odd/caf\\\\xE9.jpg');
    // The newline in the name must not start a line of its own.
    expect(scanRun.stdout.split('\n').some((l) => l.startsWith('line.jpg'))).toBe(false);
  });

  it('leaves the evidence tree bit-for-bit unchanged, access times included', async () => {
    const after = await snapshot(evidence);
    if (!directoryAtimePreserved()) {
      // Without the native reader, directory atimes cannot be kept; compare the rest and say so.
      console.warn('native directory reader not built: directory atimes not compared');
      for (const m of [before, after]) for (const [k, v] of m) if (v.startsWith('dir ')) m.set(k, v.split(' ').slice(0, 2).join(' '));
    }
    expect(after).toEqual(before);
  });

  it('reports every listed file once per copy, exact first, and nothing else', () => {
    const got = matches().map((m) => `${m.path} ${(m.match as { kind: string }).kind} ${(m.match as { algorithm: string }).algorithm}`);
    const expected: string[] = [];
    const imgA = tree.notable.get('photos/a.jpg')!;
    for (const [path, content] of tree.notable) {
      expected.push(`${path} exact sha256`);
      if (content.equals(imgA)) expected.push(`${path} perceptual phash`);
    }
    expect(got.sort()).toEqual(expected.sort());
    // For a file with both, the exact record comes first.
    const aRecords = got.filter((g) => g.startsWith('photos/a.jpg '));
    expect(aRecords).toEqual(['photos/a.jpg exact sha256', 'photos/a.jpg perceptual phash']);
  });

  it('reports a name that is not UTF-8 reversibly, and keeps newlines exact in JSON', () => {
    const latin = matches().find((m) => m.path === 'odd/caf\\xE9.jpg');
    expect(latin?.pathBytes).toBe(Buffer.from('odd/caf\xe9.jpg', 'latin1').toString('base64'));
    expect(matches().some((m) => m.path === 'odd/new\nline.jpg')).toBe(true);
  });

  it('carries the list entries\' metadata and never image content', () => {
    const p = matches().find((m) => (m.match as { kind: string }).kind === 'perceptual')!;
    expect(p.entries).toEqual([expect.objectContaining({ source: 'agency perceptual', role: 'notable', category: '1', series: 'S-7', name: 'a-original.jpg' })]);
    const all = readFileSync(join(caseDir, 'matches.jsonl'), 'utf8') + readFileSync(join(caseDir, 'audit.jsonl'), 'utf8');
    expect(all.length).toBeLessThan(200_000);
    expect(all).not.toContain(tree.notable.get('photos/a.jpg')!.subarray(0, 64).toString('base64'));
  });

  it('neutralises formula-like names in the CSV', () => {
    const csv = readFileSync(join(caseDir, 'matches.csv'), 'utf8');
    expect(csv).toContain("\r\n'=HYPERLINK(1).jpg,");
    expect(csv.split('\r\n').some((l) => /^[=+\-@]/.test(l))).toBe(false);
  });

  it('records skipped entries and per-file errors in summary.json, and counts known-good files without reporting them', () => {
    const s = JSON.parse(readFileSync(join(caseDir, 'summary.json'), 'utf8'));
    expect(s.status).toBe('completed');
    expect(s.totals.knownGood).toBe(1);
    expect(s.totals.skipped).toBe(5); // fifo, loop-a, loop-b, outside, dir-link
    expect(s.totals.errorsByCode.IMAGE_DECODE_FAILED).toBe(2);
    expect(s.totals.files).toBe(tree.files.length);
    expect(s.readOnly.filesWithoutNoatime).toBe(0);
    expect(matches().some((m) => m.path === 'system/known.dll')).toBe(false);
  });

  it('counts a zero-byte file whose digest is listed without reporting it, unless --match-empty-files', async () => {
    const s = JSON.parse(readFileSync(join(caseDir, 'summary.json'), 'utf8'));
    expect(s.totals.emptyListed).toBe(1);
    expect(matches().some((m) => m.path === 'empty/zero.bin')).toBe(false);
    expect(scanRun.stdout).toContain('1 zero-byte files have a digest on the list');
    const second = join(work, 'case-empty');
    const r = await runCli(['scan', evidence, '--list', join(work, 'list.sqlite'), '--out', second, '--match-empty-files', '--threads', '1']);
    expect(r.code, r.stderr).toBe(1);
    const reported = readFileSync(join(second, 'matches.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { path: string; size: number });
    expect(reported.filter((m) => m.path === 'empty/zero.bin')).toEqual([expect.objectContaining({ size: 0 })]);
    expect(JSON.parse(readFileSync(join(second, 'summary.json'), 'utf8')).totals.emptyListed).toBe(0);
  });

  it('writes an audit log that verifies as intact and sealed', async () => {
    const v = await runCli(['audit', 'verify', '--json', join(caseDir, 'audit.jsonl')]);
    expect(v.code).toBe(0);
    expect(JSON.parse(v.stdout)).toMatchObject({ ok: true, sealed: true, status: 'completed' });
  });

  it('matches the golden outputs', () => {
    const normal = matches()
      .map((m) => JSON.stringify(m))
      .sort()
      .join('\n');
    golden('scan-matches.jsonl', `${normal}\n`);
    const s = JSON.parse(readFileSync(join(caseDir, 'summary.json'), 'utf8'));
    golden('scan-totals.json', `${JSON.stringify(s.totals, null, 2)}\n`);
  });

  it('refuses to overwrite the case dir without --resume, and an --out inside the evidence', async () => {
    const again = await runCli(['scan', evidence, '--list', join(work, 'list.sqlite'), '--out', caseDir]);
    expect(again.code).toBe(3);
    expect(again.stderr).toContain('CASE_DIR_NOT_EMPTY');
    const inside = await runCli(['scan', evidence, '--list', join(work, 'list.sqlite'), '--out', join(evidence, 'photos', 'case')]);
    expect(inside.code).toBe(3);
    expect(inside.stderr).toContain('CASE_DIR_INSIDE_EVIDENCE');
    expect(existsSync(join(evidence, 'photos', 'case'))).toBe(false);
  });

  it('exits 2 on a usage error', async () => {
    const r = await runCli(['scan', evidence, '--list', join(work, 'list.sqlite')]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("required option '--out <case-dir>' not specified");
  });
});
