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
