/**
 * hashtriage: the stages, wired.
 *
 *   evidence dir ──► walk/ ──► hash/ (worker pool) ──────► match/ ──────► report/
 *                    │         digest task: read once,      exact: SQLite   case.sqlite (state, resume)
 *                    │         MD5/SHA-1/SHA-256/BLAKE3      probes          matches.jsonl, matches.csv
 *                    │           │ image bytes kept          │               audit.jsonl (hash chain)
 *                    │           ▼                           │               summary.json
 *                    │         perceptual task: decode ──────► Hamming
 *                    │         once, aHash/dHash/pHash/        multi-index
 *                    │         wHash/PDQ (skipped for known-good files and repeated content)
 *                    └─ symlinks, FIFOs, devices, unreadable entries: recorded, never opened
 *
 * Only this file imports more than one stage. Each stage imports only
 * types.ts, errors.ts and its own folder.
 */
import { hostname, userInfo } from 'node:os';
import { realpathSync, statSync } from 'node:fs';
import type {
  Algorithm,
  CryptoAlgorithm,
  FileFailure,
  HashConfig,
  HashValues,
  MatchRecord,
  PerceptualAlgorithm,
  ScanConfig,
  WalkEntry,
} from './types.js';
import { ALGORITHMS, isCryptoAlgorithm, isPerceptualAlgorithm } from './types.js';
import { walk, countFiles, directoryAtimePreserved, directoryReaderDescription, reportedPath, pathBytesOf } from './walk/index.js';
import { HashPool } from './hash/pool.js';
import type { DigestResult, PerceptualResult } from './hash/tasks.js';
import { libraryVersions } from './hash/versions.js';
import { openHashList } from './list/reader.js';
import { Matcher, type FileMatch } from './match/match.js';
import { loadSigningKey } from './report/sign.js';
import { CaseWriter } from './report/case.js';
import type { CaseTotals, FileOutcome } from './report/case-db.js';
import { Progress } from './report/progress.js';
import { TOOL_VERSION } from './version.js';

export { TOOL_VERSION };

/** What the CLI needs from a finished (or interrupted) scan. */
export interface ScanResult {
  status: 'completed' | 'interrupted';
  totals: CaseTotals;
  elapsedMs: number;
  caseDir: string;
  chainHead: string;
  resumed: boolean;
  /** Files that had to be opened without O_NOATIME (not owned, not privileged). */
  filesWithoutNoatime: number;
}

/** Per-run options that are not configuration: the terminal and the stop signal. */
export interface ScanIo {
  stderr: NodeJS.WriteStream;
  signal: AbortSignal;
}

/** Runs one file through hash → match; never throws for a per-file problem. */
interface FileResult {
  size: number;
  hashes: HashValues;
  failures: FileFailure[];
  matches: FileMatch[];
  knownGood: boolean;
  /** Zero-byte, and its digest is on the list as notable: not reported unless asked. */
  emptyListed?: boolean;
  /** The perceptual hashes come from a reduced decode of an image this size (`--fast-decode`). */
  reducedFrom?: { width: number; height: number };
  noatime: boolean;
}

/**
 * Hashes one file: digests, exact match, then (if the list has perceptual
 * values and the file is an image that is not known-good) one decode.
 */
async function hashAndMatch(
  abs: Buffer,
  pool: HashPool,
  crypto: CryptoAlgorithm[],
  perceptual: PerceptualAlgorithm[],
  config: Pick<ScanConfig, 'chunkSize' | 'perceptual'> & { matchEmptyFiles?: boolean },
  matcher: Matcher | undefined,
  decodeCache: Map<string, Promise<PerceptualResult>>,
): Promise<FileResult> {
  const d: DigestResult = await pool.digest({
    abs,
    algorithms: crypto,
    chunkSize: config.chunkSize,
    keepImagesUpTo: perceptual.length > 0 ? config.perceptual.maxImageBytes : 0,
  });
  const result: FileResult = { size: d.size, hashes: { ...d.hashes }, failures: [...d.failures], matches: [], knownGood: false, noatime: d.noatime };
  if (matcher && Object.keys(d.hashes).length > 0) {
    const exact = matcher.exact(d.hashes);
    result.knownGood = exact.knownGood;
    if (exact.notable && d.size === 0 && d.failures.length === 0 && !config.matchEmptyFiles) result.emptyListed = true;
    else if (exact.notable) result.matches.push(exact.notable);
  }
  if (perceptual.length === 0 || d.imageFormat === undefined || result.knownGood) return result;
  if (!d.imageBytes) {
    if (d.failures.length === 0) {
      result.failures.push({ code: 'IMAGE_TOO_LARGE', message: `${d.imageFormat} image of ${d.size} bytes not decoded: over the ${config.perceptual.maxImageBytes}-byte limit` });
    }
    return result;
  }
  // Identical content is decoded once per scan: the key is its BLAKE3.
  const key = d.hashes.blake3!;
  let pending = decodeCache.get(key);
  if (!pending) {
    pending = pool.perceptual({
      bytes: d.imageBytes,
      algorithms: perceptual,
      maxPixels: config.perceptual.maxPixels,
      lowInformationThreshold: config.perceptual.lowInformationThreshold,
      fastDecode: config.perceptual.fastDecode,
    });
    decodeCache.set(key, pending);
    if (decodeCache.size > DECODE_CACHE_ENTRIES) decodeCache.delete(decodeCache.keys().next().value!);
  }
  const p = await pending;
  Object.assign(result.hashes, p.hashes);
  result.failures.push(...p.failures);
  if (p.image?.reducedFrom) result.reducedFrom = p.image.reducedFrom;
  if (matcher) result.matches.push(...matcher.perceptual(p.hashes, p.image, p.pdqDihedral));
  return result;
}

/** Decoded results remembered per scan; each is a few hundred bytes. */
const DECODE_CACHE_ENTRIES = 100_000;

/**
 * Runs `task` over `items` with at most `limit` in flight: the walk waits
 * while the pool is busy, so memory stays bounded whatever the tree size.
 */
async function boundedEach<T>(items: AsyncIterable<T>, limit: number, stop: AbortSignal, task: (item: T) => Promise<void>): Promise<void> {
  const inFlight = new Set<Promise<void>>();
  try {
    for await (const item of items) {
      if (stop.aborted) break;
      while (inFlight.size >= limit) await Promise.race(inFlight);
      const p: Promise<void> = task(item).finally(() => inFlight.delete(p));
      inFlight.add(p);
    }
  } catch (err) {
    if (!stop.aborted) throw err;
  } finally {
    await Promise.all(inFlight);
  }
}

function matchRecords(entry: { path: string; pathBytes?: string }, r: FileResult): MatchRecord[] {
  return r.matches.map((m) => ({
    path: entry.path,
    ...(entry.pathBytes === undefined ? {} : { pathBytes: entry.pathBytes }),
    size: r.size,
    hashes: r.hashes,
    match: m.match,
    entries: m.entries,
  }));
}

function outcomeOf(r: FileResult): FileOutcome {
  if (r.matches.length > 0) return 'matched';
  if (Object.keys(r.hashes).length === 0) return 'error';
  if (r.emptyListed) return 'empty-listed';
  return r.knownGood ? 'known' : 'hashed';
}

/**
 * Scans an evidence tree against a hash list, writing every output to the
 * case dir. Resumes the scan recorded there when `config.resume` is set.
 *
 * @throws HashtriageError for set-up failures (list unreadable, case dir
 *   refused, resume state of another scan). Per-file problems never throw.
 */
export async function scan(config: ScanConfig, io: ScanIo): Promise<ScanResult> {
  const started = Date.now();
  // A bad key must stop the scan before any work, not leave the log unsealed at the end.
  const signKey = config.signKeyPem === undefined ? undefined : loadSigningKey(config.signKeyPem);
  const reader = openHashList(config.list);
  const matcher = new Matcher(reader, {
    thresholds: config.perceptual.thresholds,
    pdqMinQuality: config.perceptual.pdqMinQuality,
    matchLowInformationFiles: config.perceptual.matchLowInformationFiles,
    matchLowInformationEntries: config.perceptual.matchLowInformationEntries,
  });
  const list = reader.describe();
  const perceptual = matcher.perceptualAlgorithms;
  // BLAKE3 keys the decode cache, so it is computed whenever images are decoded.
  const crypto = [...new Set<CryptoAlgorithm>([...matcher.cryptoAlgorithms, ...(perceptual.length > 0 ? ['blake3' as const] : [])])];
  const indexed = matcher.loadPerceptual();

  const kase = CaseWriter.open({
    caseDir: config.caseDir,
    resume: config.resume,
    identity: { evidence: config.evidence, listSha256: list.sha256 },
    checkpointSeconds: config.checkpointSeconds,
    startFacts: {
      tool: { name: 'hashtriage', version: TOOL_VERSION },
      versions: libraryVersions(),
      host: hostname(),
      user: safeUser(),
      examiner: config.examiner ?? null,
      caseId: config.caseId ?? null,
      commandLine: config.commandLine,
      options: { threads: config.threads, chunkSize: config.chunkSize, perceptual: config.perceptual, signed: signKey !== undefined },
      evidenceRoot: config.evidence,
      readOnly: { openFlags: 'O_RDONLY|O_NOFOLLOW|O_NOATIME|O_NONBLOCK', directoryReader: directoryReaderDescription() },
      list: { path: config.list, sha256: list.sha256, schemaVersion: list.schemaVersion, sources: list.sources },
      algorithms: { crypto, perceptual },
      perceptualIndex: indexed,
    },
  });

  const pool = new HashPool(config.threads);
  const progress = new Progress(io.stderr, config.progress);
  const totals: { totalFiles?: number; totalBytes?: number } = {};
  let filesWithoutNoatime = 0;
  const stop = new AbortController();
  const onAbort = () => stop.abort();
  io.signal.addEventListener('abort', onAbort, { once: true });
  if (progress.enabled) {
    countFiles(config.evidence, stop.signal).then(
      (c) => Object.assign(totals, { totalFiles: c.files, totalBytes: c.bytes }),
      () => undefined, // the count is only for the ETA
    );
  }
  const decodeCache = new Map<string, Promise<PerceptualResult>>();

  const visit = async (entry: WalkEntry): Promise<void> => {
    if (kase.isDone(entry)) return;
    if (entry.kind === 'skipped') kase.skipped(entry, entry.reason);
    else if (entry.kind === 'error') kase.file(entry, 'error', 0, [entry.failure], []);
    else {
      let r: FileResult;
      try {
        r = await hashAndMatch(entry.abs, pool, crypto, perceptual, config, matcher, decodeCache);
      } catch (err) {
        // Interrupted: leave the file undone, so a resume hashes it.
        if (stop.signal.aborted) return;
        r = { size: 0, hashes: {}, failures: [{ code: 'INTERNAL', message: (err as Error).message }], matches: [], knownGood: false, noatime: true };
      }
      if (!r.noatime && r.failures.length === 0) filesWithoutNoatime++;
      kase.file(entry, outcomeOf(r), r.size, r.failures, matchRecords(entry, r));
    }
    progress.update({ ...kase.counts, ...totals });
  };

  let status: ScanResult['status'] = 'completed';
  try {
    await boundedEach(walk(config.evidence, { signal: stop.signal }), config.threads * config.inFlightPerThread, stop.signal, visit);
    if (stop.signal.aborted) status = 'interrupted';
  } finally {
    io.signal.removeEventListener('abort', onAbort);
    stop.abort();
    await pool.close();
    progress.done();
    reader.close();
  }

  const elapsedMs = Date.now() - started;
  const readOnly = { filesWithoutNoatime, directoryAtimePreserved: directoryAtimePreserved() };
  const end = kase.finish(
    status,
    { elapsedMs, readOnly },
    {
      tool: { name: 'hashtriage', version: TOOL_VERSION },
      caseId: config.caseId ?? null,
      examiner: config.examiner ?? null,
      evidence: config.evidence,
      list: { path: config.list, sha256: list.sha256, sources: list.sources.map((s) => s.name) },
      startedAt: new Date(started).toISOString(),
      finishedAt: new Date().toISOString(),
      elapsedMs,
      readOnly,
    },
    signKey,
  );
  return { status, totals: end.totals, elapsedMs, caseDir: config.caseDir, chainHead: end.chainHead, resumed: kase.resumed, filesWithoutNoatime };
}

function safeUser(): string | null {
  try {
    return userInfo().username;
  } catch {
    return null; // no passwd entry (containers)
  }
}

/** One `hashtriage hash` output record. */
export interface HashRecord {
  path: string;
  pathBytes?: string;
  size: number;
  hashes: HashValues;
  /** Set when the perceptual hashes come from a reduced decode (`--fast-decode`): the image's size. */
  reducedFrom?: { width: number; height: number };
  error?: string;
}

/**
 * Hashes files and walked directories, calling `emit` once per file (in
 * completion order). Symlinks and special files below a directory are
 * skipped as in a scan; named on the command line, a file is hashed.
 */
export async function hashPaths(config: HashConfig, emit: (r: HashRecord) => void, signal: AbortSignal): Promise<{ files: number; errors: number }> {
  const crypto = config.algorithms.filter(isCryptoAlgorithm);
  const perceptual = config.algorithms.filter(isPerceptualAlgorithm);
  const pool = new HashPool(config.threads);
  const cache = new Map<string, Promise<PerceptualResult>>();
  const counts = { files: 0, errors: 0 };
  const wanted = new Set<Algorithm>(config.algorithms);
  const digestAlgs = [...new Set<CryptoAlgorithm>([...crypto, ...(perceptual.length > 0 ? ['blake3' as const] : [])])];
  async function* entries(): AsyncGenerator<{ path: string; pathBytes?: string; abs?: Buffer; failure?: FileFailure }> {
    for (const input of config.inputs) {
      const st = statSync(input);
      if (!st.isDirectory()) {
        yield { path: input, abs: Buffer.from(realpathSync(input)) };
        continue;
      }
      for await (const e of walk(input, { signal })) {
        const shown = reportedPath(Buffer.concat([Buffer.from(`${input.replace(/\/+$/, '')}/`), pathBytesOf(e)]));
        if (e.kind === 'file') yield { ...shown, abs: e.abs };
        else if (e.kind === 'error') yield { ...shown, failure: e.failure };
      }
    }
  }
  try {
    await boundedEach(entries(), config.threads * config.inFlightPerThread, signal, async (e) => {
      let r: FileResult | undefined;
      if (e.abs) {
        try {
          r = await hashAndMatch(e.abs, pool, digestAlgs, perceptual, { chunkSize: config.chunkSize, perceptual: config.perceptual }, undefined, cache);
        } catch (err) {
          if (signal.aborted) return;
          r = { size: 0, hashes: {}, failures: [{ code: 'INTERNAL', message: (err as Error).message }], matches: [], knownGood: false, noatime: true };
        }
      }
      const failures = r?.failures ?? (e.failure ? [e.failure] : []);
      const hashes: HashValues = {};
      for (const a of ALGORITHMS) if (r?.hashes[a] !== undefined && wanted.has(a)) hashes[a] = r.hashes[a];
      counts.files++;
      if (failures.length > 0) counts.errors++;
      emit({
        path: e.path,
        ...(e.pathBytes === undefined ? {} : { pathBytes: e.pathBytes }),
        size: r?.size ?? 0,
        hashes,
        ...(r?.reducedFrom ? { reducedFrom: r.reducedFrom } : {}),
        ...(failures.length > 0 ? { error: failures.map((f) => `${f.code}: ${f.message}`).join('; ') } : {}),
      });
    });
  } finally {
    await pool.close();
  }
  return counts;
}

export { importLists, listInfo, lookup, LIST_FORMATS, isListFormat } from './list/index.js';
export { verifyAuditLog, describeVerifyResult } from './report/verify.js';
export { escapeForTerminal } from './report/sanitize.js';
export { formatBytes, formatDuration } from './report/format.js';
export type { CaseTotals };
// For the CLI's bench and report commands, which measure or read the stages directly.
export { HashPool, Matcher, openHashList };
export type { PerceptualResult };
export { readCase, type CaseReport, type CategoryCount, type GroupCount } from './report/case-report.js';
export { caseUcoJson } from './report/export-case-uco.js';
export { renderHtml } from './report/html.js';
export { DEFAULT_LOW_INFORMATION_STDDEV } from './hash/low-information.js';
export { FAST_DECODE_SIDE } from './hash/decode.js';
export { libraryVersions };
