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

/** Tasks each worker runs at once (see the constructor). */
const TASKS_PER_WORKER = 4;

/**
 * Workers load worker.js with `import()`, not through `require()` of an ES
 * module (on by default since Node 20.19, and tried first by piscina): a
 * worker terminated while `require()` is still instantiating the module
 * graph aborts the whole process in Node 20.20 ("v8::Module::IsGraphAsync
 * must be used on an instantiated module"), which a scan of a few files hit
 * about once in 200 pools by closing the pool while its second worker was
 * still starting. With require(esm) off, piscina falls back to `import()`.
 *
 * Passing the flag means passing the parent's flags explicitly too, and Node
 * refuses an explicit list holding a flag that only a process can take
 * (`node --max-old-space-size=8192 …`, `--stack-size`, `--expose-gc`), which
 * it accepts when the workers inherit them. Then the pool is made without
 * the flag, inheriting: the rare abort above is the lesser risk than a scan
 * that cannot start.
 */
const GUARDED_EXEC_ARGV = (process.features as { require_module?: boolean }).require_module
  ? [...process.execArgv, '--no-experimental-require-module']
  : undefined;

/** Makes the pool with {@link GUARDED_EXEC_ARGV} where Node takes it, else inheriting the parent's flags. */
function newPiscina(options: ConstructorParameters<typeof Piscina>[0]): Piscina {
  if (GUARDED_EXEC_ARGV === undefined) return new Piscina(options);
  try {
    return new Piscina({ ...options, execArgv: GUARDED_EXEC_ARGV });
  } catch (err) {
    if ((err as { code?: unknown }).code !== 'ERR_WORKER_INVALID_EXEC_ARGV') throw err;
    return new Piscina(options);
  }
}

/** A pool of hashing workers. Create one per scan; `close()` it at the end. */
export class HashPool {
  readonly #pool: Piscina;
  readonly threads: number;

  /** @param threads worker threads; each computes on one file at a time while others decode. */
  constructor(threads: number) {
    this.threads = threads;
    this.#pool = newPiscina({
      filename: workerFile(),
      minThreads: threads,
      maxThreads: threads,
      // Four tasks per worker: while libvips decodes images on its own
      // threads, the worker's JavaScript thread hashes another that is
      // already decoded. With two, the worker often had nothing decoded to
      // hash: measured on the bench mix, four gave 1 thread 12-28% more
      // images/s and 2 threads 5-9% (2026-12-02). What the extra tasks hold
      // decoded is bounded per worker (pixel-budget.ts). The cost: a task
      // given to a worker busy with a huge file's synchronous read waits for
      // it. piscina hands a task to the least busy worker, and the scan
      // bounds the work in flight (backpressure), so that stays rare and only
      // delays, never loses, a file.
      concurrentTasksPerWorker: TASKS_PER_WORKER,
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
