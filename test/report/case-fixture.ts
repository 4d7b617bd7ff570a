/**
 * A case dir built directly, as a scan would leave it: summary.json,
 * matches.jsonl and a real hash-chained audit.jsonl (written with the real
 * AuditLog, so it verifies). Small and exact, so the tests can state every
 * expected count. The evidence folder exists (empty), so "inside the
 * evidence" refusals can be tested against a real path.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AuditLog } from '../../src/report/audit.js';
import { matchJsonLine } from '../../src/report/outputs.js';
import type { ListSource, MatchRecord } from '../../src/types.js';

export const HOSTILE_NAME = '<script>alert(1)</script>.jpg';
export const HOSTILE_ENTRY_NAME = '<img src=x onerror=alert(2)>';
/** A right-to-left override: shown raw, "evil\u202egpj.exe" reads as "evilexe.jpg". */
export const RLO_NAME = 'evil\u202egpj.exe';

export const SOURCES: ListSource[] = [
  { name: 'VICS export', format: 'vics', fileName: 'Media.json', sha256: 'a'.repeat(64), importedAt: '2025-01-01T10:00:00.000Z', records: 1200, role: 'notable' },
  { name: 'CAID', format: 'caid', fileName: 'caid.json', sha256: 'b'.repeat(64), importedAt: '2025-01-01T10:05:00.000Z', records: 300, role: 'notable' },
  { name: 'NSRL', format: 'nsrl-rds3', fileName: 'RDS.db', sha256: 'c'.repeat(64), importedAt: '2025-01-01T10:10:00.000Z', records: 5000, role: 'known' },
];

const H = {
  md5: '0123456789abcdef0123456789abcdef',
  sha1: '0123456789abcdef0123456789abcdef01234567',
  sha256: 'f'.repeat(64),
  pdq: 'e'.repeat(64),
};

/**
 * Five matches in four files:
 * 1. a/one.jpg, exact sha256: VICS cat 1 (series S1) and CAID cat 1
 * 2. a/one.jpg again, perceptual pdq at distance 12: VICS cat 1
 * 3. b/<script>…, exact md5: VICS cat 2, with a hostile entry name
 * 4. c/evil<RLO>gpj.exe, exact sha1: CAID, no category
 * 5. d/<0xff>.jpg (not UTF-8), exact md5: VICS cat 2
 */
export const MATCHES: MatchRecord[] = [
  {
    path: 'a/one.jpg',
    size: 1000,
    hashes: { md5: H.md5, sha256: H.sha256, pdq: H.pdq },
    match: { kind: 'exact', algorithm: 'sha256', distance: 0 },
    entries: [
      { source: 'VICS export', role: 'notable', category: '1', series: 'S1', mediaId: 'M-1' },
      { source: 'CAID', role: 'notable', category: '1' },
    ],
  },
  {
    path: 'a/one.jpg',
    size: 1000,
    hashes: { md5: H.md5, sha256: H.sha256, pdq: H.pdq },
    match: { kind: 'perceptual', algorithm: 'pdq', distance: 12 },
    entries: [{ source: 'VICS export', role: 'notable', category: '1', series: 'S1' }],
  },
  {
    path: `b/${HOSTILE_NAME}`,
    size: 2000,
    hashes: { md5: H.md5.replace('0', '1') },
    match: { kind: 'exact', algorithm: 'md5', distance: 0 },
    entries: [{ source: 'VICS export', role: 'notable', category: '2', name: HOSTILE_ENTRY_NAME, victimIdentified: true }],
  },
  {
    path: `c/${RLO_NAME}`,
    size: 3000,
    hashes: { sha1: H.sha1 },
    match: { kind: 'exact', algorithm: 'sha1', distance: 0 },
    entries: [{ source: 'CAID', role: 'notable', comment: 'no category given' }],
  },
  {
    path: 'd/\\xff.jpg',
    pathBytes: Buffer.from([0x64, 0x2f, 0xff, 0x2e, 0x6a, 0x70, 0x67]).toString('base64'),
    size: 4000,
    hashes: { md5: H.md5.replace('0', '2') },
    match: { kind: 'exact', algorithm: 'md5', distance: 0 },
    entries: [{ source: 'VICS export', role: 'notable', category: '2' }],
  },
];

export interface FixtureCase {
  base: string;
  evidence: string;
  caseDir: string;
  cleanup: () => void;
}

/**
 * Writes the case dir.
 * @param matches - the matches (default {@link MATCHES}); all go to both matches.jsonl and the audit log.
 */
export function makeCase(matches: MatchRecord[] = MATCHES, overrides: { caseId?: string | null; examiner?: string | null } = {}): FixtureCase {
  const base = mkdtempSync(join(tmpdir(), 'ht-report-'));
  const evidence = join(base, 'evidence');
  const caseDir = join(base, 'case');
  mkdirSync(evidence);
  mkdirSync(caseDir);
  const caseId = overrides.caseId === undefined ? 'CASE-7' : overrides.caseId;
  const examiner = overrides.examiner === undefined ? 'J. Doe' : overrides.examiner;
  let t = Date.parse('2025-02-01T09:00:00.000Z');
  const log = AuditLog.create(join(caseDir, 'audit.jsonl'), { fsync: false, clock: () => new Date((t += 1000)) });
  log.append('scan_start', {
    tool: { name: 'hashtriage', version: '0.1.0' },
    host: 'lab-7',
    user: 'examiner',
    examiner,
    caseId,
    commandLine: ['hashtriage', 'scan', evidence],
    options: { threads: 2, signed: false, perceptual: { thresholds: { ahash: 4, dhash: 6, phash: 8, whash: 4, pdq: 31 } } },
    evidenceRoot: evidence,
    list: { path: join(base, 'list.sqlite'), sha256: 'd'.repeat(64), schemaVersion: 1, sources: SOURCES },
    algorithms: { crypto: ['md5', 'sha1', 'sha256'], perceptual: ['pdq'] },
  });
  for (const m of matches) log.append('match', m as unknown as Record<string, unknown>);
  log.append('file_error', { path: 'x/broken.png', pathBytes: null, code: 'IMAGE_DECODE_FAILED', message: 'truncated' });
  const files = new Set(matches.map((m) => m.pathBytes ?? m.path)).size;
  const totals = { files: 20, bytes: 123456, matchedFiles: files, matches: matches.length, knownGood: 2, skipped: 1, errors: 1, errorsByCode: { IMAGE_DECODE_FAILED: 1 } };
  const closing = log.close({ totals, elapsedMs: 4000, filesWithoutNoatime: 0 });
  writeFileSync(join(caseDir, 'matches.jsonl'), matches.map(matchJsonLine).join(''));
  writeFileSync(
    join(caseDir, 'summary.json'),
    `${JSON.stringify(
      {
        tool: { name: 'hashtriage', version: '0.1.0' },
        status: 'completed',
        caseId,
        examiner,
        evidence,
        list: { path: join(base, 'list.sqlite'), sha256: 'd'.repeat(64), sources: SOURCES.map((s) => s.name) },
        startedAt: '2025-02-01T09:00:00.000Z',
        finishedAt: '2025-02-01T09:00:04.000Z',
        elapsedMs: 4000,
        resumed: false,
        totals,
        readOnly: { filesWithoutNoatime: 0, directoryAtimePreserved: true },
        outputs: ['matches.jsonl', 'matches.csv', 'audit.jsonl', 'summary.json', 'case.sqlite'],
        auditChainHead: closing.hash,
      },
      null,
      2,
    )}\n`,
  );
  return { base, evidence, caseDir, cleanup: () => rmSync(base, { recursive: true, force: true }) };
}
