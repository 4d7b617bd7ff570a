/**
 * `scan --fast-decode` end to end: a camera-sized JPEG whose exact pHash is on
 * the list is still found, and the match says its hash came from a reduced
 * decode, in matches.jsonl, matches.csv and the audit log's options.
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { photoImage } from '../../src/cli/synthetic.js';
import { runCli } from './helpers.js';

const work = mkdtempSync(join(tmpdir(), 'ht-fast-'));
const evidence = join(work, 'evidence');
const list = join(work, 'l.sqlite');
afterAll(() => rmSync(work, { recursive: true, force: true }));

beforeAll(async () => {
  mkdirSync(evidence);
  writeFileSync(join(evidence, 'camera.jpg'), await photoImage(2400, 1800, 21, 'jpeg', 92));
  writeFileSync(join(evidence, 'small.jpg'), await photoImage(640, 480, 22, 'jpeg', 92));
  // The list entries are the exact (imagehash) pHashes, as an agency would have computed them.
  const h = await runCli(['hash', '--json', '--algorithms', 'phash', evidence]);
  expect(h.code, h.stderr).toBe(0);
  const rows = h.stdout
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as { path: string; phash: string });
  writeFileSync(join(work, 'p.csv'), `phash,name\n${rows.map((r) => `${r.phash},${r.path.split('/').at(-1)}`).join('\n')}\n`);
  expect((await runCli(['list', 'import', join(work, 'p.csv'), '--out', list])).code).toBe(0);
}, 120_000);

function matches(caseDir: string): { path: string; match: { algorithm: string; distance: number; reducedDecode?: boolean } }[] {
  return readFileSync(join(caseDir, 'matches.jsonl'), 'utf8')
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l));
}

describe('scan --fast-decode', () => {
  it('finds the large photo from its reduced decode and marks that match, not the small one', async () => {
    const out = join(work, 'case');
    const r = await runCli(['scan', evidence, '--list', list, '--out', out, '--fast-decode', '--threads', '1']);
    expect(r.code, r.stderr).toBe(1);
    const byName = new Map(matches(out).map((m) => [m.path, m.match]));
    expect(byName.get('camera.jpg')).toMatchObject({ algorithm: 'phash', reducedDecode: true });
    expect(byName.get('camera.jpg')!.distance).toBeLessThanOrEqual(10);
    expect(byName.get('small.jpg')).toEqual({ kind: 'perceptual', algorithm: 'phash', distance: 0 });
    const csv = readFileSync(join(out, 'matches.csv'), 'utf8').split('\r\n');
    expect(csv[0]!.endsWith(',reduced_decode')).toBe(true);
    expect(csv.find((l) => l.startsWith('camera.jpg,'))!.endsWith(',yes')).toBe(true);
    const start = JSON.parse(readFileSync(join(out, 'audit.jsonl'), 'utf8').split('\n')[0]!);
    expect(start.data.options.perceptual.fastDecode).toBe(true);
  });

  it('without the option, the same photo matches at distance 0 and carries no mark', async () => {
    const out = join(work, 'exact');
    const r = await runCli(['scan', evidence, '--list', list, '--out', out, '--threads', '1']);
    expect(r.code, r.stderr).toBe(1);
    expect(matches(out).find((m) => m.path === 'camera.jpg')!.match).toEqual({ kind: 'perceptual', algorithm: 'phash', distance: 0 });
  });
});
