import { describe, it, expect, afterAll } from 'vitest';
import { existsSync, mkdirSync, readdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { ExitCode, HashtriageError } from '../../src/errors.js';
import { runReport } from '../../src/cli/report.js';
import { makeCase, type FixtureCase } from '../report/case-fixture.js';

const cases: FixtureCase[] = [];
afterAll(() => cases.forEach((c) => c.cleanup()));
function fixture(): FixtureCase {
  const c = makeCase();
  cases.push(c);
  return c;
}

function capture(): { io: { stdout: NodeJS.WriteStream; stderr: NodeJS.WriteStream }; out: () => string; err: () => string } {
  const chunks = { out: [] as string[], err: [] as string[] };
  const sink = (into: string[]) =>
    new Writable({
      write(chunk, _enc, done) {
        into.push(String(chunk));
        done();
      },
    }) as unknown as NodeJS.WriteStream;
  return { io: { stdout: sink(chunks.out), stderr: sink(chunks.err) }, out: () => chunks.out.join(''), err: () => chunks.err.join('') };
}

async function refused(p: Promise<number>): Promise<HashtriageError> {
  try {
    await p;
  } catch (err) {
    return err as HashtriageError;
  }
  throw new Error('expected the report to be refused');
}

describe('runReport', () => {
  it('prints the summary grouped by source and category, with the verification, and exits 0', async () => {
    const c = fixture();
    const cap = capture();
    expect(await runReport(c.caseDir, {}, cap.io)).toBe(ExitCode.OK);
    const out = cap.out();
    expect(out).toContain('hashtriage report — case CASE-7\n');
    expect(out).toMatch(/\n {2}audit log +OK: 8 records, sealed \(completed\)/);
    expect(out).toMatch(/\n {2}errors +1 \(IMAGE_DECODE_FAILED 1\)\n/);
    expect(out).toContain(
      [
        'Matches by list source and category',
        '  VICS export      notable  4 matches in 3 files',
        '    1                       2 matches in 1 file',
        '    2                       2 matches in 2 files',
        '  CAID             notable  2 matches in 2 files',
        '    1                       1 match in 1 file',
        '    (no category)           1 match in 1 file',
        '',
        'Matches by category',
        '  1              2 matches in 1 file',
        '  2              2 matches in 2 files',
        '  (no category)  1 match in 1 file',
      ].join('\n'),
    );
    expect(out).toContain('Matches by kind\n  exact/md5       2\n');
  });

  it('escapes names for the terminal', async () => {
    const c = fixture();
    const path = join(c.caseDir, 'summary.json');
    writeFileSync(path, readFileSync(path, 'utf8').replace('"examiner": "J. Doe"', '"examiner": "J. Doe\\u001b[2J\\u202e"'));
    const cap = capture();
    await runReport(c.caseDir, {}, cap.io);
    expect(cap.out()).not.toMatch(/[\u001b\u202e]/);
    expect(cap.out()).toContain('J. Doe\\e[2J\\u{202e}');
  });

  it('writes the HTML page and the CASE/UCO export where asked, leaving no temporary file', async () => {
    const c = fixture();
    const out = join(c.base, 'reports');
    mkdirSync(out);
    const cap = capture();
    const code = await runReport(c.caseDir, { html: join(out, 'r.html'), export: join(out, 'r.jsonld'), format: 'case-uco' }, cap.io);
    expect(code).toBe(ExitCode.OK);
    expect(readFileSync(join(out, 'r.html'), 'utf8')).toContain('<div class="banner ok" id="audit-verification">');
    expect(JSON.parse(readFileSync(join(out, 'r.jsonld'), 'utf8'))['@graph'].length).toBeGreaterThan(20);
    expect(readdirSync(out).sort()).toEqual(['r.html', 'r.jsonld']);
    expect(cap.err()).toContain(`HTML report written to ${join(out, 'r.html')}`);
  });

  it('replaces a symlink at the destination instead of writing through it', async () => {
    const c = fixture();
    const victim = join(c.base, 'victim.txt');
    writeFileSync(victim, 'untouched');
    symlinkSync(victim, join(c.base, 'r.html'));
    await runReport(c.caseDir, { html: join(c.base, 'r.html') }, capture().io);
    expect(readFileSync(victim, 'utf8')).toBe('untouched');
    expect(readFileSync(join(c.base, 'r.html'), 'utf8')).toMatch(/^<!DOCTYPE html>/);
  });

  it('refuses to write inside the evidence tree, directly or through a symlinked directory, and writes nothing', async () => {
    const c = fixture();
    mkdirSync(join(c.evidence, 'sub'));
    symlinkSync(join(c.evidence, 'sub'), join(c.base, 'looks-outside'));
    for (const options of [{ html: join(c.evidence, 'r.html') }, { export: join(c.evidence, 'sub', 'r.jsonld') }, { html: join(c.base, 'looks-outside', 'r.html') }]) {
      const err = await refused(runReport(c.caseDir, options, capture().io));
      expect(err).toBeInstanceOf(HashtriageError);
      expect(err.code).toBe('REPORT_OUTPUT_REFUSED');
      expect(err.message).toMatch(/inside the evidence tree/);
    }
    expect(readdirSync(c.evidence)).toEqual(['sub']);
    expect(readdirSync(join(c.evidence, 'sub'))).toEqual([]);
  });

  it('refuses to replace the scan\'s own outputs', async () => {
    const c = fixture();
    const before = readFileSync(join(c.caseDir, 'audit.jsonl'));
    const err = await refused(runReport(c.caseDir, { html: join(c.caseDir, 'audit.jsonl') }, capture().io));
    expect(err.code).toBe('REPORT_OUTPUT_REFUSED');
    expect(readFileSync(join(c.caseDir, 'audit.jsonl'))).toEqual(before);
  });

  it('exits 4 and says FAILED when the audit log was altered, still writing the page', async () => {
    const c = fixture();
    const path = join(c.caseDir, 'audit.jsonl');
    writeFileSync(path, readFileSync(path, 'utf8').replace('"size":1000', '"size":1001'));
    const cap = capture();
    const html = join(c.base, 'r.html');
    expect(await runReport(c.caseDir, { html }, cap.io)).toBe(ExitCode.VERIFY_FAILED);
    expect(cap.out()).toMatch(/\n {2}audit log +VERIFICATION FAILED at line 2 \(record 2\): hash mismatch/);
    expect(readFileSync(html, 'utf8')).toContain('AUDIT LOG VERIFICATION FAILED');
  });

  it('exits 4 and lists the problem when matches.jsonl lost a match', async () => {
    const c = fixture();
    const path = join(c.caseDir, 'matches.jsonl');
    writeFileSync(path, readFileSync(path, 'utf8').split('\n').slice(1).join('\n'));
    const cap = capture();
    expect(await runReport(c.caseDir, {}, cap.io)).toBe(ExitCode.VERIFY_FAILED);
    expect(cap.out()).toContain('Problems\n  1 match record(s) of the audit log are missing from matches.jsonl\n');
  });

  it('rejects an unknown --format, and --format without --export, as usage errors', async () => {
    const c = fixture();
    const bad = await refused(runReport(c.caseDir, { export: join(c.base, 'x'), format: 'dfxml' }, capture().io));
    expect([bad.code, bad.exitCode, bad.message]).toEqual(['USAGE_INVALID_OPTION', ExitCode.USAGE, 'Expected case-uco for --format but received "dfxml"']);
    const lone = await refused(runReport(c.caseDir, { format: 'case-uco' }, capture().io));
    expect(lone.exitCode).toBe(ExitCode.USAGE);
    expect(existsSync(join(c.base, 'x'))).toBe(false);
  });

  it('prints the model as JSON with --json', async () => {
    const c = fixture();
    const cap = capture();
    await runReport(c.caseDir, { json: true }, cap.io);
    const parsed = JSON.parse(cap.out());
    expect(parsed.bySource.map((s: { source: string }) => s.source)).toEqual(['VICS export', 'CAID']);
    expect(parsed.audit.ok).toBe(true);
  });
});
