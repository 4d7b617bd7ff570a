import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { CaseDb } from '../../src/report/case-db.js';
import type { MatchRecord } from '../../src/types.js';

const dir = mkdtempSync(join(tmpdir(), 'ht-casedb-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const match = (path: string): MatchRecord => ({
  path,
  size: 3,
  hashes: { md5: 'ab'.repeat(16) },
  match: { kind: 'exact', algorithm: 'md5', distance: 0 },
  entries: [{ source: 'list', role: 'notable', category: '1' }],
});

describe('CaseDb', () => {
  it('records files and matches, and totals them', () => {
    const db = new CaseDb(join(dir, 'a.sqlite'));
    db.recordFile(Buffer.from('x'), 'hashed', 10, []);
    db.recordFile(Buffer.from('y'), 'error', 0, [{ code: 'READ_VANISHED', message: 'gone' }]);
    db.recordFile(Buffer.from('s'), 'skipped', 0, []);
    db.recordFile(Buffer.from('k'), 'known', 5, []);
    const seqs = db.recordFile(Buffer.from('m'), 'matched', 3, [], [match('m')]);
    expect(seqs).toHaveLength(1);
    const t = db.totals();
    expect(t).toMatchObject({ files: 4, bytes: 18, matchedFiles: 1, matches: 1, knownGood: 1, skipped: 1, errors: 1 });
    expect(t.errorsByCode).toEqual({ READ_VANISHED: 1 });
    expect(db.isDone(Buffer.from('x'))).toBe(true);
    expect(db.isDone(Buffer.from('z'))).toBe(false);
    db.close();
  });

  it('survives reopening: done files, matches and their audit state persist', () => {
    const path = join(dir, 'b.sqlite');
    const db = new CaseDb(path);
    db.setMeta('evidence', '/mnt/e');
    db.recordFile(Buffer.from('p'), 'hashed', 1, []);
    const [seq] = db.recordFile(Buffer.from('q'), 'matched', 3, [], [match('q')]);
    db.recordFile(Buffer.from('r'), 'matched', 3, [], [match('r')]);
    db.markAudited(seq);
    db.close();
    const again = new CaseDb(path);
    expect(again.getMeta('evidence')).toBe('/mnt/e');
    expect(again.isDone(Buffer.from('p'))).toBe(true);
    expect([...again.matches()].map((m) => m.path)).toEqual(['q', 'r']);
    expect(again.unauditedMatches().map((u) => u.record.path)).toEqual(['r']);
    again.close();
  });

  it('keys files by raw bytes, so names that are not UTF-8 stay distinct', () => {
    const db = new CaseDb(join(dir, 'c.sqlite'));
    db.recordFile(Buffer.from([0x66, 0xff]), 'hashed', 1, []);
    expect(db.isDone(Buffer.from([0x66, 0xfe]))).toBe(false);
    expect(db.isDone(Buffer.from([0x66, 0xff]))).toBe(true);
    db.close();
  });
});
