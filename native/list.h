/*
 * The list stage's native addon (hashtriage_list): the VICS Media record
 * scanner (vics.c) and the in-memory sort of import runs (sort.c), each
 * registering its export on the module that list.c defines.
 */
#ifndef HASHTRIAGE_LIST_H
#define HASHTRIAGE_LIST_H

#include <node_api.h>

/* True when v is a typed array of type `want`; its data and length (in elements) into *data and *len. */
static inline int typed_array(napi_env env, napi_value v, napi_typedarray_type want, void **data, size_t *len) {
  napi_typedarray_type type;
  return napi_get_typedarray_info(env, v, &type, len, data, NULL, NULL) == napi_ok && type == want;
}

void register_vics(napi_env env, napi_value exports);
void register_sort(napi_env env, napi_value exports);

#endif
