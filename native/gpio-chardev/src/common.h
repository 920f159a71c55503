/*
 * Shared helpers of the pivote GPIO character-device addon. Every failing system call becomes a
 * JavaScript Error whose `code` is the errno name (EBUSY, ENOENT, EACCES, EINVAL, ...), so the
 * TypeScript side maps it to a PV_GPIO_* error that names the line and the fix.
 */
#ifndef PIVOTE_GPIO_CHARDEV_COMMON_H
#define PIVOTE_GPIO_CHARDEV_COMMON_H

#include <node_api.h>

/* Throws an Error for `err` (an errno value) raised by `syscall` on `path` (may be NULL). */
void gc_throw_errno(napi_env env, int err, const char *syscall, const char *path);

/* Throws a TypeError with code ERR_INVALID_ARG_VALUE. */
void gc_throw_arg(napi_env env, const char *message);

/* Returns non-zero when a napi call failed; a pending exception is left in place. */
#define GC_CHECK(env, call)                                                                 \
  do {                                                                                      \
    if ((call) != napi_ok) {                                                                \
      bool pending_ = false;                                                                \
      napi_is_exception_pending((env), &pending_);                                          \
      if (!pending_) napi_throw_error((env), "ERR_GPIO_CHARDEV_NAPI", "node-api call failed"); \
      return NULL;                                                                          \
    }                                                                                       \
  } while (0)

napi_value gc_watch(napi_env env, napi_callback_info info);

#endif
