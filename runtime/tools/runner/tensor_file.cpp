//===- tensor_file.cpp - Element types, files and the format switch -------===//
#include "runtime/tools/runner/tensor_file.h"

#include <cerrno>
#include <cstdio>
#include <cstring>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

namespace mica::runner {

bool elementCount(const std::vector<int64_t> &shape, size_t elementSize,
                  uint64_t &count) {
  // Bounded so that count * elementSize fits a size_t on every host.
  const uint64_t limit = (uint64_t)SIZE_MAX / 2;
  uint64_t n = 1;
  for (int64_t d : shape) {
    if (d < 0)
      return false;
    if (d != 0 && n > limit / (uint64_t)d)
      return false;
    n *= (uint64_t)d;
  }
  if (elementSize != 0 && n > limit / elementSize)
    return false;
  count = n;
  return true;
}

std::string formatShape(const std::vector<int64_t> &shape) {
  if (shape.empty())
    return "scalar";
  std::string text;
  for (size_t i = 0; i < shape.size(); ++i) {
    if (i)
      text += 'x';
    text += shape[i] < 0 ? std::string("?") : std::to_string(shape[i]);
  }
  return text;
}

bool readFile(const std::string &path, std::vector<uint8_t> &bytes,
              std::string &error) {
  int fd = open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    error = path + ": cannot open: " + std::strerror(errno);
    return false;
  }
  struct stat st;
  if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
    error = path + ": not a regular file";
    close(fd);
    return false;
  }
  bytes.resize((size_t)st.st_size);
  size_t done = 0;
  while (done < bytes.size()) {
    ssize_t n = read(fd, bytes.data() + done, bytes.size() - done);
    if (n < 0 && errno == EINTR)
      continue;
    if (n <= 0) {
      error = path + ": cannot read: " +
              (n < 0 ? std::strerror(errno) : "file shrank while reading");
      close(fd);
      return false;
    }
    done += (size_t)n;
  }
  close(fd);
  return true;
}

bool readTensorFile(const std::string &path, HostTensor &tensor,
                    std::string &error) {
  std::vector<uint8_t> bytes;
  if (!readFile(path, bytes, error))
    return false;
  std::string reason;
  bool isNpy =
      bytes.size() >= 6 && std::memcmp(bytes.data(), "\x93NUMPY", 6) == 0;
  bool ok = isNpy
                ? parseNpy(bytes.data(), bytes.size(), tensor, reason)
                : parseTensorProto(bytes.data(), bytes.size(), tensor, reason);
  if (!ok)
    error = path + ": " +
            (isNpy ? "invalid .npy file: "
                   : "not a .npy file and not a valid ONNX "
                     "TensorProto: ") +
            reason;
  return ok;
}

bool writeFileAtomically(const std::string &path,
                         const std::vector<uint8_t> &bytes,
                         std::string &error) {
  std::string temp = path + ".tmp" + std::to_string((long)getpid());
  int fd = open(temp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) {
    error = path + ": cannot create: " + std::strerror(errno);
    return false;
  }
  size_t done = 0;
  while (done < bytes.size()) {
    ssize_t n = write(fd, bytes.data() + done, bytes.size() - done);
    if (n < 0 && errno == EINTR)
      continue;
    if (n <= 0) {
      error = path + ": cannot write: " + std::strerror(errno);
      close(fd);
      unlink(temp.c_str());
      return false;
    }
    done += (size_t)n;
  }
  if (close(fd) != 0 || rename(temp.c_str(), path.c_str()) != 0) {
    error = path + ": cannot write: " + std::strerror(errno);
    unlink(temp.c_str());
    return false;
  }
  return true;
}

} // namespace mica::runner
