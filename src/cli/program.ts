/**
 * The commander definitions: every command, option, default and help text.
 *
 * This file only declares. Each action hands its raw options to a handler
 * (src/cli/commands.ts), which builds a frozen config and runs the command.
 * docs/cli.md is generated from this program (`npm run docs:cli`), and a test
 * fails when the two disagree.
 */
import { Command, Option } from 'commander';
import { ExitCode } from '../errors.js';
import { ALGORITHMS, PERCEPTUAL_ALGORITHMS } from '../types.js';
import { DEFAULTS } from './defaults.js';
import { FAST_DECODE_SIDE, LIST_FORMATS } from '../index.js';

/** What the program calls; each returns the process exit code. */
export interface Handlers {
  scan(evidence: string, options: Record<string, unknown>): Promise<number>;
  hash(paths: string[], options: Record<string, unknown>): Promise<number>;
  listImport(files: string[], options: Record<string, unknown>): Promise<number>;
  listInfo(list: string, options: Record<string, unknown>): Promise<number>;
  listLookup(list: string, hashes: string[], options: Record<string, unknown>): Promise<number>;
  auditVerify(log: string, options: Record<string, unknown>): Promise<number>;
  report(caseDir: string, options: Record<string, unknown>): Promise<number>;
  bench(options: Record<string, unknown>): Promise<number>;
  demo(options: Record<string, unknown>): Promise<number>;
}

export const EXIT_STATUS_HELP = `
Exit status:
  ${ExitCode.OK}    finished, no match found (other commands: success)
  ${ExitCode.MATCHES}    scan finished and found at least one match
  ${ExitCode.USAGE}    usage error: unknown option, bad value, missing argument
  ${ExitCode.FAILURE}    failure: the command could not run or finish
  ${ExitCode.VERIFY_FAILED}    audit verify, report: the audit log is altered, truncated or not sealed
  ${ExitCode.INTERRUPTED}  interrupted by SIGINT or SIGTERM (a scan closes its audit log as "interrupted";
       a list import leaves the list as it was)
A closed standard output (| head) is not an error: hash stops early with ${ExitCode.OK},
other commands finish and keep their exit status.`;

const PERCEPTUAL_DEFAULTS = PERCEPTUAL_ALGORITHMS.map((a) => `${a}=${DEFAULTS.thresholds[a]}`).join(',');

/** Options of every command that decodes images. */
function decodeOptions(cmd: Command): Command {
  return cmd
    .option('--max-pixels <N>', 'refuse to decode images with more pixels (decompression bombs)', String(DEFAULTS.maxPixels))
    .option(
      '--fast-decode',
      `decode JPEGs of ${2 * FAST_DECODE_SIDE}+ pixels on the shorter side reduced to ${FAST_DECODE_SIDE} (libjpeg DCT scaling): several times faster on camera photos, but their perceptual hashes are no longer bit-exact with imagehash/PDQ (measured drift: docs/perceptual.md); matches say so`,
    );
}

/** Options of commands that match perceptually. */
function perceptualOptions(cmd: Command): Command {
  return decodeOptions(cmd)
    .option('--threshold <alg=N,...>', `largest Hamming distance that counts as a perceptual match, per algorithm (default: ${PERCEPTUAL_DEFAULTS})`)
    .option('--pdq-min-quality <N>', 'PDQ hashes of lower quality are not matched', String(DEFAULTS.pdqMinQuality))
    .option('--match-low-information', 'also match near-uniform images and list entries flagged low-information (off: blank images flood the results)');
}

/**
 * Builds the program. `handlers` run the commands; pass stubs to inspect the
 * definitions (as the docs generator does). `onExit` receives each
 * handler's exit code.
 */
export function buildProgram(handlers: Handlers, version: string, onExit: (code: number) => void = () => undefined): Command {
  const program = new Command('hashtriage')
    .description(
      'Find known material on a seized drive without looking at everything: hash every file read-only, match against a law-enforcement hash list, report only the matches, and keep a tamper-evident audit log. No network, no image content in any output.',
    )
    .version(version, '-V, --version')
    .showHelpAfterError('(run with --help for usage)')
    .addHelpText('after', `\nStart with:\n  hashtriage demo                      scan a generated benign tree end to end\n  hashtriage list import list.md5 --out list.sqlite\n  hashtriage scan /mnt/evidence --list list.sqlite --out case-001\n${EXIT_STATUS_HELP}`);

  program
    .command('scan')
    .description('walk an evidence folder read-only, hash every file, and report the files that match the hash list')
    .argument('<evidence-dir>', 'mounted evidence folder; nothing in it is ever written, renamed or touched (access times included)')
    .requiredOption('--list <list.sqlite>', 'hash list built with "hashtriage list import"; opened read-only')
    .requiredOption('--out <case-dir>', 'case dir for matches.jsonl, matches.csv, summary.json, audit.jsonl; must be outside the evidence and empty (or use --resume)')
    .option('--case <id>', 'case identifier, recorded in the audit log and summary')
    .option('--examiner <name>', 'examiner name, recorded in the audit log and summary')
    .option('--threads <N>', 'worker threads for hashing and decoding (default: one per CPU core)')
    .option('--resume', 'continue the scan recorded in <case-dir> (after a crash, SIGINT or SIGTERM); starts a new scan if there is none')
    .option('--quiet', 'no progress line (it is only drawn when stderr is a terminal anyway)')
    .option('--sign-key <key.pem>', 'Ed25519 private key (PEM) to sign the audit log\'s closing chain head')
    .option('--match-empty-files', 'also report zero-byte files whose digest is on the list (off: an empty file holds no picture; they are counted as "empty-listed")')
    .addHelpText(
      'after',
      `\nOnly the hashes the list holds are computed. Files that match only known-good\nentries (NSRL) are counted, not reported. Per-file problems (unreadable,\nvanished, corrupt image) are recorded in summary.json and the audit log and the\nscan goes on.\n\nExample:\n  hashtriage scan /mnt/exhibit-7 --list vics.sqlite --out cases/2026-114 \\\n    --case 2026-114 --examiner "J. Doe"\n${EXIT_STATUS_HELP}`,
    )
    .action(async (evidence: string, options: Record<string, unknown>) => onExit(await handlers.scan(evidence, options)));
  perceptualOptions(program.commands.at(-1)!);

  decodeOptions(
    program
      .command('hash')
      .description('print the hashes of files; directories are walked as scan walks them')
      .argument('<file-or-dir...>', 'files or directories to hash (read-only)')
      .option('--json', 'one JSON object per line: {"path", "size", "<alg>": "<hex>", ..., "error"}')
      .option('--algorithms <a,b,...>', `algorithms among ${ALGORITHMS.join(', ')}`, DEFAULTS.hashAlgorithms.join(','))
      .option('--threads <N>', 'worker threads (default: one per CPU core)')
      .addHelpText('after', `\nExample:\n  hashtriage hash --json --algorithms md5,phash,pdq photo.jpg ./folder\n${EXIT_STATUS_HELP}`)
      .action(async (paths: string[], options: Record<string, unknown>) => onExit(await handlers.hash(paths, options))),
  );

  const list = program.command('list').description('build, inspect and query hash-list databases');
  list
    .command('import')
    .description('import hash lists (NSRL, VICS, CAID, ICSE, hashdeep, *sum, EnCase, HashKeeper, Autopsy, IPED, CSV) into a list database; the source files are never altered')
    .argument('<file...>', 'hash-list files as the agency handed them over')
    .requiredOption('--out <list.sqlite>', 'list database to create, or to add the sources to')
    .option('--format <format>', `input format: auto (detect from the content), or one of ${LIST_FORMATS.join(', ')}`, 'auto')
    .option('--role <role>', 'notable (material to find) or known (known-good, e.g. NSRL); default from the format')
    .option('--name <name>', 'source name shown in matches (default: the file name)')
    .option('--skip-invalid', 'import the valid records and report the rejected ones, instead of failing')
    .addHelpText('after', `\nA failed import leaves the list exactly as it was. Importing the same file\ntwice adds nothing.\n\nExample:\n  hashtriage list import Media.json --out vics.sqlite --name "VICS export 2026-11"\n${EXIT_STATUS_HELP}`)
    .action(async (files: string[], options: Record<string, unknown>) => onExit(await handlers.listImport(files, options)));
  list
    .command('info')
    .description('show a list\'s sources, counts per algorithm, role and category, schema version and SHA-256')
    .argument('<list.sqlite>', 'list database')
    .option('--json', 'print one JSON document')
    .action(async (file: string, options: Record<string, unknown>) => onExit(await handlers.listInfo(file, options)));
  list
    .command('lookup')
    .description('look hashes up in a list: one JSON line per query, {"hash", "found", "entries"}')
    .argument('<list.sqlite>', 'list database')
    .argument('<hash...>', 'hex digests (algorithm from the length, case-insensitive); perceptual hashes as alg:hex, e.g. phash:ba8c84536bd3c366')
    .action(async (file: string, hashes: string[], options: Record<string, unknown>) => onExit(await handlers.listLookup(file, hashes, options)));

  const audit = program.command('audit').description('check audit logs');
  audit
    .command('verify')
    .description('verify an audit log\'s hash chain: exits 0 only when it is intact and sealed by its closing record')
    .argument('<audit.jsonl>', 'the audit log of a scan')
    .option('--pub-key <key.pem>', 'Ed25519 public key (PEM): also check the signature of the closing chain head')
    .option('--json', 'print the full result as one JSON document')
    .addHelpText('after', `\nOn failure it names the first bad record.\n${EXIT_STATUS_HELP}`)
    .action(async (file: string, options: Record<string, unknown>) => onExit(await handlers.auditVerify(file, options)));

  program
    .command('report')
    .description('summarise a finished scan\'s case dir by list source and category, verify its audit log, and optionally write a self-contained HTML page or a CASE/UCO export; never image content')
    .argument('<case-dir>', 'the --out dir of a scan')
    .option('--html <file>', 'write a single self-contained HTML page (no scripts, no external resources)')
    .option('--export <file>', 'write the results in a forensic exchange format (see --format)')
    .option('--format <format>', 'export format: case-uco (CASE/UCO JSON-LD)')
    .option('--pub-key <key.pem>', 'Ed25519 public key (PEM): also check the audit log\'s signature')
    .option('--json', 'print the report data as one JSON document')
    .addHelpText('after', `\nExample:\n  hashtriage report cases/2026-114 --html cases/2026-114.html --export cases/2026-114.jsonld\n${EXIT_STATUS_HELP}`)
    .action(async (caseDir: string, options: Record<string, unknown>) => onExit(await handlers.report(caseDir, options)));

  program
    .command('bench')
    .description('measure hashing throughput on synthetic (or your own) images at several thread counts, against raw node:crypto and sharp decode-only limits measured in the same run')
    .option('--images <N>', 'synthetic images to generate (thumbnails to 24 MP, seeded)', '200')
    .option('--threads <list>', 'comma-separated thread counts (default: 1 and one per CPU core)')
    .option('--dir <dir>', 'benchmark the images below this folder instead of synthetic ones')
    .option('--fast-decode', 'decode large JPEGs reduced in the pipeline, as scan --fast-decode does (decode-only stays the full decode)')
    .option('--json', 'print one JSON document; each per-thread result carries threads and imagesPerSecond')
    .addHelpText('after', `\nExample:\n  hashtriage bench --images 200 --threads 1,2 --json\n${EXIT_STATUS_HELP}`)
    .action(async (options: Record<string, unknown>) => onExit(await handlers.bench(options)));

  program
    .command('demo')
    .description('generate a small benign evidence tree and hash list in a temporary folder, scan it with the real pipeline, and print the summary')
    .option('--keep <dir>', 'build the demo in <dir> and keep it, instead of a temporary folder removed afterwards')
    .option('--threads <N>', 'worker threads (default: one per CPU core)')
    .action(async (options: Record<string, unknown>) => onExit(await handlers.demo(options)));

  return program;
}
