/**
 * perceptual: images/s through the whole pipeline, against sharp's
 * decode-only time and against Python imagehash, in one run.
 *
 * Images: the `hashtriage bench` mix (thumbnails to 24 MP), the same 200 as
 * `hashtriage bench` uses by default (30 with --quick). Each measurement is
 * taken in three rounds, the two sides alternating (pipeline, decode-only;
 * Python, hashtriage), and the best round of each side counts: on a shared
 * VM, single runs minutes apart differ by up to 20-50 % (Python most), and a
 * ratio of two single runs mostly measures that. Targets:
 *   - the whole pipeline (4 digests, 1 decode, aHash/dHash/pHash/wHash/PDQ,
 *     matching against a 20,000-entry list) takes at most 1.5x sharp's
 *     decode-only time on the same images and thread count;
 *   - hashtriage with 2 threads computing aHash/dHash/pHash/wHash is at least
 *     6x faster than one Python process running imagehash on the same files.
 *     imagehash's source is not part of hashtriage: point
 *     HASHTRIAGE_IMAGEHASH_DIR (or --imagehash DIR) at a checkout holding its
 *     `imagehash/` package; Pillow, NumPy, SciPy and PyWavelets must be
 *     importable by HASHTRIAGE_PYTHON (default /usr/bin/python3). Without
 *     them the ratio is skipped and the result says why.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildBenchList, measureDecodeOnly, measurePipeline, writeBenchImages } from '../src/cli/bench.js';
import { DEFAULTS } from '../src/cli/defaults.js';
import { openHashList } from '../src/list/reader.js';
import { Matcher } from '../src/match/match.js';
import { atLeast, atMost, newResult, round, skippedRatio, type Scenario } from './common.js';

interface PythonRun {
  files: number;
  failures: number;
  seconds: number;
  versions: Record<string, string>;
}

/** The Python script sits beside this file in the source tree (bench/), also when run from dist/bench/. */
function pythonScript(): string {
  const here = fileURLToPath(new URL('.', import.meta.url));
  const candidates = [join(here, 'imagehash_bench.py'), join(here, '../../bench/imagehash_bench.py')];
  return candidates.find((c) => existsSync(c)) ?? candidates[0];
}

function runPython(imagehashDir: string, files: string[]): PythonRun | string {
  const python = process.env.HASHTRIAGE_PYTHON ?? (existsSync('/usr/bin/python3') ? '/usr/bin/python3' : 'python3');
  if (!existsSync(join(imagehashDir, 'imagehash', '__init__.py'))) return `no imagehash/__init__.py under ${imagehashDir}`;
  try {
    const out = execFileSync(python, [pythonScript(), imagehashDir, ...files], { encoding: 'utf8', maxBuffer: 1 << 26, stdio: ['ignore', 'pipe', 'pipe'] });
    return JSON.parse(out) as PythonRun;
  } catch (err) {
    return `${python} could not run imagehash: ${((err as { stderr?: string }).stderr ?? (err as Error).message).trim().split('\n').at(-1)}`;
  }
}

/** Rounds per measurement; the best (shortest) of each side counts. */
const ROUNDS = 3;

/**
 * Runs `a` and `b` alternately {@link ROUNDS} times and returns the fastest
 * run of each, so that both sides see the same spread of machine states.
 */
async function bestOfRounds<A extends { elapsedMs: number }, B extends { elapsedMs: number }>(
  a: () => Promise<A>,
  b: () => Promise<B>,
): Promise<[A, B]> {
  let bestA: A | undefined;
  let bestB: B | undefined;
  for (let i = 0; i < ROUNDS; i++) {
    const x = await a();
    if (bestA === undefined || x.elapsedMs < bestA.elapsedMs) bestA = x;
    const y = await b();
    if (bestB === undefined || y.elapsedMs < bestB.elapsedMs) bestB = y;
  }
  return [bestA!, bestB!];
}

export const perceptualScenario: Scenario = {
  name: 'perceptual',
  summary: 'images/s of the whole pipeline against sharp decode-only and against Python imagehash',
  async run(o) {
    const count = o.quick ? 30 : 200;
    const imagehashDir = o.imagehash ?? process.env.HASHTRIAGE_IMAGEHASH_DIR;
    const r = newResult('perceptual', `HASHTRIAGE_IMAGEHASH_DIR=${imagehashDir ?? '<unset>'} node dist/bench/run.js perceptual --threads ${o.threads}${o.quick ? ' --quick' : ''}`);
    const dir = mkdtempSync(join(tmpdir(), 'hashtriage-bench-perceptual-'));
    const reader = { current: undefined as ReturnType<typeof openHashList> | undefined };
    try {
      o.log(`perceptual: generating ${count} images`);
      const files = await writeBenchImages(dir, count);
      reader.current = openHashList(await buildBenchList(dir));
      const matcher = new Matcher(reader.current, {
        thresholds: DEFAULTS.thresholds,
        pdqMinQuality: DEFAULTS.pdqMinQuality,
        matchLowInformationFiles: false,
        matchLowInformationEntries: false,
      });
      matcher.loadPerceptual();
      r.figures.images = count;
      const runs = new Map<number, number>();
      for (const t of [...new Set([1, o.threads])]) {
        o.log(`perceptual: pipeline and decode-only, ${t} thread(s), ${ROUNDS} rounds`);
        const [run, dec] = await bestOfRounds(
          () => measurePipeline(files, t, { matcher }),
          () => measureDecodeOnly(files, t),
        );
        const s = run.elapsedMs / 1000;
        runs.set(t, run.images / s);
        r.figures[`megapixels`] = round(run.megapixels, 1);
        r.figures[`pipeline ${t}t images/s`] = round(run.images / s);
        r.figures[`pipeline ${t}t MP/s`] = round(run.megapixels / s);
        r.figures[`pipeline ${t}t cpu/wall (process CPU time over wall time)`] = round(run.cpuMs / run.elapsedMs);
        r.figures[`decode-only ${t}t images/s`] = round(dec.images / (dec.elapsedMs / 1000));
        r.figures[`pipeline ${t}t ms/image decode | hashes | read+crypto | match`] = [run.stages.decodeMs, run.stages.perceptualMs, run.stages.readCryptoMs, run.stages.matchMs]
          .map((ms) => round(ms / run.images, 1))
          .join(' | ');
        r.ratios.push(atMost(`pipeline / decode-only time, ${t}t`, run.elapsedMs / dec.elapsedMs, 1.5));
        if (run.failures > 0) r.notes.push(`${run.failures} images failed to decode at ${t} thread(s)`);
      }
      if (o.threads > 1) r.figures[`speedup ${o.threads}t over 1t`] = round(runs.get(o.threads)! / runs.get(1)!);

      const pyName = 'hashtriage 2t (4 imagehash hashes) / Python imagehash (time ratio)';
      if (imagehashDir === undefined) {
        r.ratios.push(skippedRatio(pyName, '>= 6', 'imagehash source not given: set HASHTRIAGE_IMAGEHASH_DIR or pass --imagehash DIR'));
      } else {
        o.log(`perceptual: Python imagehash and hashtriage (the same four hashes, 2 threads), ${ROUNDS} rounds`);
        // A first run, not counted, checks that Python can run imagehash at all and warms its imports.
        const first = runPython(imagehashDir, files);
        if (typeof first === 'string') {
          r.ratios.push(skippedRatio(pyName, '>= 6', first));
        } else {
          const [py, four] = await bestOfRounds(
            async () => {
              const again = runPython(imagehashDir, files);
              if (typeof again === 'string') throw new Error(`Python imagehash stopped working between rounds: ${again}`);
              return { ...again, elapsedMs: again.seconds * 1000 };
            },
            () => measurePipeline(files, 2, { crypto: ['blake3'], perceptual: ['ahash', 'dhash', 'phash', 'whash'] }),
          );
          r.figures['python imagehash images/s'] = round(py.files / py.seconds);
          r.figures['python versions'] = Object.entries(py.versions).map(([k, v]) => `${k} ${v}`).join(', ');
          r.figures['hashtriage 2t 4 hashes images/s'] = round(four.images / (four.elapsedMs / 1000));
          if (py.failures > 0) r.notes.push(`Python failed on ${py.failures} files`);
          r.ratios.push(atLeast(pyName, py.seconds / (four.elapsedMs / 1000), 6));
        }
      }
    } finally {
      reader.current?.close();
      rmSync(dir, { recursive: true, force: true });
    }
    return r;
  },
};
