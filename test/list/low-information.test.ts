import { describe, it, expect } from 'vitest';
import { DEFAULT_LOW_INFORMATION_RULE, isLowInformation } from '../../src/list/index.js';

describe('isLowInformation', () => {
  it('flags values with at most 1/16 of their bits in the minority', () => {
    expect(isLowInformation('phash', Buffer.from('0000000000000000', 'hex'), undefined)).toBe(true);
    expect(isLowInformation('ahash', Buffer.from('ffffffffffffffff', 'hex'), undefined)).toBe(true);
    expect(isLowInformation('dhash', Buffer.from('000000000000000f', 'hex'), undefined)).toBe(true); // 4 of 64
    expect(isLowInformation('dhash', Buffer.from('000000000000001f', 'hex'), undefined)).toBe(false); // 5 of 64
    expect(isLowInformation('pdq', Buffer.alloc(32, 0xa5), undefined)).toBe(false);
  });

  it('flags PDQ below quality 50 and honours a configured rule', () => {
    const v = Buffer.alloc(32, 0xa5);
    expect(isLowInformation('pdq', v, 49)).toBe(true);
    expect(isLowInformation('pdq', v, 50)).toBe(false);
    expect(isLowInformation('pdq', v, 49, { ...DEFAULT_LOW_INFORMATION_RULE, minPdqQuality: 40 })).toBe(false);
    expect(isLowInformation('phash', Buffer.from('000000000000001f', 'hex'), undefined, { maxMinorityFraction: 0.1, minPdqQuality: 50 })).toBe(true);
  });
});
