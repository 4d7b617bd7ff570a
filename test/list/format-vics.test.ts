import { describe, it, expect } from 'vitest';
import { mapMedia } from '../../src/list/format-vics.js';

const CTX = { version: '2.0', shape: 'Media' as const };
const A = '00112233445566778899aabbccddeeff';
const B = 'ffeeddccbbaa99887766554433221100';
const S = '0123456789abcdef0123456789abcdef01234567';

describe('mapMedia property names', () => {
  it('reads the data-model spelling', () => {
    const r = mapMedia({ MD5: A, SHA1: S, Category: 2, MediaSize: '10', MediaID: 7, Series: 's' }, CTX);
    expect(r).toEqual({ digests: { md5: Buffer.from(A, 'hex'), sha1: Buffer.from(S, 'hex') }, category: '2', size: 10, mediaId: '7', series: 's' });
  });

  it('reads other cases of a name, preferring the exact spelling, else the first in key order', () => {
    expect(mapMedia({ md5: A, category: 1 }, CTX)).toMatchObject({ digests: { md5: Buffer.from(A, 'hex') }, category: '1' });
    expect(mapMedia({ md5: B, MD5: A }, CTX)).toMatchObject({ digests: { md5: Buffer.from(A, 'hex') } });
    expect(mapMedia({ Md5: B, md5: A }, CTX)).toMatchObject({ digests: { md5: Buffer.from(B, 'hex') } });
    // One odd spelling must not hide the properly spelled others.
    expect(mapMedia({ sha1: S, MD5: A, MediaID: 3 }, CTX)).toEqual({ digests: { md5: Buffer.from(A, 'hex'), sha1: Buffer.from(S, 'hex') }, mediaId: '3' });
  });

  it('ignores keys it does not know, and reports a bad digest', () => {
    expect(mapMedia({ MD5: A, Unknown: 'x', md: 1 }, CTX)).toEqual({ digests: { md5: Buffer.from(A, 'hex') } });
    expect(mapMedia({ MD5: A.slice(2) }, CTX)).toEqual({ reason: 'wrong hash length for md5: 30 hex digits, expected 32' });
  });
});
