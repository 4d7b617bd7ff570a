import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { benchImageSpecs, parseThreadList, runBench, type BenchReport } from '../../src/cli/bench.js';
import { photoImage, photoPixels } from '../../src/cli/synthetic.js';

/** Collects what the command writes; stderr is not a terminal, so no progress may appear. */
function capture() {
  const out: string[] = [];
  const err: string[] = [];
  return {
    io: { stdout: { write: (s: string) => out.push(s) }, stderr: { write: (s: string) => err.push(s), isTTY: false } },
    stdout: () => out.join(''),
    stderr: () => err.join(''),
  };
}

describe('hashtriage bench', () => {
  it('--images 6 --threads 1 --json prints one document with the per-thread figures', async () => {
    const c = capture();
    const code = await runBench({ images: '6', threads: '1', json: true }, c.io);
    expect(code).toBe(0);
    const report = JSON.parse(c.stdout()) as BenchReport;
    expect(report.command).toBe('bench');
    expect(report.images.source).toBe('synthetic');
    expect(report.images.count).toBe(6);
    expect(Object.values(report.images.formats).reduce((a, b) => a + b, 0)).toBe(6);
    expect(report.images.megapixels).toBeGreaterThan(0);
    expect(typeof report.machine.cpu).toBe('string');
    expect(report.machine.cores).toBeGreaterThanOrEqual(1);
    expect(report.machine.libvips).toMatch(/^\d+\.\d+/);
    expect(report.limits.cryptoSingleCoreMegabytesPerSecond['md5+sha1+sha256']).toBeGreaterThan(0);
    expect(report.results).toHaveLength(1);
    const r = report.results[0];
    expect(r.threads).toBe(1);
    expect(r.imagesPerSecond).toBeGreaterThan(0);
    expect(r.megabytesPerSecond).toBeGreaterThan(0);
    expect(r.megapixelsPerSecond).toBeGreaterThan(0);
    // Every image decodes, and every stage was timed by the workers.
    expect(r.failures).toBe(0);
    expect(r.stages.readCryptoMs.totalMs).toBeGreaterThan(0);
    expect(r.stages.decodeMs.totalMs).toBeGreaterThan(0);
    expect(r.stages.perceptualMs.totalMs).toBeGreaterThan(0);
    expect(r.decodeOnly.imagesPerSecond).toBeGreaterThan(0);
    expect(r.speedup).toBe(1);
    // Random list values match nothing: a match would mean a broken matcher or list.
    expect(r.matches).toBe(0);
    expect(c.stderr()).toBe('');
  }, 180_000);

  it('--fast-decode says so, and counts each photo at its own size', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'hashtriage-bench-test-'));
    try {
      writeFileSync(join(dir, 'camera.jpg'), await photoImage(2048, 1536, 3, 'jpeg'));
      const exact = capture();
      await runBench({ dir, threads: '1', json: true }, exact.io);
      const fast = capture();
      await runBench({ dir, threads: '1', json: true, fastDecode: true }, fast.io);
      const e = JSON.parse(exact.stdout()) as BenchReport;
      const f = JSON.parse(fast.stdout()) as BenchReport;
      expect([e.fastDecode, f.fastDecode]).toEqual([false, true]);
      // 2048x1536 whichever way it was decoded (reduced: 683x512).
      expect(f.images.megapixels).toBeCloseTo(3.15, 2);
      expect(e.images.megapixels).toBeCloseTo(3.15, 2);
      const table = capture();
      await runBench({ dir, threads: '1', fastDecode: true }, table.io);
      expect(table.stdout()).toContain('--fast-decode: the pipeline decodes large JPEGs reduced');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 180_000);

  it('--dir benchmarks the files given, and the table names each thread count', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'hashtriage-bench-test-'));
    try {
      writeFileSync(join(dir, 'a.jpg'), await photoImage(200, 150, 1, 'jpeg'));
      writeFileSync(join(dir, 'b.png'), await photoImage(120, 90, 2, 'png'));
      const c = capture();
      expect(await runBench({ dir, threads: '1' }, c.io)).toBe(0);
      expect(c.stdout()).toMatch(/bench: 2 dir images/);
      expect(c.stdout()).toMatch(/^\s+1\s+\d+\.\d\d/m);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 180_000);

  it('refuses a missing or empty --dir and bad thread lists as usage errors', async () => {
    const empty = mkdtempSync(join(tmpdir(), 'hashtriage-bench-empty-'));
    try {
      await expect(runBench({ dir: join(empty, 'absent') }, capture().io)).rejects.toMatchObject({ code: 'USAGE_INVALID_OPTION' });
      await expect(runBench({ dir: empty }, capture().io)).rejects.toMatchObject({ code: 'USAGE_INVALID_OPTION' });
    } finally {
      rmSync(empty, { recursive: true, force: true });
    }
    for (const bad of ['0', 'two', '1,,2', '1,300']) expect(() => parseThreadList(bad)).toThrow(/--threads/);
    expect(parseThreadList('2,1,2')).toEqual([2, 1]);
    await expect(runBench({ images: '0' }, capture().io)).rejects.toMatchObject({ code: 'USAGE_INVALID_OPTION' });
  });
});

describe('the bench image mix', () => {
  it('is deterministic, mixes formats, and reaches 24 MP within 200 images', () => {
    const specs = benchImageSpecs(200);
    expect(benchImageSpecs(200)).toEqual(specs);
    expect(new Set(specs.map((s) => s.format))).toEqual(new Set(['jpeg', 'png', 'webp']));
    const pixels = specs.map((s) => s.width * s.height);
    expect(Math.min(...pixels)).toBeLessThanOrEqual(160 * 160);
    expect(Math.max(...pixels)).toBe(6000 * 4000);
    // A short run stays short: no camera-sized image among the first 50.
    expect(Math.max(...pixels.slice(0, 50))).toBeLessThan(3_000_000);
  });

  it('photoPixels is seeded and photo-like, not flat', () => {
    const a = photoPixels(64, 48, 5);
    expect(a.length).toBe(64 * 48 * 3);
    expect(photoPixels(64, 48, 5).equals(a)).toBe(true);
    expect(photoPixels(64, 48, 6).equals(a)).toBe(false);
    let sum = 0;
    let sq = 0;
    for (const v of a) {
      sum += v;
      sq += v * v;
    }
    const mean = sum / a.length;
    expect(Math.sqrt(sq / a.length - mean * mean)).toBeGreaterThan(10);
  });
});
