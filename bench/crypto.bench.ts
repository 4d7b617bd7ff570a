/**
 * crypto: MB/s per digest through the worker pool, against its limit.
 *
 * Writes 320 MB (64 MB with --quick) of pseudo-random data in 10 MB files,
 * then measures in one run:
 *   - the limit: each digest on one core on the main thread (node:crypto,
 *     native BLAKE3), fed 1 MiB chunks as the workers are;
 *   - the pool at `threads` workers, per digest and for MD5+SHA-1+SHA-256
 *     together, reading the files as a scan does. Target: at least 85% of
 *     (one-core limit x threads);
 *   - `hashdeep -c md5,sha1,sha256 -r` on the same files, when installed.
 *     Target: the pool at 2 threads at least 2x faster.
 * Files are read once untimed first, so both sides read from the page cache.
 */
import { execFileSync } from 'node:child_process';
import { randomFillSync } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { cryptoLimits } from '../src/cli/bench.js';
import { DEFAULTS } from '../src/cli/defaults.js';
import { HashPool } from '../src/hash/pool.js';
import type { CryptoAlgorithm } from '../src/types.js';
import { atLeast, newResult, round, secondsSince, skippedRatio, type Scenario } from './common.js';

/** Process CPU time over wall time of the last pool run: near `threads` only when the workers had the cores. */
let lastCpuPerWall = 0;

/** Every file through the pool, `threads` x in-flight at a time; returns seconds. */
async function poolSeconds(files: string[], threads: number, algorithms: CryptoAlgorithm[]): Promise<number> {
  const pool = new HashPool(threads);
  try {
    await Promise.all(Array.from({ length: threads }, () => pool.digest({ abs: Buffer.from(files[0]), algorithms, chunkSize: DEFAULTS.chunkSize, keepImagesUpTo: 0 })));
    const cpu = process.cpuUsage();
    const t = performance.now();
    let next = 0;
    await Promise.all(
      Array.from({ length: threads * DEFAULTS.inFlightPerThread }, async () => {
        while (next < files.length) {
          const f = files[next++];
          const d = await pool.digest({ abs: Buffer.from(f), algorithms, chunkSize: DEFAULTS.chunkSize, keepImagesUpTo: 0 });
          if (d.failures.length > 0) throw new Error(`${f}: ${d.failures[0].message}`);
        }
      }),
    );
    const seconds = secondsSince(t);
    const used = process.cpuUsage(cpu);
    lastCpuPerWall = (used.user + used.system) / 1e6 / seconds;
    return seconds;
  } finally {
    await pool.close();
  }
}

function hashdeepAvailable(): boolean {
  try {
    execFileSync('hashdeep', ['-V'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

export const cryptoScenario: Scenario = {
  name: 'crypto',
  summary: 'MB/s per digest through the pool against one core x threads, and against hashdeep',
  async run(o) {
    const fileMB = 10;
    const count = o.quick ? 6 : 32;
    const r = newResult('crypto', `node dist/bench/run.js crypto --threads ${o.threads}${o.quick ? ' --quick' : ''}`);
    const dir = mkdtempSync(join(tmpdir(), 'hashtriage-bench-crypto-'));
    try {
      o.log(`crypto: writing ${count} x ${fileMB} MB`);
      const buf = Buffer.allocUnsafe(fileMB * 1_000_000);
      const files: string[] = [];
      for (let i = 0; i < count; i++) {
        randomFillSync(buf);
        const f = join(dir, `blob-${i}.bin`);
        writeFileSync(f, buf);
        files.push(f);
      }
      for (const f of files) readFileSync(f);
      const totalMB = count * fileMB;
      r.figures['data MB'] = totalMB;
      r.figures.threads = o.threads;
      o.log('crypto: one-core limits');
      const limits = cryptoLimits(o.quick ? 32 : 128);
      for (const [a, v] of Object.entries(limits)) r.figures[`limit one core ${a} MB/s`] = v;
      const cases: [string, CryptoAlgorithm[], number][] = [
        ['md5', ['md5'], limits.md5],
        ['sha1', ['sha1'], limits.sha1],
        ['sha256', ['sha256'], limits.sha256],
        ['blake3', ['blake3'], limits.blake3],
        ['md5+sha1+sha256', ['md5', 'sha1', 'sha256'], limits['md5+sha1+sha256']],
      ];
      let threeSeconds = 0;
      for (const [name, algs, limit] of cases) {
        o.log(`crypto: pool ${name}`);
        const s = await poolSeconds(files, o.threads, algs);
        const mbps = totalMB / s;
        r.figures[`pool ${o.threads}t ${name} MB/s`] = round(mbps, 1);
        r.ratios.push(atLeast(`pool ${name} / (limit x ${o.threads})`, mbps / (limit * o.threads), 0.85));
        if (name === 'md5+sha1+sha256') {
          threeSeconds = s;
          r.figures[`pool ${o.threads}t md5+sha1+sha256 cpu/wall`] = round(lastCpuPerWall);
        }
      }
      if (o.threads !== 1) {
        const one = await poolSeconds(files, 1, ['md5', 'sha1', 'sha256']);
        r.figures['pool 1t md5+sha1+sha256 MB/s'] = round(totalMB / one, 1);
        r.figures[`speedup ${o.threads}t over 1t`] = round(one / threeSeconds);
      }
      const hdName = 'pool 2t md5+sha1+sha256 / hashdeep (time ratio)';
      if (!hashdeepAvailable()) {
        r.ratios.push(skippedRatio(hdName, '>= 2', 'hashdeep not installed (apt-get install hashdeep)'));
      } else {
        o.log('crypto: hashdeep');
        const two = o.threads === 2 ? threeSeconds : await poolSeconds(files, 2, ['md5', 'sha1', 'sha256']);
        const t = performance.now();
        execFileSync('hashdeep', ['-c', 'md5,sha1,sha256', '-r', dir], { maxBuffer: 1 << 26, stdio: ['ignore', 'pipe', 'ignore'] });
        const hd = secondsSince(t);
        r.figures['hashdeep -c md5,sha1,sha256 -r MB/s'] = round(totalMB / hd, 1);
        r.figures['hashdeep version'] = execFileSync('hashdeep', ['-V'], { encoding: 'utf8' }).trim();
        r.ratios.push(atLeast(hdName, hd / two, 2));
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
    return r;
  },
};
