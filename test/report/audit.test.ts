import { describe, it, expect, afterAll } from 'vitest';
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { AuditLog, GENESIS_HASH, type AuditFs, type AuditRecord } from '../../src/report/audit.js';
import { verifyAuditLog } from '../../src/report/verify.js';
import { HashtriageError } from '../../src/errors.js';

const dirs: string[] = [];
afterAll(() => {
  for (const d of dirs) fs.rmSync(d, { recursive: true, force: true });
});

function tmpLog(): string {
  const dir = fs.mkdtempSync(join(tmpdir(), 'ht-audit-'));
  dirs.push(dir);
  return join(dir, 'audit.jsonl');
}

function fixedClock(start = '2025-01-01T00:00:00.000Z'): () => Date {
  let t = Date.parse(start);
  return () => new Date((t += 1000));
}

function caught(fn: () => unknown): HashtriageError {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(HashtriageError);
    return err as HashtriageError;
  }
  throw new Error('expected a HashtriageError');
}

/** Records fsync calls, telling the log file's descriptor from the directory's. */
function spyFs(): { fs: AuditFs; syncs: string[]; names: Map<number, string> } {
  const names = new Map<number, string>();
  const syncs: string[] = [];
  const spy: AuditFs = {
    openSync: (p, flags) => {
      const fd = fs.openSync(p, flags);
      names.set(fd, fs.statSync(p).isDirectory() ? 'dir' : 'file');
      return fd;
    },
    writeSync: (fd, b, o, l) => fs.writeSync(fd, b, o, l),
    readSync: (fd, b, o, l, p) => fs.readSync(fd, b, o, l, p),
    fsyncSync: (fd) => {
      syncs.push(names.get(fd) ?? '?');
      fs.fsyncSync(fd);
    },
    ftruncateSync: (fd, l) => fs.ftruncateSync(fd, l),
    fstatSync: (fd) => fs.fstatSync(fd),
    closeSync: (fd) => fs.closeSync(fd),
  };
  return { fs: spy, syncs, names };
}

function fileLines(path: string): string[] {
  return fs.readFileSync(path, 'utf8').split('\n').slice(0, -1);
}

/** An interrupted scan: three records and no closing one, as a crash leaves it. */
function crashedLog(): string {
  const path = tmpLog();
  const log = AuditLog.create(path, { clock: fixedClock(), fsync: false });
  log.append('scan_start', { caseId: 'C-1' });
  log.append('match', { path: 'a.jpg' });
  log.append('checkpoint', { files: 1 });
  log.release();
  return path;
}

describe('AuditLog.create and append', () => {
  it('chains records: seq from 1, genesis prev, hash over the canonical record without hash', () => {
    const path = tmpLog();
    const log = AuditLog.create(path, { clock: fixedClock(), fsync: false });
    expect(log.seq).toBe(0);
    expect(log.head).toBe(GENESIS_HASH);
    const first = log.append('scan_start', { caseId: 'C-1', examiner: 'Ann' });
    const second = log.append('match', { path: 'a.jpg', size: 3 });
    expect(first).toMatchObject({ v: 1, seq: 1, ts: '2025-01-01T00:00:01.000Z', type: 'scan_start', prev: GENESIS_HASH });
    expect(second.prev).toBe(first.hash);
    expect(log.seq).toBe(2);
    expect(log.head).toBe(second.hash);
    // Independent recomputation from the documented rule, spelled out by hand.
    const body =
      `{"data":{"path":"a.jpg","size":3},"prev":"${first.hash}","seq":2,` + `"ts":"2025-01-01T00:00:02.000Z","type":"match","v":1}`;
    expect(second.hash).toBe(createHash('sha256').update(body).digest('hex'));
    expect(fileLines(path)[1]).toBe(
      `{"data":{"path":"a.jpg","size":3},"hash":"${second.hash}","prev":"${first.hash}","seq":2,` +
        `"ts":"2025-01-01T00:00:02.000Z","type":"match","v":1}`,
    );
    log.release();
  });

  it('reproduces the committed example byte for byte', () => {
    const path = tmpLog();
    let t = Date.parse('2025-03-14T09:26:53.000Z');
    const log = AuditLog.create(path, { clock: () => new Date((t += 1250)), fsync: false });
    log.append('scan_start', {
      tool: { name: 'hashtriage', version: '0.1.0' },
      runtime: { node: '20.20.2', sharp: '0.35.5', libvips: '8.17.3' },
      host: 'lab-ws-07',
      osUser: 'examiner1',
      examiner: 'A. Example',
      caseId: 'CASE-2025-0042',
      argv: ['scan', '/mnt/evidence', '--list', 'lists/vics.sqlite', '--case-dir', 'out'],
      options: { algorithms: ['sha256', 'phash'], threads: 4 },
      evidenceRoot: '/mnt/evidence',
      list: { path: 'lists/vics.sqlite', sha256: 'a'.repeat(64), sources: [{ name: 'vics-2025-02', records: 3 }] },
    });
    log.append('match', {
      path: 'DCIM/IMG_0001.JPG',
      size: 48213,
      hashes: { sha256: 'b'.repeat(64) },
      match: { kind: 'exact', algorithm: 'sha256', distance: 0 },
      entries: [{ source: 'vics-2025-02', role: 'notable', category: '1' }],
    });
    log.append('file_error', { path: 'DCIM/broken.png', code: 'IMAGE_DECODE_FAILED', message: 'pngload: truncated' });
    log.append('checkpoint', { files: 2, bytes: 51020, matches: 1, errors: 1 });
    log.close(
      { totals: { files: 2, bytes: 51020, matches: 1, errors: 1 }, elapsedMs: 5000 },
      { signKeyPem: fs.readFileSync('test/fixtures/audit/test-ed25519-private.pem') },
    );
    expect(fs.readFileSync(path, 'utf8')).toBe(fs.readFileSync('test/fixtures/audit/example-signed.jsonl', 'utf8'));
  });

  it('refuses an existing non-empty file and accepts an existing empty one', () => {
    const path = tmpLog();
    fs.writeFileSync(path, 'x');
    const err = caught(() => AuditLog.create(path));
    expect(err.code).toBe('AUDIT_LOG_EXISTS');
    expect(err.exitCode).toBe(3);
    expect(fs.readFileSync(path, 'utf8')).toBe('x');
    fs.writeFileSync(path, '');
    const log = AuditLog.create(path, { fsync: false });
    log.append('scan_start', {});
    log.release();
    expect(fileLines(path)).toHaveLength(1);
  });

  it('reports a directory that cannot hold the log as AUDIT_WRITE_FAILED', () => {
    const err = caught(() => AuditLog.create(join(dirname(tmpLog()), 'missing', 'audit.jsonl')));
    expect(err.code).toBe('AUDIT_WRITE_FAILED');
    expect(err.message).toMatch(/^Cannot create audit log .*: ENOENT /);
  });

  it('enforces the event order and refuses writer-owned fields', () => {
    const log = AuditLog.create(tmpLog(), { fsync: false });
    expect(caught(() => log.append('match', {})).message).toBe('AuditLog: the first record must be scan_start, not match');
    expect(caught(() => log.close({})).message).toBe('AuditLog: cannot close a log that has no scan_start record');
    log.append('scan_start', {});
    expect(caught(() => log.append('scan_start', {})).message).toBe('AuditLog: scan_start may only be the first record');
    expect(caught(() => log.append('scan_end', {})).message).toBe('AuditLog: scan_end records are written by close()');
    expect(caught(() => log.append('resume', {})).message).toBe('AuditLog: resume records are written by AuditLog.resume');
    expect(caught(() => log.close({ status: 'x' })).message).toBe(
      'AuditLog: data.status is written by the log itself and cannot be passed in',
    );
    log.close({});
    expect(caught(() => log.append('match', {})).message).toBe('AuditLog: the log is closed');
  });

  it('refuses unserialisable data and oversized records without writing anything', () => {
    const path = tmpLog();
    const log = AuditLog.create(path, { fsync: false });
    log.append('scan_start', {});
    expect(caught(() => log.append('match', { content: Buffer.from('pixels') })).message).toBe(
      'canonicalJson: cannot serialise an instance of Buffer at $.data.content',
    );
    expect(caught(() => log.append('warning', { blob: 'x'.repeat(1024 * 1024) })).message).toMatch(
      /^AuditLog: a warning record of \d+ bytes exceeds the 1048576-byte limit$/,
    );
    expect(log.seq).toBe(1);
    log.close({});
    expect(verifyAuditLog(path).ok).toBe(true);
  });

  it('has each record in the file, readable through another descriptor, when append returns', () => {
    const path = tmpLog();
    const log = AuditLog.create(path, { fsync: false });
    const reader = fs.openSync(path, 'r');
    try {
      for (let i = 0; i < 5; i++) {
        const record = i === 0 ? log.append('scan_start', {}) : log.append('file_error', { n: i });
        const size = fs.fstatSync(reader).size;
        const buf = Buffer.alloc(size);
        fs.readSync(reader, buf, 0, size, 0);
        const lines = buf.toString('utf8').split('\n');
        expect(lines).toHaveLength(i + 2);
        expect((JSON.parse(lines[i]) as AuditRecord).hash).toBe(record.hash);
      }
    } finally {
      fs.closeSync(reader);
      log.release();
    }
  });

  it('fsyncs the new file and its directory, every durable record, and the seal', () => {
    const spy = spyFs();
    const log = AuditLog.create(tmpLog(), { fs: spy.fs });
    expect(spy.syncs).toEqual(['file', 'dir']);
    spy.syncs.length = 0;
    log.append('scan_start', {});
    log.append('match', {});
    log.append('checkpoint', {});
    expect(spy.syncs).toEqual(['file', 'file', 'file']);
    spy.syncs.length = 0;
    log.append('file_error', {});
    log.append('file_skipped', {});
    log.append('warning', {});
    expect(spy.syncs).toEqual([]);
    log.append('file_error', {}, { durable: true });
    expect(spy.syncs).toEqual(['file']);
    log.close({});
    expect(spy.syncs).toEqual(['file', 'file']);
  });

  it('does not fsync when asked not to', () => {
    const spy = spyFs();
    const log = AuditLog.create(tmpLog(), { fs: spy.fs, fsync: false });
    log.append('scan_start', {});
    log.append('match', {});
    log.close({});
    expect(spy.syncs).toEqual([]);
  });

  it('stops accepting records after a failed write', () => {
    const spy = spyFs();
    let fail = false;
    const failing: AuditFs = {
      ...spy.fs,
      writeSync: (fd, b, o, l) => {
        if (fail) throw Object.assign(new Error('no space left on device'), { code: 'ENOSPC' });
        return fs.writeSync(fd, b, o, l);
      },
    };
    const path = tmpLog();
    const log = AuditLog.create(path, { fs: failing, fsync: false });
    log.append('scan_start', {});
    fail = true;
    const err = caught(() => log.append('match', {}));
    expect(err.code).toBe('AUDIT_WRITE_FAILED');
    expect(err.exitCode).toBe(3);
    expect(err.message).toBe(`Cannot append to audit log ${path}: ENOSPC no space left on device`);
    fail = false;
    expect(caught(() => log.append('match', {})).code).toBe('AUDIT_WRITE_FAILED');
    expect(log.seq).toBe(1);
    log.release();
  });
});

describe('AuditLog.resume', () => {
  it('continues an unclosed log with a resume record and returns what the prefix held', () => {
    const path = crashedLog();
    const before = fileLines(path).map((l) => JSON.parse(l) as AuditRecord);
    const resumed = AuditLog.resume(path, { argv: ['scan', '--resume'] }, { fsync: false, clock: fixedClock('2025-01-02T00:00:00.000Z') });
    expect(resumed.discarded).toBeUndefined();
    expect(resumed.start).toEqual(before[0]);
    expect(resumed.lastCheckpoint).toEqual(before[2]);
    expect(resumed.last).toEqual(before[2]);
    expect(resumed.record).toMatchObject({
      seq: 4,
      type: 'resume',
      prev: before[2].hash,
      data: { argv: ['scan', '--resume'], priorState: 'unclosed' },
    });
    resumed.log.append('match', { path: 'b.jpg' });
    resumed.log.close({ totals: {} });
    const result = verifyAuditLog(path);
    expect(result).toMatchObject({ ok: true, records: 6, resumes: 1, status: 'completed' });
  });

  it('cuts a torn last line, records its bytes and hash, and the resumed log verifies', () => {
    const path = crashedLog();
    const intact = fs.readFileSync(path);
    const torn = Buffer.from('{"data":{"path":"c.jp');
    fs.appendFileSync(path, torn);
    expect(verifyAuditLog(path).firstBad?.reason).toBe(`truncated: the last line is incomplete (${torn.length} bytes without a final newline)`);
    const resumed = AuditLog.resume(path, {}, { fsync: false });
    const expected = {
      offset: intact.length,
      bytes: torn.length,
      sha256: createHash('sha256').update(torn).digest('hex'),
      base64: torn.toString('base64'),
    };
    expect(resumed.discarded).toEqual(expected);
    expect(resumed.record.data).toEqual({ priorState: 'unclosed', discarded: expected });
    // The file now holds the intact prefix followed directly by the resume record.
    expect(fs.readFileSync(path).subarray(0, intact.length).equals(intact)).toBe(true);
    expect(fileLines(path)).toHaveLength(4);
    resumed.log.close({});
    expect(verifyAuditLog(path)).toMatchObject({ ok: true, records: 5, resumes: 1 });
  });

  it('treats a line that lost only its newline as torn', () => {
    const path = crashedLog();
    const lines = fileLines(path);
    fs.writeFileSync(path, lines.join('\n'));
    const resumed = AuditLog.resume(path, {}, { fsync: false });
    expect(resumed.discarded?.bytes).toBe(Buffer.byteLength(lines[2]));
    expect(resumed.record.seq).toBe(3);
    expect(resumed.lastCheckpoint).toBeUndefined();
    resumed.log.close({});
    expect(verifyAuditLog(path).ok).toBe(true);
  });

  it('keeps only the length and hash of a large torn tail (zero-filled blocks after a crash)', () => {
    const path = crashedLog();
    const zeros = Buffer.alloc(100_000);
    fs.appendFileSync(path, zeros);
    const resumed = AuditLog.resume(path, {}, { fsync: false });
    expect(resumed.discarded).toEqual({
      offset: expect.any(Number),
      bytes: 100_000,
      sha256: createHash('sha256').update(zeros).digest('hex'),
    });
    resumed.log.close({});
    expect(verifyAuditLog(path).ok).toBe(true);
  });

  it('continues after an interrupted seal, and the verifier checks the recorded tail', () => {
    const path = tmpLog();
    const log = AuditLog.create(path, { fsync: false });
    log.append('scan_start', {});
    log.close({}, { status: 'interrupted' });
    fs.appendFileSync(path, 'xyz');
    const resumed = AuditLog.resume(path, {}, { fsync: false });
    expect(resumed.record.data.priorState).toBe('interrupted');
    resumed.log.close({});
    expect(verifyAuditLog(path).ok).toBe(true);
    // Editing what the resume record says it discarded is caught, and re-hashing cannot hide it.
    const lines = fileLines(path);
    const record = JSON.parse(lines[2]) as AuditRecord;
    expect(record.type).toBe('resume');
    lines[2] = lines[2].replace(Buffer.from('xyz').toString('base64'), Buffer.from('abc').toString('base64'));
    fs.writeFileSync(path, lines.map((l) => `${l}\n`).join(''));
    expect(verifyAuditLog(path).firstBad).toMatchObject({ line: 3, reason: 'hash mismatch: the record was changed after it was written' });
  });

  it('fsyncs the cut and the resume record', () => {
    const path = crashedLog();
    fs.appendFileSync(path, '{"da');
    const spy = spyFs();
    const resumed = AuditLog.resume(path, {}, { fs: spy.fs });
    expect(spy.syncs).toEqual(['file', 'file']);
    resumed.log.release();
  });

  it('refuses a log whose complete lines do not verify', () => {
    const path = crashedLog();
    const lines = fileLines(path);
    lines[1] = lines[1].replace('a.jpg', 'z.jpg');
    const text = lines.map((l) => `${l}\n`).join('');
    fs.writeFileSync(path, text);
    const err = caught(() => AuditLog.resume(path));
    expect(err.code).toBe('AUDIT_CHAIN_BROKEN');
    expect(err.message).toBe(`Cannot resume ${path}: line 2 (record 2): hash mismatch: the record was changed after it was written`);
    expect(fs.readFileSync(path, 'utf8')).toBe(text);
  });

  it('refuses a completed log, an empty log and a missing one', () => {
    const done = tmpLog();
    const log = AuditLog.create(done, { fsync: false });
    log.append('scan_start', {});
    log.close({});
    const sealed = fs.readFileSync(done);
    const err = caught(() => AuditLog.resume(done));
    expect(err.code).toBe('RESUME_STATE_INVALID');
    expect(err.message).toBe(`Cannot resume ${done}: the scan it records completed and the log is sealed`);
    expect(fs.readFileSync(done).equals(sealed)).toBe(true);

    const torn = tmpLog();
    fs.writeFileSync(torn, '{"data":');
    const empty = caught(() => AuditLog.resume(torn));
    expect(empty.code).toBe('RESUME_STATE_INVALID');
    expect(empty.message).toBe(`Cannot resume ${torn}: it holds no complete record; start a new scan`);

    const missing = join(dirname(tmpLog()), 'none.jsonl');
    const gone = caught(() => AuditLog.resume(missing));
    expect(gone.code).toBe('AUDIT_UNREADABLE');
    expect(gone.exitCode).toBe(3);
    expect(fs.existsSync(missing)).toBe(false);
  });

  it('refuses writer-owned fields in the resume data', () => {
    const path = crashedLog();
    expect(caught(() => AuditLog.resume(path, { discarded: 1 })).message).toBe(
      'AuditLog: data.discarded is written by the log itself and cannot be passed in',
    );
  });
});
