/**
 * walk: files per second over a tree of many small files.
 *
 * Builds 100,000 small files (10,000 with --quick) in 100 folders under the
 * system temp dir, then times, in one run: the walk stage (every entry
 * lstat'ed, names kept as bytes), a plain recursive readdir + lstat in Node
 * (the limit: the same system calls with nothing else), and `find -type f`
 * for scale. The ratio is walk over the plain loop.
 */
import { execFileSync } from 'node:child_process';
import { lstatSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { walk } from '../src/walk/index.js';
import { atLeast, newResult, round, secondsSince, type Scenario } from './common.js';

/** Recursive readdir + lstat: the system calls a walk cannot avoid, and nothing else. */
function plainWalk(dir: string): number {
  let files = 0;
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    const st = lstatSync(p);
    if (st.isDirectory()) files += plainWalk(p);
    else if (st.isFile()) files++;
  }
  return files;
}

export const walkScenario: Scenario = {
  name: 'walk',
  summary: 'files/s walking 100k small files, against a plain readdir+lstat loop and find',
  async run(o) {
    const total = o.quick ? 10_000 : 100_000;
    const r = newResult('walk', `node dist/bench/run.js walk${o.quick ? ' --quick' : ''}`);
    const root = mkdtempSync(join(tmpdir(), 'hashtriage-bench-walk-'));
    try {
      o.log(`walk: creating ${total} files`);
      const perDir = total / 100;
      for (let d = 0; d < 100; d++) {
        const dir = join(root, `d${String(d).padStart(3, '0')}`);
        mkdirSync(dir);
        for (let f = 0; f < perDir; f++) writeFileSync(join(dir, `file-${f}.txt`), `small file ${d}/${f}\n`);
      }
      // One untimed pass each, so every timed pass reads a warm dentry cache.
      plainWalk(root);
      let t = performance.now();
      const plainFiles = plainWalk(root);
      const plainS = secondsSince(t);
      let walked = 0;
      for await (const e of walk(root)) if (e.kind === 'file') walked++;
      t = performance.now();
      walked = 0;
      for await (const e of walk(root)) if (e.kind === 'file') walked++;
      const walkS = secondsSince(t);
      let findS: number | undefined;
      try {
        t = performance.now();
        execFileSync('find', [root, '-type', 'f'], { maxBuffer: 1 << 28 });
        findS = secondsSince(t);
      } catch {
        r.notes.push('find not available: its figure is left out');
      }
      r.figures.files = walked;
      r.figures['walk files/s'] = round(walked / walkS, 0);
      r.figures['plain readdir+lstat files/s (limit)'] = round(plainFiles / plainS, 0);
      if (findS !== undefined) r.figures['find -type f files/s'] = round(walked / findS, 0);
      if (walked !== total) r.notes.push(`walk yielded ${walked} files, expected ${total}`);
      r.ratios.push(atLeast('walk / plain readdir+lstat', walked / walkS / (plainFiles / plainS), 0.5));
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
    return r;
  },
};
