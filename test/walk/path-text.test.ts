import { describe, it, expect } from 'vitest';
import { randomBytes } from 'node:crypto';
import { pathBytesOf, renderBytes, reportedPath } from '../../src/walk/path-text.js';

const fatal = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

/**
 * Independent oracle for the rendering rule: at each position, the slice of
 * 1..4 bytes that a strict decoder accepts as exactly one code point is kept;
 * when there is none, the byte is escaped. (ignoreBOM keeps U+FEFF as text.)
 */
function oracle(bytes: Buffer): string {
  let out = '';
  let i = 0;
  outer: while (i < bytes.length) {
    for (let len = 1; len <= 4 && i + len <= bytes.length; len++) {
      try {
        const s = fatal.decode(bytes.subarray(i, i + len));
        if ([...s].length === 1) {
          out += s;
          i += len;
          continue outer;
        }
      } catch {
        // not a complete sequence at this length
      }
    }
    out += '\\x' + bytes[i].toString(16).toUpperCase().padStart(2, '0');
    i++;
  }
  return out;
}

/** Random names biased towards the interesting bytes: ASCII, '/', continuation and lead bytes, and real UTF-8. */
function randomName(): Buffer {
  const parts: Buffer[] = [];
  const n = 1 + Math.floor(Math.random() * 12);
  for (let k = 0; k < n; k++) {
    const pick = Math.random();
    if (pick < 0.3) parts.push(randomBytes(1 + Math.floor(Math.random() * 3)));
    else if (pick < 0.5) parts.push(Buffer.from([0x80 + Math.floor(Math.random() * 0x80)]));
    else if (pick < 0.7) parts.push(Buffer.from(String.fromCodePoint(Math.floor(Math.random() * 0x110000)), 'utf8'));
    else if (pick < 0.8) parts.push(Buffer.from('/'));
    else parts.push(Buffer.from('name.jpg'));
  }
  return Buffer.concat(parts);
}

describe('reportedPath', () => {
  it('reports valid UTF-8 as itself, without pathBytes', () => {
    for (const s of ['a/b/c.jpg', 'ünïcödé/😀 x.png', 'new\nline', 'back\\x41slash', '']) {
      expect(reportedPath(Buffer.from(s))).toEqual({ path: s });
    }
  });

  it('escapes each invalid byte as \\xHH and carries the raw bytes', () => {
    const raw = Buffer.from([0x61, 0xff, 0x2f, 0xc3, 0xa9, 0xe2, 0x82]);
    expect(reportedPath(raw)).toEqual({ path: 'a\\xFF/é\\xE2\\x82', pathBytes: raw.toString('base64') });
  });

  it('rejects overlong forms, surrogates and code points above U+10FFFF byte by byte', () => {
    expect(renderBytes(Buffer.from([0xc0, 0xaf])).text).toBe('\\xC0\\xAF');
    expect(renderBytes(Buffer.from([0xe0, 0x80, 0xaf])).text).toBe('\\xE0\\x80\\xAF');
    expect(renderBytes(Buffer.from([0xed, 0xa0, 0x80])).text).toBe('\\xED\\xA0\\x80');
    expect(renderBytes(Buffer.from([0xf4, 0x90, 0x80, 0x80])).text).toBe('\\xF4\\x90\\x80\\x80');
    // The largest valid code point and the last one before the surrogates are kept.
    expect(renderBytes(Buffer.from([0xf4, 0x8f, 0xbf, 0xbf]))).toEqual({ text: '\u{10FFFF}', escaped: false });
    expect(renderBytes(Buffer.from([0xed, 0x9f, 0xbf]))).toEqual({ text: '\uD7FF', escaped: false });
  });

  it('agrees with a strict decoder on random byte names', () => {
    for (let k = 0; k < 3000; k++) {
      const raw = randomName();
      const r = reportedPath(raw);
      let valid = true;
      try {
        fatal.decode(raw);
      } catch {
        valid = false;
      }
      expect(r.pathBytes === undefined).toBe(valid);
      expect(r.path).toBe(oracle(raw));
    }
  });
});

describe('pathBytesOf', () => {
  it('round-trips random byte names exactly', () => {
    for (let k = 0; k < 3000; k++) {
      const raw = randomName();
      expect(pathBytesOf(reportedPath(raw)).equals(raw)).toBe(true);
    }
  });

  it('trusts pathBytes over a rendering that looks like an escape', () => {
    const literal = Buffer.from('x\\xFF');
    const escaped = Buffer.from([0x78, 0xff]);
    expect(reportedPath(literal).path).toBe(reportedPath(escaped).path);
    expect(pathBytesOf(reportedPath(literal)).equals(literal)).toBe(true);
    expect(pathBytesOf(reportedPath(escaped)).equals(escaped)).toBe(true);
  });
});
