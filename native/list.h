/*
 * The list stage's native addon (hashtriage_list): the VICS Media record
 * scanner (vics.c) and the in-memory sort of import runs (sort.c), each
 * registering its export on the module that list.c defines.
 */
#ifndef HASHTRIAGE_LIST_H
#define HASHTRIAGE_LIST_H

#include <node_api.h>

void register_vics(napi_env env, napi_value exports);
void register_sort(napi_env env, napi_value exports);

#endif
