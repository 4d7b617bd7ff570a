/*
 * Two of the image-hashing kernels compiled for AVX2, for where the CPU has
 * it. Each does exactly what its WebAssembly twin (a .wat file in src/hash) does, on
 * the same offsets in the same WebAssembly memory, so every output byte is
 * identical; WebAssembly SIMD stops at 128 bits, these take 256.
 *
 *   horizontal4: Pillow's 8-bit LANCZOS horizontal pass, four rows at a time
 *     (pillow-kernel.wat `horizontal4` and `horizontal4Narrow`), the largest
 *     part of the four imagehash resamples.
 *   vertical: Pillow's 8-bit LANCZOS vertical pass, 16 columns per vector
 *     group (pillow-kernel.wat `vertical`).
 *   planes: a decoded image's rows to Pillow's 'L' bytes and PDQ's float32
 *     luma in one pass (planes-kernel.wat `planes`).
 *   haarForwardBytes, haarInverseThenApprox: the two full-size haar steps of
 *     whash (haar-kernel.wat `forwardBytes` and `inverseThenApprox`).
 *
 * Exactness, horizontal4: Pillow accumulates pixel * weight in a 32-bit int.
 * Each 22-bit weight is split by the caller as hi * 2048 + lo (both fit
 * int16); _mm256_madd_epi16 forms 16-bit products summed in pairs into
 * 32-bit lanes, and every later sum is a wrapping 32-bit addition, exact
 * modulo 2^32, in whatever order; Pillow's own sum fits an int32, so the
 * result is the same.
 * Exactness, haar: every value is the same IEEE double operation, in the
 * same order, as in the WebAssembly kernel (and haar.ts): multiplies and
 * adds one by one, no fused multiply-add, four blocks per vector instead of
 * two.
 * Exactness, planes: 'L' is integer arithmetic; PDQ's luma is
 * (R * 0.299f + G * 0.587f) + B * 0.114f, each product and sum one IEEE
 * single-precision operation in that order (built with -ffp-contract=off,
 * and AVX2 alone has no fused multiply-add).
 *
 * Safety: every offset is checked against the memory's length before the
 * first byte is read, so a wrong table gives a RangeError, never a stray
 * read or write.
 *
 * Exports, when the CPU has AVX2 (otherwise none: the callers keep the
 * WebAssembly kernels):
 *   horizontal4(memory: ArrayBuffer, src, srcStride, rows, outW, out,
 *               outStride, first, groups, wHi, wLo, kStride, narrow): undefined
 *   vertical(memory: ArrayBuffer, src, srcStride, width, outH, out, outStride,
 *            first, count, weights, kStride): undefined
 *   planes(memory: ArrayBuffer, src, channels, width, height, l, f, stride): undefined
 *   planesFrom(pixels: Uint8Array, firstRow, memory: ArrayBuffer, channels, width, rows, l, f, stride): undefined
 *   haarForwardBytes(memory: ArrayBuffer, px, n, aa, ad, da, dd, table): undefined
 *   haarInverseThenApprox(memory: ArrayBuffer, aa, ad, da, dd, out, count): undefined
 */
#include <node_api.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
#include <immintrin.h>
#define HT_AVX2 1
#endif

typedef struct {
  uint32_t src, src_stride, rows, out_w, out, out_stride, first, groups, w_hi, w_lo, k_stride, narrow;
} pass_args;

#ifdef HT_AVX2
/*
 * The four rows' sums, hi * 2048 + lo lane by lane (wrapping), then all
 * lanes of each row added (in any order: wrapping addition is exact modulo
 * 2^32), rounded and clamped as Pillow's clip8 does, (sum + 2^21) >> 22 then
 * 0..255, and stored one output row apart.
 */
/* A 128-bit vector in the low half of a 256-bit one, the high half zero. */
__attribute__((target("avx2"))) static inline __m256i low_half(__m128i x) {
  return _mm256_inserti128_si256(_mm256_setzero_si256(), x, 0);
}

__attribute__((target("avx2"))) static inline void store4(uint8_t *o, size_t stride, __m256i h0, __m256i h1, __m256i h2,
                                                          __m256i h3, __m256i l0, __m256i l1, __m256i l2, __m256i l3) {
  __m256i v0 = _mm256_add_epi32(_mm256_slli_epi32(h0, 11), l0);
  __m256i v1 = _mm256_add_epi32(_mm256_slli_epi32(h1, 11), l1);
  __m256i v2 = _mm256_add_epi32(_mm256_slli_epi32(h2, 11), l2);
  __m256i v3 = _mm256_add_epi32(_mm256_slli_epi32(h3, 11), l3);
  /* Per 128-bit half: [r0, r0, r1, r1] + ... -> [r0, r1, r2, r3]; then the two halves. */
  __m256i t = _mm256_hadd_epi32(_mm256_hadd_epi32(v0, v1), _mm256_hadd_epi32(v2, v3));
  __m128i sums = _mm_add_epi32(_mm256_castsi256_si128(t), _mm256_extracti128_si256(t, 1));
  __m128i r = _mm_srai_epi32(_mm_add_epi32(sums, _mm_set1_epi32(2097152)), 22);
  /* Signed saturation to int16, then unsigned saturation to 0..255: clip8. */
  __m128i b = _mm_packus_epi16(_mm_packs_epi32(r, r), _mm_setzero_si128());
  uint32_t four = (uint32_t)_mm_cvtsi128_si32(b);
  o[0] = (uint8_t)four;
  o[stride] = (uint8_t)(four >> 8);
  o[2 * stride] = (uint8_t)(four >> 16);
  o[3 * stride] = (uint8_t)(four >> 24);
}

__attribute__((target("avx2"))) static void horizontal4_avx2(uint8_t *mem, const pass_args *a) {
  const int32_t *first = (const int32_t *)(mem + a->first);
  const int32_t *groups = (const int32_t *)(mem + a->groups);
  const int16_t *hi_t = (const int16_t *)(mem + a->w_hi);
  const int16_t *lo_t = (const int16_t *)(mem + a->w_lo);
  const size_t s1 = a->src_stride, s2 = 2 * s1, s3 = 3 * s1;
  for (uint32_t y = 0; y < a->rows; y += 4) {
    const uint8_t *row = mem + a->src + (size_t)y * s1;
    uint8_t *o = mem + a->out + (size_t)y * a->out_stride;
    for (uint32_t xx = 0; xx < a->out_w; xx++) {
      const uint8_t *p = row + first[xx];
      const int32_t g = groups[xx];
      const int16_t *wh = hi_t + (size_t)xx * a->k_stride;
      const int16_t *wl = lo_t + (size_t)xx * a->k_stride;
      __m256i h0 = _mm256_setzero_si256(), h1 = h0, h2 = h0, h3 = h0;
      __m256i l0 = h0, l1 = h0, l2 = h0, l3 = h0;
      int32_t t = 0;
      for (; t + 2 <= g; t += 2) {
        const uint8_t *q = p + 8 * t;
        __m256i wlv = _mm256_loadu_si256((const __m256i *)(wl + 8 * t));
        __m256i p0 = _mm256_cvtepu8_epi16(_mm_loadu_si128((const __m128i *)q));
        __m256i p1 = _mm256_cvtepu8_epi16(_mm_loadu_si128((const __m128i *)(q + s1)));
        __m256i p2 = _mm256_cvtepu8_epi16(_mm_loadu_si128((const __m128i *)(q + s2)));
        __m256i p3 = _mm256_cvtepu8_epi16(_mm_loadu_si128((const __m128i *)(q + s3)));
        l0 = _mm256_add_epi32(l0, _mm256_madd_epi16(p0, wlv));
        l1 = _mm256_add_epi32(l1, _mm256_madd_epi16(p1, wlv));
        l2 = _mm256_add_epi32(l2, _mm256_madd_epi16(p2, wlv));
        l3 = _mm256_add_epi32(l3, _mm256_madd_epi16(p3, wlv));
        if (!a->narrow) {
          __m256i whv = _mm256_loadu_si256((const __m256i *)(wh + 8 * t));
          h0 = _mm256_add_epi32(h0, _mm256_madd_epi16(p0, whv));
          h1 = _mm256_add_epi32(h1, _mm256_madd_epi16(p1, whv));
          h2 = _mm256_add_epi32(h2, _mm256_madd_epi16(p2, whv));
          h3 = _mm256_add_epi32(h3, _mm256_madd_epi16(p3, whv));
        }
      }
      if (t < g) {
        /* A last group of 8 taps, in the low half (the high half's products stay zero). */
        const uint8_t *q = p + 8 * t;
        __m256i wlv = low_half(_mm_loadu_si128((const __m128i *)(wl + 8 * t)));
        __m256i p0 = low_half(_mm_cvtepu8_epi16(_mm_loadl_epi64((const __m128i *)q)));
        __m256i p1 = low_half(_mm_cvtepu8_epi16(_mm_loadl_epi64((const __m128i *)(q + s1))));
        __m256i p2 = low_half(_mm_cvtepu8_epi16(_mm_loadl_epi64((const __m128i *)(q + s2))));
        __m256i p3 = low_half(_mm_cvtepu8_epi16(_mm_loadl_epi64((const __m128i *)(q + s3))));
        l0 = _mm256_add_epi32(l0, _mm256_madd_epi16(p0, wlv));
        l1 = _mm256_add_epi32(l1, _mm256_madd_epi16(p1, wlv));
        l2 = _mm256_add_epi32(l2, _mm256_madd_epi16(p2, wlv));
        l3 = _mm256_add_epi32(l3, _mm256_madd_epi16(p3, wlv));
        if (!a->narrow) {
          __m256i whv = low_half(_mm_loadu_si128((const __m128i *)(wh + 8 * t)));
          h0 = _mm256_add_epi32(h0, _mm256_madd_epi16(p0, whv));
          h1 = _mm256_add_epi32(h1, _mm256_madd_epi16(p1, whv));
          h2 = _mm256_add_epi32(h2, _mm256_madd_epi16(p2, whv));
          h3 = _mm256_add_epi32(h3, _mm256_madd_epi16(p3, whv));
        }
      }
      store4(o + xx, a->out_stride, h0, h1, h2, h3, l0, l1, l2, l3);
    }
  }
}
#endif

#ifdef HT_AVX2
/*
 * Eight pixels' 'L' bytes and PDQ floats from their samples as 32-bit lanes:
 * L24 = (r*19595 + g*38470 + b*7471 + 0x8000) >> 16 (grey: the grey itself).
 */
__attribute__((target("avx2"))) static inline void planes8(__m256i r, __m256i g, __m256i b, int grey, uint8_t *l, float *f) {
  __m256i lum;
  if (grey) {
    lum = r;
  } else {
    lum = _mm256_add_epi32(_mm256_add_epi32(_mm256_set1_epi32(32768), _mm256_mullo_epi32(r, _mm256_set1_epi32(19595))),
                           _mm256_add_epi32(_mm256_mullo_epi32(g, _mm256_set1_epi32(38470)), _mm256_mullo_epi32(b, _mm256_set1_epi32(7471))));
    lum = _mm256_srli_epi32(lum, 16);
  }
  __m128i w16 = _mm_packus_epi32(_mm256_castsi256_si128(lum), _mm256_extracti128_si256(lum, 1));
  _mm_storel_epi64((__m128i *)l, _mm_packus_epi16(w16, w16));
  if (f != NULL) {
    __m256 y = _mm256_add_ps(_mm256_add_ps(_mm256_mul_ps(_mm256_cvtepi32_ps(r), _mm256_set1_ps(0.299f)),
                                           _mm256_mul_ps(_mm256_cvtepi32_ps(g), _mm256_set1_ps(0.587f))),
                             _mm256_mul_ps(_mm256_cvtepi32_ps(b), _mm256_set1_ps(0.114f)));
    _mm256_storeu_ps(f, y);
  }
}

/* Bytes a row's conversion reads from its first pixel: 8-pixel groups up to the next multiple of 16, and 4 more for RGB. */
static inline size_t row_reach(uint32_t width, uint32_t ch) {
  return (size_t)((width + 15) & ~15u) * ch + (ch == 3 ? 4 : 0);
}

/* One row, in steps of 8 pixels up to the next multiple of 16, as the WebAssembly kernel writes. */
__attribute__((target("avx2"))) static void planes_row(const uint8_t *p, uint32_t ch, uint32_t width, uint8_t *lo, float *fo) {
  const uint32_t span = (width + 15) & ~15u;
  /* Byte positions of r, g and b of pixels 0-3 within 16 bytes (per 128-bit half); 0x80 = zero. */
  const __m256i r3 = _mm256_setr_epi8(0, -128, -128, -128, 3, -128, -128, -128, 6, -128, -128, -128, 9, -128, -128, -128,
                                      0, -128, -128, -128, 3, -128, -128, -128, 6, -128, -128, -128, 9, -128, -128, -128);
  const __m256i g3 = _mm256_setr_epi8(1, -128, -128, -128, 4, -128, -128, -128, 7, -128, -128, -128, 10, -128, -128, -128,
                                      1, -128, -128, -128, 4, -128, -128, -128, 7, -128, -128, -128, 10, -128, -128, -128);
  const __m256i b3 = _mm256_setr_epi8(2, -128, -128, -128, 5, -128, -128, -128, 8, -128, -128, -128, 11, -128, -128, -128,
                                      2, -128, -128, -128, 5, -128, -128, -128, 8, -128, -128, -128, 11, -128, -128, -128);
  const __m256i byte0 = _mm256_set1_epi32(0xff);
  for (uint32_t x = 0; x < span; x += 8) {
    __m256i r, g, b;
    if (ch == 3) {
      /* Pixels 0-3 from bytes 0-11, pixels 4-7 from bytes 12-23. */
      __m256i v = _mm256_inserti128_si256(_mm256_castsi128_si256(_mm_loadu_si128((const __m128i *)(p + 3 * x))),
                                          _mm_loadu_si128((const __m128i *)(p + 3 * x + 12)), 1);
      r = _mm256_shuffle_epi8(v, r3);
      g = _mm256_shuffle_epi8(v, g3);
      b = _mm256_shuffle_epi8(v, b3);
    } else if (ch == 4) {
      __m256i v = _mm256_loadu_si256((const __m256i *)(p + 4 * x));
      r = _mm256_and_si256(v, byte0);
      g = _mm256_and_si256(_mm256_srli_epi32(v, 8), byte0);
      b = _mm256_and_si256(_mm256_srli_epi32(v, 16), byte0);
    } else {
      r = g = b = _mm256_cvtepu8_epi32(_mm_loadl_epi64((const __m128i *)(p + x)));
    }
    planes8(r, g, b, ch == 1, lo + x, fo == NULL ? NULL : fo + x);
  }
}

/*
 * `height` rows of `width` pixels from `src` (rows back to back, `src_len`
 * bytes readable from it) to the 'L' rows at `lo` and, when `fo` is not
 * NULL, the float rows at `fo` (`stride` floats apart). A row whose reads
 * would run past `src_len` is converted from a zero-padded copy: the pixels
 * past the image's edge then differ from what the WebAssembly kernel reads
 * there (the next bytes in its memory), but no output inside the image does.
 */
__attribute__((target("avx2"))) static bool planes_rows(const uint8_t *src, size_t src_len, uint32_t ch, uint32_t width, uint32_t height,
                                                        uint8_t *lo, float *fo, uint32_t stride) {
  const size_t row_bytes = (size_t)width * ch, reach = row_reach(width, ch);
  uint8_t *pad = NULL;
  for (uint32_t y = 0; y < height; y++) {
    const uint8_t *p = src + (size_t)y * row_bytes;
    if ((size_t)y * row_bytes + reach > src_len) {
      if (pad == NULL && (pad = calloc(1, reach)) == NULL) return false;
      memcpy(pad, p, row_bytes);
      p = pad;
    }
    planes_row(p, ch, width, lo + (size_t)y * width, fo == NULL ? NULL : fo + (size_t)y * stride);
  }
  free(pad);
  return true;
}
#endif

#ifdef HT_AVX2
/*
 * One output row of the vertical pass over 16 columns: the 32-bit sums of
 * pixel * weight down `n` rows from `p`, started at 2^21 (Pillow's rounding),
 * then >> 22 and saturated to 0..255 as the WebAssembly kernel does
 * (signed to int16, then unsigned to bytes).
 */
__attribute__((target("avx2"))) static inline void vertical16(const uint8_t *p, size_t stride, const int32_t *w, uint32_t n, uint8_t *o) {
  __m256i a0 = _mm256_set1_epi32(2097152), a1 = a0;
  for (uint32_t t = 0; t < n; t++, p += stride) {
    __m256i wv = _mm256_set1_epi32(w[t]);
    __m128i px = _mm_loadu_si128((const __m128i *)p);
    a0 = _mm256_add_epi32(a0, _mm256_mullo_epi32(_mm256_cvtepu8_epi32(px), wv));
    a1 = _mm256_add_epi32(a1, _mm256_mullo_epi32(_mm256_cvtepu8_epi32(_mm_srli_si128(px, 8)), wv));
  }
  a0 = _mm256_srai_epi32(a0, 22);
  a1 = _mm256_srai_epi32(a1, 22);
  __m128i lo = _mm_packs_epi32(_mm256_castsi256_si128(a0), _mm256_extracti128_si256(a0, 1));
  __m128i hi = _mm_packs_epi32(_mm256_castsi256_si128(a1), _mm256_extracti128_si256(a1, 1));
  _mm_storeu_si128((__m128i *)o, _mm_packus_epi16(lo, hi));
}

/* Every output row, columns in groups of 16 up to the next multiple of 16, as the WebAssembly kernel writes. */
__attribute__((target("avx2"))) static void vertical_avx2(uint8_t *mem, const uint32_t *v) {
  const uint32_t src = v[0], src_stride = v[1], width = v[2], out_h = v[3], out = v[4], out_stride = v[5];
  const int32_t *first = (const int32_t *)(mem + v[6]);
  const int32_t *count = (const int32_t *)(mem + v[7]);
  const int32_t *weights = (const int32_t *)(mem + v[8]);
  const uint32_t k_stride = v[9];
  for (uint32_t yy = 0; yy < out_h; yy++) {
    const uint8_t *rows = mem + src + (size_t)first[yy] * src_stride;
    const int32_t *w = weights + (size_t)yy * k_stride;
    uint8_t *o = mem + out + (size_t)yy * out_stride;
    for (uint32_t x = 0; x < width; x += 16) vertical16(rows + x, src_stride, w, (uint32_t)count[yy], o + x);
  }
}
#endif

#ifdef HT_AVX2
/* One haar step on pairs, as haar-kernel.wat writes it: lo = k*x1 + k*x0, hi = nk*x1 + k*x0. */
#define HAAR_K 0.7071067811865476
#define HAAR_LO(k, nk, x0, x1) _mm256_add_pd(_mm256_mul_pd((k), (x1)), _mm256_mul_pd((k), (x0)))
#define HAAR_HI(k, nk, x0, x1) _mm256_add_pd(_mm256_mul_pd((nk), (x1)), _mm256_mul_pd((k), (x0)))

/* pywt.dwt2(px / 255., 'haar') on an n×n byte image (n a multiple of 8): haar-kernel.wat forwardBytes, four blocks per vector. */
__attribute__((target("avx2"))) static void haar_forward_bytes(uint8_t *mem, const uint32_t *v) {
  const uint32_t n = v[1], h = n / 2;
  const uint8_t *px = mem + v[0];
  double *aa = (double *)(mem + v[2]), *ad = (double *)(mem + v[3]), *da = (double *)(mem + v[4]), *dd = (double *)(mem + v[5]);
  const double *t = (const double *)(mem + v[6]);
  const __m256d k = _mm256_set1_pd(HAAR_K), nk = _mm256_set1_pd(-HAAR_K);
  size_t o = 0;
  for (uint32_t r = 0; r < h; r++) {
    const uint8_t *p0 = px + (size_t)2 * r * n, *p1 = p0 + n;
    for (uint32_t c = 0; c < h; c += 4, o += 4) {
      const uint8_t *a = p0 + 2 * c, *b = p1 + 2 * c;
      __m256d x00 = _mm256_setr_pd(t[a[0]], t[a[2]], t[a[4]], t[a[6]]);
      __m256d x01 = _mm256_setr_pd(t[a[1]], t[a[3]], t[a[5]], t[a[7]]);
      __m256d x10 = _mm256_setr_pd(t[b[0]], t[b[2]], t[b[4]], t[b[6]]);
      __m256d x11 = _mm256_setr_pd(t[b[1]], t[b[3]], t[b[5]], t[b[7]]);
      /* Axis 0, then axis 1. */
      __m256d a0 = HAAR_LO(k, nk, x00, x10), a1 = HAAR_LO(k, nk, x01, x11);
      __m256d d0 = HAAR_HI(k, nk, x00, x10), d1 = HAAR_HI(k, nk, x01, x11);
      _mm256_storeu_pd(aa + o, HAAR_LO(k, nk, a0, a1));
      _mm256_storeu_pd(ad + o, HAAR_HI(k, nk, a0, a1));
      _mm256_storeu_pd(da + o, HAAR_LO(k, nk, d0, d1));
      _mm256_storeu_pd(dd + o, HAAR_HI(k, nk, d0, d1));
    }
  }
}

/*
 * pywt.idwt2 of one level followed by the approximation of pywt.dwt2 of the
 * result, block by block: haar-kernel.wat inverseThenApprox, in its order.
 */
#define INVERSE_THEN_APPROX(V, ADD, MUL, k, nk, aa, ad, da, dd, out)                      \
  do {                                                                                   \
    V sa = MUL(k, aa), sd = MUL(k, da);                                                  \
    V ac0 = ADD(sa, MUL(k, ad)), ac1 = ADD(sa, MUL(nk, ad));                             \
    V dc0 = ADD(sd, MUL(k, dd)), dc1 = ADD(sd, MUL(nk, dd));                             \
    V s0 = MUL(k, ac0), s1 = MUL(k, ac1);                                                \
    V x00 = ADD(s0, MUL(k, dc0)), x01 = ADD(s1, MUL(k, dc1));                            \
    V x10 = ADD(s0, MUL(nk, dc0)), x11 = ADD(s1, MUL(nk, dc1));                          \
    out = ADD(MUL(k, ADD(MUL(k, x11), MUL(k, x01))), MUL(k, ADD(MUL(k, x10), MUL(k, x00)))); \
  } while (0)

__attribute__((target("avx2"))) static void haar_inverse_then_approx(uint8_t *mem, const uint32_t *v) {
  const double *aa = (const double *)(mem + v[0]), *ad = (const double *)(mem + v[1]);
  const double *da = (const double *)(mem + v[2]), *dd = (const double *)(mem + v[3]);
  double *out = (double *)(mem + v[4]);
  const uint32_t count = v[5];
  const __m256d k = _mm256_set1_pd(HAAR_K), nk = _mm256_set1_pd(-HAAR_K);
  for (uint32_t i = 0; i < count; i += 4) {
    __m256d r;
    INVERSE_THEN_APPROX(__m256d, _mm256_add_pd, _mm256_mul_pd, k, nk, _mm256_loadu_pd(aa + i), _mm256_loadu_pd(ad + i),
                        _mm256_loadu_pd(da + i), _mm256_loadu_pd(dd + i), r);
    _mm256_storeu_pd(out + i, r);
  }
}
#endif

/* True when [at, at + bytes) lies inside a memory of `len` bytes. */
static bool inside(uint64_t at, uint64_t bytes, size_t len) {
  return at <= len && bytes <= len - at;
}

/* Checks every byte the pass will touch; returns a reason, or NULL when all is inside. */
static const char *check(const pass_args *a, const uint8_t *mem, size_t len) {
  if (a->rows % 4 != 0) return "rows must be a multiple of 4";
  if (a->rows == 0 || a->out_w == 0) return NULL;
  if (a->first % 4 != 0 || a->groups % 4 != 0 || a->w_hi % 2 != 0 || a->w_lo % 2 != 0) return "misaligned table";
  if (!inside(a->first, 4ull * a->out_w, len) || !inside(a->groups, 4ull * a->out_w, len)) return "tap tables outside the memory";
  const uint64_t weights = 2ull * a->out_w * a->k_stride;
  if (!inside(a->w_lo, weights, len) || (!a->narrow && !inside(a->w_hi, weights, len))) return "weights outside the memory";
  if (!inside(a->out, (uint64_t)(a->rows - 1) * a->out_stride + a->out_w, len)) return "output outside the memory";
  const int32_t *first = (const int32_t *)(mem + a->first);
  const int32_t *groups = (const int32_t *)(mem + a->groups);
  uint64_t reach = 0;
  for (uint32_t xx = 0; xx < a->out_w; xx++) {
    if (first[xx] < 0 || groups[xx] < 0 || (uint64_t)groups[xx] * 8 > a->k_stride) return "invalid tap table";
    const uint64_t end = (uint64_t)first[xx] + 8ull * (uint64_t)groups[xx];
    if (end > reach) reach = end;
  }
  if (!inside(a->src, (uint64_t)(a->rows - 1) * a->src_stride + reach, len)) return "source outside the memory";
  return NULL;
}

/* Throws a RangeError naming `problem` when there is one; true when it did. */
static bool refused(napi_env env, const char *problem) {
  if (problem != NULL) napi_throw_range_error(env, "ERR_OUT_OF_RANGE", problem);
  return problem != NULL;
}

/* Reads `n` uint32 arguments after the ArrayBuffer; false (with a TypeError thrown) when they are not. */
static bool memory_and_offsets(napi_env env, napi_callback_info info, const char *name, size_t n, uint8_t **mem, size_t *len,
                               uint32_t *v) {
  napi_value argv[16];
  size_t argc = 16;
  napi_get_cb_info(env, info, &argc, argv, NULL, NULL);
  bool is_ab = false;
  if (argc != n + 1 || napi_is_arraybuffer(env, argv[0], &is_ab) != napi_ok || !is_ab) {
    char msg[128];
    snprintf(msg, sizeof msg, "%s(memory, ...) expects an ArrayBuffer and %zu offsets", name, n);
    napi_throw_type_error(env, "ERR_INVALID_ARG_TYPE", msg);
    return false;
  }
  for (size_t i = 0; i < n; i++) {
    if (napi_get_value_uint32(env, argv[i + 1], &v[i]) != napi_ok) {
      napi_throw_type_error(env, "ERR_INVALID_ARG_TYPE", "offsets must be numbers");
      return false;
    }
  }
  void *data;
  napi_get_arraybuffer_info(env, argv[0], &data, len);
  *mem = data;
  return true;
}

static napi_value planes(napi_env env, napi_callback_info info) {
  uint32_t v[7];
  uint8_t *mem;
  size_t len;
  if (!memory_and_offsets(env, info, "planes", 7, &mem, &len, v)) return NULL;
  const uint32_t src = v[0], ch = v[1], width = v[2], height = v[3], l = v[4], f = v[5], stride = v[6];
  const char *problem = NULL;
  if (ch != 1 && ch != 3 && ch != 4) problem = "channels must be 1, 3 or 4";
  else if (width == 0 || height == 0) problem = "empty image";
  else if (f != 0 && (f % 4 != 0 || stride < width)) problem = "misaligned float plane or stride below width";
  else {
    const uint64_t span = ((uint64_t)width + 15) & ~15ull;
    const uint64_t rows = (uint64_t)height - 1;
    /* Reads: 3 channels read 4 bytes past the last group of 8 pixels, the others none. */
    if (!inside(src, (rows * width + span) * ch + 4, len)) problem = "source outside the memory";
    else if (!inside(l, rows * width + span, len)) problem = "'L' plane outside the memory";
    else if (f != 0 && !inside(f, 4 * (rows * stride + span), len)) problem = "float plane outside the memory";
  }
  if (refused(env, problem)) return NULL;
#ifdef HT_AVX2
  planes_rows(mem + src, len - src, ch, width, height, mem + l, f == 0 ? NULL : (float *)(mem + f), stride);
#endif
  return NULL;
}

/*
 * planesFrom(pixels: Uint8Array, firstRow, memory: ArrayBuffer, channels,
 * width, rows, l, f, stride): `planes` reading the rows straight from the
 * decoded pixels instead of from a copy in the kernel memory.
 */
static napi_value planes_from(napi_env env, napi_callback_info info) {
  napi_value argv[9];
  size_t argc = 9;
  napi_get_cb_info(env, info, &argc, argv, NULL, NULL);
  bool is_ta = false, is_ab = false;
  if (argc != 9 || napi_is_typedarray(env, argv[0], &is_ta) != napi_ok || !is_ta || napi_is_arraybuffer(env, argv[2], &is_ab) != napi_ok ||
      !is_ab) {
    napi_throw_type_error(env, "ERR_INVALID_ARG_TYPE", "planesFrom(pixels, firstRow, memory, ...) expects a Uint8Array, a row and an ArrayBuffer");
    return NULL;
  }
  napi_typedarray_type type;
  size_t px_len;
  void *px_data;
  napi_get_typedarray_info(env, argv[0], &type, &px_len, &px_data, NULL, NULL);
  /* firstRow (argument 1), then channels, width, rows, l, f, stride (arguments 3-8). */
  uint32_t v[7];
  for (int i = 0; i < 7; i++) {
    if (napi_get_value_uint32(env, argv[i == 0 ? 1 : i + 2], &v[i]) != napi_ok) {
      napi_throw_type_error(env, "ERR_INVALID_ARG_TYPE", "offsets must be numbers");
      return NULL;
    }
  }
  void *data;
  size_t len;
  napi_get_arraybuffer_info(env, argv[2], &data, &len);
  uint8_t *mem = data;
  const uint32_t first_row = v[0], ch = v[1], width = v[2], rows = v[3], l = v[4], f = v[5], stride = v[6];
  const char *problem = NULL;
  if (type != napi_uint8_array) problem = "pixels must be a Uint8Array";
  else if (ch != 1 && ch != 3 && ch != 4) problem = "channels must be 1, 3 or 4";
  else if (width == 0 || rows == 0) problem = "empty image";
  else if (((uint64_t)first_row + rows) * width * ch > px_len) problem = "rows outside the pixels";
  else if (f != 0 && (f % 4 != 0 || stride < width)) problem = "misaligned float plane or stride below width";
  else {
    const uint64_t span = ((uint64_t)width + 15) & ~15ull, last = (uint64_t)rows - 1;
    if (!inside(l, last * width + span, len)) problem = "'L' plane outside the memory";
    else if (f != 0 && !inside(f, 4 * (last * stride + span), len)) problem = "float plane outside the memory";
  }
  if (refused(env, problem)) return NULL;
#ifdef HT_AVX2
  const size_t start = (size_t)first_row * width * ch;
  if (!planes_rows((const uint8_t *)px_data + start, px_len - start, ch, width, rows, mem + l, f == 0 ? NULL : (float *)(mem + f), stride)) {
    napi_throw_error(env, "ENOMEM", "planesFrom: out of memory");
    return NULL;
  }
#endif
  return NULL;
}

static napi_value horizontal4(napi_env env, napi_callback_info info) {
  uint32_t v[12];
  uint8_t *mem;
  size_t len;
  if (!memory_and_offsets(env, info, "horizontal4", 12, &mem, &len, v)) return NULL;
  pass_args a = {v[0], v[1], v[2], v[3], v[4], v[5], v[6], v[7], v[8], v[9], v[10], v[11]};
  const char *problem = check(&a, mem, len);
  if (refused(env, problem)) return NULL;
#ifdef HT_AVX2
  horizontal4_avx2(mem, &a);
#endif
  return NULL;
}

static napi_value vertical(napi_env env, napi_callback_info info) {
  uint32_t v[10];
  uint8_t *mem;
  size_t len;
  if (!memory_and_offsets(env, info, "vertical", 10, &mem, &len, v)) return NULL;
  const uint32_t src = v[0], src_stride = v[1], width = v[2], out_h = v[3], out = v[4], out_stride = v[5];
  const uint32_t first = v[6], count = v[7], weights = v[8], k_stride = v[9];
  const uint64_t span = ((uint64_t)width + 15) & ~15ull;
  const char *problem = NULL;
  if (width == 0 || out_h == 0) return NULL;
  if (first % 4 != 0 || count % 4 != 0 || weights % 4 != 0) problem = "misaligned table";
  else if (!inside(first, 4ull * out_h, len) || !inside(count, 4ull * out_h, len)) problem = "tap tables outside the memory";
  else if (!inside(weights, 4ull * out_h * k_stride, len)) problem = "weights outside the memory";
  else if (!inside(out, (uint64_t)(out_h - 1) * out_stride + span, len)) problem = "output outside the memory";
  else {
    const int32_t *f = (const int32_t *)(mem + first);
    const int32_t *c = (const int32_t *)(mem + count);
    for (uint32_t yy = 0; yy < out_h && problem == NULL; yy++) {
      if (f[yy] < 0 || c[yy] < 0 || (uint32_t)c[yy] > k_stride) problem = "invalid tap table";
      /* Rows first..first+count-1 are read, 16 bytes per group of columns. */
      else if (c[yy] > 0 && !inside(src, ((uint64_t)f[yy] + (uint64_t)c[yy] - 1) * src_stride + span, len)) problem = "source outside the memory";
    }
  }
  if (refused(env, problem)) return NULL;
#ifdef HT_AVX2
  vertical_avx2(mem, v);
#endif
  return NULL;
}

static napi_value haar_forward_bytes_js(napi_env env, napi_callback_info info) {
  uint32_t v[7];
  uint8_t *mem;
  size_t len;
  if (!memory_and_offsets(env, info, "haarForwardBytes", 7, &mem, &len, v)) return NULL;
  const uint64_t n = v[1], bands = (n / 2) * (n / 2) * 8;
  const char *problem = NULL;
  if (n < 8 || n % 8 != 0) problem = "n must be a positive multiple of 8";
  else if (!inside(v[0], n * n, len)) problem = "image outside the memory";
  else if (!inside(v[6], 256 * 8, len)) problem = "table outside the memory";
  else
    for (int i = 2; i <= 5 && problem == NULL; i++)
      if (!inside(v[i], bands, len)) problem = "sub-band outside the memory";
  if (refused(env, problem)) return NULL;
#ifdef HT_AVX2
  haar_forward_bytes(mem, v);
#endif
  return NULL;
}

static napi_value haar_inverse_then_approx_js(napi_env env, napi_callback_info info) {
  uint32_t v[6];
  uint8_t *mem;
  size_t len;
  if (!memory_and_offsets(env, info, "haarInverseThenApprox", 6, &mem, &len, v)) return NULL;
  const uint64_t bytes = (uint64_t)v[5] * 8;
  const char *problem = NULL;
  if (v[5] % 4 != 0) problem = "count must be a multiple of 4";
  else
    for (int i = 0; i <= 4 && problem == NULL; i++)
      if (!inside(v[i], bytes, len)) problem = "plane outside the memory";
  if (refused(env, problem)) return NULL;
#ifdef HT_AVX2
  haar_inverse_then_approx(mem, v);
#endif
  return NULL;
}

static napi_value init(napi_env env, napi_value exports) {
#ifdef HT_AVX2
  __builtin_cpu_init();
  if (__builtin_cpu_supports("avx2")) {
    napi_value fn;
    napi_create_function(env, "horizontal4", NAPI_AUTO_LENGTH, horizontal4, NULL, &fn);
    napi_set_named_property(env, exports, "horizontal4", fn);
    napi_create_function(env, "planes", NAPI_AUTO_LENGTH, planes, NULL, &fn);
    napi_set_named_property(env, exports, "planes", fn);
    napi_create_function(env, "planesFrom", NAPI_AUTO_LENGTH, planes_from, NULL, &fn);
    napi_set_named_property(env, exports, "planesFrom", fn);
    napi_create_function(env, "vertical", NAPI_AUTO_LENGTH, vertical, NULL, &fn);
    napi_set_named_property(env, exports, "vertical", fn);
    napi_create_function(env, "haarForwardBytes", NAPI_AUTO_LENGTH, haar_forward_bytes_js, NULL, &fn);
    napi_set_named_property(env, exports, "haarForwardBytes", fn);
    napi_create_function(env, "haarInverseThenApprox", NAPI_AUTO_LENGTH, haar_inverse_then_approx_js, NULL, &fn);
    napi_set_named_property(env, exports, "haarInverseThenApprox", fn);
  }
#else
  (void)horizontal4;
  (void)planes;
  (void)planes_from;
  (void)vertical;
  (void)haar_forward_bytes_js;
  (void)haar_inverse_then_approx_js;
#endif
  return exports;
}

NAPI_MODULE(NODE_GYP_MODULE_NAME, init)
