import { describe, it, expect } from 'vitest';
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { createHash } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';
import { decodeImage, isFileFailure } from '../../src/hash/decode.js';
import {
  cmykToRgb,
  interleavedToLumaRgb,
  lanczosAxis,
  lumaL24,
  resizeLanczos,
} from '../../src/hash/pillow.js';
import { useNativeKernels } from '../../src/hash/native-kernels.js';
import { kernelImplementation, resampleKernelAvailable, resizeLanczosMany, rgbToLuma } from '../../src/hash/pillow-kernel.js';

const VECTORS = fileURLToPath(new URL('../fixtures/vectors/', import.meta.url));
/** The native kernels' addon (native/kernels.c) and whether it can run here (built, x86-64 with AVX2). */
const KERNELS_ADDON = fileURLToPath(new URL('../../build/Release/hashtriage_kernels.node', import.meta.url));
const NATIVE_BUILT =
  existsSync(KERNELS_ADDON) && process.arch === 'x64' && existsSync('/proc/cpuinfo') && /\bavx2\b/.test(readFileSync('/proc/cpuinfo', 'utf8'));
const sha256 = (bytes: Uint8Array): string => createHash('sha256').update(bytes).digest('hex');
const digests = JSON.parse(readFileSync(join(VECTORS, 'pillow-digests.json'), 'utf8')) as {
  resize: Record<string, Record<string, string>>;
};

describe('lumaL24 and conversions (values printed by Pillow 9.4)', () => {
  it('matches Pillow convert("L") on primaries and an arbitrary colour', () => {
    expect([lumaL24(255, 0, 0), lumaL24(0, 255, 0), lumaL24(0, 0, 255), lumaL24(12, 34, 56)]).toEqual([76, 150, 29, 30]);
  });

  it('maps every grey to itself (weights sum to 65536)', () => {
    for (let v = 0; v < 256; v++) expect(lumaL24(v, v, v)).toBe(v);
  });

  it('matches Pillow CMYK -> RGB', () => {
    const cmyk = Uint8Array.from([0, 0, 0, 0, 255, 255, 255, 255, 10, 200, 30, 40, 255, 0, 0, 0, 128, 64, 32, 16, 0, 0, 0, 255]);
    expect(Array.from(cmykToRgb(cmyk, 6))).toEqual([
      255, 255, 255, 0, 0, 0, 207, 46, 190, 0, 255, 255, 119, 179, 209, 0, 0, 0,
    ]);
  });

  it('ignores alpha and keeps the grey channel of LA', () => {
    const rgba = interleavedToLumaRgb(Uint8Array.from([255, 0, 0, 0, 12, 34, 56, 255]), 2, 4);
    expect(Array.from(rgba.luma)).toEqual([76, 30]);
    expect(Array.from(rgba.rgb)).toEqual([255, 0, 0, 12, 34, 56]);
    const la = interleavedToLumaRgb(Uint8Array.from([9, 0, 200, 255]), 2, 2);
    expect(Array.from(la.luma)).toEqual([9, 200]);
    expect(() => interleavedToLumaRgb(new Uint8Array(4), 2, 5)).toThrow(RangeError);
  });
});

describe('lanczosAxis', () => {
  it('normalises each output sample to 2^22 within rounding', () => {
    for (const [inSize, outSize] of [[333, 8], [97, 32], [7, 8], [4000, 9], [3, 5]]) {
      const axis = lanczosAxis(inSize, outSize);
      for (let i = 0; i < outSize; i++) {
        let sum = 0;
        for (let k = 0; k < axis.count[i]; k++) sum += axis.weights[i * axis.stride + k];
        expect(Math.abs(sum - (1 << 22))).toBeLessThanOrEqual(axis.count[i]);
        expect(axis.first[i]).toBeGreaterThanOrEqual(0);
        expect(axis.first[i] + axis.count[i]).toBeLessThanOrEqual(inSize);
      }
    }
  });

  it('rejects empty sizes', () => {
    expect(() => lanczosAxis(0, 8)).toThrow(RangeError);
    expect(() => lanczosAxis(8, 0)).toThrow(RangeError);
  });
});

describe('resizeLanczos: byte-identical to Pillow 9.4 Image.resize(LANCZOS)', () => {
  for (const [rel, sizes] of Object.entries(digests.resize)) {
    it(`${rel}`, async () => {
      const img = await decodeImage(readFileSync(join(VECTORS, rel)), { maxPixels: 1e8 });
      if (isFileFailure(img)) throw new Error(img.message);
      for (const [size, want] of Object.entries(sizes)) {
        const [w, h] = size.split('x').map(Number);
        const out = resizeLanczos(img.luma, img.width, img.height, w, h);
        expect(out.length, size).toBe(w * h);
        expect(sha256(out), `${rel} -> ${size}`).toBe(want);
        const [batched] = resizeLanczosMany(img.luma, img.width, img.height, [{ width: w, height: h }]);
        expect(sha256(batched), `${rel} -> ${size} (kernel)`).toBe(want);
      }
    });
  }

  it('returns a copy, not a filtered image, when the size is unchanged', () => {
    const src = Uint8Array.from([1, 2, 3, 4, 5, 6]);
    const out = resizeLanczos(src, 3, 2, 3, 2);
    expect(Array.from(out)).toEqual([1, 2, 3, 4, 5, 6]);
    out[0] = 99;
    expect(src[0]).toBe(1);
  });

  it('keeps a constant image constant, including when enlarging', () => {
    const flat = new Uint8Array(50 * 20).fill(201);
    for (const [w, h] of [[8, 8], [9, 8], [64, 64], [200, 3]]) {
      expect(new Set(resizeLanczos(flat, 50, 20, w, h))).toEqual(new Set([201]));
    }
  });

  it('rejects a buffer shorter than width x height', () => {
    expect(() => resizeLanczos(new Uint8Array(5), 3, 2, 1, 1)).toThrow(RangeError);
  });
});

describe('resizeLanczosMany: the SIMD kernel and the TypeScript passes agree byte for byte', () => {
  // A deterministic xorshift image with hard edges and full-range values, so that clipping
  // at 0 and 255 and negative lobes are exercised.
  function noise(width: number, height: number, seed: number): Uint8Array {
    const out = new Uint8Array(width * height);
    let s = seed >>> 0 || 1;
    for (let i = 0; i < out.length; i++) {
      s ^= s << 13;
      s >>>= 0;
      s ^= s >>> 17;
      s ^= s << 5;
      s >>>= 0;
      out[i] = (i % width) % 17 < 3 ? (s & 1 ? 255 : 0) : s & 255;
    }
    return out;
  }

  it('uses the kernel on this runtime', () => {
    expect(resampleKernelAvailable()).toBe(true);
  });

  it.skipIf(!NATIVE_BUILT)('runs the four-row horizontal pass natively where the addon is built and the CPU has AVX2', () => {
    expect(kernelImplementation()).toBe('native');
  });

  const cases: [number, number, [number, number][]][] = [
    [333, 517, [[8, 8], [9, 8], [32, 32], [256, 256], [333, 40], [20, 517], [500, 700], [1, 1]]],
    [7, 5, [[8, 8], [9, 8], [32, 32], [7, 3], [3, 5]]],
    [4000, 10, [[8, 8], [9, 8], [32, 32], [8, 10]]],
    [17, 3000, [[8, 8], [16, 16], [17, 31]]],
    [1, 1, [[8, 8], [9, 8]]],
    [250, 199, [[250, 199], [128, 128], [249, 200]]],
    // whash's shape on a 4:3 photo: a ~1.95x reduction to a power-of-two square (wide weights).
    [1000, 750, [[512, 512], [8, 8], [9, 8], [32, 32]]],
  ];
  // Each case with the native horizontal pass (where built) and with the WebAssembly one.
  for (const native of NATIVE_BUILT ? [true, false] : [false]) {
    for (const [w, h, targets] of cases) {
      it(`${native ? 'native' : 'wasm'} horizontal pass: ${w}x${h} -> ${targets.map((t) => t.join('x')).join(', ')}`, () => {
        const src = noise(w, h, w * 7919 + h);
        const sizes = targets.map(([width, height]) => ({ width, height }));
        useNativeKernels(native);
        let simd: Uint8Array[];
        try {
          expect(kernelImplementation()).toBe(native ? 'native' : 'wasm');
          simd = resizeLanczosMany(src, w, h, sizes);
        } finally {
          useNativeKernels(true);
        }
        const js = resizeLanczosMany(src, w, h, sizes, { kernel: false });
        for (let i = 0; i < sizes.length; i++) {
          expect(simd[i].length).toBe(sizes[i].width * sizes[i].height);
          expect(sha256(simd[i]), `${targets[i].join('x')}`).toBe(sha256(js[i]));
          expect(sha256(simd[i])).toBe(sha256(resizeLanczos(src, w, h, sizes[i].width, sizes[i].height)));
        }
      });
    }
  }

  it.skipIf(!NATIVE_BUILT)('native pass: offsets outside the memory are refused before anything is read or written', () => {
    const addon = createRequire(import.meta.url)(KERNELS_ADDON) as {
      horizontal4(memory: ArrayBuffer, ...offsets: number[]): void;
    };
    const mem = new ArrayBuffer(4096);
    // Tables at 0 (first), 64 (groups), 128 (weights): one output of one 8-tap group over 4 rows of 16 bytes.
    new Int32Array(mem, 64, 1)[0] = 1;
    const ok = [1024, 16, 4, 1, 2048, 16, 0, 64, 128, 256, 8, 0];
    expect(() => addon.horizontal4(mem, ...ok)).not.toThrow();
    const cases: [number, number][] = [
      [0, 4090], // source starts near the end
      [2, 3], // rows not a multiple of 4
      [4, 4093], // output past the end
      [6, 4096], // first-tap table past the end
      [9, 4094], // weights past the end
      [10, 4], // fewer weights per output than the group of taps reads
    ];
    for (const [i, v] of cases) {
      const bad = [...ok];
      bad[i] = v;
      expect(() => addon.horizontal4(mem, ...bad), `argument ${i} = ${v}`).toThrow(RangeError);
    }
    // A tap table reaching past the source.
    new Int32Array(mem, 0, 1)[0] = 4000;
    expect(() => addon.horizontal4(mem, ...ok)).toThrow(RangeError);
    expect(() => addon.horizontal4(new ArrayBuffer(8) as ArrayBuffer, ...ok)).toThrow(RangeError);
  });

  it.skipIf(!NATIVE_BUILT)('native vertical pass: offsets outside the memory are refused before anything is read or written', () => {
    const addon = createRequire(import.meta.url)(KERNELS_ADDON) as { vertical(memory: ArrayBuffer, ...offsets: number[]): void };
    const mem = new ArrayBuffer(4096);
    // Tables at 0 (first row), 64 (tap count), 128 (weights): one output row from 3 rows of 16 bytes at 1024.
    new Int32Array(mem, 64, 1)[0] = 3;
    const ok = [1024, 16, 16, 1, 2048, 16, 0, 64, 128, 4];
    expect(() => addon.vertical(mem, ...ok)).not.toThrow();
    const cases: [number, number][] = [
      [0, 4070], // source past the end
      [4, 4090], // output past the end
      [7, 4096], // tap counts past the end
      [8, 4092], // weights past the end
      [9, 2], // more taps than weights per row
    ];
    for (const [i, v] of cases) {
      const bad = [...ok];
      bad[i] = v;
      expect(() => addon.vertical(mem, ...bad), `argument ${i} = ${v}`).toThrow(RangeError);
    }
    new Int32Array(mem, 0, 1)[0] = 200; // first row far below the source
    expect(() => addon.vertical(mem, ...ok)).toThrow(RangeError);
  });

  it('rejects a short buffer', () => {
    expect(() => resizeLanczosMany(new Uint8Array(3), 2, 2, [{ width: 1, height: 1 }])).toThrow(RangeError);
  });
});

describe('rgbToLuma: the SIMD kernel and the TypeScript loop agree byte for byte', () => {
  it('on every (r, g, b) corner and random pixels, for lengths around the 16-pixel step', () => {
    for (const pixels of [1, 15, 16, 17, 255, 4096 + 7]) {
      const rgb = new Uint8Array(pixels * 3);
      let s = pixels;
      for (let i = 0; i < rgb.length; i++) {
        s = (Math.imul(s, 1103515245) + 12345) >>> 0;
        rgb[i] = i < 24 ? [0, 255][(i >> (i % 3)) & 1] : s >>> 24;
      }
      const simd = rgbToLuma(rgb, pixels);
      const js = rgbToLuma(rgb, pixels, { kernel: false });
      expect(simd.length).toBe(pixels);
      expect(Array.from(simd)).toEqual(Array.from(js));
    }
  });

  it('matches lumaL24 on all greys and the primaries', () => {
    const rgb = new Uint8Array(259 * 3);
    for (let v = 0; v < 256; v++) rgb.fill(v, v * 3, v * 3 + 3);
    rgb.set([255, 0, 0, 0, 255, 0, 0, 0, 255], 256 * 3);
    const luma = rgbToLuma(rgb, 259);
    for (let v = 0; v < 256; v++) expect(luma[v]).toBe(v);
    expect(Array.from(luma.subarray(256))).toEqual([76, 150, 29]);
  });
});
