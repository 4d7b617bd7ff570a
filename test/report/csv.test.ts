import { describe, expect, it } from 'vitest';
import { csvField, csvRow } from '../../src/report/csv.js';

describe('csv', () => {
  it('neutralises fields a spreadsheet would run as formulas', () => {
    for (const s of ['=HYPERLINK("http://x")', '+1+1', '-2', '@SUM(A1)', '\tx', '\rx']) {
      expect(csvField(s).replace(/^"/, '').startsWith("'")).toBe(true);
    }
  });

  it('does not touch numbers or ordinary text', () => {
    expect(csvField(-5)).toBe('-5');
    expect(csvField('photo.jpg')).toBe('photo.jpg');
    expect(csvField(undefined)).toBe('');
  });

  it('quotes commas, quotes and line breaks (RFC 4180)', () => {
    expect(csvField('a,b')).toBe('"a,b"');
    expect(csvField('say "hi"')).toBe('"say ""hi"""');
    expect(csvField('two\nlines')).toBe('"two\nlines"');
    expect(csvRow(['a', 1, '=x,y'])).toBe(`a,1,"'=x,y"\r\n`);
  });
});
