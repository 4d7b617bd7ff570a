/**
 * Commander's options → one frozen, typed config per command.
 *
 * This is the only place user input is checked. Every message has one shape,
 * "Expected <what> for <option> but received <value>", and every failure is a
 * USAGE_ error (exit code 2). The stages never see commander.
 */
import { existsSync, readFileSync, readdirSync, realpathSync, statSync } from 'node:fs';
import { basename, dirname, isAbsolute, join, relative, resolve } from 'node:path';
import { HashtriageError, invalidOption } from '../errors.js';
import { ALGORITHMS, type Algorithm, type HashConfig, type PerceptualAlgorithm, type PerceptualConfig, type ScanConfig } from '../types.js';
import { PERCEPTUAL_ALGORITHMS } from '../types.js';
import { DEFAULTS } from './defaults.js';

/** A positive integer option, within bounds. */
export function parseIntOption(name: string, value: string | number, min: number, max: number): number {
  const n = typeof value === 'number' ? value : Number(value);
  if (!Number.isInteger(n) || n < min || n > max) throw invalidOption(name, `an integer from ${min} to ${max}`, value);
  return n;
}

/** A comma-separated list of algorithm names. */
export function parseAlgorithms(name: string, value: string): Algorithm[] {
  const names = value
    .split(',')
    .map((s) => s.trim().toLowerCase())
    .filter((s) => s.length > 0);
  if (names.length === 0) throw invalidOption(name, `a comma-separated list of ${ALGORITHMS.join(', ')}`, value);
  for (const a of names) {
    if (!(ALGORITHMS as readonly string[]).includes(a)) throw invalidOption(name, `algorithms among ${ALGORITHMS.join(', ')}`, a);
  }
  return [...new Set(names)] as Algorithm[];
}

/** `alg=N,alg=N` Hamming thresholds, merged over the defaults. */
export function parseThresholds(name: string, value: string | undefined): Record<PerceptualAlgorithm, number> {
  const out = { ...DEFAULTS.thresholds };
  if (value === undefined) return out;
  for (const part of value.split(',')) {
    const m = /^\s*([a-z]+)\s*=\s*(\d+)\s*$/.exec(part);
    if (!m || !(PERCEPTUAL_ALGORITHMS as readonly string[]).includes(m[1])) {
      throw invalidOption(name, `alg=distance pairs among ${PERCEPTUAL_ALGORITHMS.join(', ')}`, part);
    }
    const alg = m[1] as PerceptualAlgorithm;
    out[alg] = parseIntOption(`${name} ${alg}`, m[2], 0, alg === 'pdq' ? 63 : 16);
  }
  return out;
}

/**
 * Resolves a path that may not exist yet: the deepest existing ancestor is
 * resolved through its symlinks, the rest appended. Lets `--out` be compared
 * with the evidence root even before the case dir is created.
 */
export function resolveMaybeMissing(p: string): string {
  const abs = resolve(p);
  let existing = abs;
  const rest: string[] = [];
  while (!existsSync(existing)) {
    const parent = dirname(existing);
    if (parent === existing) break;
    rest.unshift(basename(existing));
    existing = parent;
  }
  return join(realpathSync(existing), ...rest);
}

/** Whether `inner` is `outer` or lies below it (both resolved). */
export function isInside(inner: string, outer: string): boolean {
  const rel = relative(outer, inner);
  return rel === '' || (!rel.startsWith('..') && !isAbsolute(rel));
}

export interface PerceptualFlags {
  threshold?: string;
  pdqMinQuality?: string;
  maxPixels?: string;
  matchLowInformation?: boolean;
  fastDecode?: boolean;
}

function perceptualConfig(o: PerceptualFlags): PerceptualConfig {
  return Object.freeze({
    thresholds: Object.freeze(parseThresholds('--threshold', o.threshold)),
    pdqMinQuality: o.pdqMinQuality === undefined ? DEFAULTS.pdqMinQuality : parseIntOption('--pdq-min-quality', o.pdqMinQuality, 0, 100),
    maxPixels: o.maxPixels === undefined ? DEFAULTS.maxPixels : parseIntOption('--max-pixels', o.maxPixels, 1, 2 ** 32),
    maxImageBytes: DEFAULTS.maxImageBytes,
    lowInformationThreshold: DEFAULTS.lowInformationThreshold,
    matchLowInformationFiles: o.matchLowInformation === true,
    matchLowInformationEntries: o.matchLowInformation === true,
    fastDecode: o.fastDecode === true,
  });
}

export interface ScanFlags extends PerceptualFlags {
  list: string;
  out: string;
  case?: string;
  examiner?: string;
  threads?: string;
  resume?: boolean;
  quiet?: boolean;
  signKey?: string;
  matchEmptyFiles?: boolean;
}

/**
 * Checks `scan`'s arguments and builds its config.
 * @throws HashtriageError for a missing evidence dir or list, a case dir inside the evidence, a bad number.
 */
export function scanConfig(evidenceArg: string, o: ScanFlags, commandLine: readonly string[]): ScanConfig {
  let evidence: string;
  try {
    evidence = realpathSync(evidenceArg);
  } catch {
    throw new HashtriageError('EVIDENCE_NOT_A_DIRECTORY', `evidence dir not found: ${evidenceArg}`);
  }
  if (!statSync(evidence).isDirectory()) throw new HashtriageError('EVIDENCE_NOT_A_DIRECTORY', `not a directory: ${evidenceArg}`);
  const list = resolve(o.list);
  if (!existsSync(list)) throw new HashtriageError('LIST_NOT_FOUND', `hash list not found: ${o.list}`);
  const caseDir = resolveMaybeMissing(o.out);
  if (isInside(caseDir, evidence)) {
    throw new HashtriageError('CASE_DIR_INSIDE_EVIDENCE', `refusing --out ${o.out}: it is inside the evidence tree ${evidence}, which is never written`);
  }
  if (isInside(evidence, caseDir)) {
    throw new HashtriageError('CASE_DIR_INSIDE_EVIDENCE', `refusing --out ${o.out}: the evidence tree ${evidence} is inside it`);
  }
  if (existsSync(caseDir) && !statSync(caseDir).isDirectory()) throw new HashtriageError('CASE_DIR_UNWRITABLE', `--out ${o.out} is not a directory`);
  if (!o.resume && existsSync(caseDir) && readdirSync(caseDir).length > 0) {
    throw new HashtriageError('CASE_DIR_NOT_EMPTY', `case dir ${o.out} is not empty: choose a new one, or pass --resume to continue the scan recorded there`);
  }
  let signKeyPem: string | undefined;
  if (o.signKey !== undefined) {
    try {
      signKeyPem = readFileSync(o.signKey, 'utf8');
    } catch (err) {
      throw invalidOption('--sign-key', 'a readable Ed25519 private key (PEM)', o.signKey);
    }
  }
  return Object.freeze({
    evidence,
    list,
    caseDir,
    caseId: o.case,
    examiner: o.examiner,
    threads: o.threads === undefined ? DEFAULTS.threads : parseIntOption('--threads', o.threads, 1, 256),
    resume: o.resume === true,
    progress: o.quiet !== true,
    signKeyPem,
    commandLine: Object.freeze([...commandLine]),
    chunkSize: DEFAULTS.chunkSize,
    inFlightPerThread: DEFAULTS.inFlightPerThread,
    checkpointSeconds: DEFAULTS.checkpointSeconds,
    matchEmptyFiles: o.matchEmptyFiles === true,
    perceptual: perceptualConfig(o),
  });
}

export interface HashFlags extends PerceptualFlags {
  json?: boolean;
  algorithms?: string;
  threads?: string;
}

/** Checks `hash`'s arguments and builds its config. */
export function hashConfig(inputs: readonly string[], o: HashFlags): HashConfig {
  for (const i of inputs) {
    if (!existsSync(i)) throw new HashtriageError('USAGE_INVALID_OPTION', `no such file or directory: ${i}`);
  }
  return Object.freeze({
    inputs: Object.freeze([...inputs]),
    algorithms: Object.freeze(o.algorithms === undefined ? [...DEFAULTS.hashAlgorithms] : parseAlgorithms('--algorithms', o.algorithms)),
    threads: o.threads === undefined ? DEFAULTS.threads : parseIntOption('--threads', o.threads, 1, 256),
    json: o.json === true,
    chunkSize: DEFAULTS.chunkSize,
    inFlightPerThread: DEFAULTS.inFlightPerThread,
    perceptual: perceptualConfig(o),
  });
}
