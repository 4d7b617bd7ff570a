/*
 * hashtriage directory reader: lists one directory without touching its
 * access time.
 *
 * Why this exists: on Linux, reading a directory (getdents) updates its atime
 * under the default `relatime` mount option once the atime is more than a day
 * old, and Node.js offers no way to list a directory from a descriptor opened
 * with O_NOATIME. Evidence must not be altered, so we open the directory
 * ourselves with O_NOATIME and list it with fdopendir/readdir.
 *
 * JS API (one function):
 *   list(path: Buffer): Promise<{ names: Buffer, types: Buffer, noatime: boolean }>
 *     names   - every entry name except "." and "..", each followed by a NUL
 *               byte (a name can never contain NUL, so this is unambiguous);
 *               one buffer rather than thousands keeps the N-API cost flat.
 *     types   - one d_type byte per name, in the same order (DT_UNKNOWN when
 *               the file system does not say).
 *     noatime - false when the kernel refused O_NOATIME (EPERM: the caller
 *               neither owns the directory nor has CAP_FOWNER) and the
 *               directory was read without it.
 *   On failure the promise rejects with an Error shaped like Node's own
 *   system errors: `code` ("EACCES"...), `errno` (negative), `syscall`, `path`.
 *
 * The work runs on the libuv thread pool (napi_create_async_work) so a slow
 * or huge directory never blocks the event loop.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <node_api.h>

typedef struct {
  napi_async_work work;
  napi_deferred deferred;
  char *path; /* NUL-terminated copy: the JS buffer may move or be reused */
  char *names;
  size_t names_len;
  size_t names_cap;
  unsigned char *types;
  size_t count;
  size_t types_cap;
  int err; /* errno of the failure; 0 on success */
  const char *syscall;
  int noatime;
} list_job;

/* Errno names as Node spells them, so failureFromSystemError can map them. */
static const char *errno_name(int err) {
#if defined(__GLIBC__) && (__GLIBC__ > 2 || (__GLIBC__ == 2 && __GLIBC_MINOR__ >= 32))
  const char *name = strerrorname_np(err);
  if (name != NULL) return name;
#endif
  switch (err) {
    case EACCES: return "EACCES";
    case EPERM: return "EPERM";
    case ENOENT: return "ENOENT";
    case ENOTDIR: return "ENOTDIR";
    case ELOOP: return "ELOOP";
    case ENAMETOOLONG: return "ENAMETOOLONG";
    case EIO: return "EIO";
    case ENOMEM: return "ENOMEM";
    case EMFILE: return "EMFILE";
    case ENFILE: return "ENFILE";
    case EINVAL: return "EINVAL";
    default: return "UNKNOWN";
  }
}

static int grow(void **buf, size_t *cap, size_t need, size_t elem) {
  if (need <= *cap) return 0;
  size_t next = *cap ? *cap : 256;
  while (next < need) next *= 2;
  void *moved = realloc(*buf, next * elem);
  if (moved == NULL) return ENOMEM;
  *buf = moved;
  *cap = next;
  return 0;
}

/* Thread-pool side: no N-API calls allowed here. */
static void execute(napi_env env, void *data) {
  (void)env;
  list_job *job = data;
  /* O_NOFOLLOW: the walk never follows a symlink, even one swapped in for a
   * directory after it was listed in the parent. */
  int flags = O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC;
  int fd = -1;
#ifdef O_NOATIME
  fd = open(job->path, flags | O_NOATIME);
  job->noatime = 1;
  if (fd < 0 && errno == EPERM) {
    /* Only the owner (or CAP_FOWNER) may ask for O_NOATIME. Reading without
     * it is still read-only; the caller learns atime may have moved. */
    fd = open(job->path, flags);
    job->noatime = 0;
  }
#else
  fd = open(job->path, flags);
  job->noatime = 0;
#endif
  if (fd < 0) {
    job->err = errno;
    job->syscall = "open";
    return;
  }
  DIR *dir = fdopendir(fd);
  if (dir == NULL) {
    job->err = errno;
    job->syscall = "fdopendir";
    close(fd);
    return;
  }
  for (;;) {
    errno = 0;
    struct dirent *ent = readdir(dir);
    if (ent == NULL) {
      if (errno != 0) {
        job->err = errno;
        job->syscall = "readdir";
      }
      break;
    }
    const char *n = ent->d_name;
    if (n[0] == '.' && (n[1] == '\0' || (n[1] == '.' && n[2] == '\0'))) continue;
    size_t len = strlen(n) + 1;
    int e = grow((void **)&job->names, &job->names_cap, job->names_len + len, 1);
    if (e == 0) e = grow((void **)&job->types, &job->types_cap, job->count + 1, 1);
    if (e != 0) {
      job->err = e;
      job->syscall = "readdir";
      break;
    }
    memcpy(job->names + job->names_len, n, len);
    job->names_len += len;
    job->types[job->count++] = ent->d_type;
  }
  closedir(dir); /* also closes fd */
}

static napi_value system_error(napi_env env, const list_job *job) {
  const char *code = errno_name(job->err);
  char message[512];
  snprintf(message, sizeof message, "%s: %s, %s '%.400s'", code, strerror(job->err), job->syscall, job->path);
  napi_value msg, code_v, err_v, errno_v, syscall_v, path_v;
  napi_create_string_utf8(env, message, NAPI_AUTO_LENGTH, &msg);
  napi_create_string_utf8(env, code, NAPI_AUTO_LENGTH, &code_v);
  napi_create_error(env, code_v, msg, &err_v);
  /* Node reports errno negated (libuv convention); keep that for consistency. */
  napi_create_int32(env, -job->err, &errno_v);
  napi_create_string_utf8(env, job->syscall, NAPI_AUTO_LENGTH, &syscall_v);
  napi_create_string_utf8(env, job->path, NAPI_AUTO_LENGTH, &path_v);
  napi_set_named_property(env, err_v, "errno", errno_v);
  napi_set_named_property(env, err_v, "syscall", syscall_v);
  napi_set_named_property(env, err_v, "path", path_v);
  return err_v;
}

static void free_job(list_job *job) {
  free(job->path);
  free(job->names);
  free(job->types);
  free(job);
}

/* Main-thread side: turn the job into a resolved or rejected promise. */
static void complete(napi_env env, napi_status status, void *data) {
  list_job *job = data;
  if (status != napi_ok && job->err == 0) {
    job->err = ECANCELED;
    job->syscall = "list";
  }
  if (job->err != 0) {
    napi_reject_deferred(env, job->deferred, system_error(env, job));
  } else {
    napi_value result, names, types, noatime;
    napi_create_object(env, &result);
    napi_create_buffer_copy(env, job->names_len, job->names_len ? job->names : "", NULL, &names);
    napi_create_buffer_copy(env, job->count, job->count ? (const char *)job->types : "", NULL, &types);
    napi_get_boolean(env, job->noatime != 0, &noatime);
    napi_set_named_property(env, result, "names", names);
    napi_set_named_property(env, result, "types", types);
    napi_set_named_property(env, result, "noatime", noatime);
    napi_resolve_deferred(env, job->deferred, result);
  }
  napi_delete_async_work(env, job->work);
  free_job(job);
}

static napi_value list(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1];
  napi_get_cb_info(env, info, &argc, argv, NULL, NULL);
  bool is_buffer = false;
  if (argc < 1 || napi_is_buffer(env, argv[0], &is_buffer) != napi_ok || !is_buffer) {
    napi_throw_type_error(env, "ERR_INVALID_ARG_TYPE", "list(path) expects a Buffer path");
    return NULL;
  }
  void *bytes;
  size_t len;
  napi_get_buffer_info(env, argv[0], &bytes, &len);
  if (memchr(bytes, 0, len) != NULL) {
    napi_throw_type_error(env, "ERR_INVALID_ARG_VALUE", "list(path) path must not contain NUL bytes");
    return NULL;
  }
  list_job *job = calloc(1, sizeof *job);
  if (job == NULL || (job->path = malloc(len + 1)) == NULL) {
    free(job);
    napi_throw_error(env, "ENOMEM", "list(path) out of memory");
    return NULL;
  }
  memcpy(job->path, bytes, len);
  job->path[len] = '\0';

  napi_value promise, resource_name;
  napi_create_promise(env, &job->deferred, &promise);
  napi_create_string_utf8(env, "hashtriage:list", NAPI_AUTO_LENGTH, &resource_name);
  napi_create_async_work(env, NULL, resource_name, execute, complete, job, &job->work);
  napi_queue_async_work(env, job->work);
  return promise;
}

static napi_value init(napi_env env, napi_value exports) {
  napi_value fn;
  napi_create_function(env, "list", NAPI_AUTO_LENGTH, list, NULL, &fn);
  napi_set_named_property(env, exports, "list", fn);
  return exports;
}

NAPI_MODULE(NODE_GYP_MODULE_NAME, init)
