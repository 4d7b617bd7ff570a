/** Running a check with the native kernels (where this machine has them) and with the WebAssembly ones. */
import { nativeKernels, useNativeKernels } from '../../src/hash/native-kernels.js';

/**
 * Runs `body` once per kernel implementation available here: `native`
 * (native/kernels.c) when built and supported, then `wasm`; the native
 * kernels are switched back on afterwards.
 */
export function withEachKernel(body: (kernel: 'native' | 'wasm') => void): void {
  const modes = nativeKernels() !== undefined ? [true, false] : [false];
  try {
    for (const native of modes) {
      useNativeKernels(native);
      body(native ? 'native' : 'wasm');
    }
  } finally {
    useNativeKernels(true);
  }
}
