/**
 * The worker-thread side of the hashing pool. Each export is one piscina task
 * (selected with `run(task, { name })`). Nothing here touches main-thread
 * state: a worker only reads the file it is given and computes.
 */
import { performance } from 'node:perf_hooks';
import { Piscina } from 'piscina';
import { MultiDigest } from './digest.js';
import { readEvidence } from './read.js';
import { sniffImageFormat } from './magic.js';
import { perceptualHashes } from './perceptual.js';
import type { DigestResult, DigestTask, PerceptualResult, PerceptualTask } from './tasks.js';

/** Reads the file once, feeding every digest; keeps an image's bytes for the perceptual task. */
export function digest(task: DigestTask): unknown {
  const started = performance.now();
  const digests = new MultiDigest(task.algorithms);
  let imageFormat: string | undefined;
  const read = readEvidence(Buffer.from(task.abs.buffer, task.abs.byteOffset, task.abs.byteLength), (c) => digests.update(c), {
    chunkSize: task.chunkSize,
    keep: (head, size) => {
      imageFormat = sniffImageFormat(head);
      return imageFormat !== undefined && size <= task.keepImagesUpTo;
    },
  });
  const result: DigestResult = {
    size: read.size,
    hashes: read.failure && read.failure.code !== 'READ_CHANGED' ? {} : digests.finish(),
    failures: read.failure ? [read.failure] : [],
    noatime: read.noatime,
    ms: performance.now() - started,
  };
  if (imageFormat !== undefined) result.imageFormat = imageFormat;
  if (read.bytes && !read.failure) {
    result.imageBytes = read.bytes;
    // Hand the buffer over instead of copying it through the message port.
    return Piscina.move({ [Piscina.transferableSymbol]: [read.bytes.buffer], [Piscina.valueSymbol]: result } as never);
  }
  return result;
}

/** Decodes once and computes every perceptual hash asked for. */
export async function perceptual(task: PerceptualTask): Promise<PerceptualResult> {
  return perceptualHashes(Buffer.from(task.bytes.buffer, task.bytes.byteOffset, task.bytes.byteLength), task);
}
