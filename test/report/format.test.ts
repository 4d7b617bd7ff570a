import { describe, expect, it } from 'vitest';
import { formatBytes, formatDuration } from '../../src/report/format.js';
import { progressLine } from '../../src/report/progress.js';

describe('format', () => {
  it('formats bytes in decimal units', () => {
    expect(formatBytes(999)).toBe('999 B');
    expect(formatBytes(1500)).toBe('1.50 KB');
    expect(formatBytes(25_000_000)).toBe('25.0 MB');
    expect(formatBytes(3_200_000_000_000)).toBe('3.20 TB');
  });

  it('formats durations', () => {
    expect(formatDuration(4200)).toBe('4.2s');
    expect(formatDuration(125_000)).toBe('2m05s');
    expect(formatDuration(3_723_000)).toBe('1h02m03s');
  });
});

describe('progressLine', () => {
  it('shows files, bytes, rate, matches and errors, and an ETA once totals are known', () => {
    const counting = progressLine({ files: 10, bytes: 10_000_000, matches: 1, errors: 2 }, 2000);
    expect(counting).toBe('10 files, 10.0 MB (5.00 MB/s, 5 files/s), 1 matches, 2 errors');
    const known = progressLine({ files: 10, bytes: 10_000_000, matches: 1, errors: 2, totalFiles: 40, totalBytes: 40_000_000 }, 2000);
    expect(known).toContain('10/40 files');
    expect(known).toContain('ETA 6.0s');
  });
});

describe('Progress', () => {
  const fake = (isTTY: boolean) => {
    const writes: string[] = [];
    return { stream: { isTTY, write: (s: string) => writes.push(s) } as unknown as NodeJS.WriteStream, writes };
  };

  it('draws on a terminal, and clears the line when done', async () => {
    const { Progress } = await import('../../src/report/progress.js');
    const { stream, writes } = fake(true);
    const p = new Progress(stream, true);
    p.update({ files: 1, bytes: 10, matches: 0, errors: 0 });
    p.done();
    expect(writes[0]).toMatch(/^\r\x1b\[K1 files, 10 B/);
    expect(writes.at(-1)).toBe('\r\x1b[K');
  });

  it('draws nothing when stderr is not a terminal, or when quiet', async () => {
    const { Progress } = await import('../../src/report/progress.js');
    for (const [tty, wanted] of [[false, true], [true, false]] as const) {
      const { stream, writes } = fake(tty);
      const p = new Progress(stream, wanted);
      p.update({ files: 1, bytes: 10, matches: 0, errors: 0 });
      p.done();
      expect(writes).toEqual([]);
    }
  });
});
