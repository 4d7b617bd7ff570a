/**
 * Reading a finished case dir into one typed model, for `hashtriage report`.
 *
 * The model is built from what the scan left behind: `summary.json` (the
 * scan's facts and totals), `matches.jsonl` (one line per match), and
 * `audit.jsonl` (the hash-chained log, whose first record names the list
 * sources with their SHA-256). Nothing is written to the case dir:
 * `case.sqlite` is not opened, because opening it read-write would change
 * the case, and `matches.jsonl` is derived from it anyway.
 *
 * `matches.jsonl` is not hash-chained, the audit log is. Every match is
 * therefore checked against the audit log's `match` records, so a line added
 * to or removed from `matches.jsonl` after the scan shows in the report.
 */
import { createHash } from 'node:crypto';
import { closeSync, openSync, readFileSync, readSync } from 'node:fs';
import { join } from 'node:path';
import { HashtriageError } from '../errors.js';
import type { ListEntry, MatchRecord, Role } from '../types.js';
import type { CaseTotals } from './case-db.js';
import { canonicalJson } from './canonical.js';
import { LineReader, describeVerifyResult, verifyAuditLog, type VerifyResult } from './verify.js';

/** A list source as the report shows it. Only `name` is certain: the rest comes from the audit log's `scan_start`. */
export interface SourceProvenance {
  name: string;
  format?: string;
  fileName?: string;
  sha256?: string;
  importedAt?: string;
  records?: number;
  role?: Role;
}

/** The scan's facts, from `summary.json`. */
export interface ScanFacts {
  toolName: string;
  toolVersion: string;
  /** `completed` or `interrupted`, as the scan wrote it. */
  status: string;
  caseId: string | null;
  examiner: string | null;
  /** Evidence root, absolute, as scanned. */
  evidenceRoot: string;
  listPath: string;
  listSha256: string;
  /** Source names as summary.json lists them. */
  listSources: string[];
  startedAt: string;
  finishedAt: string;
  elapsedMs: number;
  resumed: boolean;
  totals: CaseTotals;
  auditChainHead: string | null;
}

/** Further facts from the audit log's `scan_start` record, when it could be read. */
export interface StartFacts {
  host?: string;
  user?: string;
  commandLine?: string[];
  cryptoAlgorithms?: string[];
  perceptualAlgorithms?: string[];
  /** Largest Hamming distance counted as a perceptual match, per algorithm. */
  thresholds?: Record<string, number>;
  signed?: boolean;
}

/** Counts for one group: match records, and distinct files among them. */
export interface GroupCount {
  matches: number;
  files: number;
}

/** One category's counts; `category` null for entries without one. */
export interface CategoryCount extends GroupCount {
  /** The raw category, with `@region` appended when the list gave a categorisation region. */
  category: string | null;
}

/** One list source's counts, broken down by category. */
export interface SourceCount extends GroupCount {
  source: string;
  role: Role;
  categories: CategoryCount[];
}

/** A match as reported, and whether the audit log holds the same match record. */
export interface ReportedMatch {
  record: MatchRecord;
  /** False when `matches.jsonl` holds a match the audit log does not. */
  inAuditLog: boolean;
}

/** The audit log's verification, as the report states it. */
export interface AuditCheck {
  ok: boolean;
  /** One line for people: "OK: …", "FAILED at line …" or "UNREADABLE: …". */
  text: string;
  /** Absent when the log could not be read at all. */
  result?: VerifyResult;
  /** SHA-256 of `audit.jsonl` as read, so an export can cite the exact log. */
  sha256?: string;
  /** `match` records in the log. */
  matchRecords: number;
}

/** Everything `hashtriage report` prints, renders or exports. */
export interface CaseReport {
  caseDir: string;
  facts: ScanFacts;
  start: StartFacts;
  /** Provenance of every source, in the order the list holds them. */
  sources: SourceProvenance[];
  matches: ReportedMatch[];
  /** Per source, each with its categories; sources in provenance order. */
  bySource: SourceCount[];
  /** Per category across all sources. */
  byCategory: CategoryCount[];
  /** Per `kind/algorithm` (e.g. `exact/sha256`, `perceptual/pdq`). */
  byMatchKind: Record<string, number>;
  /** Distinct files among the matches. */
  matchedFiles: number;
  audit: AuditCheck;
  /** Inconsistencies found while reading, for people: never fatal. */
  problems: string[];
}

/** What {@link readCase} can be told. */
export interface ReadCaseOptions {
  /** Ed25519 public key (PEM): also check the signature of the audit log's closing record. */
  publicKeyPem?: string;
}

const HEX64 = /^[0-9a-f]{64}$/;

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function invalid(caseDir: string, what: string, cause?: unknown): HashtriageError {
  return new HashtriageError('REPORT_CASE_INVALID', `${caseDir} is not a readable hashtriage case dir: ${what}`, cause === undefined ? undefined : { cause });
}

/** Parses and checks the members of summary.json the report relies on. */
function readSummary(caseDir: string): ScanFacts {
  const path = join(caseDir, 'summary.json');
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    // A scan writes summary.json last, even when interrupted; without it the scan was killed.
    throw invalid(caseDir, code === 'ENOENT' ? 'no summary.json (the scan never finished: resume it with scan --resume)' : `cannot read summary.json (${code})`, err);
  }
  let s: unknown;
  try {
    s = JSON.parse(text);
  } catch (err) {
    throw invalid(caseDir, 'summary.json is not valid JSON', err);
  }
  const str = (v: unknown): v is string => typeof v === 'string';
  const nullableStr = (v: unknown): v is string | null => v === null || typeof v === 'string';
  const num = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v);
  if (!isObject(s) || !isObject(s.tool) || !isObject(s.list) || !isObject(s.totals)) throw invalid(caseDir, 'summary.json lacks tool, list or totals');
  const t = s.totals;
  const counts = ['files', 'bytes', 'matchedFiles', 'matches', 'knownGood', 'skipped', 'errors'] as const;
  for (const k of counts) if (!num(t[k])) throw invalid(caseDir, `summary.json totals.${k} is not a number`);
  const errorsByCode: Record<string, number> = {};
  if (isObject(t.errorsByCode)) for (const [k, v] of Object.entries(t.errorsByCode)) if (num(v)) errorsByCode[k] = v;
  const required: [string, unknown, (v: unknown) => boolean][] = [
    ['status', s.status, str],
    ['evidence', s.evidence, str],
    ['list.path', s.list.path, str],
    ['list.sha256', s.list.sha256, str],
    ['startedAt', s.startedAt, str],
    ['finishedAt', s.finishedAt, str],
    ['caseId', s.caseId, nullableStr],
    ['examiner', s.examiner, nullableStr],
  ];
  for (const [name, v, ok] of required) if (!ok(v)) throw invalid(caseDir, `summary.json ${name} is missing or of the wrong type`);
  return {
    toolName: str(s.tool.name) ? s.tool.name : 'hashtriage',
    toolVersion: str(s.tool.version) ? s.tool.version : 'unknown',
    status: s.status as string,
    caseId: s.caseId as string | null,
    examiner: s.examiner as string | null,
    evidenceRoot: s.evidence as string,
    listPath: s.list.path as string,
    listSha256: s.list.sha256 as string,
    listSources: Array.isArray(s.list.sources) ? s.list.sources.filter(str) : [],
    startedAt: s.startedAt as string,
    finishedAt: s.finishedAt as string,
    elapsedMs: num(s.elapsedMs) ? s.elapsedMs : 0,
    resumed: s.resumed === true,
    totals: {
      files: t.files as number,
      bytes: t.bytes as number,
      matchedFiles: t.matchedFiles as number,
      matches: t.matches as number,
      knownGood: t.knownGood as number,
      // Absent from summaries written before the count existed.
      emptyListed: num(t.emptyListed) ? t.emptyListed : 0,
      skipped: t.skipped as number,
      errors: t.errors as number,
      errorsByCode,
    },
    auditChainHead: str(s.auditChainHead) ? s.auditChainHead : null,
  };
}

/** A match line is used only if it has the shape every renderer relies on. */
function asMatchRecord(v: unknown): MatchRecord | null {
  if (!isObject(v) || typeof v.path !== 'string' || typeof v.size !== 'number') return null;
  if (v.pathBytes !== undefined && typeof v.pathBytes !== 'string') return null;
  if (!isObject(v.hashes) || !Object.values(v.hashes).every((h) => typeof h === 'string')) return null;
  const m = v.match;
  if (!isObject(m) || (m.kind !== 'exact' && m.kind !== 'perceptual') || typeof m.algorithm !== 'string' || typeof m.distance !== 'number') return null;
  if (!Array.isArray(v.entries) || !v.entries.every((e) => isObject(e) && typeof e.source === 'string' && (e.role === 'notable' || e.role === 'known'))) return null;
  return v as unknown as MatchRecord;
}

function readMatches(caseDir: string, problems: string[]): MatchRecord[] {
  let text: string;
  try {
    text = readFileSync(join(caseDir, 'matches.jsonl'), 'utf8');
  } catch (err) {
    throw invalid(caseDir, `cannot read matches.jsonl (${(err as NodeJS.ErrnoException).code})`, err);
  }
  const out: MatchRecord[] = [];
  const lines = text.split('\n');
  if (lines.at(-1) === '') lines.pop();
  lines.forEach((line, i) => {
    let parsed: unknown;
    try {
      parsed = JSON.parse(line);
    } catch {
      parsed = undefined;
    }
    const record = asMatchRecord(parsed);
    if (record) out.push(record);
    else problems.push(`matches.jsonl line ${i + 1} is not a match record; left out`);
  });
  return out;
}

/** The same match written by the scan to matches.jsonl and to the audit log hashes the same. */
function matchKey(record: Record<string, unknown>): string | null {
  const { recoveredOnResume: _recovered, ...rest } = record;
  try {
    return createHash('sha256').update(canonicalJson(rest)).digest('hex');
  } catch {
    return null;
  }
}

interface AuditContents {
  start?: Record<string, unknown>;
  matchKeys: Map<string, number>;
  matchRecords: number;
  sha256: string;
}

/**
 * One pass over the audit log for what verification does not hand back: the
 * `scan_start` data and the match records. Lines that do not parse are
 * skipped here; the verifier reports them.
 */
function readAuditContents(path: string): AuditContents {
  const fd = openSync(path, 'r');
  const hash = createHash('sha256');
  const contents: AuditContents = { matchKeys: new Map(), matchRecords: 0, sha256: '' };
  try {
    const reader = new LineReader(fd, (f, buffer, offset, length, position) => {
      const n = readSync(f, buffer, offset, length, position);
      hash.update(buffer.subarray(offset, offset + n));
      return n;
    });
    for (let raw = reader.next(); raw !== null; raw = reader.next()) {
      if (raw.bytes === null) continue;
      let rec: unknown;
      try {
        rec = JSON.parse(raw.bytes.toString('utf8'));
      } catch {
        continue;
      }
      if (!isObject(rec) || !isObject(rec.data)) continue;
      if (rec.type === 'scan_start' && raw.line === 1) contents.start = rec.data;
      if (rec.type === 'match') {
        contents.matchRecords++;
        const key = matchKey(rec.data);
        if (key) contents.matchKeys.set(key, (contents.matchKeys.get(key) ?? 0) + 1);
      }
    }
  } finally {
    closeSync(fd);
  }
  contents.sha256 = hash.digest('hex');
  return contents;
}

function startFacts(data: Record<string, unknown> | undefined): StartFacts {
  if (!data) return {};
  const strings = (v: unknown): string[] | undefined => (Array.isArray(v) && v.every((x) => typeof x === 'string') ? (v as string[]) : undefined);
  const facts: StartFacts = {};
  if (typeof data.host === 'string') facts.host = data.host;
  if (typeof data.user === 'string') facts.user = data.user;
  const commandLine = strings(data.commandLine);
  if (commandLine) facts.commandLine = commandLine;
  if (isObject(data.algorithms)) {
    const crypto = strings(data.algorithms.crypto);
    const perceptual = strings(data.algorithms.perceptual);
    if (crypto) facts.cryptoAlgorithms = crypto;
    if (perceptual) facts.perceptualAlgorithms = perceptual;
  }
  if (isObject(data.options)) {
    if (typeof data.options.signed === 'boolean') facts.signed = data.options.signed;
    const p = data.options.perceptual;
    if (isObject(p) && isObject(p.thresholds)) {
      const thresholds: Record<string, number> = {};
      for (const [k, v] of Object.entries(p.thresholds)) if (typeof v === 'number') thresholds[k] = v;
      facts.thresholds = thresholds;
    }
  }
  return facts;
}

function sourcesFrom(start: Record<string, unknown> | undefined, names: readonly string[]): SourceProvenance[] {
  const list = isObject(start?.list) ? start.list : undefined;
  const out: SourceProvenance[] = [];
  if (Array.isArray(list?.sources)) {
    for (const s of list.sources) {
      if (!isObject(s) || typeof s.name !== 'string') continue;
      const p: SourceProvenance = { name: s.name };
      if (typeof s.format === 'string') p.format = s.format;
      if (typeof s.fileName === 'string') p.fileName = s.fileName;
      if (typeof s.sha256 === 'string' && HEX64.test(s.sha256)) p.sha256 = s.sha256;
      if (typeof s.importedAt === 'string') p.importedAt = s.importedAt;
      if (typeof s.records === 'number') p.records = s.records;
      if (s.role === 'notable' || s.role === 'known') p.role = s.role;
      out.push(p);
    }
  }
  // Sources named by summary.json but absent from the log still get a row.
  for (const name of names) if (!out.some((s) => s.name === name)) out.push({ name });
  return out;
}

/** How a category is shown and grouped: `1`, or `1@UK` when the list gave a region. */
export function categoryLabel(e: ListEntry): string | null {
  if (e.category === undefined || e.category === '') return e.categoryRegion ? `@${e.categoryRegion}` : null;
  return e.categoryRegion ? `${e.category}@${e.categoryRegion}` : e.category;
}

/** Two matches are the same file when their raw path bytes (or, for UTF-8 names, their paths) agree. */
export function fileKey(m: { path: string; pathBytes?: string }): string {
  return m.pathBytes === undefined ? `p:${m.path}` : `b:${m.pathBytes}`;
}

const byNatural = new Intl.Collator('en', { numeric: true }).compare;

function compareCategories(a: CategoryCount, b: CategoryCount): number {
  // Uncategorised last, the rest in natural order so that "10" follows "9".
  if (a.category === null) return b.category === null ? 0 : 1;
  if (b.category === null) return -1;
  return byNatural(a.category, b.category);
}

class Tally {
  matches = 0;
  readonly files = new Set<string>();
  add(file: string): void {
    this.matches++;
    this.files.add(file);
  }
  count(): GroupCount {
    return { matches: this.matches, files: this.files.size };
  }
}

/**
 * Counts matches and matched files per source, per source and category, and
 * per category. A match citing several entries of one group counts once in
 * that group; a match citing entries of two sources counts in both.
 *
 * @param matches - the matches to count.
 * @param sourceOrder - source names in the order to list them; others follow alphabetically.
 */
export function groupMatches(
  matches: readonly MatchRecord[],
  sourceOrder: readonly string[] = [],
): { bySource: SourceCount[]; byCategory: CategoryCount[]; byMatchKind: Record<string, number>; matchedFiles: number } {
  const sources = new Map<string, { role: Role; tally: Tally; categories: Map<string | null, Tally> }>();
  const categories = new Map<string | null, Tally>();
  const byMatchKind: Record<string, number> = {};
  const allFiles = new Set<string>();
  for (const m of matches) {
    const file = fileKey(m);
    allFiles.add(file);
    const kind = `${m.match.kind}/${m.match.algorithm}`;
    byMatchKind[kind] = (byMatchKind[kind] ?? 0) + 1;
    const seen = new Set<string>();
    for (const e of m.entries) {
      const category = categoryLabel(e);
      let source = sources.get(e.source);
      if (!source) sources.set(e.source, (source = { role: e.role, tally: new Tally(), categories: new Map() }));
      // NUL cannot occur in a source name or category read from JSON text we wrote, so the keys cannot collide.
      for (const [key, add] of [
        [`s\0${e.source}`, () => source.tally.add(file)],
        [`sc\0${e.source}\0${category}`, () => tallyOf(source.categories, category).add(file)],
        [`c\0${category}`, () => tallyOf(categories, category).add(file)],
      ] as const) {
        if (seen.has(key)) continue;
        seen.add(key);
        add();
      }
    }
  }
  const order = (name: string) => {
    const i = sourceOrder.indexOf(name);
    return i === -1 ? sourceOrder.length : i;
  };
  const bySource = [...sources.entries()]
    .map(([source, s]) => ({
      source,
      role: s.role,
      ...s.tally.count(),
      categories: [...s.categories.entries()].map(([category, t]) => ({ category, ...t.count() })).sort(compareCategories),
    }))
    .sort((a, b) => order(a.source) - order(b.source) || byNatural(a.source, b.source));
  const byCategory = [...categories.entries()].map(([category, t]) => ({ category, ...t.count() })).sort(compareCategories);
  return { bySource, byCategory, byMatchKind, matchedFiles: allFiles.size };
}

function tallyOf(map: Map<string | null, Tally>, key: string | null): Tally {
  let t = map.get(key);
  if (!t) map.set(key, (t = new Tally()));
  return t;
}

function checkAudit(caseDir: string, options: ReadCaseOptions): { check: AuditCheck; contents?: AuditContents } {
  const path = join(caseDir, 'audit.jsonl');
  let result: VerifyResult;
  let contents: AuditContents;
  try {
    result = verifyAuditLog(path, options.publicKeyPem === undefined ? {} : { publicKeyPem: options.publicKeyPem });
    contents = readAuditContents(path);
  } catch (err) {
    // A bad public key is the examiner's mistake, not a property of the case: let it stop the command.
    if (err instanceof HashtriageError && err.code === 'AUDIT_KEY_INVALID') throw err;
    return { check: { ok: false, text: `UNREADABLE: ${(err as Error).message}`, matchRecords: 0 } };
  }
  return { check: { ok: result.ok, text: describeVerifyResult(result), result, sha256: contents.sha256, matchRecords: contents.matchRecords }, contents };
}

/**
 * Reads a case dir written by `hashtriage scan` into a {@link CaseReport}.
 * Read-only: nothing in the case dir is created or changed.
 *
 * @param caseDir - the scan's `--out` directory.
 * @param options - see {@link ReadCaseOptions}.
 * @returns the model; damage to the audit log or to matches.jsonl is reported in it, not thrown.
 * @throws HashtriageError `REPORT_CASE_INVALID` when summary.json or matches.jsonl is missing
 *   or unreadable; `AUDIT_KEY_INVALID` when the public key cannot be used.
 */
export function readCase(caseDir: string, options: ReadCaseOptions = {}): CaseReport {
  const problems: string[] = [];
  const facts = readSummary(caseDir);
  const records = readMatches(caseDir, problems);
  const { check, contents } = checkAudit(caseDir, options);
  if (contents && !contents.start) problems.push('the audit log has no readable scan_start record: list provenance is incomplete');
  const sources = sourcesFrom(contents?.start, facts.listSources);
  const remaining = new Map(contents?.matchKeys ?? []);
  const matches: ReportedMatch[] = records.map((record) => {
    const key = matchKey(record as unknown as Record<string, unknown>);
    const left = key === null ? 0 : (remaining.get(key) ?? 0);
    if (left > 0) remaining.set(key!, left - 1);
    return { record, inAuditLog: left > 0 };
  });
  if (contents) {
    const extra = matches.filter((m) => !m.inAuditLog).length;
    const missing = [...remaining.values()].reduce((a, b) => a + b, 0);
    if (extra > 0) problems.push(`${extra} match(es) in matches.jsonl have no identical match record in the audit log`);
    if (missing > 0) problems.push(`${missing} match record(s) of the audit log are missing from matches.jsonl`);
  }
  if (facts.totals.matches !== records.length) {
    problems.push(`summary.json counts ${facts.totals.matches} matches, matches.jsonl holds ${records.length}`);
  }
  const groups = groupMatches(
    records,
    sources.map((s) => s.name),
  );
  return { caseDir, facts, start: startFacts(contents?.start), sources, matches, ...groups, audit: check, problems };
}
