import { describe, it, expect, afterAll } from 'vitest';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AuditLog } from '../../src/report/audit.js';
import {
  describeVerifyResult,
  recordHash,
  verifyAuditLog,
  GENESIS_HASH,
  MAX_RECORD_BYTES,
  type AuditRecord,
  type VerifyResult,
} from '../../src/report/verify.js';
import { canonicalJson } from '../../src/report/canonical.js';
import { HashtriageError } from '../../src/errors.js';

const dirs: string[] = [];
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

function tmpLog(): string {
  const dir = mkdtempSync(join(tmpdir(), 'ht-verify-'));
  dirs.push(dir);
  return join(dir, 'audit.jsonl');
}

function fixedClock(): () => Date {
  let t = Date.parse('2025-01-01T00:00:00.000Z');
  return () => new Date((t += 1000));
}

/** A five-record log: scan_start, match, file_error, checkpoint, scan_end (unless close is false). */
function buildLog(close: 'completed' | 'interrupted' | false = 'completed'): string {
  const path = tmpLog();
  const log = AuditLog.create(path, { clock: fixedClock(), fsync: false });
  log.append('scan_start', { caseId: 'C-1', argv: ['scan', 'evidence'] });
  log.append('match', { path: 'a.jpg', size: 48213 });
  log.append('file_error', { path: 'b.png', code: 'IMAGE_DECODE_FAILED', message: 'bad' });
  log.append('checkpoint', { files: 2 });
  if (close === false) log.release();
  else log.close({ totals: { files: 2 } }, { status: close });
  return path;
}

function readLines(path: string): string[] {
  const lines = readFileSync(path, 'utf8').split('\n');
  expect(lines.pop()).toBe('');
  return lines;
}

function writeLines(path: string, lines: string[]): void {
  writeFileSync(path, lines.map((l) => `${l}\n`).join(''));
}

/** Re-hashes an edited record, as someone rewriting the log would. */
function forge(record: Record<string, unknown>): string {
  const { hash: _h, ...body } = record;
  return canonicalJson({ ...body, hash: recordHash(body as unknown as AuditRecord) });
}

function expectBad(result: VerifyResult, line: number, seq: number, reason: string, code = 'AUDIT_CHAIN_BROKEN'): void {
  expect(result.ok).toBe(false);
  expect(result.sealed).toBe(false);
  expect(result.firstBad).toMatchObject({ line, seq, code, reason });
}

describe('verifyAuditLog on intact logs', () => {
  it('accepts a sealed log and reports its head', () => {
    const path = buildLog();
    const lines = readLines(path);
    const result = verifyAuditLog(path);
    expect(result).toEqual({
      ok: true,
      records: 5,
      head: (JSON.parse(lines[4]) as AuditRecord).hash,
      sealed: true,
      status: 'completed',
      signature: 'absent',
      resumes: 0,
    });
    expect(describeVerifyResult(result)).toBe(`OK: 5 records, sealed (completed), head ${result.head}, unsigned`);
  });

  it('accepts a log sealed as interrupted, and says so', () => {
    const result = verifyAuditLog(buildLog('interrupted'));
    expect(result.ok).toBe(true);
    expect(result.status).toBe('interrupted');
  });

  it('accepts the committed signed example (format stability)', () => {
    const result = verifyAuditLog('test/fixtures/audit/example-signed.jsonl');
    expect(result.ok).toBe(true);
    expect(result.head).toBe('e571a9e2c20c0c270d120de3b9396ff95edc814153ee5757f4b2041aa4298e08');
    expect(result.signature).toBe('unchecked');
  });
});

describe('verifyAuditLog names the first bad record', () => {
  it('a changed character in a record body', () => {
    const path = buildLog();
    const lines = readLines(path);
    lines[1] = lines[1].replace('48213', '48214');
    writeLines(path, lines);
    const result = verifyAuditLog(path);
    expectBad(result, 2, 2, 'hash mismatch: the record was changed after it was written');
    expect(result.records).toBe(1);
    expect(describeVerifyResult(result)).toBe(
      'FAILED at line 2 (record 2): hash mismatch: the record was changed after it was written',
    );
  });

  it('a changed character in a stored hash or prev', () => {
    for (const field of ['hash', 'prev'] as const) {
      const path = buildLog();
      const lines = readLines(path);
      const value = (JSON.parse(lines[2]) as AuditRecord)[field];
      const changed = (value[0] === 'a' ? 'b' : 'a') + value.slice(1);
      lines[2] = lines[2].replace(`"${field}":"${value}"`, `"${field}":"${changed}"`);
      writeLines(path, lines);
      expectBad(verifyAuditLog(path), 3, 3, 'hash mismatch: the record was changed after it was written');
    }
  });

  it('a change that keeps the JSON value but not the bytes', () => {
    const path = buildLog();
    const lines = readLines(path);
    lines[3] = lines[3].replace('"data":', '"data": ');
    writeLines(path, lines);
    expectBad(verifyAuditLog(path), 4, 4, 'the line is not in canonical form: it was edited');
  });

  it('a deleted record', () => {
    const path = buildLog();
    const lines = readLines(path);
    lines.splice(2, 1);
    writeLines(path, lines);
    expectBad(verifyAuditLog(path), 3, 3, 'seq is 4, expected 3: record(s) missing before this one');
  });

  it('an inserted copy of a record', () => {
    const path = buildLog();
    const lines = readLines(path);
    lines.splice(2, 0, lines[1]);
    writeLines(path, lines);
    expectBad(verifyAuditLog(path), 3, 3, 'seq is 2, expected 3: a record was inserted, repeated or moved here');
  });

  it('an inserted forged record that is itself well chained breaks the record after it', () => {
    const path = buildLog();
    const lines = readLines(path);
    const second = JSON.parse(lines[1]) as AuditRecord;
    const fake = forge({ ...second, seq: 3, prev: second.hash, data: { path: 'planted.jpg', size: 1 } });
    lines.splice(2, 0, fake);
    writeLines(path, lines);
    expectBad(verifyAuditLog(path), 4, 4, 'seq is 3, expected 4: a record was inserted, repeated or moved here');
  });

  it('a renumbered record whose prev no longer matches', () => {
    const path = buildLog();
    const lines = readLines(path);
    // Drop record 3 and renumber record 4 so only the chain link can tell.
    const fourth = JSON.parse(lines[3]) as AuditRecord;
    lines.splice(2, 2, forge({ ...fourth, seq: 3 }));
    writeLines(path, lines);
    expectBad(
      verifyAuditLog(path),
      3,
      3,
      'prev does not match the hash of record 2: a record was deleted, inserted or reordered',
    );
  });

  it('reordered records', () => {
    const path = buildLog();
    const lines = readLines(path);
    [lines[1], lines[2]] = [lines[2], lines[1]];
    writeLines(path, lines);
    expectBad(verifyAuditLog(path), 2, 2, 'seq is 3, expected 2: record(s) missing before this one');
  });

  it('a log cut in the middle of a line', () => {
    const path = buildLog();
    const bytes = readFileSync(path);
    writeFileSync(path, bytes.subarray(0, bytes.length - 11));
    const lines = readLines(buildLog());
    const result = verifyAuditLog(path);
    expectBad(result, 5, 5, `truncated: the last line is incomplete (${Buffer.byteLength(lines[4]) - 10} bytes without a final newline)`);
    expect(result.records).toBe(4);
  });

  it('a log cut between lines: the closing record is missing', () => {
    const path = buildLog();
    writeLines(path, readLines(path).slice(0, 4));
    const result = verifyAuditLog(path);
    expectBad(result, 5, 5, 'not sealed: the scan did not finish', 'AUDIT_NOT_SEALED');
    expect(result.records).toBe(4);
    expect(describeVerifyResult(result)).toBe('FAILED at line 5 (record 5): not sealed: the scan did not finish');
  });

  it('a log whose writer stopped without closing', () => {
    expectBad(verifyAuditLog(buildLog(false)), 5, 5, 'not sealed: the scan did not finish', 'AUDIT_NOT_SEALED');
  });

  it('an empty log', () => {
    const path = tmpLog();
    writeFileSync(path, '');
    const result = verifyAuditLog(path);
    expectBad(result, 1, 1, 'not sealed: the log is empty', 'AUDIT_NOT_SEALED');
    expect(result.head).toBeNull();
  });

  it('blank lines, CRLF line ends, bad UTF-8, non-JSON and non-object lines', () => {
    const cases: Array<[(lines: string[]) => string | Buffer, string]> = [
      [(l) => [l[0], '', ...l.slice(1)].map((x) => `${x}\n`).join(''), 'empty line'],
      [(l) => l.map((x) => `${x}\r\n`).join(''), 'the line is not in canonical form: it was edited'],
      [(l) => Buffer.concat([Buffer.from(`${l[0]}\n`), Buffer.from([0x7b, 0xff, 0x7d, 0x0a])]), 'the line is not valid UTF-8'],
      [(l) => `${l[0]}\n{"seq":2,\n`, 'the line is not valid JSON'],
      [(l) => `${l[0]}\n[1,2]\n`, 'the line is not a JSON object'],
    ];
    for (const [mangle, reason] of cases) {
      const path = buildLog();
      const lines = readLines(path);
      writeFileSync(path, mangle(lines));
      const line = reason === 'the line is not in canonical form: it was edited' ? 1 : 2;
      expectBad(verifyAuditLog(path), line, line, reason);
    }
  });

  it('a line longer than the record limit', () => {
    const path = buildLog();
    const lines = readLines(path);
    writeFileSync(path, `${lines[0]}\n${'x'.repeat(MAX_RECORD_BYTES + 5)}\n`);
    expectBad(verifyAuditLog(path), 2, 2, `the line is longer than ${MAX_RECORD_BYTES} bytes`);
  });

  it('well-hashed records that break the format rules', () => {
    const path0 = buildLog();
    const base = readLines(path0).map((l) => JSON.parse(l) as Record<string, unknown>);
    const cases: Array<[number, Record<string, unknown>, string]> = [
      [0, { ...base[0], type: 'match' }, 'the first record must be scan_start, not match'],
      [0, { ...base[0], prev: 'f'.repeat(64) }, 'the first record must have the genesis prev (64 zeros)'],
      [1, { ...base[1], type: 'scan_start' }, 'scan_start may only be the first record'],
      [1, { ...base[1], type: 'teleport' }, 'unknown event type "teleport"'],
      [1, { ...base[1], extra: 1 }, 'unexpected member "extra"'],
      [1, { ...base[1], v: 2 }, 'unsupported format version 2'],
      [1, { ...base[1], ts: '2025-02-30T00:00:00.000Z' }, 'ts must be an ISO 8601 UTC time with milliseconds'],
      [1, { ...base[1], ts: '2025-01-01T00:00:02Z' }, 'ts must be an ISO 8601 UTC time with milliseconds'],
      [1, { ...base[1], data: [] }, 'data must be an object'],
      [1, { ...base[1], signature: { alg: 'Ed25519' } }, 'only scan_end may carry a signature'],
      [4, { ...base[4], data: { status: 'done' } }, 'scan_end data.status must be "completed" or "interrupted"'],
    ];
    for (const [index, record, reason] of cases) {
      const path = tmpLog();
      const lines = base.map((r) => canonicalJson(r));
      lines[index] = forge(record);
      writeLines(path, lines);
      expectBad(verifyAuditLog(path), index + 1, index + 1, reason);
    }
    const missing = { ...base[1] };
    delete missing.data;
    const path = tmpLog();
    writeLines(path, [canonicalJson(base[0]), forge(missing)]);
    expectBad(verifyAuditLog(path), 2, 2, 'missing member "data"');
  });

  it('a record appended after the completed closing record', () => {
    const path = buildLog();
    const lines = readLines(path);
    const end = JSON.parse(lines[4]) as AuditRecord;
    lines.push(forge({ v: 1, seq: 6, ts: end.ts, type: 'checkpoint', prev: end.hash, data: {} }));
    writeLines(path, lines);
    expectBad(verifyAuditLog(path), 6, 6, 'a record follows the completed closing record');
  });

  it('a rewritten log with every hash recomputed passes: only a signature can catch that', () => {
    const path = buildLog();
    const records = readLines(path).map((l) => JSON.parse(l) as AuditRecord);
    let prev = GENESIS_HASH;
    const rewritten = records.map((r, i) => {
      const data = i === 1 ? { path: 'other.jpg', size: 1 } : r.data;
      const line = forge({ ...r, prev, data });
      prev = (JSON.parse(line) as AuditRecord).hash;
      return line;
    });
    writeLines(path, rewritten);
    const result = verifyAuditLog(path);
    expect(result.ok).toBe(true);
    expect(result.head).not.toBe(records[4].hash);
  });
});

describe('verifyAuditLog set-up failures', () => {
  it('throws AUDIT_UNREADABLE with exit code 3 for a missing file', () => {
    const path = join(tmpdir(), 'ht-verify-does-not-exist', 'audit.jsonl');
    let caught: unknown;
    try {
      verifyAuditLog(path);
    } catch (err) {
      caught = err;
    }
    expect(caught).toBeInstanceOf(HashtriageError);
    expect((caught as HashtriageError).code).toBe('AUDIT_UNREADABLE');
    expect((caught as HashtriageError).exitCode).toBe(3);
    expect((caught as HashtriageError).message).toMatch(/^Cannot read audit log .*audit\.jsonl: ENOENT /);
  });
});
