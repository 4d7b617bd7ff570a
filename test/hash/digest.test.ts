import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { MultiDigest, digestBuffer } from '../../src/hash/digest.js';

describe('MultiDigest', () => {
  it('gives the published test vectors for "abc"', () => {
    const d = digestBuffer(Buffer.from('abc'), ['md5', 'sha1', 'sha256', 'blake3']);
    expect(d).toEqual({
      md5: '900150983cd24fb0d6963f7d28e17f72',
      sha1: 'a9993e364706816aba3e25717850c26c9cd0d89d',
      sha256: 'ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad',
      // BLAKE3 reference test vector for "abc"
      blake3: '6437b3ac38465133ffb63b75273a8db548c558465d79db03fd359c6cd5bd9d85',
    });
  });

  it('gives the empty-input digests', () => {
    const d = digestBuffer(Buffer.alloc(0), ['md5', 'sha256', 'blake3']);
    expect(d.md5).toBe('d41d8cd98f00b204e9800998ecf8427e');
    expect(d.sha256).toBe('e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855');
    expect(d.blake3).toBe('af1349b9f5f9a1a6a0404dea36dcc9499bcb25c9adc112b7cc9a93cae41f3262');
  });

  it('is independent of how the input is chunked', () => {
    const data = Buffer.alloc(100_003);
    for (let i = 0; i < data.length; i++) data[i] = (i * 31 + 7) & 0xff;
    const whole = digestBuffer(data, ['md5', 'sha1', 'sha256', 'sha512', 'blake3']);
    const chunked = new MultiDigest(['md5', 'sha1', 'sha256', 'sha512', 'blake3']);
    for (let i = 0; i < data.length; i += 4093) chunked.update(data.subarray(i, i + 4093));
    expect(chunked.finish()).toEqual(whole);
    expect(whole.sha512).toBe(createHash('sha512').update(data).digest('hex'));
  });

  it('computes only the algorithms asked for', () => {
    expect(Object.keys(digestBuffer(Buffer.from('x'), ['sha1']))).toEqual(['sha1']);
  });
});
