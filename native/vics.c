/*
 * Project VIC (VICS) Media records read in C, for list import.
 *
 * A VICS hash set is an array of Media objects, millions of them. Reading
 * each through JSON.parse and then picking out its properties cost over
 * half of an import's main-thread time; this scanner walks a run of Media
 * objects once, checks that each is valid JSON, and reports where the
 * values hashtriage keeps lie in the text. The mapping itself (hex
 * decoding, trimming, the checks and their messages) stays in
 * src/list/format-vics.ts, which turns these spans into the same values
 * JSON.parse would have given.
 *
 * The scanner gives up on a record ("stops") whenever it is not certain
 * that JSON.parse plus the JavaScript mapping would read it exactly as the
 * spans say; the caller then reads that record the JavaScript way. It stops
 * on: invalid JSON of any kind; a record cut off by the end of the text;
 * a number with an exponent or with more than 15 integer digits anywhere
 * (JavaScript would need its unsafe-integer path); in a field that is kept
 * (HashName and HashValue of AlternativeHashes objects included), a number
 * that is not a plain integer, an object or an array; a kept property named
 * twice, or spelled in another case (JavaScript reads those
 * case-insensitively), or any key with an escape or a non-ASCII character
 * where keys are matched; nesting deeper than 128.
 *
 * Input is the text as UTF-16 code units (as JavaScript holds it), so
 * offsets are string indices and a value is a plain `slice` on the
 * JavaScript side.
 *
 * Export:
 *   vicsMedia(text: string, out: Int32Array, digests: Uint8Array,
 *             alternatives: Int32Array): number
 *     text starts at a '{'; reads as many Media objects as follow one
 *     another, separated by commas, and fit in `out`; returns how many.
 *     out[0]: the index just past the last one read; out[1]: the line
 *     breaks before that index; out[2]: 1 when the record after them was
 *     cut off by the end of the text (a longer text may read it). Then per
 *     record REC_INTS ints: the line breaks before its '{', then (kind, start, end) per field in the order
 *     of the F_ enum: kind 0 absent (or null), 1 the value is
 *     text.slice(start, end) (a string's characters, or a number's or
 *     boolean's token), 2 the value is JSON.parse(text.slice(start, end))
 *     (a string with escapes, quotes included), 3 an MD5 or SHA-1 string of
 *     exactly 32 or 40 hex digits, decoded into `digests` at DIGEST_BYTES
 *     per record (MD5 first, then SHA-1), what the mapping would decode it to.
 *     alternatives[0]: how many AlternativeHashes entries follow, ALT_INTS
 *     each: the record's index in the batch, then (kind, start, end) of its
 *     HashName and of its HashValue, one entry per object element, in order.
 */
#include "list.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

enum { F_MD5, F_SHA1, F_PHOTODNA, F_CATEGORY, F_SERIES, F_VICTIM, F_MEDIAID, F_MEDIASIZE, F_COMMENTS, F_RELPATH, F_FILENAME, FIELDS };
/* Key classes beyond the fields (F_FILENAME is never a Media key; it comes from MediaFiles). */
enum { K_MEDIAFILES = FIELDS, K_ALTHASHES, K_OTHER, K_STOP };

#define HEAD_INTS 3
#define DIGEST_BYTES 36 /* per record: MD5 (16), SHA-1 (20) */
#define ALT_INTS 7      /* per AlternativeHashes entry: record, then (kind, start, end) of HashName and of HashValue */
#define REC_INTS (1 + 3 * FIELDS)
#define MAX_DEPTH 128

typedef struct {
  const char *name;
  uint32_t len;
} Name;
#define NAME(s) {s, sizeof(s) - 1}

/* Media keys as the VICS data model spells them, indexed by class. */
static const Name MEDIA_KEYS[] = {
    [F_MD5] = NAME("MD5"),           [F_SHA1] = NAME("SHA1"),         [F_PHOTODNA] = NAME("PhotoDNA"),
    [F_CATEGORY] = NAME("Category"), [F_SERIES] = NAME("Series"),     [F_VICTIM] = NAME("VictimIdentified"),
    [F_MEDIAID] = NAME("MediaID"),   [F_MEDIASIZE] = NAME("MediaSize"), [F_COMMENTS] = NAME("Comments"),
    [F_RELPATH] = NAME("RelativeFilePath"), [F_FILENAME] = {NULL, 0}, [K_MEDIAFILES] = NAME("MediaFiles"),
    [K_ALTHASHES] = NAME("AlternativeHashes"),
};

typedef struct {
  const uint16_t *s;
  uint32_t n;  /* units of text */
  uint32_t i;  /* position */
  uint32_t nl; /* line breaks passed */
  int ran_out; /* a check failed because the text ended: more text might have made the record readable */
} Cur;

/* Every function below returns 0 when it read what it was at, 1 to stop. */
#define STOP 1

/* True when the unit at the position is u; notes a check that failed at the end of the text. */
static int at(Cur *c, uint16_t u) {
  if (c->i >= c->n) {
    c->ran_out = 1;
    return 0;
  }
  return c->s[c->i] == u;
}

/* Notes that the text ended where more was needed, and stops. */
static int ran_out(Cur *c) {
  c->ran_out = 1;
  return STOP;
}

static void skip_ws(Cur *c) {
  /* Most calls find no white space at all (exporters write records on one line). */
  if (c->i < c->n && c->s[c->i] > ' ') return;
  while (c->i < c->n) {
    uint16_t u = c->s[c->i];
    if (u == '\n') c->nl++;
    else if (u != ' ' && u != '\t' && u != '\r') return;
    c->i++;
  }
}

static int is_hex(uint16_t u) { return (u >= '0' && u <= '9') || (u >= 'a' && u <= 'f') || (u >= 'A' && u <= 'F'); }
static int is_digit(uint16_t u) { return u >= '0' && u <= '9'; }

/* Hex digit values, -1 for anything else (indexed by units below 128; a test checks them). */
static const int8_t HEX_VALUE[128] = {
    -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1,
    -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1,
    -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1,
     0,  1,  2,  3,  4,  5,  6,  7,  8,  9, -1, -1, -1, -1, -1, -1,
    -1, 10, 11, 12, 13, 14, 15, -1, -1, -1, -1, -1, -1, -1, -1, -1,
    -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1,
    -1, 10, 11, 12, 13, 14, 15, -1, -1, -1, -1, -1, -1, -1, -1, -1,
    -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1,
};
/* 1 for the units that end a run of plain string characters: the control characters, '"' and '\\'. */
static const uint8_t STRING_STOP[128] = {
     1,  1,  1,  1,  1,  1,  1,  1,  1,  1,  1,  1,  1,  1,  1,  1,
     1,  1,  1,  1,  1,  1,  1,  1,  1,  1,  1,  1,  1,  1,  1,  1,
     0,  0,  1,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,
     0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,
     0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,
     0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  1,  0,  0,  0,
     0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,
     0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,
};

static int nibble(uint16_t u) { return u < 128 ? HEX_VALUE[u] : -1; }

/* A kind-1 string field of exactly 2 * len hex digits becomes kind 3, its bytes in out. */
static void decode_hex(const Cur *c, int32_t *f, uint8_t *out, uint32_t len) {
  if (f[0] != 1 || (uint32_t)(f[2] - f[1]) != 2 * len || c->s[f[1] - 1] != '"') return;
  const uint16_t *h = c->s + f[1];
  for (uint32_t j = 0; j < len; j++) {
    int hi = nibble(h[2 * j]), lo = nibble(h[2 * j + 1]);
    if (hi < 0 || lo < 0) return;
    out[j] = (uint8_t)(hi << 4 | lo);
  }
  f[0] = 3;
}

/* At '"': moves past the closing quote; *escaped tells whether a backslash escape was in it. */
static int scan_string(Cur *c, int *escaped) {
  const uint16_t *s = c->s;
  uint32_t i = c->i + 1, n = c->n;
  *escaped = 0;
  while (i < n) {
    while (i < n && (s[i] >= 128 || !STRING_STOP[s[i]])) i++;
    if (i >= n) break;
    uint16_t u = s[i];
    if (u == '"') {
      c->i = i + 1;
      return 0;
    }
    if (u < 0x20) return STOP; /* JSON.parse refuses raw control characters */
    if (u == '\\') {
      *escaped = 1;
      if (i + 1 >= c->n) return ran_out(c);
      uint16_t e = c->s[i + 1];
      if (e == 'u') {
        if (i + 5 >= c->n) return ran_out(c);
        for (uint32_t k = 2; k <= 5; k++)
          if (!is_hex(c->s[i + k])) return STOP;
        i += 6;
        continue;
      }
      if (e != '"' && e != '\\' && e != '/' && e != 'b' && e != 'f' && e != 'n' && e != 'r' && e != 't') return STOP;
      i += 2;
      continue;
    }
  }
  return ran_out(c);
}

/*
 * At '-' or a digit. *plain: the token is an integer whose JavaScript
 * String(Number(token)) is the token itself (at most 15 digits, not -0).
 */
static int scan_number(Cur *c, int *plain) {
  const uint16_t *s = c->s;
  uint32_t i = c->i, n = c->n;
  int neg = 0, frac = 0;
  if (i < n && s[i] == '-') {
    neg = 1;
    i++;
  }
  if (i >= n) return ran_out(c);
  uint32_t first = i;
  if (s[i] == '0') i++;
  else if (s[i] >= '1' && s[i] <= '9')
    while (i < n && is_digit(s[i])) i++;
  else
    return STOP;
  uint32_t digits = i - first;
  if (i < n && s[i] == '.') {
    uint32_t f = ++i;
    while (i < n && is_digit(s[i])) i++;
    if (i == f) return STOP;
    frac = 1;
  }
  /* An exponent or a long integer part may be an integer beyond 2^53: JavaScript's own path keeps its digits. */
  if (digits > 15 || (i < n && (s[i] == 'e' || s[i] == 'E'))) return STOP;
  if (i >= n) return ran_out(c); /* the token may go on past the text */
  *plain = !frac && !(neg && digits == 1 && s[first] == '0');
  c->i = i;
  return 0;
}

static int scan_word(Cur *c, const char *w) {
  size_t len = strlen(w);
  if (c->n - c->i <= len) return ran_out(c); /* a delimiter must follow within the text */
  for (size_t k = 0; k < len; k++)
    if (c->s[c->i + k] != (uint16_t)w[k]) return STOP;
  c->i += (uint32_t)len;
  return 0;
}

static int skip_value(Cur *c, int depth);

/* At '{' or '[': moves past it; returns 0 when the container closes at once (moved past that too), else 1. */
static int open_container(Cur *c, uint16_t close) {
  c->i++;
  skip_ws(c);
  if (at(c, close)) {
    c->i++;
    return 0;
  }
  return 1;
}

/* After an item: ',' (*more 1) or the container's closing character (*more 0). */
static int item_end(Cur *c, uint16_t close, int *more) {
  skip_ws(c);
  if (at(c, ',')) {
    c->i++;
    skip_ws(c);
    *more = 1;
    return 0;
  }
  if (at(c, close)) {
    c->i++;
    *more = 0;
    return 0;
  }
  return STOP;
}

/* At '{' or '[': the whole container, checked and passed over. */
static int skip_container(Cur *c, int depth) {
  if (depth >= MAX_DEPTH) return STOP;
  uint16_t close = c->s[c->i] == '{' ? '}' : ']';
  int more = open_container(c, close);
  while (more) {
    if (close == '}') {
      int escaped;
      if (!at(c, '"') || scan_string(c, &escaped)) return STOP;
      skip_ws(c);
      if (!at(c, ':')) return STOP;
      c->i++;
      skip_ws(c);
    }
    if (skip_value(c, depth + 1) || item_end(c, close, &more)) return STOP;
  }
  return 0;
}

/* Any JSON value, checked and passed over. */
static int skip_value(Cur *c, int depth) {
  if (c->i >= c->n) return ran_out(c);
  uint16_t u = c->s[c->i];
  int flag;
  if (u == '"') return scan_string(c, &flag);
  if (u == '{' || u == '[') return skip_container(c, depth);
  if (u == '-' || is_digit(u)) return scan_number(c, &flag);
  if (u == 't') return scan_word(c, "true");
  if (u == 'f') return scan_word(c, "false");
  if (u == 'n') return scan_word(c, "null");
  return STOP;
}

/* The value of a kept field into f[0..2] (kind, start, end); see the file comment. */
static int field_value(Cur *c, int32_t *f) {
  if (c->i >= c->n) return ran_out(c);
  uint16_t u = c->s[c->i];
  uint32_t start = c->i;
  if (u == '"') {
    int escaped;
    if (scan_string(c, &escaped)) return STOP;
    f[0] = escaped ? 2 : 1;
    f[1] = (int32_t)(escaped ? start : start + 1);
    f[2] = (int32_t)(escaped ? c->i : c->i - 1);
    return 0;
  }
  if (u == '-' || is_digit(u)) {
    int plain;
    if (scan_number(c, &plain) || !plain) return STOP;
  } else if (u == 't') {
    if (scan_word(c, "true")) return STOP;
  } else if (u == 'f') {
    if (scan_word(c, "false")) return STOP;
  } else if (u == 'n') {
    if (scan_word(c, "null")) return STOP;
    f[0] = 0;
    return 0;
  } else {
    return STOP; /* object, array, or not JSON */
  }
  f[0] = 1;
  f[1] = (int32_t)start;
  f[2] = (int32_t)c->i;
  return 0;
}

static uint16_t lower(uint16_t u) { return u >= 'A' && u <= 'Z' ? (uint16_t)(u + 32) : u; }

/* Compares a key's units with `name`: 2 same spelling, 1 same but for ASCII case, 0 different. */
static int key_is(const uint16_t *k, uint32_t len, const Name *name) {
  if (name->len != len) return 0;
  int exact = 1;
  for (uint32_t j = 0; j < len; j++) {
    uint16_t want = (uint16_t)name->name[j];
    if (k[j] == want) continue;
    if (lower(k[j]) != lower(want)) return 0;
    exact = 0;
  }
  return exact ? 2 : 1;
}

/*
 * Class of the key just read, [start, end) being its characters: one of
 * `names` (indices first..last) when spelled as there, K_STOP when it is
 * another spelling of one of them or not plain ASCII, else K_OTHER.
 */
static int classify(const Cur *c, uint32_t start, uint32_t end, int escaped, const Name *names, int first, int last) {
  if (escaped) return K_STOP;
  const uint16_t *k = c->s + start;
  uint32_t len = end - start;
  for (uint32_t j = 0; j < len; j++)
    if (k[j] >= 0x80) return K_STOP;
  for (int i = first; i <= last; i++) {
    int m = key_is(k, len, &names[i]);
    if (m == 2) return i;
    if (m == 1) return K_STOP;
  }
  return K_OTHER;
}

/* Reads an object member's key and colon; *cls its class among names[first..last]. */
static int member_key(Cur *c, const Name *names, int first, int last, int *cls) {
  int escaped;
  if (!at(c, '"')) return STOP;
  uint32_t start = c->i + 1;
  if (scan_string(c, &escaped)) return STOP;
  *cls = classify(c, start, c->i - 1, escaped, names, first, last);
  skip_ws(c);
  if (!at(c, ':')) return STOP;
  c->i++;
  skip_ws(c);
  return 0;
}

static const Name FILE_KEYS[] = {NAME("FileName")};

/* The first object of MediaFiles: its FileName into f. */
static int file_object(Cur *c, int32_t *f, int depth) {
  if (depth >= MAX_DEPTH) return STOP;
  int seen = 0, more = open_container(c, '}');
  while (more) {
    int cls;
    if (member_key(c, FILE_KEYS, 0, 0, &cls) || cls == K_STOP) return STOP;
    if (cls == 0) {
      if (seen++ || field_value(c, f)) return STOP;
    } else if (skip_value(c, depth + 1)) {
      return STOP;
    }
    if (item_end(c, '}', &more)) return STOP;
  }
  return 0;
}

/* MediaFiles: only an array's first object element counts (format-vics.ts). */
static int media_files(Cur *c, int32_t *f, int depth) {
  if (!at(c, '[')) return skip_value(c, depth);
  if (depth >= MAX_DEPTH) return STOP;
  int found = 0, more = open_container(c, ']');
  while (more) {
    if (!found && at(c, '{')) {
      found = 1;
      if (file_object(c, f, depth + 1)) return STOP;
    } else if (skip_value(c, depth + 1)) {
      return STOP;
    }
    if (item_end(c, ']', &more)) return STOP;
  }
  return 0;
}

/* Where the AlternativeHashes entries of a batch go: `data[0]` entries used, then ALT_INTS each. */
typedef struct {
  int32_t *data;
  uint32_t used, cap;
} Alts;

static const Name ALT_KEYS[] = {NAME("HashName"), NAME("HashValue")};

/* One object of AlternativeHashes: its HashName and HashValue as an entry of record `record`. */
static int alt_object(Cur *c, int depth, Alts *alts, uint32_t record) {
  if (depth >= MAX_DEPTH) return STOP;
  int32_t f[6] = {0};
  int seen = 0, more = open_container(c, '}');
  while (more) {
    int cls;
    if (member_key(c, ALT_KEYS, 0, 1, &cls) || cls == K_STOP) return STOP;
    if (cls == 0 || cls == 1) {
      if (seen & (1 << cls) || field_value(c, f + 3 * cls)) return STOP;
      seen |= 1 << cls;
    } else if (skip_value(c, depth + 1)) {
      return STOP;
    }
    if (item_end(c, '}', &more)) return STOP;
  }
  if (alts->used >= alts->cap) return STOP; /* the batch is full: this record waits for the next call */
  int32_t *e = alts->data + 1 + (size_t)ALT_INTS * alts->used++;
  e[0] = (int32_t)record;
  memcpy(e + 1, f, sizeof f);
  return 0;
}

/* AlternativeHashes: ignored unless it is an array; of an array, each object element is an entry. */
static int alternative_hashes(Cur *c, int depth, Alts *alts, uint32_t record) {
  if (!at(c, '[')) return skip_value(c, depth);
  if (depth >= MAX_DEPTH) return STOP;
  int more = open_container(c, ']');
  while (more) {
    if (at(c, '{')) {
      if (alt_object(c, depth + 1, alts, record)) return STOP;
    } else if (skip_value(c, depth + 1)) {
      return STOP;
    }
    if (item_end(c, ']', &more)) return STOP;
  }
  return 0;
}

/* One Media object at '{'; its fields into f (3 ints each). */
static int media(Cur *c, int32_t *f, Alts *alts, uint32_t record) {
  memset(f, 0, sizeof(int32_t) * 3 * FIELDS);
  uint32_t seen = 0;
  int more = open_container(c, '}');
  while (more) {
    int cls, bad;
    if (member_key(c, MEDIA_KEYS, 0, K_ALTHASHES, &cls) || cls == K_STOP) return STOP;
    if (cls != K_OTHER) {
      if (seen & (1u << cls)) return STOP; /* JSON.parse keeps the last; rare enough to leave to it */
      seen |= 1u << cls;
    }
    if (cls == K_MEDIAFILES) bad = media_files(c, f + 3 * F_FILENAME, 1);
    else if (cls == K_ALTHASHES) bad = alternative_hashes(c, 1, alts, record);
    else if (cls == K_OTHER) bad = skip_value(c, 1);
    else bad = field_value(c, f + 3 * cls);
    if (bad || item_end(c, '}', &more)) return STOP;
  }
  return 0;
}

static napi_value vics_media(napi_env env, napi_callback_info info) {
  size_t argc = 4;
  napi_value argv[4], result;
  napi_get_cb_info(env, info, &argc, argv, NULL, NULL);
  size_t out_len = 0, digests_len = 0, alts_len = 0;
  int32_t *out = NULL, *alts_data = NULL;
  uint8_t *digests = NULL;
  size_t len = 0;
  if (argc < 4 || napi_get_value_string_utf16(env, argv[0], NULL, 0, &len) != napi_ok ||
      !typed_array(env, argv[1], napi_int32_array, (void **)&out, &out_len) ||
      !typed_array(env, argv[2], napi_uint8_array, (void **)&digests, &digests_len) ||
      !typed_array(env, argv[3], napi_int32_array, (void **)&alts_data, &alts_len) || out_len < HEAD_INTS || alts_len < 1 ||
      len >= INT32_MAX) {
    napi_throw_type_error(env, NULL, "vicsMedia(text: string, out: Int32Array, digests: Uint8Array, alternatives: Int32Array)");
    return NULL;
  }
  uint16_t *text = malloc((len + 1) * sizeof(uint16_t));
  if (text == NULL) {
    napi_throw_error(env, NULL, "vicsMedia: out of memory");
    return NULL;
  }
  size_t copied = 0;
  napi_get_value_string_utf16(env, argv[0], (char16_t *)text, len + 1, &copied);
  size_t cap = (out_len - HEAD_INTS) / REC_INTS;
  if (digests_len / DIGEST_BYTES < cap) cap = digests_len / DIGEST_BYTES;
  Alts alts = {alts_data, 0, (uint32_t)((alts_len - 1) / ALT_INTS)};
  Cur c = {text, (uint32_t)copied, 0, 0, 0};
  uint32_t count = 0, end = 0, end_nl = 0;
  while (count < cap) {
    if (count > 0) {
      skip_ws(&c);
      if (!at(&c, ',')) break;
      c.i++;
      skip_ws(&c);
    }
    if (!at(&c, '{')) break;
    int32_t *rec = out + HEAD_INTS + (size_t)count * REC_INTS;
    rec[0] = (int32_t)c.nl;
    uint32_t alts_before = alts.used;
    if (media(&c, rec + 1, &alts, count)) {
      alts.used = alts_before; /* entries of a record not read are not handed over */
      break;
    }
    uint8_t *d = digests + (size_t)count * DIGEST_BYTES;
    decode_hex(&c, rec + 1 + 3 * F_MD5, d, 16);
    decode_hex(&c, rec + 1 + 3 * F_SHA1, d + 16, 20);
    count++;
    end = c.i;
    end_nl = c.nl;
  }
  free(text);
  out[0] = (int32_t)end;
  out[1] = (int32_t)end_nl;
  out[2] = c.ran_out;
  alts_data[0] = (int32_t)alts.used;
  napi_create_uint32(env, count, &result);
  return result;
}

void register_vics(napi_env env, napi_value exports) {
  napi_value fn;
  napi_create_function(env, "vicsMedia", NAPI_AUTO_LENGTH, vics_media, NULL, &fn);
  napi_set_named_property(env, exports, "vicsMedia", fn);
}
