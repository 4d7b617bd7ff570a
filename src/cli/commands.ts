/**
 * The command handlers: raw commander options in, exit code out.
 *
 * Each handler builds its frozen config (config.ts), runs the pipeline
 * through src/index.ts and prints. Anything printed that came from the
 * evidence or a list (file names, metadata) goes through
 * `escapeForTerminal` when it is meant for people; JSON output keeps the
 * exact text, escaped only by JSON itself.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ExitCode, HashtriageError, invalidOption } from '../errors.js';
import {
  escapeForTerminal,
  formatBytes,
  formatDuration,
  hashPaths,
  importLists,
  listInfo,
  lookup,
  scan,
  verifyAuditLog,
  describeVerifyResult,
  isListFormat,
  LIST_FORMATS,
  FAST_DECODE_SIDE,
  type HashRecord,
  type ScanResult,
} from '../index.js';
import { ALGORITHMS, isPerceptualAlgorithm, type MatchRecord } from '../types.js';
import { hashConfig, scanConfig, type HashFlags, type ScanFlags } from './config.js';
import { runDemo } from './demo.js';
import { runReport, type ReportOptions } from './report.js';
import { runBench, type BenchFlags } from './bench.js';
import { progressLine } from './progress-line.js';
import type { Handlers } from './program.js';

/** Where handlers print; injectable for tests. */
export interface Io {
  stdout: NodeJS.WriteStream;
  stderr: NodeJS.WriteStream;
  argv: readonly string[];
}

/**
 * An AbortSignal fired by the first SIGINT or SIGTERM, so a scan can close its
 * audit log as "interrupted" and an import can roll back. A second signal exits at once.
 *
 * `synchronous(true)` hands the signals back to their default action (end
 * the process at once) for a synchronous step, during which a handler could
 * not run anyway; `synchronous(false)` takes them again.
 *
 * @param what - what the command does now, told to the user on the first signal
 */
export function interruptSignal(what = 'stopping after the files in progress'): {
  signal: AbortSignal;
  synchronous: (active: boolean) => void;
  dispose: () => void;
} {
  const controller = new AbortController();
  const onSignal = (name: NodeJS.Signals) => {
    if (controller.signal.aborted) process.exit(ExitCode.INTERRUPTED);
    process.stderr.write(`\n${name}: ${what} (again to quit at once)\n`);
    controller.abort();
  };
  const listen = (on: boolean): void => {
    for (const s of ['SIGINT', 'SIGTERM'] as const) {
      process.off(s, onSignal);
      if (on) process.on(s, onSignal);
    }
  };
  listen(true);
  return {
    signal: controller.signal,
    synchronous: (active) => listen(!active),
    dispose: () => listen(false),
  };
}

/** The human summary printed at the end of a scan. */
export function scanSummaryText(r: ScanResult): string {
  const t = r.totals;
  const lines = [
    `${r.status === 'completed' ? 'Scan complete' : 'Scan INTERRUPTED (resume with --resume)'}${r.resumed ? ' (resumed)' : ''}`,
    `  files       ${t.files} (${formatBytes(t.bytes)})`,
    `  matches     ${t.matches} in ${t.matchedFiles} files`,
    `  known-good  ${t.knownGood} files (counted, not reported)`,
    ...(t.emptyListed > 0 ? [`  empty       ${t.emptyListed} zero-byte files have a digest on the list (counted, not reported; --match-empty-files reports them)`] : []),
    `  skipped     ${t.skipped} (symlinks, FIFOs, sockets, devices: recorded, never opened)`,
    `  errors      ${t.errors}${Object.keys(t.errorsByCode).length > 0 ? ` (${Object.entries(t.errorsByCode).map(([c, n]) => `${c} ${n}`).join(', ')})` : ''}`,
    `  elapsed     ${formatDuration(r.elapsedMs)}`,
    `  outputs     ${escapeForTerminal(r.caseDir)}/{matches.jsonl,matches.csv,summary.json,audit.jsonl}`,
    `  audit head  ${r.chainHead}`,
  ];
  if (r.filesWithoutNoatime > 0) {
    lines.push(`  warning     ${r.filesWithoutNoatime} files could not be opened with O_NOATIME (not owned, not privileged): mount evidence read-only`);
  }
  return `${lines.join('\n')}\n`;
}

/** How many matches the end-of-scan listing shows; the rest are in matches.jsonl and `hashtriage report`. */
const LISTED_MATCHES = 20;

/** The first matches, one escaped line each, for the examiner's terminal. */
export function matchListText(caseDir: string): string {
  let lines: string[];
  try {
    lines = readFileSync(join(caseDir, 'matches.jsonl'), 'utf8').split('\n').filter((l) => l.length > 0);
  } catch {
    return '';
  }
  if (lines.length === 0) return '';
  const out = ['Matches:'];
  for (const line of lines.slice(0, LISTED_MATCHES)) {
    const m = JSON.parse(line) as MatchRecord;
    const how = m.match.kind === 'exact' ? `exact ${m.match.algorithm}` : `${m.match.algorithm} distance ${m.match.distance}`;
    const what = m.entries.map((e) => [e.source, e.category === undefined ? undefined : `category ${e.category}`].filter(Boolean).join(', ')).join('; ');
    out.push(`  [${how}] ${escapeForTerminal(m.path)}  (${escapeForTerminal(what)})`);
  }
  if (lines.length > LISTED_MATCHES) out.push(`  ... and ${lines.length - LISTED_MATCHES} more: see matches.csv, or run "hashtriage report"`);
  return `${out.join('\n')}\n\n`;
}

function hashLine(r: HashRecord, algorithms: readonly string[]): string {
  const values = algorithms.map((a) => r.hashes[a as keyof typeof r.hashes] ?? '-');
  return `${values.join('  ')}  ${escapeForTerminal(r.path)}\n`;
}

export function makeHandlers(io: Io): Handlers {
  return {
    async scan(evidence, options) {
      const config = scanConfig(evidence, options as unknown as ScanFlags, io.argv);
      const stop = interruptSignal();
      try {
        const result = await scan(config, { stderr: io.stderr, signal: stop.signal });
        io.stdout.write(matchListText(result.caseDir));
        io.stdout.write(scanSummaryText(result));
        if (result.status === 'interrupted') return ExitCode.INTERRUPTED;
        return result.totals.matches > 0 ? ExitCode.MATCHES : ExitCode.OK;
      } finally {
        stop.dispose();
      }
    },

    async hash(paths, options) {
      const config = hashConfig(paths, options as unknown as HashFlags);
      const stop = interruptSignal();
      // A reader that goes away (`hashtriage hash ... | head`) wants no more: stop hashing, quietly.
      const closed = new AbortController();
      const onStdoutError = (err: NodeJS.ErrnoException) => {
        if (err.code === 'EPIPE') closed.abort();
      };
      io.stdout.on('error', onStdoutError);
      const algorithms = ALGORITHMS.filter((a) => config.algorithms.includes(a));
      if (!config.json) {
        if (config.perceptual.fastDecode && algorithms.some(isPerceptualAlgorithm)) io.stdout.write(`# --fast-decode: perceptual hashes of JPEGs of ${2 * FAST_DECODE_SIDE}+ px (shorter side) come from a reduced decode, not bit-exact\n`);
        io.stdout.write(`# ${algorithms.join('  ')}  path\n`);
      }
      try {
        const counts = await hashPaths(
          config,
          (r) => {
            if (closed.signal.aborted) return;
            if (config.json) {
              const { path, pathBytes, size, hashes, reducedFrom, error } = r;
              io.stdout.write(
                `${JSON.stringify({ path, ...(pathBytes ? { pathBytes } : {}), size, ...hashes, ...(reducedFrom ? { reducedFrom } : {}), ...(error ? { error } : {}) })}\n`,
              );
            } else {
              io.stdout.write(hashLine(r, algorithms));
              if (r.error) io.stderr.write(`hashtriage: ${escapeForTerminal(r.path)}: ${escapeForTerminal(r.error)}\n`);
            }
          },
          AbortSignal.any([stop.signal, closed.signal]),
        );
        if (closed.signal.aborted) return ExitCode.OK;
        if (stop.signal.aborted) return ExitCode.INTERRUPTED;
        // Per-file errors are in the output (the "error" field), as in a scan; they do not fail the command.
        return ExitCode.OK;
      } finally {
        stop.dispose();
        io.stdout.off('error', onStdoutError);
      }
    },

    async listImport(files, options) {
      const o = options as { out: string; format: string; role?: string; name?: string; skipInvalid?: boolean };
      if (o.role !== undefined && o.role !== 'notable' && o.role !== 'known') {
        throw new HashtriageError('USAGE_INVALID_OPTION', `Expected notable or known for --role but received ${JSON.stringify(o.role)}`);
      }
      if (o.format !== 'auto' && !isListFormat(o.format)) throw invalidOption('--format', `auto or one of ${LIST_FORMATS.join(', ')}`, o.format);
      // A large list takes minutes: show the running record count (on a terminal only).
      const progress = progressLine(io.stderr);
      // Ctrl-C stops the import cleanly: the list is left as it was, with nothing beside it.
      const stop = interruptSignal('stopping the import; the list is left as it was');
      let report;
      try {
        report = await importLists(files, {
          out: o.out,
          format: o.format as 'auto',
          ...(o.role ? { role: o.role as 'notable' | 'known' } : {}),
          ...(o.name ? { name: o.name } : {}),
          skipInvalid: o.skipInvalid === true,
          onProgress: (n) => progress.update('importing, records stored:', n),
          interruption: stop,
        });
      } finally {
        stop.dispose();
        progress.done();
      }
      io.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
      return ExitCode.OK;
    },

    async listInfo(file, options) {
      const info = listInfo(file);
      io.stdout.write(`${JSON.stringify(info, null, (options as { json?: boolean }).json ? undefined : 2)}\n`);
      return ExitCode.OK;
    },

    async listLookup(file, hashes) {
      for (const r of lookup(file, hashes)) io.stdout.write(`${JSON.stringify(r)}\n`);
      return ExitCode.OK;
    },

    async auditVerify(file, options) {
      const { pubKey, json } = options as { pubKey?: string; json?: boolean };
      let publicKeyPem: string | undefined;
      if (pubKey !== undefined) {
        try {
          publicKeyPem = readFileSync(pubKey, 'utf8');
        } catch {
          throw invalidOption('--pub-key', 'a readable Ed25519 public key (PEM)', pubKey);
        }
      }
      const result = verifyAuditLog(file, publicKeyPem === undefined ? {} : { publicKeyPem });
      io.stdout.write(json ? `${JSON.stringify(result)}\n` : `${escapeForTerminal(describeVerifyResult(result))}\n`);
      return result.ok ? ExitCode.OK : ExitCode.VERIFY_FAILED;
    },

    async report(caseDir, options) {
      return runReport(caseDir, options as ReportOptions, io);
    },

    async bench(options) {
      return runBench(options as BenchFlags, io);
    },

    async demo(options) {
      return runDemo(options as { keep?: string; threads?: string }, io);
    },
  };
}
