/*
 * watch(fd, onReadable) -> { close() }
 *
 * Why a uv_poll_t and not a read on the threadpool: a blocking read() of a line-request fd parks
 * one libuv threadpool thread per watched line until an edge arrives (the default pool has four
 * threads, a kiosk watches up to eight buttons, and fs/dns/sqlite work would starve behind them).
 * Node's own streams cannot help either: net.Socket and tty.ReadStream refuse an anonymous-inode
 * character device. So the event loop's epoll watches the fd (as it does for sockets) and calls
 * onReadable(null) on the main thread; TypeScript then drains the O_NONBLOCK fd with fs.readSync
 * until EAGAIN. No thread is held while no edge arrives, and level-triggered polling calls again
 * if anything is left unread. onReadable(code) with an errno name reports a poll error; polling
 * stops then.
 *
 * close() must be called before the fd is closed (libuv forbids closing a polled fd). The
 * watcher keeps the event loop alive until closed, like a socket; an environment teardown (a
 * worker exiting) closes it too.
 */
#include <stdbool.h>
#include <stdlib.h>
#include <uv.h>

#include "common.h"

typedef struct {
  uv_poll_t poll;
  napi_env env;
  napi_ref callback;
  napi_async_context async;
  napi_async_cleanup_hook_handle cleanup;
  bool closing;
  int refs; /* the uv handle and the JS close function (which carries w) each hold one */
} watcher_t;

static void unref_watcher(watcher_t *w) {
  if (--w->refs == 0) free(w);
}

static void on_closed(uv_handle_t *handle) {
  watcher_t *w = handle->data;
  napi_async_cleanup_hook_handle hook = w->cleanup;
  w->cleanup = NULL;
  unref_watcher(w);
  if (hook != NULL) napi_remove_async_cleanup_hook(hook);
}

static void stop_watcher(watcher_t *w) {
  if (w->closing) return;
  w->closing = true;
  uv_poll_stop(&w->poll);
  napi_delete_reference(w->env, w->callback);
  napi_async_destroy(w->env, w->async);
  uv_close((uv_handle_t *)&w->poll, on_closed);
}

static void on_env_teardown(napi_async_cleanup_hook_handle handle, void *arg) {
  stop_watcher(arg);
}

static void on_poll(uv_poll_t *handle, int status, int events) {
  watcher_t *w = handle->data;
  if (w->closing) return;
  napi_env env = w->env;
  if (status < 0) uv_poll_stop(&w->poll); /* the JS side must close; avoid a busy loop meanwhile */
  napi_handle_scope scope;
  if (napi_open_handle_scope(env, &scope) != napi_ok) return;
  napi_value callback, recv, arg, result;
  bool ok = napi_get_reference_value(env, w->callback, &callback) == napi_ok && napi_get_global(env, &recv) == napi_ok; /* make_callback needs an object receiver */
  if (ok) {
    ok = status < 0 ? napi_create_string_utf8(env, uv_err_name(status), NAPI_AUTO_LENGTH, &arg) == napi_ok
                    : napi_get_null(env, &arg) == napi_ok;
  }
  if (ok && napi_make_callback(env, w->async, recv, callback, 1, &arg, &result) == napi_pending_exception) {
    napi_value exception;
    if (napi_get_and_clear_last_exception(env, &exception) == napi_ok) napi_fatal_exception(env, exception);
  }
  napi_close_handle_scope(env, scope);
}

static napi_value close_watcher(napi_env env, napi_callback_info info) {
  watcher_t *w;
  GC_CHECK(env, napi_get_cb_info(env, info, NULL, NULL, NULL, (void **)&w));
  stop_watcher(w);
  return NULL;
}

static void finalize_object(napi_env env, void *data, void *hint) {
  unref_watcher(data);
}

napi_value gc_watch(napi_env env, napi_callback_info info) {
  size_t argc = 2;
  napi_value argv[2];
  GC_CHECK(env, napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  double fd_d;
  napi_valuetype cb_type = napi_undefined;
  if (argc >= 2) napi_typeof(env, argv[1], &cb_type);
  if (argc < 2 || napi_get_value_double(env, argv[0], &fd_d) != napi_ok || fd_d < 0 || fd_d != (double)(int)fd_d ||
      cb_type != napi_function) {
    gc_throw_arg(env, "watch(fd, onReadable) needs a file descriptor and a function");
    return NULL;
  }
  uv_loop_t *loop;
  GC_CHECK(env, napi_get_uv_event_loop(env, &loop));

  watcher_t *w = calloc(1, sizeof *w);
  if (w == NULL) {
    gc_throw_errno(env, 12 /* ENOMEM */, "calloc", NULL);
    return NULL;
  }
  w->env = env;
  int rc = uv_poll_init(loop, &w->poll, (int)fd_d);
  if (rc < 0) {
    free(w);
    gc_throw_errno(env, -rc, "uv_poll_init", NULL);
    return NULL;
  }
  w->poll.data = w;
  w->refs = 2;
  napi_value resource_name, object, close_fn;
  if (napi_create_reference(env, argv[1], 1, &w->callback) != napi_ok ||
      napi_create_string_utf8(env, "pivote:gpio-chardev:watch", NAPI_AUTO_LENGTH, &resource_name) != napi_ok ||
      napi_async_init(env, NULL, resource_name, &w->async) != napi_ok ||
      napi_add_async_cleanup_hook(env, on_env_teardown, w, &w->cleanup) != napi_ok) {
    /* Rare enough (out of memory) that leaking the half-built watcher is acceptable; it never polls. */
    GC_CHECK(env, napi_generic_failure);
  }
  rc = uv_poll_start(&w->poll, UV_READABLE, on_poll);
  if (rc < 0) {
    w->refs = 1; /* no JS object will own it */
    stop_watcher(w);
    gc_throw_errno(env, -rc, "uv_poll_start", NULL);
    return NULL;
  }
  if (napi_create_object(env, &object) != napi_ok ||
      napi_create_function(env, "close", NAPI_AUTO_LENGTH, close_watcher, w, &close_fn) != napi_ok ||
      napi_set_named_property(env, object, "close", close_fn) != napi_ok ||
      napi_add_finalizer(env, close_fn, w, finalize_object, NULL, NULL) != napi_ok) {
    w->refs = 1;
    stop_watcher(w);
    GC_CHECK(env, napi_generic_failure);
  }
  return object;
}
