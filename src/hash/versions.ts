/**
 * Versions of everything that shapes a hash, for the audit log: a perceptual
 * hash depends on the decoder build, so a court may need to know which one.
 *
 * Loading sharp here, on the main thread, also keeps its shared libraries
 * loaded for the life of the process, which worker threads rely on.
 */
import sharp from 'sharp';
import { kernelImplementation } from './pillow-kernel.js';

/**
 * The versions, plus which code runs the image kernels (`native`, `wasm` or
 * `typescript`: the same bytes either way, recorded so a run can be
 * reproduced exactly as it ran).
 */
export function libraryVersions(): Record<string, string> {
  const v = sharp.versions as Record<string, string | undefined>;
  return {
    node: process.versions.node,
    openssl: process.versions.openssl,
    sharp: v.sharp ?? 'unknown',
    libvips: v.vips ?? 'unknown',
    ...(v.mozjpeg ? { mozjpeg: v.mozjpeg } : {}),
    ...(v.png ? { libpng: v.png } : {}),
    ...(v.webp ? { libwebp: v.webp } : {}),
    kernels: kernelImplementation(),
  };
}
