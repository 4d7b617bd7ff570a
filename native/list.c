/* The hashtriage_list addon's module: see list.h. */
#include "list.h"

static napi_value init(napi_env env, napi_value exports) {
  register_vics(env, exports);
  register_sort(env, exports);
  return exports;
}

NAPI_MODULE(NODE_GYP_MODULE_NAME, init)
