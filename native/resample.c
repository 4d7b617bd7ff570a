/*
 * Pillow's 8-bit LANCZOS horizontal pass, four rows at a time, compiled for
 * AVX2: the same integer arithmetic as `horizontal4` and `horizontal4Narrow`
 * in src/hash/pillow-kernel.wat, on the same tables in the same WebAssembly
 * memory, so the output bytes are identical. WebAssembly SIMD stops at 128
 * bits; here one multiply-add instruction takes 16 taps instead of 8, and this
 * pass is the largest part of the four imagehash resamples.
 *
 * Exactness: Pillow accumulates pixel * weight in a 32-bit int. Each 22-bit
 * weight is split by the caller as hi * 2048 + lo (both fit int16);
 * _mm256_madd_epi16 forms 16-bit products summed in pairs into 32-bit lanes,
 * and every later sum is a wrapping 32-bit addition, exact modulo 2^32, in
 * whatever order; Pillow's own sum fits an int32, so the result is the same.
 *
 * Safety: every offset is checked against the memory's length before the
 * first byte is read, so a wrong table gives a RangeError, never a stray
 * read or write.
 *
 * Exports, when the CPU has AVX2 (otherwise none: the caller keeps the
 * WebAssembly kernel):
 *   horizontal4(memory: ArrayBuffer, src, srcStride, rows, outW, out,
 *               outStride, first, groups, wHi, wLo, kStride, narrow): undefined
 */

#include <node_api.h>
#include <stdbool.h>
#include <stdint.h>
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

static napi_value horizontal4(napi_env env, napi_callback_info info) {
  size_t argc = 13;
  napi_value argv[13];
  napi_get_cb_info(env, info, &argc, argv, NULL, NULL);
  bool is_ab = false;
  if (argc != 13 || napi_is_arraybuffer(env, argv[0], &is_ab) != napi_ok || !is_ab) {
    napi_throw_type_error(env, "ERR_INVALID_ARG_TYPE", "horizontal4(memory, ...) expects an ArrayBuffer and 12 offsets");
    return NULL;
  }
  uint32_t v[12];
  for (int i = 0; i < 12; i++) {
    if (napi_get_value_uint32(env, argv[i + 1], &v[i]) != napi_ok) {
      napi_throw_type_error(env, "ERR_INVALID_ARG_TYPE", "horizontal4: offsets must be numbers");
      return NULL;
    }
  }
  pass_args a = {v[0], v[1], v[2], v[3], v[4], v[5], v[6], v[7], v[8], v[9], v[10], v[11]};
  void *data;
  size_t len;
  napi_get_arraybuffer_info(env, argv[0], &data, &len);
  const char *problem = check(&a, data, len);
  if (problem != NULL) {
    napi_throw_range_error(env, "ERR_OUT_OF_RANGE", problem);
    return NULL;
  }
#ifdef HT_AVX2
  horizontal4_avx2(data, &a);
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
  }
#else
  (void)horizontal4;
#endif
  return exports;
}

NAPI_MODULE(NODE_GYP_MODULE_NAME, init)
