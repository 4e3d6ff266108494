//===- foreign_arch.cpp - Running arm64 artifacts under qemu --------------===//
#include "runtime/tools/runner/foreign_arch.h"

#include <cerrno>
#include <climits>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <vector>

#include <unistd.h>

namespace mica::runner {
namespace {

// `name` found in a PATH directory, or "" when absent.
std::string findInPath(const char *name) {
  const char *path = std::getenv("PATH");
  std::string dirs = path ? path : "/usr/bin:/bin";
  size_t start = 0;
  while (start <= dirs.size()) {
    size_t end = dirs.find(':', start);
    if (end == std::string::npos)
      end = dirs.size();
    std::string dir = dirs.substr(start, end - start);
    std::string candidate = (dir.empty() ? "." : dir) + "/" + name;
    if (access(candidate.c_str(), X_OK) == 0)
      return candidate;
    start = end + 1;
  }
  return "";
}

// The directory of the running executable ("" when unknown).
std::string executableDir() {
  char buf[PATH_MAX];
  ssize_t n = readlink("/proc/self/exe", buf, sizeof(buf) - 1);
  if (n <= 0)
    return "";
  std::string path(buf, (size_t)n);
  size_t slash = path.rfind('/');
  return slash == std::string::npos ? "" : path.substr(0, slash);
}

} // namespace

bool needsEmulation(const std::string &triple) {
#if defined(__x86_64__)
  return triple.rfind("aarch64", 0) == 0 || triple.rfind("arm64", 0) == 0;
#else
  (void)triple;
  return false;
#endif
}

void execUnderQemu(int argc, char **argv, std::string &error) {
  const char *runnerEnv = std::getenv("MICA_RUN_ARM64");
  std::string runner = runnerEnv && *runnerEnv
                           ? std::string(runnerEnv)
                           : executableDir() + "/mica-run-arm64";
  if (access(runner.c_str(), X_OK) != 0) {
    error = "running it on this x86-64 machine needs the arm64 runner " +
            runner +
            ", which is missing (it is built with the runtime's arm64 cross "
            "build, option MICA_BUILD_ARM64_RUNTIME)";
    return;
  }
  const char *qemuEnv = std::getenv("MICA_QEMU_AARCH64");
  std::string qemu =
      qemuEnv && *qemuEnv ? std::string(qemuEnv) : findInPath("qemu-aarch64");
  if (qemu.empty() || access(qemu.c_str(), X_OK) != 0) {
    error = "running it on this x86-64 machine needs qemu-aarch64 (Debian "
            "package qemu-user), which is not on the PATH";
    return;
  }
  std::vector<char *> args;
  args.push_back(const_cast<char *>(qemu.c_str()));
  args.push_back(const_cast<char *>("-cpu"));
  args.push_back(const_cast<char *>("max"));
  args.push_back(const_cast<char *>(runner.c_str()));
  args.push_back(const_cast<char *>("run"));
  for (int i = 1; i < argc; ++i)
    args.push_back(argv[i]);
  args.push_back(nullptr);
  std::fflush(stdout);
  std::fflush(stderr);
  execv(qemu.c_str(), args.data());
  error = "cannot start " + qemu + ": " + std::strerror(errno);
}

} // namespace mica::runner
