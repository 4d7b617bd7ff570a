/*
 * The import's in-memory sort of one run of keys (src/list/sorted-runs.ts).
 *
 * The JavaScript sort packs a 32-bit key prefix with the position into a
 * float64 and sorts those, then reads every key again in sorted order to
 * hand it on: reads that land all over a buffer of tens of megabytes, one
 * cache miss per key. Here a 64-bit prefix is sorted with the position
 * (bucketed by its top 16 bits, then each bucket in place; stable, so equal
 * prefixes stay in position order), keys
 * whose prefixes tie are ordered by their remaining bytes with a stable
 * merge sort, and the keys are copied out in sorted order, so the caller
 * reads them front to back. The order is exactly the JavaScript one: bytes
 * compared as unsigned, a key that is a prefix of another first, equal keys
 * by position.
 *
 * Export:
 *   sortRun(keys: Uint8Array, offsets: Uint32Array, count: number,
 *           outKeys: Uint8Array, outOffsets: Uint32Array, order: Uint32Array,
 *           repeat: Uint8Array): undefined
 *     Key i is keys[offsets[i] .. offsets[i + 1]). Writes the keys in sorted
 *     order to outKeys, their bounds to outOffsets (count + 1 values from 0),
 *     the position of the i-th key in order[i], and repeat[i] = 1 when that
 *     key equals the one before it. Throws a RangeError, having written
 *     nothing, when an offset or a length does not fit.
 */
#include "list.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

typedef struct {
  uint64_t prefix;
  uint32_t pos;
} Item;

typedef struct {
  const uint8_t *keys;
  const uint32_t *offsets;
} Keys;

static uint64_t prefix_of(const uint8_t *k, uint32_t len) {
  uint64_t p = 0;
  for (uint32_t j = 0; j < 8; j++) p = (p << 8) | (j < len ? k[j] : 0);
  return p;
}

/* Key a against key b: negative, zero or positive, as Buffer.compare. */
static int compare(const Keys *k, uint32_t a, uint32_t b) {
  uint32_t la = k->offsets[a + 1] - k->offsets[a], lb = k->offsets[b + 1] - k->offsets[b];
  int c = memcmp(k->keys + k->offsets[a], k->keys + k->offsets[b], la < lb ? la : lb);
  return c != 0 ? c : (la > lb) - (la < lb);
}

/* Stable merge sort of positions by key (equal keys keep their order, which is position order). */
static void merge_sort(const Keys *k, uint32_t *v, uint32_t *tmp, size_t n) {
  if (n < 2) return;
  size_t h = n / 2;
  merge_sort(k, v, tmp, h);
  merge_sort(k, v + h, tmp, n - h);
  size_t i = 0, j = h, o = 0;
  while (i < h && j < n) tmp[o++] = compare(k, v[j], v[i]) < 0 ? v[j++] : v[i++];
  while (i < h) tmp[o++] = v[i++];
  while (j < n) tmp[o++] = v[j++];
  memcpy(v, tmp, n * sizeof(uint32_t));
}

/* Stable merge sort of items by prefix, through tmp (n items). */
static void merge_items(Item *v, Item *tmp, size_t n) {
  if (n <= 16) {
    /* Insertion sort, stable: an item moves only past strictly greater ones. */
    for (size_t i = 1; i < n; i++) {
      Item x = v[i];
      size_t j = i;
      for (; j > 0 && v[j - 1].prefix > x.prefix; j--) v[j] = v[j - 1];
      v[j] = x;
    }
    return;
  }
  size_t h = n / 2;
  merge_items(v, tmp, h);
  merge_items(v + h, tmp, n - h);
  size_t i = 0, j = h, o = 0;
  while (i < h && j < n) tmp[o++] = v[j].prefix < v[i].prefix ? v[j++] : v[i++];
  while (i < h) tmp[o++] = v[i++];
  while (j < n) tmp[o++] = v[j++];
  memcpy(v, tmp, n * sizeof(Item));
}

/*
 * Sorts items by prefix, stably (equal prefixes stay in position order):
 * one pass spreads them over 65,536 buckets by the top 16 bits, in order,
 * and each bucket is then sorted where it lies. Digests are spread evenly,
 * so a bucket of a million digests holds about 15 and stays in cache; keys
 * that crowd into few buckets cost a merge sort, never worse.
 * Returns 1 when out of memory (nothing sorted).
 */
static int sort_items(Item *a, Item *b, size_t n) {
  size_t *start = calloc(65537, sizeof(size_t));
  if (start == NULL) return 1;
  for (size_t i = 0; i < n; i++) start[(a[i].prefix >> 48) + 1]++;
  for (size_t d = 1; d <= 65536; d++) start[d] += start[d - 1];
  size_t *next = malloc(65536 * sizeof(size_t));
  if (next == NULL) {
    free(start);
    return 1;
  }
  memcpy(next, start, 65536 * sizeof(size_t));
  for (size_t i = 0; i < n; i++) b[next[a[i].prefix >> 48]++] = a[i];
  for (size_t d = 0; d < 65536; d++)
    if (start[d + 1] - start[d] > 1) merge_items(b + start[d], a, start[d + 1] - start[d]);
  memcpy(a, b, n * sizeof(Item));
  free(next);
  free(start);
  return 0;
}

static napi_value sort_run(napi_env env, napi_callback_info info) {
  size_t argc = 7;
  napi_value argv[7];
  napi_get_cb_info(env, info, &argc, argv, NULL, NULL);
  uint8_t *keys, *out_keys, *repeat;
  uint32_t *offsets, *out_offsets, *order;
  size_t keys_len, offsets_len, out_keys_len, out_offsets_len, order_len, repeat_len;
  uint32_t n;
  if (argc < 7 || !typed_array(env, argv[0], napi_uint8_array, (void **)&keys, &keys_len) ||
      !typed_array(env, argv[1], napi_uint32_array, (void **)&offsets, &offsets_len) ||
      napi_get_value_uint32(env, argv[2], &n) != napi_ok ||
      !typed_array(env, argv[3], napi_uint8_array, (void **)&out_keys, &out_keys_len) ||
      !typed_array(env, argv[4], napi_uint32_array, (void **)&out_offsets, &out_offsets_len) ||
      !typed_array(env, argv[5], napi_uint32_array, (void **)&order, &order_len) ||
      !typed_array(env, argv[6], napi_uint8_array, (void **)&repeat, &repeat_len)) {
    napi_throw_type_error(env, NULL, "sortRun(keys, offsets, count, outKeys, outOffsets, order, repeat)");
    return NULL;
  }
  if (offsets_len < (size_t)n + 1 || out_offsets_len < (size_t)n + 1 || order_len < n || repeat_len < n) {
    napi_throw_range_error(env, NULL, "sortRun: an array is shorter than count");
    return NULL;
  }
  for (uint32_t i = 0; i < n; i++)
    if (offsets[i] > offsets[i + 1]) {
      napi_throw_range_error(env, NULL, "sortRun: offsets go backwards");
      return NULL;
    }
  uint32_t total = n > 0 ? offsets[n] - offsets[0] : 0;
  if ((n > 0 && offsets[n] > keys_len) || total > out_keys_len) {
    napi_throw_range_error(env, NULL, "sortRun: keys outside their buffer");
    return NULL;
  }
  if (n == 0) {
    if (out_offsets_len > 0) out_offsets[0] = 0;
    return NULL;
  }
  Item *items = malloc(2 * (size_t)n * sizeof(Item));
  uint32_t *tmp = malloc((size_t)n * sizeof(uint32_t));
  if (items == NULL || tmp == NULL) {
    free(items);
    free(tmp);
    napi_throw_error(env, NULL, "sortRun: out of memory");
    return NULL;
  }
  for (uint32_t i = 0; i < n; i++) {
    items[i].prefix = prefix_of(keys + offsets[i], offsets[i + 1] - offsets[i]);
    items[i].pos = i;
  }
  if (sort_items(items, items + n, n)) {
    free(items);
    free(tmp);
    napi_throw_error(env, NULL, "sortRun: out of memory");
    return NULL;
  }
  for (uint32_t i = 0; i < n; i++) order[i] = items[i].pos;
  /* Equal prefixes: order by the whole key (only keys longer than 8 bytes can differ past it). */
  Keys k = {keys, offsets};
  for (uint32_t i = 0; i < n;) {
    uint32_t j = i + 1;
    while (j < n && items[j].prefix == items[i].prefix) j++;
    if (j - i > 1) merge_sort(&k, order + i, tmp, j - i);
    i = j;
  }
  uint32_t at = 0;
  out_offsets[0] = 0;
  for (uint32_t i = 0; i < n; i++) {
    uint32_t p = order[i], len = offsets[p + 1] - offsets[p];
    if (i + 8 < n) __builtin_prefetch(keys + offsets[order[i + 8]]);
    memcpy(out_keys + at, keys + offsets[p], len);
    at += len;
    out_offsets[i + 1] = at;
    repeat[i] = i > 0 && items[i].prefix == items[i - 1].prefix && compare(&k, order[i - 1], p) == 0;
  }
  free(items);
  free(tmp);
  return NULL;
}

void register_sort(napi_env env, napi_value exports) {
  napi_value fn;
  napi_create_function(env, "sortRun", NAPI_AUTO_LENGTH, sort_run, NULL, &fn);
  napi_set_named_property(env, exports, "sortRun", fn);
}
