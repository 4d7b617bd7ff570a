import { createHash } from 'node:crypto';
import { chmodSync, mkdtempSync, rmSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { readEvidence } from '../../src/hash/read.js';

const dir = mkdtempSync(join(tmpdir(), 'ht-read-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function sha256Chunks(path: string, chunkSize: number, keep?: (h: Uint8Array, n: number) => boolean) {
  const h = createHash('sha256');
  const chunks: number[] = [];
  const out = readEvidence(Buffer.from(path), (c) => {
    chunks.push(c.length);
    h.update(c);
  }, { chunkSize, keep });
  return { out, hex: h.digest('hex'), chunks };
}

describe('readEvidence', () => {
  const data = Buffer.alloc(10_000);
  for (let i = 0; i < data.length; i++) data[i] = i % 251;
  const file = join(dir, 'data.bin');
  writeFileSync(file, data);
  const expected = createHash('sha256').update(data).digest('hex');

  it('reads every byte once, in chunks no larger than asked', () => {
    const { out, hex, chunks } = sha256Chunks(file, 4096);
    expect(out.size).toBe(10_000);
    expect(out.failure).toBeUndefined();
    expect(hex).toBe(expected);
    expect(Math.max(...chunks)).toBeLessThanOrEqual(4096);
    expect(out.bytes).toBeUndefined();
  });

  it('keeps the whole content when asked, and hashes the same bytes', () => {
    const { out, hex } = sha256Chunks(file, 4096, () => true);
    expect(hex).toBe(expected);
    expect(out.bytes?.equals(data)).toBe(true);
  });

  it('does not move the access time', () => {
    const old = new Date('2001-02-03T04:05:06Z');
    utimesSync(file, old, old);
    sha256Chunks(file, 4096);
    expect(statSync(file).atimeMs).toBe(old.getTime());
  });

  it('reports a missing file as a value, not an exception', () => {
    const { out } = sha256Chunks(join(dir, 'nope'), 4096);
    expect(out.failure?.code).toBe('READ_VANISHED');
    expect(out.size).toBe(0);
  });

  it('handles a zero-byte file', () => {
    const empty = join(dir, 'empty');
    writeFileSync(empty, '');
    const { out, hex } = sha256Chunks(empty, 4096, () => true);
    expect(out.size).toBe(0);
    expect(out.failure).toBeUndefined();
    expect(hex).toBe('e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855');
  });

  it('reports an unreadable file when permissions deny it', () => {
    const locked = join(dir, 'locked');
    writeFileSync(locked, 'x');
    chmodSync(locked, 0o000);
    const { out } = sha256Chunks(locked, 4096);
    if (process.getuid?.() === 0) {
      // root bypasses file permissions: the read succeeds, which is also right.
      expect(out.failure).toBeUndefined();
    } else {
      expect(out.failure?.code).toBe('READ_ACCESS_DENIED');
    }
  });
});

describe('readEvidence on a special file', () => {
  it('refuses a FIFO at once instead of blocking on it', async () => {
    const { execFileSync } = await import('node:child_process');
    const fifo = join(dir, 'fifo');
    execFileSync('mkfifo', [fifo]);
    const out = readEvidence(Buffer.from(fifo), () => undefined, { chunkSize: 4096 });
    expect(out.failure?.code).toBe('READ_FAILED');
    expect(out.failure?.message).toMatch(/not a regular file/);
  });
});
