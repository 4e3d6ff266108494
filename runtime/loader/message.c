/* Error messages and status names, without stdio: the runtime must not pull
 * printf into the programs that embed it. */
#include <stdarg.h>

#include "runtime/loader/loader_internal.h"

const char *mica_status_name(mica_status status) {
  switch (status) {
  case MICA_OK:
    return "MICA_OK";
  case MICA_ERROR_INVALID_ARGUMENT:
    return "MICA_ERROR_INVALID_ARGUMENT";
  case MICA_ERROR_MALFORMED:
    return "MICA_ERROR_MALFORMED";
  case MICA_ERROR_UNSUPPORTED:
    return "MICA_ERROR_UNSUPPORTED";
  case MICA_ERROR_UNRESOLVED_SYMBOL:
    return "MICA_ERROR_UNRESOLVED_SYMBOL";
  case MICA_ERROR_OUT_OF_RANGE:
    return "MICA_ERROR_OUT_OF_RANGE";
  case MICA_ERROR_SYSTEM:
    return "MICA_ERROR_SYSTEM";
  case MICA_ERROR_VERSION:
    return "MICA_ERROR_VERSION";
  case MICA_ERROR_TARGET_MISMATCH:
    return "MICA_ERROR_TARGET_MISMATCH";
  case MICA_ERROR_KERNEL:
    return "MICA_ERROR_KERNEL";
  case MICA_ERROR_OUT_OF_MEMORY:
    return "MICA_ERROR_OUT_OF_MEMORY";
  case MICA_ERROR_MODEL_PATH:
    return "MICA_ERROR_MODEL_PATH";
  }
  return "MICA_ERROR_UNKNOWN";
}

typedef struct writer {
  char *buf;
  size_t size;
  size_t len;
} writer;

static void put(writer *w, char c) {
  if (w->len + 1 < w->size)
    w->buf[w->len++] = c;
}

static void put_str(writer *w, const char *s) {
  if (!s)
    s = "(null)";
  /* Names come from untrusted input: cap them. */
  for (size_t i = 0; s[i] && i < 128; ++i)
    put(w, s[i]);
}

static void put_num(writer *w, uint64_t v, unsigned base) {
  char digits[20];
  int n = 0;
  do {
    digits[n++] = "0123456789abcdef"[v % base];
    v /= base;
  } while (v);
  if (base == 16) {
    put(w, '0');
    put(w, 'x');
  }
  while (n)
    put(w, digits[--n]);
}

mica_status mica_fail(const mica_msg *msg, mica_status status, const char *fmt,
                      ...) {
  if (!msg || !msg->buf || msg->size == 0)
    return status;
  writer w = {msg->buf, msg->size, 0};
  va_list args;
  va_start(args, fmt);
  for (const char *p = fmt; *p; ++p) {
    if (*p != '%' || !p[1]) {
      put(&w, *p);
      continue;
    }
    switch (*++p) {
    case 's':
      put_str(&w, va_arg(args, const char *));
      break;
    case 'u':
      put_num(&w, va_arg(args, uint64_t), 10);
      break;
    case 'd': {
      int64_t v = va_arg(args, int64_t);
      if (v < 0)
        put(&w, '-');
      put_num(&w, v < 0 ? 0 - (uint64_t)v : (uint64_t)v, 10);
      break;
    }
    case 'x':
      put_num(&w, va_arg(args, uint64_t), 16);
      break;
    default:
      put(&w, *p);
      break;
    }
  }
  va_end(args);
  w.buf[w.len] = '\0';
  return status;
}
