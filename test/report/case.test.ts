import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, describe, expect, it } from 'vitest';
import { CaseWriter } from '../../src/report/case.js';
import { CaseDb } from '../../src/report/case-db.js';
import { verifyAuditLog } from '../../src/report/verify.js';
import type { MatchRecord } from '../../src/types.js';

const dir = mkdtempSync(join(tmpdir(), 'ht-case-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const match = (path: string): MatchRecord => ({
  path,
  size: 1,
  hashes: { md5: '00'.repeat(16) },
  match: { kind: 'exact', algorithm: 'md5', distance: 0 },
  entries: [{ source: 's', role: 'notable' }],
});
const open = (caseDir: string, resume: boolean, evidence = '/e') =>
  CaseWriter.open({ caseDir, resume, identity: { evidence }, startFacts: { tool: 't' }, checkpointSeconds: 3600 });

function auditTypes(caseDir: string): string[] {
  return readFileSync(join(caseDir, 'audit.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l).type);
}

describe('CaseWriter', () => {
  it('writes a match to the database, the outputs and the audit log, and seals it', () => {
    const c = join(dir, 'a');
    const w = open(c, false);
    w.file({ path: 'x.jpg' }, 'matched', 1, [], [match('x.jpg')]);
    w.skipped({ path: 'link' }, 'symlink');
    w.file({ path: 'bad' }, 'error', 0, [{ code: 'READ_VANISHED', message: 'gone' }], []);
    const { totals } = w.finish('completed', {}, {});
    expect(totals).toMatchObject({ files: 2, matches: 1, skipped: 1, errors: 1 });
    expect(auditTypes(c)).toEqual(['scan_start', 'match', 'file_skipped', 'file_error', 'scan_end']);
    expect(verifyAuditLog(join(c, 'audit.jsonl')).ok).toBe(true);
    expect(JSON.parse(readFileSync(join(c, 'summary.json'), 'utf8')).totals.matches).toBe(1);
  });

  it('on resume, audits a match that a crash left committed but unaudited, exactly once', () => {
    const c = join(dir, 'b');
    const w = open(c, false);
    w.file({ path: 'first.jpg' }, 'matched', 1, [], [match('first.jpg')]);
    // Simulate a crash right after the database commit of a second match.
    const db = new CaseDb(join(c, 'case.sqlite'));
    db.recordFile(Buffer.from('second.jpg'), 'matched', 1, [], [match('second.jpg')]);
    db.close();
    const resumed = open(c, true);
    expect(resumed.isDone({ path: 'second.jpg' })).toBe(true);
    resumed.finish('completed', {}, {});
    const lines = readFileSync(join(c, 'audit.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l));
    const matches = lines.filter((l) => l.type === 'match').map((l) => [l.data.path, l.data.recoveredOnResume ?? false]);
    expect(matches).toEqual([['first.jpg', false], ['second.jpg', true]]);
    expect(verifyAuditLog(join(c, 'audit.jsonl'))).toMatchObject({ ok: true, resumes: 1 });
    expect(readFileSync(join(c, 'matches.jsonl'), 'utf8').trim().split('\n')).toHaveLength(2);
  });

  it('on resume, does not audit again a match whose audit record a crash left unnoted in the database', () => {
    const c = join(dir, 'b2');
    const w = open(c, false);
    w.file({ path: 'first.jpg' }, 'matched', 1, [], [match('first.jpg')]);
    w.file({ path: 'second.jpg' }, 'matched', 1, [], [match('second.jpg')]);
    // Killed after the second audit record's fsync, before the database's "audited" mark.
    const db = new Database(join(c, 'case.sqlite'));
    db.prepare("UPDATE matches SET audited = 0 WHERE record LIKE '%second.jpg%'").run();
    db.close();
    const resumed = open(c, true);
    resumed.finish('completed', {}, {});
    const lines = readFileSync(join(c, 'audit.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l));
    expect(lines.filter((l) => l.type === 'match').map((l) => l.data.path)).toEqual(['first.jpg', 'second.jpg']);
    expect(verifyAuditLog(join(c, 'audit.jsonl'))).toMatchObject({ ok: true, resumes: 1 });
  });

  it('refuses to resume a case of another evidence root', () => {
    const c = join(dir, 'c');
    const w = open(c, false);
    w.finish('interrupted', {}, {});
    expect(() => open(c, true, '/other')).toThrow(/cannot resume: the case was scanned with evidence \/e/);
  });

  it('refuses a dir that has an audit log but no case database', () => {
    const c = join(dir, 'd');
    const w = open(c, false);
    w.finish('completed', {}, {});
    rmSync(join(c, 'case.sqlite'));
    expect(() => open(c, true)).toThrow(/not a resumable case dir/);
  });
});
