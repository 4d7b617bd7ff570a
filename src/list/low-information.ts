/**
 * The rule that flags a perceptual list value as low-information.
 *
 * A near-uniform image (blank, single colour, heavily blurred) hashes to
 * all-zero or all-one bits, or very nearly; such a value would "match"
 * countless unrelated images, so it is flagged at import and left out of
 * perceptual matching by default.
 */
import type { PerceptualAlgorithm } from '../types.js';

/** How low-information is decided. Both fields are configurable per import. */
export interface LowInformationRule {
  /**
   * A value is flagged when its set bits, or its clear bits, number at most
   * this fraction of its length. Default 1/16: ≤ 4 of 64 bits, ≤ 16 of 256.
   */
  maxMinorityFraction: number;
  /** PDQ values whose quality (0..100, when the format carries it) is below this are flagged. Default 50. */
  minPdqQuality: number;
}

/** The documented default rule. */
export const DEFAULT_LOW_INFORMATION_RULE: Readonly<LowInformationRule> = Object.freeze({
  maxMinorityFraction: 1 / 16,
  minPdqQuality: 50,
});

function popcount(b: Buffer): number {
  let n = 0;
  for (const byte of b) {
    let v = byte;
    while (v) {
      v &= v - 1;
      n++;
    }
  }
  return n;
}

/**
 * Applies the rule to one value.
 * @param algorithm which perceptual hash the value is
 * @param value the hash bytes
 * @param quality PDQ quality when the source carries it
 * @param rule thresholds (default {@link DEFAULT_LOW_INFORMATION_RULE})
 * @returns true when the value is to be flagged
 */
export function isLowInformation(
  algorithm: PerceptualAlgorithm,
  value: Buffer,
  quality: number | undefined,
  rule: LowInformationRule = DEFAULT_LOW_INFORMATION_RULE,
): boolean {
  if (algorithm === 'pdq' && quality !== undefined && quality < rule.minPdqQuality) return true;
  const bits = value.length * 8;
  const ones = popcount(value);
  const minority = Math.min(ones, bits - ones);
  return minority <= Math.floor(bits * rule.maxMinorityFraction);
}
