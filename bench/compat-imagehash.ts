/**
 * compat-imagehash: are hashtriage's aHash/dHash/pHash/wHash the values
 * Python imagehash gives for real photographs? (GitHub issue 3.)
 *
 *   npx tsc -p . && node dist/bench/compat-imagehash.js [options] PHOTO_DIR_OR_FILE...
 *
 * Both sides hash the same files as a user would run them: hashtriage
 * through its own command line (`hashtriage hash --json --algorithms
 * ahash,dhash,phash,whash`, the real walk, worker pool, decode and hashes),
 * imagehash through bench/compat/imagehash_ref.py under a local Python with
 * Pillow. Per algorithm the result gives the exact-match rate, the
 * distribution of differing bits, the largest difference and every file
 * that differs, with both values. Targets (issue 3): identical on at least
 * 99 % of the photographs imagehash could hash, never more than 2 bits off.
 *
 * imagehash is not part of hashtriage and is never vendored: the Python
 * interpreter (`--python`, HASHTRIAGE_PYTHON; default /usr/bin/python3) must
 * import it, Pillow, NumPy, SciPy and PyWavelets, from its site-packages or
 * from directories given with `--pythonpath` / HASHTRIAGE_IMAGEHASH_DIR
 * (prepended to PYTHONPATH). When it cannot, the scenario says so and exits
 * 0 without a result: nothing was measured. The photographs are never part
 * of the repository either; pass folders or set HASHTRIAGE_COMPAT_PHOTOS
 * (paths separated by ':').
 *
 * Exit status: 0 when every target is met or the run was skipped, 1 when a
 * target is missed, 2 on a usage error, 3 when a side could not run.
 */
import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { delimiter, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { perceptualHashes } from '../src/hash/perceptual.js';
import { DEFAULTS } from '../src/cli/defaults.js';
import { atLeast, atMost, formatResult, hexDistance, newResult, round, saveResult, type ScenarioResult } from './common.js';

const ALGORITHMS = ['ahash', 'dhash', 'phash', 'whash'] as const;
type Algo = (typeof ALGORITHMS)[number];

/** Issue 3's targets. */
const MIN_EXACT_RATE = 0.99;
const MAX_BITS = 2;

interface Options {
  inputs: string[];
  python: string;
  pythonPath: string[];
  threads: number;
  save: boolean;
  label?: string;
}

/** One file's four hex values, or why it has none. */
type SideRecord = { path: string; hashes: Record<Algo, string> } | { path: string; error: string };

/** Which file was compared: enough to check that a rerun saw the same bytes. */
interface InputFile {
  path: string;
  size: number;
  sha256: string;
}

/** One side's complete run. */
interface SideRun {
  records: Map<string, SideRecord>;
  seconds: number;
  /** hashtriage's side only: size and SHA-256 of every file, from the same run. */
  files?: InputFile[];
}

/** A file on which the two sides disagree for one algorithm. */
interface Difference {
  path: string;
  bits: number;
  hashtriage: string;
  imagehash: string;
}

/** Per-algorithm comparison. */
interface AlgorithmReport {
  compared: number;
  identical: number;
  exactRate: number;
  /** Differing bits → number of files. */
  histogram: Record<string, number>;
  maxBits: number;
  meanBits: number;
  differences: Difference[];
}

/** A file one side hashed and the other refused or never saw. */
interface OneSided {
  path: string;
  hashtriage: string;
  imagehash: string;
}

/** Facts hashtriage knows about a file that differs, to help diagnose it (never pixels). */
interface DifferingFileFacts {
  path: string;
  format?: string;
  width?: number;
  height?: number;
  lowInformation?: boolean;
  error?: string;
}

/** What is saved: the runner's shape plus the detail a mismatch investigation needs. */
interface CompatResult extends ScenarioResult {
  inputs: string[];
  files: InputFile[];
  python: { interpreter: string; pythonPath: string[]; versions: Record<string, unknown> };
  algorithms: Record<Algo, AlgorithmReport>;
  bothRefused: { path: string; hashtriage: string; imagehash: string }[];
  oneSided: OneSided[];
  differingFiles: DifferingFileFacts[];
}

const USAGE = `usage: node dist/bench/compat-imagehash.js [options] PHOTO_DIR_OR_FILE...

Compares hashtriage's aHash/dHash/pHash/wHash with Python imagehash on the
same files (folders are walked recursively). Targets: identical on >= ${MIN_EXACT_RATE * 100} %
of the files imagehash hashed, per algorithm, and never more than ${MAX_BITS} bits off.

Options:
  --python PATH      Python interpreter (default: $HASHTRIAGE_PYTHON, else /usr/bin/python3)
  --pythonpath DIR   prepend DIR to the interpreter's PYTHONPATH, e.g. an imagehash
                     source checkout (repeatable; also $HASHTRIAGE_IMAGEHASH_DIR)
  --threads N        hashtriage worker threads (default: one per core, ${availableParallelism()} here)
  --label TEXT       name of the photo set, recorded in the result
  --no-save          do not write the JSON result under bench/results/
  --help             this text

Photos may also be given as $HASHTRIAGE_COMPAT_PHOTOS (paths separated by '${delimiter}').
`;

/** Debian's interpreter first: a pyenv `python3` earlier on PATH usually lacks the packages. */
function defaultPython(): string {
  return process.env.HASHTRIAGE_PYTHON ?? (existsSync('/usr/bin/python3') ? '/usr/bin/python3' : 'python3');
}

/** Options from the command line and the environment; a string is a usage error ('' for --help). */
function parseArgs(argv: string[]): Options | string {
  const o: Options = { inputs: [], python: defaultPython(), pythonPath: [], threads: availableParallelism(), save: true };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const value = (): string | undefined => argv[++i];
    if (a === '--help' || a === '-h') return '';
    if (a === '--no-save') o.save = false;
    else if (a === '--python' || a === '--pythonpath' || a === '--threads' || a === '--label') {
      const v = value();
      if (v === undefined) return `${a} needs a value`;
      if (a === '--python') o.python = v;
      else if (a === '--pythonpath') o.pythonPath.push(resolve(v));
      else if (a === '--label') o.label = v;
      else {
        const n = Number(v);
        if (!Number.isInteger(n) || n < 1 || n > 256) return `Expected an integer from 1 to 256 for --threads but received ${JSON.stringify(v)}`;
        o.threads = n;
      }
    } else if (a.startsWith('-')) return `unknown option ${a}`;
    else o.inputs.push(resolve(a));
  }
  if (o.inputs.length === 0 && process.env.HASHTRIAGE_COMPAT_PHOTOS) {
    o.inputs = process.env.HASHTRIAGE_COMPAT_PHOTOS.split(delimiter).filter((p) => p !== '').map((p) => resolve(p));
  }
  if (process.env.HASHTRIAGE_IMAGEHASH_DIR) o.pythonPath.push(resolve(process.env.HASHTRIAGE_IMAGEHASH_DIR));
  if (o.inputs.length === 0) return 'no photographs given: pass folders or files, or set HASHTRIAGE_COMPAT_PHOTOS';
  for (const p of o.inputs) if (!existsSync(p)) return `${p} does not exist`;
  return o;
}

/** Runs a child to completion, keeping its output in memory (a JSON line per file is small). */
function run(command: string, args: string[], env: NodeJS.ProcessEnv): Promise<{ status: number | null; stdout: string; stderr: string; seconds: number }> {
  const started = performance.now();
  return new Promise((done, fail) => {
    const child = spawn(command, args, { env, stdio: ['ignore', 'pipe', 'pipe'] });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on('data', (b: Buffer) => out.push(b));
    child.stderr.on('data', (b: Buffer) => err.push(b));
    child.on('error', fail);
    child.on('close', (status) =>
      done({ status, stdout: Buffer.concat(out).toString('utf8'), stderr: Buffer.concat(err).toString('utf8'), seconds: (performance.now() - started) / 1000 }),
    );
  });
}

/** The environment for Python: the given directories ahead of any PYTHONPATH already set. */
function pythonEnv(o: Options): NodeJS.ProcessEnv {
  const inherited = process.env.PYTHONPATH ? [process.env.PYTHONPATH] : [];
  const path = [...o.pythonPath, ...inherited].join(delimiter);
  return { ...process.env, ...(path ? { PYTHONPATH: path } : {}) };
}

/** A file that sits in the source tree (bench/...), also when this runs from dist/bench/. */
function sourceFile(relative: string): string {
  const here = fileURLToPath(new URL('.', import.meta.url));
  const candidates = [resolve(here, relative), resolve(here, '../../bench', relative)];
  return candidates.find((c) => existsSync(c)) ?? candidates[0];
}

/** bin/hashtriage.js, the entry point a user runs. */
function hashtriageBin(): string {
  const here = fileURLToPath(new URL('.', import.meta.url));
  const candidates = [resolve(here, '../../bin/hashtriage.js'), resolve(here, '../bin/hashtriage.js')];
  return candidates.find((c) => existsSync(c)) ?? candidates[0];
}

/** Checks that the interpreter can import everything imagehash needs; the reason when it cannot. */
async function pythonProblem(o: Options): Promise<string | undefined> {
  try {
    const probe = await run(o.python, ['-c', 'import PIL, numpy, scipy, pywt, imagehash'], pythonEnv(o));
    if (probe.status === 0) return undefined;
    return `${o.python} cannot import imagehash and its dependencies: ${probe.stderr.trim().split('\n').at(-1) ?? `exit ${probe.status}`}`;
  } catch (err) {
    return `${o.python} could not be started: ${(err as Error).message}`;
  }
}

function isHex64(v: unknown): v is string {
  return typeof v === 'string' && /^[0-9a-f]{16}$/.test(v);
}

function hashesOf(obj: Record<string, unknown>): Record<Algo, string> | undefined {
  const out = {} as Record<Algo, string>;
  for (const a of ALGORITHMS) {
    const v = obj[a];
    if (!isHex64(v)) return undefined;
    out[a] = v;
  }
  return out;
}

/** Parses JSON lines, refusing output that is not what the side promises. */
function parseLines(text: string, side: string): Record<string, unknown>[] {
  return text
    .split('\n')
    .filter((l) => l.trim() !== '')
    .map((l, i) => {
      try {
        return JSON.parse(l) as Record<string, unknown>;
      } catch {
        throw new Error(`${side}: line ${i + 1} is not JSON: ${l.slice(0, 120)}`);
      }
    });
}

async function runHashtriage(o: Options): Promise<SideRun> {
  const args = [hashtriageBin(), 'hash', '--json', '--algorithms', ['sha256', ...ALGORITHMS].join(','), '--threads', String(o.threads), ...o.inputs];
  const r = await run(process.execPath, args, process.env);
  const lines = parseLines(r.stdout, 'hashtriage');
  // Per-file failures are lines with "error"; a non-zero status with no lines is a failure to run.
  if (lines.length === 0 && r.status !== 0) throw new Error(`hashtriage hash exited ${r.status}: ${r.stderr.trim()}`);
  const records = new Map<string, SideRecord>();
  const files: InputFile[] = [];
  for (const line of lines) {
    const path = String(line.path);
    files.push({ path, size: Number(line.size), sha256: String(line.sha256) });
    const hashes = hashesOf(line);
    records.set(path, hashes ? { path, hashes } : { path, error: String(line.error ?? 'not recognised as an image (no perceptual hashes, no error)') });
  }
  return { records, seconds: r.seconds, files: files.sort((x, y) => (x.path < y.path ? -1 : x.path > y.path ? 1 : 0)) };
}

async function runImagehash(o: Options): Promise<SideRun & { versions: Record<string, unknown> }> {
  const r = await run(o.python, [sourceFile('compat/imagehash_ref.py'), ...o.inputs], pythonEnv(o));
  if (r.status !== 0) throw new Error(`imagehash_ref.py exited ${r.status}: ${r.stderr.trim().split('\n').at(-1)}`);
  const records = new Map<string, SideRecord>();
  let versions: Record<string, unknown> = {};
  for (const line of parseLines(r.stdout, 'imagehash_ref.py')) {
    const path = String(line.path);
    if (line.kind === 'versions') versions = line;
    else if (line.kind === 'hash') {
      const hashes = hashesOf(line);
      records.set(path, hashes ? { path, hashes } : { path, error: 'malformed hashes' });
    } else records.set(path, { path, error: String(line.error) });
  }
  delete versions.kind;
  return { records, seconds: r.seconds, versions };
}


/**
 * Compares the two sides file by file.
 *
 * @param ours - hashtriage's records by path
 * @param theirs - imagehash's records by path
 * @returns per-algorithm statistics over the files imagehash hashed, the files
 *   one side hashed and the other did not, and those both refused
 */
function compare(
  ours: Map<string, SideRecord>,
  theirs: Map<string, SideRecord>,
): Pick<CompatResult, 'algorithms' | 'oneSided' | 'bothRefused'> {
  const algorithms = {} as Record<Algo, AlgorithmReport>;
  for (const a of ALGORITHMS) {
    algorithms[a] = { compared: 0, identical: 0, exactRate: 0, histogram: {}, maxBits: 0, meanBits: 0, differences: [] };
  }
  const oneSided: OneSided[] = [];
  const bothRefused: CompatResult['bothRefused'] = [];
  const paths = [...new Set([...ours.keys(), ...theirs.keys()])].sort();
  for (const path of paths) {
    const mine = ours.get(path);
    const ref = theirs.get(path);
    const describe = (r: SideRecord | undefined): string => (r === undefined ? 'not seen' : 'error' in r ? `refused: ${r.error}` : 'hashed');
    if (ref === undefined || 'error' in ref) {
      if (mine !== undefined && 'error' in mine && ref !== undefined) {
        bothRefused.push({ path, hashtriage: mine.error, imagehash: ref.error });
      } else {
        oneSided.push({ path, hashtriage: describe(mine), imagehash: describe(ref) });
      }
      continue;
    }
    if (mine === undefined || 'error' in mine) {
      // imagehash hashed it and we did not: a miss for every algorithm.
      oneSided.push({ path, hashtriage: describe(mine), imagehash: 'hashed' });
      for (const a of ALGORITHMS) algorithms[a].compared++;
      continue;
    }
    for (const a of ALGORITHMS) {
      const rep = algorithms[a];
      const bits = hexDistance(mine.hashes[a], ref.hashes[a]);
      rep.compared++;
      rep.histogram[bits] = (rep.histogram[bits] ?? 0) + 1;
      rep.meanBits += bits;
      rep.maxBits = Math.max(rep.maxBits, bits);
      if (bits === 0) rep.identical++;
      else rep.differences.push({ path, bits, hashtriage: mine.hashes[a], imagehash: ref.hashes[a] });
    }
  }
  for (const a of ALGORITHMS) {
    const rep = algorithms[a];
    const measured = Object.values(rep.histogram).reduce((s, n) => s + n, 0);
    rep.exactRate = rep.compared === 0 ? 0 : rep.identical / rep.compared;
    rep.meanBits = measured === 0 ? 0 : round(rep.meanBits / measured, 3);
  }
  return { algorithms, oneSided, bothRefused };
}

/** Format, size and the low-information flag of the files that differ: what a diagnosis starts from. */
async function factsOf(paths: string[]): Promise<DifferingFileFacts[]> {
  const out: DifferingFileFacts[] = [];
  for (const path of paths) {
    const r = await perceptualHashes(readFileSync(path), {
      algorithms: [],
      maxPixels: DEFAULTS.maxPixels,
      lowInformationThreshold: DEFAULTS.lowInformationThreshold,
    });
    out.push(r.image ? { path, ...r.image } : { path, error: r.failures.map((f) => f.code).join(', ') });
  }
  return out;
}

/** `bits:files` pairs in increasing order of bits, e.g. `0:52 1:1`. */
function histogramText(h: Record<string, number>): string {
  return Object.entries(h)
    .sort((x, y) => Number(x[0]) - Number(y[0]))
    .map(([bits, n]) => `${bits}:${n}`)
    .join(' ');
}

/** Runs the comparison; the exit status (see the top of this file). */
async function main(argv: string[]): Promise<number> {
  const parsed = parseArgs(argv);
  if (typeof parsed === 'string') {
    if (parsed !== '') process.stderr.write(`${parsed}\n\n`);
    process.stderr.write(USAGE);
    return parsed === '' ? 0 : 2;
  }
  const o = parsed;
  const command = [
    o.pythonPath.length > 0 ? `PYTHONPATH=${o.pythonPath.join(delimiter)}` : '',
    'node dist/bench/compat-imagehash.js',
    `--python ${o.python}`,
    `--threads ${o.threads}`,
    o.label ? `--label ${JSON.stringify(o.label)}` : '',
    ...o.inputs,
  ]
    .filter((s) => s !== '')
    .join(' ');

  const problem = await pythonProblem(o);
  if (problem !== undefined) {
    process.stdout.write(`== compat-imagehash: SKIPPED, nothing measured\n  ${problem}\n  Install Pillow, NumPy, SciPy and PyWavelets for that interpreter and point --pythonpath (or HASHTRIAGE_IMAGEHASH_DIR) at an imagehash source checkout.\n`);
    return 0;
  }

  const shown = o.inputs.length <= 3 ? o.inputs.join(', ') : `${o.inputs.length} files and folders`;
  process.stderr.write(`compat-imagehash: hashing ${shown} with hashtriage and with imagehash\n`);
  // The two sides run at once: only their outputs are compared, never their speed.
  const [ours, theirs] = await Promise.all([runHashtriage(o), runImagehash(o)]);
  const cmp = compare(ours.records, theirs.records);
  const differing = [...new Set(ALGORITHMS.flatMap((a) => cmp.algorithms[a].differences.map((d) => d.path)))];

  const base = newResult('compat-imagehash', command);
  const r: CompatResult = {
    ...base,
    inputs: o.inputs,
    files: ours.files ?? [],
    python: { interpreter: o.python, pythonPath: o.pythonPath, versions: theirs.versions },
    ...cmp,
    differingFiles: await factsOf(differing),
  };
  const v = theirs.versions as { pillow?: string; imagehash?: string; numpy?: string; scipy?: string; pywavelets?: string; pillow_libraries?: Record<string, string | null> };
  r.figures['photo set'] = o.label ?? o.inputs.join(', ');
  r.figures['files seen'] = new Set([...ours.records.keys(), ...theirs.records.keys()]).size;
  r.figures['files imagehash hashed'] = cmp.algorithms.ahash.compared;
  r.figures['reference'] = `imagehash ${v.imagehash}, Pillow ${v.pillow} (libjpeg-turbo ${v.pillow_libraries?.libjpeg_turbo ?? '?'}), NumPy ${v.numpy}, SciPy ${v.scipy}, PyWavelets ${v.pywavelets}`;
  r.figures['hashtriage wall seconds (concurrent with Python)'] = round(ours.seconds, 1);
  r.figures['imagehash wall seconds (concurrent with hashtriage)'] = round(theirs.seconds, 1);
  for (const a of ALGORITHMS) {
    const rep = cmp.algorithms[a];
    r.figures[`${a} identical`] = `${rep.identical}/${rep.compared} (${round(rep.exactRate * 100, 2)} %)`;
    r.figures[`${a} differing bits: files`] = histogramText(rep.histogram);
    r.figures[`${a} max / mean differing bits`] = `${rep.maxBits} / ${rep.meanBits}`;
    r.ratios.push(atLeast(`${a} exact-match rate`, rep.exactRate, MIN_EXACT_RATE));
    r.ratios.push(atMost(`${a} max differing bits`, rep.maxBits, MAX_BITS));
  }
  for (const s of cmp.oneSided) r.notes.push(`one side only: ${s.path} (hashtriage ${s.hashtriage}; imagehash ${s.imagehash})`);
  if (cmp.bothRefused.length > 0) r.notes.push(`${cmp.bothRefused.length} file(s) refused by both sides (not images, or unreadable): not counted`);
  for (const a of ALGORITHMS) {
    for (const d of cmp.algorithms[a].differences) {
      const f = r.differingFiles.find((x) => x.path === d.path);
      const facts = f?.format ? ` [${f.format} ${f.width}x${f.height}${f.lowInformation ? ', low-information' : ''}]` : '';
      r.notes.push(`differs: ${a} ${d.bits} bit(s) ${d.path}${facts} hashtriage ${d.hashtriage} imagehash ${d.imagehash}`);
    }
  }

  process.stdout.write(formatResult(r));
  if (o.save) process.stdout.write(`  saved: ${saveResult(r)}\n`);
  return r.ratios.some((q) => q.met === false) ? 1 : 0;
}

try {
  process.exitCode = await main(process.argv.slice(2));
} catch (err) {
  process.stderr.write(`compat-imagehash: ${(err as Error).message}\n`);
  process.exitCode = 3;
}
