{
  "targets": [
    {
      "target_name": "hashtriage_dirlist",
      "sources": ["native/dirlist.c"],
      "defines": ["NAPI_VERSION=8"],
      "cflags": ["-std=c11", "-Wall", "-Wextra", "-O2"]
    },
    {
      "target_name": "hashtriage_kernels",
      "sources": ["native/kernels.c"],
      "defines": ["NAPI_VERSION=8"],
      "cflags": ["-std=c11", "-Wall", "-Wextra", "-O2", "-ffp-contract=off"]
    },
    {
      "target_name": "hashtriage_list",
      "sources": ["native/list.c", "native/vics.c", "native/sort.c"],
      "defines": ["NAPI_VERSION=8"],
      "cflags": ["-std=c11", "-Wall", "-Wextra", "-O2"]
    }
  ]
}
