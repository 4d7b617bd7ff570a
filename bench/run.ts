/**
 * The bench runner: `npm run bench -- [scenario...] [options]`, or after a
 * build `node dist/bench/run.js [scenario...] [options]`.
 *
 * Runs the named scenarios (all of them when none is named), prints each
 * result with the machine it ran on, and with --save writes each as JSON
 * under bench/results/. Exits 1 when a measured ratio misses its target, so
 * a regression is visible; skipped ratios (a missing tool) do not count.
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { fileURLToPath } from 'node:url';
import { formatResult, saveResult, type Scenario, type ScenarioOptions } from './common.js';
import { cryptoScenario } from './crypto.bench.js';
import { fastDecodeScenario } from './fast-decode.bench.js';
import { importScenario } from './import.bench.js';
import { perceptualScenario } from './perceptual.bench.js';
import { walkScenario } from './walk.bench.js';

const SCENARIOS: readonly Scenario[] = [walkScenario, cryptoScenario, perceptualScenario, fastDecodeScenario, importScenario];

/** The match scenario belongs to bench/match.bench.ts, a script of its own: it is run as a child process. */
const MATCH = { name: 'match', summary: 'Hamming index against a linear scan (bench/match.bench.ts; its own options after --)' };

export function usage(): string {
  const names = [...SCENARIOS, MATCH].map((s) => `  ${s.name.padEnd(12)} ${s.summary}`).join('\n');
  return `usage: node dist/bench/run.js [scenario...] [--quick] [--threads N] [--save] [--imagehash DIR] [--photos DIR] [-- match options]

Scenarios (default: all but match; "all" includes match):
${names}

Options:
  --quick          smaller data sets (a quick look; docs/performance.md quotes full runs)
  --threads N      worker threads (default: one per core, ${availableParallelism()} here)
  --save           also write each result as JSON under bench/results/
  --imagehash DIR  imagehash source checkout for the perceptual scenario's Python ratio
                   (or set HASHTRIAGE_IMAGEHASH_DIR; HASHTRIAGE_PYTHON picks the interpreter)
  --photos DIR     real photographs for the fast-decode scenario (repeatable), e.g.
                   /usr/share/backgrounds from Debian's wallpaper packages
  --help           this text
`;
}

interface Args {
  names: string[];
  options: ScenarioOptions;
  save: boolean;
  rest: string[];
}

function parseArgs(argv: string[]): Args | string {
  const names: string[] = [];
  const options: ScenarioOptions = { quick: false, threads: availableParallelism(), log: (l) => process.stderr.write(`${l}\n`) };
  let save = false;
  const dash = argv.indexOf('--');
  const rest = dash >= 0 ? argv.slice(dash + 1) : [];
  const args = dash >= 0 ? argv.slice(0, dash) : argv;
  for (let i = 0; i < args.length; i++) {
    const a = args[i];
    if (a === '--quick') options.quick = true;
    else if (a === '--save') save = true;
    else if (a === '--threads' || a === '--imagehash' || a === '--photos') {
      const v = args[++i];
      if (v === undefined) return `${a} needs a value`;
      if (a === '--imagehash') options.imagehash = v;
      else if (a === '--photos') (options.photos ??= []).push(v);
      else {
        const n = Number(v);
        if (!Number.isInteger(n) || n < 1 || n > 256) return `Expected an integer from 1 to 256 for --threads but received ${JSON.stringify(v)}`;
        options.threads = n;
      }
    } else if (a === '--help' || a === '-h') return '';
    else if (a.startsWith('-')) return `unknown option ${a}`;
    else names.push(a);
  }
  const known = new Set([...SCENARIOS.map((s) => s.name), MATCH.name, 'all']);
  for (const n of names) if (!known.has(n)) return `unknown scenario ${n}`;
  return { names, options, save, rest };
}

async function main(argv: string[]): Promise<number> {
  const parsed = parseArgs(argv);
  if (typeof parsed === 'string') {
    if (parsed !== '') process.stderr.write(`${parsed}\n\n`);
    process.stderr.write(usage());
    return parsed === '' ? 0 : 2;
  }
  const all = parsed.names.includes('all');
  const wanted = parsed.names.length === 0 || all ? SCENARIOS.map((s) => s.name) : parsed.names;
  let missed = 0;
  for (const s of SCENARIOS) {
    if (!wanted.includes(s.name)) continue;
    const result = await s.run(parsed.options);
    process.stdout.write(formatResult(result));
    if (parsed.save) process.stdout.write(`  saved: ${saveResult(result)}\n`);
    process.stdout.write('\n');
    missed += result.ratios.filter((q) => q.met === false).length;
  }
  if (all || parsed.names.includes(MATCH.name)) {
    const script = fileURLToPath(new URL('./match.bench.js', import.meta.url));
    if (!existsSync(script)) {
      process.stdout.write(`== match: ${script} is not built; skipped\n`);
    } else {
      const child = spawnSync(process.execPath, [script, ...(parsed.options.quick ? ['--quick'] : []), ...parsed.rest], { stdio: 'inherit' });
      if (child.status !== 0) missed++;
    }
  }
  if (missed > 0) process.stdout.write(`${missed} ratio(s) below target\n`);
  return missed > 0 ? 1 : 0;
}

process.exitCode = await main(process.argv.slice(2));
