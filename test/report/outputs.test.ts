import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { MatchOutputs, matchCsvRow, matchJsonLine } from '../../src/report/outputs.js';
import type { MatchRecord } from '../../src/types.js';

const dir = mkdtempSync(join(tmpdir(), 'ht-out-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const record: MatchRecord = {
  path: '=cmd|calc.jpg',
  pathBytes: undefined,
  size: 42,
  hashes: { md5: '00'.repeat(16), sha1: '11'.repeat(20) },
  match: { kind: 'exact', algorithm: 'sha1', distance: 0 },
  entries: [
    { source: 'VICS 2026', role: 'notable', category: '1', categoryRegion: 'US', series: 'S-1', name: 'x.jpg' },
    { source: 'ICSE', role: 'notable', category: '2' },
  ],
};

describe('outputs', () => {
  it('writes one JSON line per match with a fixed key order', () => {
    const line = matchJsonLine(record);
    expect(line.endsWith('\n')).toBe(true);
    expect(Object.keys(JSON.parse(line))).toEqual(['path', 'size', 'hashes', 'match', 'entries']);
  });

  it('neutralises a formula-like path in the CSV and joins several entries', () => {
    const row = matchCsvRow(record);
    expect(row.startsWith("'=cmd|calc.jpg,")).toBe(true);
    expect(row).toContain('VICS 2026 | ICSE');
    expect(row).toContain('1@US | 2');
  });

  it('ends each CSV row with reduced_decode: "yes" for a hash from a reduced decode, empty otherwise', () => {
    const last = (row: string) => row.replace(/\r\n$/, '').split(',').at(-1);
    expect(last(matchCsvRow(record))).toBe('');
    const reduced: MatchRecord = { ...record, match: { kind: 'perceptual', algorithm: 'phash', distance: 3, reducedDecode: true } };
    expect(last(matchCsvRow(reduced))).toBe('yes');
  });

  it('rewrites both files from the existing matches, then appends', () => {
    const out = new MatchOutputs(dir, [record]);
    out.append([{ ...record, path: 'second.jpg' }]);
    out.close();
    const jsonl = readFileSync(join(dir, 'matches.jsonl'), 'utf8').trim().split('\n');
    expect(jsonl.map((l) => JSON.parse(l).path)).toEqual(['=cmd|calc.jpg', 'second.jpg']);
    const csv = readFileSync(join(dir, 'matches.csv'), 'utf8').split('\r\n');
    expect(csv[0].startsWith('path,path_bytes_base64,size,match_kind')).toBe(true);
    expect(csv.filter((l) => l.length > 0)).toHaveLength(3);
    // Reopening truncates: a resumed scan never duplicates lines.
    new MatchOutputs(dir, [record]).close();
    expect(readFileSync(join(dir, 'matches.jsonl'), 'utf8').trim().split('\n')).toHaveLength(1);
  });
});
