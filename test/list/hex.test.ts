import { describe, it, expect } from 'vitest';
import { decodeDigest, inferAlgorithm, isProblem } from '../../src/list/hex.js';

const MD5 = '0123456789abcdefABCDEF0123456789';

describe('decodeDigest', () => {
  it('decodes hex in either case to the same bytes as Buffer.from', () => {
    const d = decodeDigest(MD5, 'md5');
    expect(isProblem(d)).toBe(false);
    expect((d as Buffer).equals(Buffer.from(MD5, 'hex'))).toBe(true);
    const sha1 = 'ffffffffffffffffffff00000000000000000000';
    expect((decodeDigest(sha1, 'sha1') as Buffer).toString('hex')).toBe(sha1);
  });

  it('still trims surrounding blanks', () => {
    expect((decodeDigest(`  ${MD5}\t`, 'md5') as Buffer).equals(Buffer.from(MD5, 'hex'))).toBe(true);
  });

  it('rejects a non-hex character anywhere, with the same wording, also at the right length', () => {
    for (const bad of ['g', 'G', ' ', 'é', '\u0660', 'ÿ', '/', ':', '@', '`']) {
      for (const at of [0, 1, 15, 31]) {
        const s = MD5.slice(0, at) + bad + MD5.slice(at + 1);
        const d = decodeDigest(s, 'md5');
        expect(isProblem(d)).toBe(true);
        const t = s.trim();
        // A blank at either end is trimmed away, which leaves a length problem instead.
        const reason =
          /^[0-9a-fA-F]*$/.test(t)
            ? `wrong hash length for md5: ${t.length} hex digits, expected 32`
            : `non-hex characters in md5 value ${JSON.stringify(t)}`;
        expect((d as { reason: string }).reason).toBe(reason);
      }
    }
  });

  it('reports a wrong length with the same wording', () => {
    expect(decodeDigest(MD5.slice(0, 30), 'md5')).toEqual({ reason: 'wrong hash length for md5: 30 hex digits, expected 32' });
    expect(decodeDigest(MD5 + '00', 'md5')).toEqual({ reason: 'wrong hash length for md5: 34 hex digits, expected 32' });
    expect(decodeDigest('', 'sha1')).toEqual({ reason: 'wrong hash length for sha1: 0 hex digits, expected 40' });
  });
});

describe('inferAlgorithm', () => {
  it('infers by length and rejects non-hex with the same wording', () => {
    expect(inferAlgorithm(MD5)).toBe('md5');
    expect(inferAlgorithm('a'.repeat(64), 'blake3')).toBe('blake3');
    expect(inferAlgorithm(`${MD5.slice(0, 31)}é`)).toEqual({ reason: `non-hex characters in hash ${JSON.stringify(`${MD5.slice(0, 31)}é`)}` });
    expect(inferAlgorithm('abc')).toEqual({ reason: 'wrong hash length: 3 hex digits (expected 32, 40, 64 or 128)' });
  });
});
