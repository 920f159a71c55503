/*
 * pivote's GPIO character-device addon: only what JavaScript cannot do itself, i.e. the ioctls of
 * the kernel's GPIO uAPI v2 (linux/gpio.h). Event parsing, state, and error wording live in
 * TypeScript (src/gpio/chardev/). The request fd handed back is O_NONBLOCK so TypeScript can
 * drain it with fs.readSync after watch() reports it readable.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/gpio.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>
#include <uv.h>

#include "common.h"

void gc_throw_errno(napi_env env, int err, const char *syscall, const char *path) {
  const char *name = uv_err_name(-err);
  char message[PATH_MAX + 160];
  if (path != NULL) {
    snprintf(message, sizeof message, "%s: %s %s: %s", name, syscall, path, strerror(err));
  } else {
    snprintf(message, sizeof message, "%s: %s: %s", name, syscall, strerror(err));
  }
  napi_value code, msg, error, errno_value, syscall_value;
  if (napi_create_string_utf8(env, name, NAPI_AUTO_LENGTH, &code) != napi_ok) return;
  if (napi_create_string_utf8(env, message, NAPI_AUTO_LENGTH, &msg) != napi_ok) return;
  if (napi_create_error(env, code, msg, &error) != napi_ok) return;
  if (napi_create_int32(env, err, &errno_value) == napi_ok) napi_set_named_property(env, error, "errno", errno_value);
  if (napi_create_string_utf8(env, syscall, NAPI_AUTO_LENGTH, &syscall_value) == napi_ok) {
    napi_set_named_property(env, error, "syscall", syscall_value);
  }
  if (path != NULL) {
    napi_value path_value;
    if (napi_create_string_utf8(env, path, NAPI_AUTO_LENGTH, &path_value) == napi_ok) {
      napi_set_named_property(env, error, "path", path_value);
    }
  }
  napi_throw(env, error);
}

void gc_throw_arg(napi_env env, const char *message) {
  napi_throw_type_error(env, "ERR_INVALID_ARG_VALUE", message);
}

/* ---- argument helpers (each returns false with an exception pending) ---- */

static bool get_string(napi_env env, napi_value value, char *buf, size_t size, const char *what) {
  size_t len = 0;
  if (napi_get_value_string_utf8(env, value, buf, size, &len) != napi_ok) {
    char message[96];
    snprintf(message, sizeof message, "%s must be a string", what);
    gc_throw_arg(env, message);
    return false;
  }
  if (len + 1 >= size) {
    char message[96];
    snprintf(message, sizeof message, "%s is too long", what);
    gc_throw_arg(env, message);
    return false;
  }
  return true;
}

static bool get_uint(napi_env env, napi_value value, double max, uint64_t *out, const char *what) {
  double d;
  if (napi_get_value_double(env, value, &d) != napi_ok || d < 0 || d > max || d != (double)(uint64_t)d) {
    char message[96];
    snprintf(message, sizeof message, "%s must be an integer from 0 to %.0f", what, max);
    gc_throw_arg(env, message);
    return false;
  }
  *out = (uint64_t)d;
  return true;
}

/* `out` is a __u64 (unsigned long long), which is not uint64_t's type on every ABI. */
static bool get_bigint(napi_env env, napi_value value, __u64 *out, const char *what) {
  bool lossless = false;
  uint64_t v = 0;
  if (napi_get_value_bigint_uint64(env, value, &v, &lossless) != napi_ok || !lossless) {
    char message[96];
    snprintf(message, sizeof message, "%s must be a bigint from 0n to 2n**64n-1n", what);
    gc_throw_arg(env, message);
    return false;
  }
  *out = v;
  return true;
}

/* Reads an optional property; *present is false when it is missing or undefined. */
static bool get_optional(napi_env env, napi_value obj, const char *key, napi_value *out, bool *present) {
  bool has = false;
  *present = false;
  if (napi_has_named_property(env, obj, key, &has) != napi_ok) return false;
  if (!has) return true;
  if (napi_get_named_property(env, obj, key, out) != napi_ok) return false;
  napi_valuetype type;
  if (napi_typeof(env, *out, &type) != napi_ok) return false;
  *present = type != napi_undefined;
  return true;
}

static bool get_fd(napi_env env, napi_value value, int *fd) {
  uint64_t v;
  if (!get_uint(env, value, INT_MAX, &v, "fd")) return false;
  *fd = (int)v;
  return true;
}

static napi_value set_string(napi_env env, napi_value obj, const char *key, const char *value, size_t max) {
  napi_value v;
  if (napi_create_string_utf8(env, value, strnlen(value, max), &v) != napi_ok) return NULL;
  if (napi_set_named_property(env, obj, key, v) != napi_ok) return NULL;
  return obj;
}

static napi_value set_number(napi_env env, napi_value obj, const char *key, double value) {
  napi_value v;
  if (napi_create_double(env, value, &v) != napi_ok) return NULL;
  if (napi_set_named_property(env, obj, key, v) != napi_ok) return NULL;
  return obj;
}

static int open_chip(napi_env env, const char *path, int flags) {
  int fd = open(path, flags | O_CLOEXEC);
  if (fd < 0) gc_throw_errno(env, errno, "open", path);
  return fd;
}

/* chipInfo(path) -> { name, label, lines } */
static napi_value chip_info(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1];
  GC_CHECK(env, napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  char path[PATH_MAX];
  if (argc < 1 || !get_string(env, argv[0], path, sizeof path, "path")) return NULL;
  int fd = open_chip(env, path, O_RDONLY);
  if (fd < 0) return NULL;
  struct gpiochip_info chip;
  memset(&chip, 0, sizeof chip);
  int rc = ioctl(fd, GPIO_GET_CHIPINFO_IOCTL, &chip);
  int err = errno;
  close(fd);
  if (rc < 0) {
    gc_throw_errno(env, err, "ioctl GPIO_GET_CHIPINFO_IOCTL", path);
    return NULL;
  }
  napi_value result;
  GC_CHECK(env, napi_create_object(env, &result));
  GC_CHECK(env, set_string(env, result, "name", chip.name, sizeof chip.name) ? napi_ok : napi_generic_failure);
  GC_CHECK(env, set_string(env, result, "label", chip.label, sizeof chip.label) ? napi_ok : napi_generic_failure);
  GC_CHECK(env, set_number(env, result, "lines", chip.lines) ? napi_ok : napi_generic_failure);
  return result;
}

/* lineInfo(path) -> [{ offset, name, consumer, flags, debouncePeriodUs }] for every line. */
static napi_value line_info(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1];
  GC_CHECK(env, napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  char path[PATH_MAX];
  if (argc < 1 || !get_string(env, argv[0], path, sizeof path, "path")) return NULL;
  int fd = open_chip(env, path, O_RDONLY);
  if (fd < 0) return NULL;
  struct gpiochip_info chip;
  memset(&chip, 0, sizeof chip);
  if (ioctl(fd, GPIO_GET_CHIPINFO_IOCTL, &chip) < 0) {
    int err = errno;
    close(fd);
    gc_throw_errno(env, err, "ioctl GPIO_GET_CHIPINFO_IOCTL", path);
    return NULL;
  }
  napi_value result;
  if (napi_create_array_with_length(env, chip.lines, &result) != napi_ok) goto napi_fail;
  for (uint32_t offset = 0; offset < chip.lines; offset++) {
    struct gpio_v2_line_info line;
    memset(&line, 0, sizeof line);
    line.offset = offset;
    if (ioctl(fd, GPIO_V2_GET_LINEINFO_IOCTL, &line) < 0) {
      int err = errno;
      close(fd);
      gc_throw_errno(env, err, "ioctl GPIO_V2_GET_LINEINFO_IOCTL", path);
      return NULL;
    }
    uint32_t debounce = 0;
    for (uint32_t i = 0; i < line.num_attrs && i < GPIO_V2_LINE_NUM_ATTRS_MAX; i++) {
      if (line.attrs[i].id == GPIO_V2_LINE_ATTR_ID_DEBOUNCE) debounce = line.attrs[i].debounce_period_us;
    }
    napi_value entry;
    if (napi_create_object(env, &entry) != napi_ok) goto napi_fail;
    if (set_number(env, entry, "offset", offset) == NULL) goto napi_fail;
    if (set_string(env, entry, "name", line.name, sizeof line.name) == NULL) goto napi_fail;
    if (set_string(env, entry, "consumer", line.consumer, sizeof line.consumer) == NULL) goto napi_fail;
    /* Every defined flag is below bit 13, so a double holds them exactly. */
    if (set_number(env, entry, "flags", (double)line.flags) == NULL) goto napi_fail;
    if (set_number(env, entry, "debouncePeriodUs", debounce) == NULL) goto napi_fail;
    if (napi_set_element(env, result, offset, entry) != napi_ok) goto napi_fail;
  }
  close(fd);
  return result;
napi_fail:
  close(fd);
  GC_CHECK(env, napi_generic_failure);
  return NULL;
}

/*
 * requestLines(path, { offsets, consumer, flags, debouncePeriodUs?, outputValues?, eventBufferSize? })
 * -> fd of the line request (O_NONBLOCK, O_CLOEXEC). outputValues is a bigint bitmap indexed by
 * position in `offsets`, as in the uAPI.
 */
static napi_value request_lines(napi_env env, napi_callback_info info) {
  size_t argc = 2;
  napi_value argv[2];
  GC_CHECK(env, napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  char path[PATH_MAX];
  if (argc < 2 || !get_string(env, argv[0], path, sizeof path, "path")) {
    if (argc < 2) gc_throw_arg(env, "requestLines(path, config) needs two arguments");
    return NULL;
  }
  napi_value config = argv[1];
  struct gpio_v2_line_request req;
  memset(&req, 0, sizeof req);

  napi_value offsets;
  bool is_array = false;
  GC_CHECK(env, napi_get_named_property(env, config, "offsets", &offsets));
  GC_CHECK(env, napi_is_array(env, offsets, &is_array));
  uint32_t count = 0;
  if (is_array) GC_CHECK(env, napi_get_array_length(env, offsets, &count));
  if (!is_array || count == 0 || count > GPIO_V2_LINES_MAX) {
    gc_throw_arg(env, "config.offsets must be an array of 1 to 64 line offsets");
    return NULL;
  }
  for (uint32_t i = 0; i < count; i++) {
    napi_value element;
    uint64_t offset;
    GC_CHECK(env, napi_get_element(env, offsets, i, &element));
    if (!get_uint(env, element, UINT32_MAX, &offset, "config.offsets[i]")) return NULL;
    req.offsets[i] = (uint32_t)offset;
  }
  req.num_lines = count;

  napi_value value;
  bool present;
  if (!get_optional(env, config, "consumer", &value, &present)) return NULL;
  if (present && !get_string(env, value, req.consumer, sizeof req.consumer, "config.consumer")) return NULL;

  uint64_t flags = 0;
  if (!get_optional(env, config, "flags", &value, &present)) return NULL;
  if (present && !get_uint(env, value, (double)(1 << 30), &flags, "config.flags")) return NULL;
  req.config.flags = flags;

  uint32_t attrs = 0;
  uint64_t all_lines = count == 64 ? UINT64_MAX : ((1ULL << count) - 1);
  if (!get_optional(env, config, "debouncePeriodUs", &value, &present)) return NULL;
  if (present) {
    uint64_t debounce;
    if (!get_uint(env, value, UINT32_MAX, &debounce, "config.debouncePeriodUs")) return NULL;
    if (debounce > 0) {
      req.config.attrs[attrs].attr.id = GPIO_V2_LINE_ATTR_ID_DEBOUNCE;
      req.config.attrs[attrs].attr.debounce_period_us = (uint32_t)debounce;
      req.config.attrs[attrs].mask = all_lines;
      attrs++;
    }
  }
  if (!get_optional(env, config, "outputValues", &value, &present)) return NULL;
  if (present) {
    __u64 bits;
    if (!get_bigint(env, value, &bits, "config.outputValues")) return NULL;
    req.config.attrs[attrs].attr.id = GPIO_V2_LINE_ATTR_ID_OUTPUT_VALUES;
    req.config.attrs[attrs].attr.values = bits;
    req.config.attrs[attrs].mask = all_lines;
    attrs++;
  }
  req.config.num_attrs = attrs;

  if (!get_optional(env, config, "eventBufferSize", &value, &present)) return NULL;
  if (present) {
    uint64_t size;
    if (!get_uint(env, value, 1 << 16, &size, "config.eventBufferSize")) return NULL;
    req.event_buffer_size = (uint32_t)size;
  }

  int chip = open_chip(env, path, O_RDWR);
  if (chip < 0) return NULL;
  int rc = ioctl(chip, GPIO_V2_GET_LINE_IOCTL, &req);
  int err = errno;
  close(chip); /* the request fd stays valid without the chip fd */
  if (rc < 0) {
    gc_throw_errno(env, err, "ioctl GPIO_V2_GET_LINE_IOCTL", path);
    return NULL;
  }
  int fl = fcntl(req.fd, F_GETFL);
  if (fl < 0 || fcntl(req.fd, F_SETFL, fl | O_NONBLOCK) < 0) {
    err = errno;
    close(req.fd);
    gc_throw_errno(env, err, "fcntl O_NONBLOCK", path);
    return NULL;
  }
  napi_value result;
  GC_CHECK(env, napi_create_int32(env, req.fd, &result));
  return result;
}

/* getValues(fd, mask: bigint) -> bigint of the (logical) levels of the masked lines. */
static napi_value get_values(napi_env env, napi_callback_info info) {
  size_t argc = 2;
  napi_value argv[2];
  GC_CHECK(env, napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  struct gpio_v2_line_values values = {0, 0};
  int fd;
  if (argc < 2) {
    gc_throw_arg(env, "getValues(fd, mask) needs two arguments");
    return NULL;
  }
  if (!get_fd(env, argv[0], &fd) || !get_bigint(env, argv[1], &values.mask, "mask")) return NULL;
  if (ioctl(fd, GPIO_V2_LINE_GET_VALUES_IOCTL, &values) < 0) {
    gc_throw_errno(env, errno, "ioctl GPIO_V2_LINE_GET_VALUES_IOCTL", NULL);
    return NULL;
  }
  napi_value result;
  GC_CHECK(env, napi_create_bigint_uint64(env, values.bits, &result));
  return result;
}

/* setValues(fd, mask: bigint, bits: bigint) */
static napi_value set_values(napi_env env, napi_callback_info info) {
  size_t argc = 3;
  napi_value argv[3];
  GC_CHECK(env, napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  struct gpio_v2_line_values values = {0, 0};
  int fd;
  if (argc < 3) {
    gc_throw_arg(env, "setValues(fd, mask, bits) needs three arguments");
    return NULL;
  }
  if (!get_fd(env, argv[0], &fd) || !get_bigint(env, argv[1], &values.mask, "mask") ||
      !get_bigint(env, argv[2], &values.bits, "bits")) {
    return NULL;
  }
  if (ioctl(fd, GPIO_V2_LINE_SET_VALUES_IOCTL, &values) < 0) {
    gc_throw_errno(env, errno, "ioctl GPIO_V2_LINE_SET_VALUES_IOCTL", NULL);
    return NULL;
  }
  return NULL;
}

static bool export_number(napi_env env, napi_value obj, const char *key, double value) {
  return set_number(env, obj, key, value) != NULL;
}

static napi_value init(napi_env env, napi_value exports) {
  napi_property_descriptor fns[] = {
      {"chipInfo", NULL, chip_info, NULL, NULL, NULL, napi_enumerable, NULL},
      {"lineInfo", NULL, line_info, NULL, NULL, NULL, napi_enumerable, NULL},
      {"requestLines", NULL, request_lines, NULL, NULL, NULL, napi_enumerable, NULL},
      {"getValues", NULL, get_values, NULL, NULL, NULL, napi_enumerable, NULL},
      {"setValues", NULL, set_values, NULL, NULL, NULL, napi_enumerable, NULL},
      {"watch", NULL, gc_watch, NULL, NULL, NULL, napi_enumerable, NULL},
  };
  GC_CHECK(env, napi_define_properties(env, exports, sizeof fns / sizeof fns[0], fns));

  /* The uAPI constants come from the header this addon was built against, not retyped in TS. */
  napi_value c;
  GC_CHECK(env, napi_create_object(env, &c));
  bool ok = export_number(env, c, "FLAG_USED", GPIO_V2_LINE_FLAG_USED) &&
            export_number(env, c, "FLAG_ACTIVE_LOW", GPIO_V2_LINE_FLAG_ACTIVE_LOW) &&
            export_number(env, c, "FLAG_INPUT", GPIO_V2_LINE_FLAG_INPUT) &&
            export_number(env, c, "FLAG_OUTPUT", GPIO_V2_LINE_FLAG_OUTPUT) &&
            export_number(env, c, "FLAG_EDGE_RISING", GPIO_V2_LINE_FLAG_EDGE_RISING) &&
            export_number(env, c, "FLAG_EDGE_FALLING", GPIO_V2_LINE_FLAG_EDGE_FALLING) &&
            export_number(env, c, "FLAG_OPEN_DRAIN", GPIO_V2_LINE_FLAG_OPEN_DRAIN) &&
            export_number(env, c, "FLAG_OPEN_SOURCE", GPIO_V2_LINE_FLAG_OPEN_SOURCE) &&
            export_number(env, c, "FLAG_BIAS_PULL_UP", GPIO_V2_LINE_FLAG_BIAS_PULL_UP) &&
            export_number(env, c, "FLAG_BIAS_PULL_DOWN", GPIO_V2_LINE_FLAG_BIAS_PULL_DOWN) &&
            export_number(env, c, "FLAG_BIAS_DISABLED", GPIO_V2_LINE_FLAG_BIAS_DISABLED) &&
            export_number(env, c, "EVENT_RISING_EDGE", GPIO_V2_LINE_EVENT_RISING_EDGE) &&
            export_number(env, c, "EVENT_FALLING_EDGE", GPIO_V2_LINE_EVENT_FALLING_EDGE) &&
            export_number(env, c, "EVENT_SIZE", sizeof(struct gpio_v2_line_event)) &&
            export_number(env, c, "LINES_MAX", GPIO_V2_LINES_MAX) &&
            export_number(env, c, "MAX_NAME_SIZE", GPIO_MAX_NAME_SIZE);
  GC_CHECK(env, ok ? napi_ok : napi_generic_failure);
  GC_CHECK(env, napi_set_named_property(env, exports, "constants", c));
  return exports;
}

NAPI_MODULE(NODE_GYP_MODULE_NAME, init)
