import { describe, it, expect, afterAll } from 'vitest';
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, rmSync, unlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { HashtriageError } from '../../src/errors.js';
import { groupMatches, readCase } from '../../src/report/case-report.js';
import { matchJsonLine } from '../../src/report/outputs.js';
import { makeCase, MATCHES, SOURCES, type FixtureCase } from './case-fixture.js';

const cases: FixtureCase[] = [];
afterAll(() => cases.forEach((c) => c.cleanup()));
function fixture(...args: Parameters<typeof makeCase>): FixtureCase {
  const c = makeCase(...args);
  cases.push(c);
  return c;
}

describe('groupMatches', () => {
  const g = groupMatches(MATCHES, SOURCES.map((s) => s.name));

  it('counts matches and distinct files per source, sources in list order', () => {
    expect(g.bySource.map((s) => [s.source, s.role, s.matches, s.files])).toEqual([
      ['VICS export', 'notable', 4, 3],
      ['CAID', 'notable', 2, 2],
    ]);
  });

  it('counts per category within each source, uncategorised last', () => {
    expect(g.bySource[0]!.categories).toEqual([
      { category: '1', matches: 2, files: 1 },
      { category: '2', matches: 2, files: 2 },
    ]);
    expect(g.bySource[1]!.categories).toEqual([
      { category: '1', matches: 1, files: 1 },
      { category: null, matches: 1, files: 1 },
    ]);
  });

  it('counts a match citing one category in two sources once in that category', () => {
    expect(g.byCategory).toEqual([
      { category: '1', matches: 2, files: 1 },
      { category: '2', matches: 2, files: 2 },
      { category: null, matches: 1, files: 1 },
    ]);
  });

  it('counts per match kind and distinct files overall, telling non-UTF-8 names apart by their bytes', () => {
    expect(g.byMatchKind).toEqual({ 'exact/sha256': 1, 'perceptual/pdq': 1, 'exact/md5': 2, 'exact/sha1': 1 });
    expect(g.matchedFiles).toBe(4);
    const twin = { ...MATCHES[4]!, pathBytes: Buffer.from('d/\xfe.jpg', 'latin1').toString('base64') };
    expect(groupMatches([MATCHES[4]!, twin]).matchedFiles).toBe(2);
  });

  it('orders categories naturally and shows a categorisation region', () => {
    const m = (category: string, categoryRegion?: string) => ({ ...MATCHES[3]!, entries: [{ source: 'X', role: 'notable' as const, category, ...(categoryRegion ? { categoryRegion } : {}) }] });
    const r = groupMatches([m('10'), m('9'), m('2', 'UK')]);
    expect(r.byCategory.map((c) => c.category)).toEqual(['2@UK', '9', '10']);
  });
});

describe('readCase', () => {
  it('reads the facts, the list provenance from the audit log and every match', () => {
    const c = fixture();
    const r = readCase(c.caseDir);
    expect(r.facts.caseId).toBe('CASE-7');
    expect(r.facts.examiner).toBe('J. Doe');
    expect(r.facts.evidenceRoot).toBe(c.evidence);
    expect(r.facts.listSha256).toBe('d'.repeat(64));
    expect(r.facts.totals.errorsByCode).toEqual({ IMAGE_DECODE_FAILED: 1 });
    expect(r.sources).toEqual(SOURCES);
    expect(r.start.host).toBe('lab-7');
    expect(r.start.thresholds?.pdq).toBe(31);
    expect(r.matches.map((m) => m.record)).toEqual(MATCHES);
    expect(r.matches.every((m) => m.inAuditLog)).toBe(true);
    expect(r.bySource.map((s) => s.matches)).toEqual([4, 2]);
    expect(r.problems).toEqual([]);
  });

  it('states an intact audit log as OK, with the SHA-256 of the file', () => {
    const c = fixture();
    const r = readCase(c.caseDir);
    expect(r.audit.ok).toBe(true);
    expect(r.audit.text).toMatch(/^OK: 8 records, sealed \(completed\)/);
    expect(r.audit.matchRecords).toBe(5);
    expect(r.audit.sha256).toBe(createHash('sha256').update(readFileSync(join(c.caseDir, 'audit.jsonl'))).digest('hex'));
  });

  it('states FAILED when a record of the audit log was altered', () => {
    const c = fixture();
    const path = join(c.caseDir, 'audit.jsonl');
    const lines = readFileSync(path, 'utf8').split('\n');
    lines[2] = lines[2]!.replace('"size":1000', '"size":1001');
    writeFileSync(path, lines.join('\n'));
    const r = readCase(c.caseDir);
    expect(r.audit.ok).toBe(false);
    expect(r.audit.text).toBe('FAILED at line 3 (record 3): hash mismatch: the record was changed after it was written');
  });

  it('states UNREADABLE when the audit log is missing, and still reads the matches', () => {
    const c = fixture();
    unlinkSync(join(c.caseDir, 'audit.jsonl'));
    const r = readCase(c.caseDir);
    expect(r.audit.ok).toBe(false);
    expect(r.audit.text).toMatch(/^UNREADABLE: /);
    expect(r.matches).toHaveLength(5);
    // Without the log, provenance is only the names summary.json lists.
    expect(r.sources).toEqual(SOURCES.map((s) => ({ name: s.name })));
  });

  it('flags a match added to matches.jsonl that the audit log does not hold', () => {
    const c = fixture();
    const forged = { ...MATCHES[3]!, path: 'z/forged.jpg' };
    writeFileSync(join(c.caseDir, 'matches.jsonl'), readFileSync(join(c.caseDir, 'matches.jsonl'), 'utf8') + matchJsonLine(forged));
    const r = readCase(c.caseDir);
    expect(r.matches.map((m) => m.inAuditLog)).toEqual([true, true, true, true, true, false]);
    expect(r.problems).toContain('1 match(es) in matches.jsonl have no identical match record in the audit log');
    expect(r.problems).toContain('summary.json counts 5 matches, matches.jsonl holds 6');
  });

  it('flags a match removed from matches.jsonl, and a line that is not a match', () => {
    const c = fixture();
    const path = join(c.caseDir, 'matches.jsonl');
    const lines = readFileSync(path, 'utf8').split('\n');
    lines[1] = '{"not":"a match"}';
    writeFileSync(path, lines.join('\n'));
    const r = readCase(c.caseDir);
    expect(r.matches).toHaveLength(4);
    expect(r.problems).toEqual([
      'matches.jsonl line 2 is not a match record; left out',
      '1 match record(s) of the audit log are missing from matches.jsonl',
      'summary.json counts 5 matches, matches.jsonl holds 4',
    ]);
  });

  it('refuses a dir without summary.json, naming the cause', () => {
    const c = fixture();
    unlinkSync(join(c.caseDir, 'summary.json'));
    expect(() => readCase(c.caseDir)).toThrow(HashtriageError);
    try {
      readCase(c.caseDir);
    } catch (err) {
      expect((err as HashtriageError).code).toBe('REPORT_CASE_INVALID');
      expect((err as Error).message).toMatch(/no summary\.json/);
    }
  });

  it('refuses a summary.json whose totals are not numbers', () => {
    const c = fixture();
    const path = join(c.caseDir, 'summary.json');
    writeFileSync(path, readFileSync(path, 'utf8').replace('"matches": 5', '"matches": "5"'));
    expect(() => readCase(c.caseDir)).toThrow(/totals\.matches is not a number/);
  });

  it('does not change anything in the case dir', () => {
    const c = fixture();
    const names = ['summary.json', 'matches.jsonl', 'audit.jsonl'];
    const before = names.map((n) => readFileSync(join(c.caseDir, n)));
    readCase(c.caseDir);
    expect(names.map((n) => readFileSync(join(c.caseDir, n)))).toEqual(before);
    expect(readdirSync(c.caseDir).sort()).toEqual([...names].sort());
  });
});

describe('readCase on a real scan (hashtriage demo)', () => {
  it('groups the demo matches by source and category and verifies its audit log', () => {
    const base = mkdtempSync(join(tmpdir(), 'ht-report-demo-'));
    try {
      const bin = fileURLToPath(new URL('../../bin/hashtriage.js', import.meta.url));
      execFileSync(process.execPath, [bin, 'demo', '--keep', base, '--threads', '2'], { stdio: 'pipe' });
      const r = readCase(join(base, 'case'));
      expect(r.facts.caseId).toBe('DEMO-1');
      expect(r.audit.ok).toBe(true);
      expect(r.problems).toEqual([]);
      expect(r.sources.map((s) => [s.name, s.role, s.records])).toEqual([
        ['demo notable (sha256)', 'notable', 2],
        ['demo known-good (md5)', 'known', 1],
        ['demo perceptual (phash)', 'notable', 1],
      ]);
      expect(r.bySource.map((s) => [s.source, s.matches, s.files, s.categories.map((c) => c.category)])).toEqual([
        ['demo notable (sha256)', 3, 3, [null]],
        ['demo perceptual (phash)', 1, 1, ['demo']],
      ]);
      expect(r.byMatchKind).toEqual({ 'exact/sha256': 3, 'perceptual/phash': 1 });
    } finally {
      rmSync(base, { recursive: true, force: true });
    }
  }, 60_000);
});
