/**
 * The main-thread side of the hashing pool.
 *
 * Workers run the compiled `worker.js`: piscina loads it with plain Node,
 * which cannot run TypeScript. Under the test runner this module itself is
 * TypeScript, so the worker is taken from the build (`npm test` builds first).
 */
import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Piscina } from 'piscina';
import { HashtriageError } from '../errors.js';
import type { DigestResult, DigestTask, PerceptualResult, PerceptualTask } from './tasks.js';

function workerFile(): string {
  const here = fileURLToPath(import.meta.url);
  if (here.endsWith('.js')) return join(dirname(here), 'worker.js');
  // src/hash/pool.ts → dist/src/hash/worker.js
  const built = resolve(dirname(here), '../../dist/src/hash/worker.js');
  if (!existsSync(built)) throw new HashtriageError('INTERNAL', `worker not built: run "npm run build" (looked for ${built})`);
  return built;
}

/** A pool of hashing workers. Create one per scan; `close()` it at the end. */
export class HashPool {
  readonly #pool: Piscina;
  readonly threads: number;

  /** @param threads worker threads; each hashes one file at a time. */
  constructor(threads: number) {
    this.threads = threads;
    this.#pool = new Piscina({
      filename: workerFile(),
      minThreads: threads,
      maxThreads: threads,
      // One task per worker at a time: a second queued behind a 10 GB file
      // would wait for it while another worker idles. The scan bounds the
      // work in flight itself (backpressure), so the queue stays small.
      concurrentTasksPerWorker: 1,
      idleTimeout: Infinity,
    });
  }

  digest(task: DigestTask): Promise<DigestResult> {
    return this.#pool.run(task, { name: 'digest' });
  }

  perceptual(task: PerceptualTask): Promise<PerceptualResult> {
    // Transfer the bytes: the main thread is done with them.
    const buffer = task.bytes.buffer as ArrayBuffer;
    return this.#pool.run(task, { name: 'perceptual', transferList: [buffer] });
  }

  async close(): Promise<void> {
    await this.#pool.close({ force: true });
  }
}
