import { describe, it, expect } from 'vitest';
import { isUtf8 } from 'node:buffer';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { forEachLine } from '../../src/list/lines.js';
import { tmp } from './helpers.js';

/** The documented behaviour, one line at a time: split at \n, drop one \r, BOM dropped, UTF-8 else Latin-1. */
function reference(bytes: Buffer): string[] {
  const out: string[] = [];
  let start = 0;
  if (bytes.length >= 3 && bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf) start = 3;
  while (start <= bytes.length) {
    let nl = bytes.indexOf(0x0a, start);
    const last = nl < 0;
    if (last) nl = bytes.length;
    if (last && nl === start) break;
    let end = nl;
    if (end > start && bytes[end - 1] === 0x0d) end--;
    const s = bytes.subarray(start, end);
    out.push(isUtf8(s) ? s.toString('utf8') : s.toString('latin1'));
    start = nl + 1;
  }
  return out;
}

async function read(bytes: Buffer): Promise<string[]> {
  const file = join(tmp(), 'lines.txt');
  writeFileSync(file, bytes);
  const got: string[] = [];
  const numbers: number[] = [];
  await forEachLine(file, (line, no) => {
    got.push(line);
    numbers.push(no);
  });
  expect(numbers).toEqual(got.map((_, i) => i + 1));
  return got;
}

describe('forEachLine', () => {
  it('drops the BOM and one \\r, and decodes each line as UTF-8 or else Latin-1', async () => {
    const bytes = Buffer.concat([
      Buffer.from([0xef, 0xbb, 0xbf]),
      Buffer.from('één\r\n\r\nplain\n'),
      Buffer.from([0x63, 0x61, 0x66, 0xe9, 0x0a]), // "café" in Latin-1
      Buffer.from('x\r\r\nlast'),
    ]);
    const got = await read(bytes);
    expect(got).toEqual(['één', '', 'plain', 'café', 'x\r', 'last']);
    expect(got).toEqual(reference(bytes));
  });

  it('gives the same lines across 1 MiB read chunks, with Latin-1 and UTF-8 lines on either side', async () => {
    // ~18,500 lines per MiB: the first and last chunks are all UTF-8, the middle one holds a Latin-1 line.
    const parts: Buffer[] = [Buffer.from([0xef, 0xbb, 0xbf])];
    for (let i = 0; i < 40_000; i++) {
      if (i === 30_000) parts.push(Buffer.from([0x4e, 0xe4, 0x6d, 0x65, 0x0d, 0x0a])); // Latin-1 "Näme", CRLF
      parts.push(Buffer.from(`${i.toString(16).padStart(32, '0')}  dir/ñame-${i}.jpg${i % 7 === 0 ? '\r' : ''}\n`));
    }
    parts.push(Buffer.from('no newline at end ✓'));
    const bytes = Buffer.concat(parts);
    expect(bytes.length).toBeGreaterThan(2 * (1 << 20));
    const got = await read(bytes);
    expect(got).toEqual(reference(bytes));
    expect(got).toContain('Näme');
    expect(got[0]).toBe(`${'0'.repeat(32)}  dir/ñame-0.jpg`);
    expect(got[7]).toBe(`${'7'.padStart(32, '0')}  dir/ñame-7.jpg`);
    expect(got[got.length - 1]).toBe('no newline at end ✓');
  });

  it('keeps a UTF-8 character split by a chunk boundary whole', async () => {
    // Put a 2-byte character across the 1 MiB boundary.
    const head = Buffer.alloc((1 << 20) - 1, 0x61);
    const bytes = Buffer.concat([head, Buffer.from('é\nb\n')]);
    const got = await read(bytes);
    expect(got).toEqual(['a'.repeat((1 << 20) - 1) + 'é', 'b']);
  });
});
