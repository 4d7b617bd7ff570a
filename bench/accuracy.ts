/**
 * Perceptual accuracy evaluation (GitHub issue 6): how often each perceptual
 * hash still matches an edited copy of a listed image, how often it matches
 * a different image, and which distance thresholds those figures justify.
 *
 *   npx tsc -p . && node dist/bench/accuracy.js [options]
 *
 *   --count <n>        synthetic sources (default 100)
 *   --size <w>x<h>     synthetic image size (default 800x600)
 *   --dir <path>       also evaluate the photographs under <path> (repeatable)
 *   --max-side <px>    photos are scaled to at most this longest side (default 1280)
 *   --limit <n>        use at most n photos (default: all found)
 *   --threads <n>      worker threads (default: one per core)
 *   --save <file>      save the measured figures as JSON
 *   --load <file>      skip measuring; render from a saved JSON
 *   --write            write docs/accuracy.md and docs/accuracy.svg
 *
 * Without --write it prints the summary table only.
 */
import { availableParallelism } from 'node:os';
import { readFile, writeFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { performance } from 'node:perf_hooks';
import { Piscina } from 'piscina';
import sharp from 'sharp';
import { collectPhotos } from './accuracy-sources.js';
import { evaluateSet, type SetStats } from './accuracy-stats.js';
import type { SourceResult, SourceTask } from './accuracy-worker.js';
import { renderFigure, renderMarkdown, renderSummary, type RunInfo } from './accuracy-doc.js';
import { PDQ_MIN_QUALITY } from '../src/hash/pdq.js';

interface Args {
  count: number;
  width: number;
  height: number;
  dirs: string[];
  maxSide: number;
  limit: number;
  threads: number;
  save?: string;
  load?: string;
  write: boolean;
}

function usage(message: string): never {
  process.stderr.write(`accuracy: ${message}\nsee the header of bench/accuracy.ts for the options\n`);
  process.exit(2);
}

function positive(name: string, v: string | undefined): number {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 1) usage(`${name} expects a positive integer, got ${JSON.stringify(v)}`);
  return n;
}

function parseArgs(argv: readonly string[]): Args {
  const args: Args = { count: 100, width: 800, height: 600, dirs: [], maxSide: 1280, limit: Infinity, threads: availableParallelism(), write: false };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const value = (): string => argv[++i] ?? usage(`${a} needs a value`);
    switch (a) {
      case '--count':
        args.count = positive(a, value());
        break;
      case '--size': {
        const m = /^(\d+)x(\d+)$/.exec(value());
        if (!m) usage('--size expects <width>x<height>');
        args.width = positive('width', m[1]);
        args.height = positive('height', m[2]);
        break;
      }
      case '--dir':
        args.dirs.push(resolve(value()));
        break;
      case '--max-side':
        args.maxSide = positive(a, value());
        break;
      case '--limit':
        args.limit = positive(a, value());
        break;
      case '--threads':
        args.threads = positive(a, value());
        break;
      case '--save':
        args.save = resolve(value());
        break;
      case '--load':
        args.load = resolve(value());
        break;
      case '--write':
        args.write = true;
        break;
      default:
        usage(`unknown option ${a}`);
    }
  }
  return args;
}

/** What a run measured, and on what; this is what --save writes. */
export interface AccuracyRun {
  info: RunInfo;
  sets: SetStats[];
}

async function measure(args: Args, argv: readonly string[]): Promise<AccuracyRun> {
  const started = performance.now();
  const here = dirname(fileURLToPath(import.meta.url));
  const pool = new Piscina({ filename: join(here, 'accuracy-worker.js'), minThreads: args.threads, maxThreads: args.threads, idleTimeout: Infinity });
  const run = async (name: string, tasks: SourceTask[]): Promise<SourceResult[]> => {
    let done = 0;
    return Promise.all(
      tasks.map(async (t) => {
        const r = (await pool.run(t)) as SourceResult;
        done++;
        if (process.stderr.isTTY) process.stderr.write(`\r${name}: ${done}/${tasks.length} sources`);
        return r;
      }),
    ).finally(() => process.stderr.isTTY && process.stderr.write('\n'));
  };

  const sets: SetStats[] = [];
  const synthetic: SourceTask[] = Array.from({ length: args.count }, (_, i) => ({
    kind: 'synthetic',
    id: `seed ${i + 1}`,
    seed: i + 1,
    width: args.width,
    height: args.height,
  }));
  sets.push(evaluateSet('synthetic', await run('synthetic', synthetic), PDQ_MIN_QUALITY));

  let photoCount = 0;
  if (args.dirs.length > 0) {
    const photos = (await collectPhotos(args.dirs)).slice(0, args.limit);
    photoCount = photos.length;
    if (photos.length < 2) usage(`found ${photos.length} usable photographs under ${args.dirs.join(', ')}; need at least 2`);
    const tasks: SourceTask[] = photos.map((p) => ({ kind: 'file', id: p.id, path: p.path, maxSide: args.maxSide }));
    sets.push(evaluateSet('photographs', await run('photographs', tasks), PDQ_MIN_QUALITY));
  }
  await pool.close();

  return {
    info: {
      command: ['node', 'dist/bench/accuracy.js', ...recordedArgs(argv)].join(' '),
      syntheticSize: `${args.width}x${args.height}`,
      syntheticCount: args.count,
      photoDirs: args.dirs,
      photoCount,
      maxSide: args.maxSide,
      threads: args.threads,
      seconds: Math.round((performance.now() - started) / 1000),
      node: process.version,
      sharp: sharp.versions.sharp ?? 'unknown',
      libvips: sharp.versions.vips,
      pdqMinQuality: PDQ_MIN_QUALITY,
    },
    sets,
  };
}

/** The arguments that shape the measurement; where figures are saved or loaded from is left out. */
function recordedArgs(argv: readonly string[]): string[] {
  const out: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === '--save' || argv[i] === '--load') i++;
    else out.push(argv[i]);
  }
  return out;
}

// JSON has no Infinity; distances that can never match are saved as -1.
function toJson(run: AccuracyRun): string {
  return JSON.stringify(run, (_k, v) => (v === Infinity ? -1 : v), 1);
}

function fromJson(text: string): AccuracyRun {
  const run = JSON.parse(text) as AccuracyRun;
  for (const set of run.sets) {
    for (const byTransform of Object.values(set.genuine)) {
      for (const list of Object.values(byTransform)) list.forEach((d, i) => d < 0 && (list[i] = Infinity));
    }
  }
  return run;
}

const BEGIN = '<!-- BEGIN GENERATED: node dist/bench/accuracy.js --write; edit bench/accuracy-doc.ts, not this block -->';
const END = '<!-- END GENERATED -->';

/**
 * Replaces the generated block of docs/accuracy.md and keeps the hand-written
 * prose around it; a missing doc (or one without the markers) gets the block alone.
 */
function spliceGenerated(existing: string | undefined, generated: string): string {
  const block = `${BEGIN}\n\n${generated.trimEnd()}\n\n${END}`;
  const start = existing?.indexOf(BEGIN) ?? -1;
  const end = existing?.indexOf(END) ?? -1;
  if (existing === undefined || start < 0 || end < start) return `# Perceptual accuracy\n\n${block}\n`;
  return existing.slice(0, start) + block + existing.slice(end + END.length);
}

async function main(): Promise<void> {
  const argv = process.argv.slice(2);
  const args = parseArgs(argv);
  const run = args.load ? fromJson(await readFile(args.load, 'utf8')) : await measure(args, argv);
  if (args.save) await writeFile(args.save, toJson(run));
  process.stdout.write(renderSummary(run.sets));
  if (args.write) {
    const docs = resolve(dirname(fileURLToPath(import.meta.url)), '../../docs');
    const mdPath = join(docs, 'accuracy.md');
    const existing = await readFile(mdPath, 'utf8').catch(() => undefined);
    await writeFile(mdPath, spliceGenerated(existing, renderMarkdown(run.info, run.sets)));
    await writeFile(join(docs, 'accuracy.svg'), renderFigure(run.sets));
    process.stdout.write(`wrote ${join(docs, 'accuracy.md')} and accuracy.svg\n`);
  }
}

main().catch((err: unknown) => {
  process.stderr.write(`accuracy: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.exit(1);
});
