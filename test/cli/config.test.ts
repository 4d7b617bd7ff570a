import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { hashConfig, isInside, parseAlgorithms, parseThresholds, scanConfig } from '../../src/cli/config.js';
import { DEFAULTS } from '../../src/cli/defaults.js';
import { HashtriageError } from '../../src/errors.js';

const dir = mkdtempSync(join(tmpdir(), 'ht-config-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const evidence = join(dir, 'evidence');
mkdirSync(join(evidence, 'sub'), { recursive: true });
const list = join(dir, 'list.sqlite');
writeFileSync(list, '');

function codeOf(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (err) {
    return (err as HashtriageError).code;
  }
  return undefined;
}

describe('scanConfig', () => {
  it('builds a frozen config with defaults', () => {
    const c = scanConfig(evidence, { list, out: join(dir, 'case') }, ['node', 'hashtriage', 'scan']);
    expect(Object.isFrozen(c)).toBe(true);
    expect(Object.isFrozen(c.perceptual)).toBe(true);
    expect(c.threads).toBe(DEFAULTS.threads);
    expect(c.perceptual.thresholds).toEqual(DEFAULTS.thresholds);
    expect(c.progress).toBe(true);
    expect(c.perceptual.fastDecode).toBe(false);
    expect(scanConfig(evidence, { list, out: join(dir, 'case'), fastDecode: true }, []).perceptual.fastDecode).toBe(true);
  });

  it('refuses a case dir inside the evidence tree, even through a symlink', () => {
    expect(codeOf(() => scanConfig(evidence, { list, out: join(evidence, 'sub', 'case') }, []))).toBe('CASE_DIR_INSIDE_EVIDENCE');
    symlinkSync(join(evidence, 'sub'), join(dir, 'sneaky'));
    expect(codeOf(() => scanConfig(evidence, { list, out: join(dir, 'sneaky', 'case') }, []))).toBe('CASE_DIR_INSIDE_EVIDENCE');
    expect(codeOf(() => scanConfig(evidence, { list, out: evidence }, []))).toBe('CASE_DIR_INSIDE_EVIDENCE');
  });

  it('refuses a non-empty case dir without --resume', () => {
    const used = join(dir, 'used');
    mkdirSync(used);
    writeFileSync(join(used, 'audit.jsonl'), '{}\n');
    expect(codeOf(() => scanConfig(evidence, { list, out: used }, []))).toBe('CASE_DIR_NOT_EMPTY');
    expect(scanConfig(evidence, { list, out: used, resume: true }, []).resume).toBe(true);
  });

  it('names the option and the value in usage errors', () => {
    expect(() => scanConfig(evidence, { list, out: join(dir, 'c2'), threads: 'many' }, [])).toThrow(
      'Expected an integer from 1 to 256 for --threads but received "many"',
    );
    expect(codeOf(() => scanConfig(join(dir, 'missing'), { list, out: join(dir, 'c3') }, []))).toBe('EVIDENCE_NOT_A_DIRECTORY');
    expect(codeOf(() => scanConfig(evidence, { list: join(dir, 'nolist'), out: join(dir, 'c4') }, []))).toBe('LIST_NOT_FOUND');
  });
});

describe('option parsers', () => {
  it('parses algorithm lists and rejects unknown names', () => {
    expect(parseAlgorithms('--algorithms', 'MD5, sha256,md5')).toEqual(['md5', 'sha256']);
    expect(codeOf(() => parseAlgorithms('--algorithms', 'md5,crc32'))).toBe('USAGE_INVALID_OPTION');
  });

  it('merges thresholds over the defaults and bounds them', () => {
    expect(parseThresholds('--threshold', 'phash=10,pdq=20')).toEqual({ ...DEFAULTS.thresholds, phash: 10, pdq: 20 });
    expect(codeOf(() => parseThresholds('--threshold', 'phash=40'))).toBe('USAGE_INVALID_OPTION');
    expect(codeOf(() => parseThresholds('--threshold', 'colorhash=3'))).toBe('USAGE_INVALID_OPTION');
  });

  it('hash config keeps the inputs as given', () => {
    const c = hashConfig([evidence], { algorithms: 'sha1' });
    expect(c.inputs).toEqual([evidence]);
    expect(c.algorithms).toEqual(['sha1']);
  });

  it('isInside compares resolved paths component-wise', () => {
    expect(isInside('/a/b', '/a')).toBe(true);
    expect(isInside('/a', '/a')).toBe(true);
    expect(isInside('/ab', '/a')).toBe(false);
    expect(isInside('/a/../b', '/a')).toBe(false);
  });
});
