//===- cli.cpp - What `mica run` and `mica inspect` share -----------------===//
#include "runtime/tools/runner/cli.h"

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <ctime>

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

namespace mica::runner {

int fail(const char *command, int code, const std::string &message) {
  std::fflush(stdout);
  std::fprintf(stderr, "mica %s: error: %s\n", command, message.c_str());
  return code;
}

bool ArgScanner::next() {
  if (++index >= argc)
    return false;
  current = argv[index];
  hasInline = false;
  if (!afterDashes && current == "--") {
    afterDashes = true;
    return next();
  }
  return true;
}

bool ArgScanner::is(const char *name) {
  if (!isOption())
    return false;
  size_t n = std::strlen(name);
  if (current.compare(0, n, name) != 0)
    return false;
  if (current.size() == n)
    return true;
  if (current[n] != '=')
    return false;
  inlineValue = current.substr(n + 1);
  hasInline = true;
  current.resize(n);
  return true;
}

bool ArgScanner::takeValue(std::string &value) {
  if (hasInline) {
    value = inlineValue;
    hasInline = false;
    return true;
  }
  if (index + 1 >= argc)
    return false;
  value = argv[++index];
  return true;
}

bool parseCount(const std::string &text, long minimum, long &value) {
  if (text.empty() || text.size() > 10)
    return false;
  long v = 0;
  for (char c : text) {
    if (c < '0' || c > '9')
      return false;
    v = v * 10 + (c - '0');
  }
  if (v < minimum || v > 1000000000L)
    return false;
  value = v;
  return true;
}

MappedFile::~MappedFile() {
  if (bytes)
    munmap(bytes, length);
}

bool MappedFile::open(const std::string &path, std::string &error) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    error = path + ": cannot open: " + std::strerror(errno);
    return false;
  }
  struct stat st;
  if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
    error = path + ": not a regular file";
    ::close(fd);
    return false;
  }
  length = (size_t)st.st_size;
  if (length == 0) {
    ::close(fd);
    error = path + ": empty file";
    return false;
  }
  void *p = mmap(nullptr, length, PROT_READ, MAP_PRIVATE, fd, 0);
  ::close(fd);
  if (p == MAP_FAILED) {
    error = path + ": cannot map: " + std::strerror(errno);
    length = 0;
    return false;
  }
  bytes = p;
  return true;
}

double monotonicSeconds() {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

} // namespace mica::runner
