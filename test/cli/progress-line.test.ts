import { describe, expect, it } from 'vitest';
import { progressLine } from '../../src/cli/progress-line.js';

function stream(isTTY: boolean) {
  const out: string[] = [];
  return { isTTY, write: (s: string) => out.push(s), out };
}

describe('progressLine', () => {
  it('draws nothing when stderr is not a terminal', () => {
    const s = stream(false);
    const p = progressLine(s);
    p.update('importing, records stored:', 65536);
    p.update('x', 3, 3);
    p.done();
    expect(s.out).toEqual([]);
  });

  it('redraws in place on a terminal, always shows a finished count, and clears the line', () => {
    const s = stream(true);
    const p = progressLine(s);
    p.update('images', 1, 3);
    p.update('images', 2, 3); // within 100 ms of the first: skipped
    p.update('images', 3, 3); // finished: always drawn
    p.done();
    expect(s.out).toEqual(['\r\x1b[Kimages 1/3', '\r\x1b[Kimages 3/3', '\r\x1b[K']);
  });
});
