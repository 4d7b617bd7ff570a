import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { copyFileSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BIN, runCli } from './helpers.js';

const work = mkdtempSync(join(tmpdir(), 'ht-hash-'));
const vectors = new URL('../fixtures/vectors/images/', import.meta.url);
afterAll(() => rmSync(work, { recursive: true, force: true }));

beforeAll(() => {
  mkdirSync(join(work, 'dir/sub'), { recursive: true });
  copyFileSync(new URL('plasma_640x480.jpg', vectors), join(work, 'dir/sub/photo.jpg'));
  copyFileSync(new URL('truncated_header.png', vectors), join(work, 'dir/broken.png'));
  writeFileSync(join(work, 'dir/two\nlines.txt'), 'hello\n');
});

const lines = (s: string) => s.trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);

describe('hashtriage hash', () => {
  it('prints one JSON object per file with only the algorithms asked for, in a fixed order', async () => {
    const r = await runCli(['hash', '--json', '--algorithms', 'sha1,md5', join(work, 'dir/two\nlines.txt')]);
    expect(r.code).toBe(0);
    const [rec] = lines(r.stdout);
    expect(Object.keys(rec)).toEqual(['path', 'size', 'md5', 'sha1']);
    expect(rec.md5).toBe(createHash('md5').update('hello\n').digest('hex'));
    expect(rec.size).toBe(6);
  });

  it('runs when node itself is given flags that worker threads cannot take (--max-old-space-size, --stack-size)', async () => {
    const r = await new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) => {
      const child = spawn(process.execPath, ['--max-old-space-size=4096', '--stack-size=2000', BIN, 'hash', '--json', '--algorithms', 'md5,phash', join(work, 'dir/sub/photo.jpg')]);
      let stdout = '';
      let stderr = '';
      child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
      child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
      child.on('close', (code) => resolve({ code, stdout, stderr }));
    });
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(lines(r.stdout)[0]).toMatchObject({ md5: expect.stringMatching(/^[0-9a-f]{32}$/), phash: expect.stringMatching(/^[0-9a-f]{16}$/) });
  });

  it('computes the imagehash and PDQ values of an image, as lowercase hex', async () => {
    const r = await runCli(['hash', '--json', '--algorithms', 'ahash,dhash,phash,whash,pdq', join(work, 'dir/sub/photo.jpg')]);
    const [rec] = lines(r.stdout);
    // imagehash 4.3.2 values for this file (test/fixtures/vectors/imagehash-vectors.csv)
    expect(rec).toMatchObject({ ahash: 'fefcfc1e070280c0', dhash: '1080e0b41e0e0f0f', phash: 'f5c0fa35bc0c960e', whash: 'fefcfc1e070380c1' });
    expect(rec.pdq).toMatch(/^[0-9a-f]{64}$/);
  });

  it('walks directories, and reports a corrupt image with an error field and its cryptographic hashes', async () => {
    const r = await runCli(['hash', '--json', '--algorithms', 'sha256,phash', join(work, 'dir')]);
    expect(r.code).toBe(0);
    const recs = lines(r.stdout);
    expect(recs.map((x) => x.path).sort()).toEqual([`${work}/dir/broken.png`, `${work}/dir/sub/photo.jpg`, `${work}/dir/two\nlines.txt`].sort());
    const broken = recs.find((x) => String(x.path).endsWith('broken.png'))!;
    expect(broken.sha256).toMatch(/^[0-9a-f]{64}$/);
    expect(broken.phash).toBeUndefined();
    expect(String(broken.error)).toMatch(/^IMAGE_DECODE_FAILED/);
  });

  it('escapes control characters in text output, one line per file', async () => {
    const r = await runCli(['hash', '--algorithms', 'md5', join(work, 'dir')]);
    const out = r.stdout.trim().split('\n');
    expect(out[0]).toBe('# md5  path');
    expect(out).toHaveLength(4);
    expect(out.some((l) => l.endsWith('two\\nlines.txt'))).toBe(true);
  });

  it('rejects an unknown algorithm with a usage error', async () => {
    const r = await runCli(['hash', '--algorithms', 'crc32', work]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('Expected algorithms among');
  });

  it('stops quietly, with exit code 0, when the reader of its output goes away (| head)', async () => {
    const tree = join(work, 'many');
    mkdirSync(tree);
    for (let i = 0; i < 400; i++) writeFileSync(join(tree, `f${i}.txt`), `file ${i}\n`);
    const child = spawn(process.execPath, [BIN, 'hash', '--json', '--algorithms', 'md5', tree], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    // Read one chunk, then close the pipe, as `head -1` does.
    await new Promise<void>((resolve) => child.stdout.once('data', () => resolve()));
    child.stdout.destroy();
    const code = await new Promise<number | null>((resolve) => child.on('exit', (c) => resolve(c)));
    expect(stderr).toBe('');
    expect(code).toBe(0);
  });
});
