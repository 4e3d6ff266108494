//===- ShapeInference.cpp - ONNX shape inference, isolated ----------------===//
//
// Built with -fexceptions (libonnx throws). The child process only runs
// libonnx and protobuf code and leaves with _exit(), so nothing of the parent
// (LLVM, MLIR) runs twice.
//===----------------------------------------------------------------------===//
#include "compiler/onnx/ShapeInference.h"
#include "compiler/onnx/FunctionExpansion.h"
#include "dialects/onnx/schemas/HandKeptSchemas.h"

#include "onnx/defs/schema.h"
#include "onnx/shape_inference/implementation.h"

#include <cerrno>
#include <cstdint>
#include <cstring>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

using namespace mica;

namespace {

bool writeAll(int fd, const char *data, size_t size) {
  while (size > 0) {
    ssize_t n = write(fd, data, size);
    if (n < 0 && errno == EINTR)
      continue;
    if (n <= 0)
      return false;
    data += n;
    size -= static_cast<size_t>(n);
  }
  return true;
}

std::string readAll(int fd) {
  std::string out;
  char buffer[1 << 16];
  for (;;) {
    ssize_t n = read(fd, buffer, sizeof(buffer));
    if (n < 0 && errno == EINTR)
      continue;
    if (n <= 0)
      break;
    out.append(buffer, static_cast<size_t>(n));
  }
  return out;
}

// Runs in the child. Reply: [u64 warning bytes][warnings, '\n'-separated]
// [the inferred model without main-graph initializer data].
void infer(onnx::ModelProto &model, std::string &warnings) {
  // libonnx's schemas and the hand-kept ones (com.microsoft ops).
  const onnx::ISchemaRegistry *registry =
      &mica::onnxir::SchemaRegistry::instance();
  try {
    onnx::shape_inference::InferShapes(
        model, registry, onnx::ShapeInferenceOptions(false, 0, true));
  } catch (const std::exception &e) {
    warnings += std::string("shape inference with data propagation "
                            "failed: ") +
                e.what() + "\n";
    try {
      onnx::shape_inference::InferShapes(
          model, registry, onnx::ShapeInferenceOptions(false, 0, false));
    } catch (const std::exception &e2) {
      warnings += std::string("shape inference failed: ") + e2.what() + "\n";
    }
  } catch (...) {
    warnings += "shape inference failed\n";
  }
}

[[noreturn]] void childMain(onnx::ModelProto &model, int fd,
                            const std::set<std::string> &expandFunctions,
                            int opset) {
  // The parent's crash handlers (LLVM's stack dumper) must not run here: a
  // crash of the child is an expected outcome that the parent reports.
  for (int sig : {SIGSEGV, SIGBUS, SIGFPE, SIGILL, SIGABRT})
    signal(sig, SIG_DFL);
  std::string warnings;
  infer(model, warnings);
  // Each round of expansion is typed by inference before the next one,
  // whose context-dependent bodies need the types.
  for (int round = 0; round < 8 && !expandFunctions.empty(); ++round) {
    int expanded = 0;
    try {
      expanded = expandFunctionNodes(model, opset, expandFunctions);
    } catch (const std::exception &e) {
      warnings +=
          std::string("expanding function ops failed: ") + e.what() + "\n";
    } catch (...) {
      warnings += "expanding function ops failed\n";
    }
    if (expanded == 0)
      break;
    infer(model, warnings);
  }
  // The parent still holds the weights; do not send them back.
  for (auto &tensor : *model.mutable_graph()->mutable_initializer()) {
    tensor.clear_raw_data();
    tensor.clear_float_data();
    tensor.clear_int32_data();
    tensor.clear_int64_data();
    tensor.clear_double_data();
    tensor.clear_uint64_data();
    tensor.clear_string_data();
  }
  std::string bytes;
  bool ok = model.SerializeToString(&bytes);
  uint64_t size = warnings.size();
  ok = ok &&
       writeAll(fd, reinterpret_cast<const char *>(&size), sizeof(size)) &&
       writeAll(fd, warnings.data(), warnings.size()) &&
       writeAll(fd, bytes.data(), bytes.size());
  _exit(ok ? 0 : 1);
}

} // namespace

void mica::inferShapesIsolated(onnx::ModelProto &model,
                               std::vector<std::string> &warnings,
                               const std::set<std::string> &expandFunctions,
                               int opset) {
  int fds[2];
  if (pipe(fds) != 0) {
    warnings.push_back(std::string("shape inference skipped: pipe: ") +
                       std::strerror(errno));
    return;
  }
  pid_t pid = fork();
  if (pid < 0) {
    close(fds[0]);
    close(fds[1]);
    warnings.push_back(std::string("shape inference skipped: fork: ") +
                       std::strerror(errno));
    return;
  }
  if (pid == 0) {
    close(fds[0]);
    childMain(model, fds[1], expandFunctions, opset);
  }
  close(fds[1]);
  std::string reply = readAll(fds[0]);
  close(fds[0]);
  int status = 0;
  while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  if (WIFSIGNALED(status) && !expandFunctions.empty()) {
    // Expansion is an optimisation of coverage: without it the ops stay as
    // they are and the compiler reports them.
    warnings.push_back("expanding function ops crashed libonnx (signal " +
                       std::to_string(WTERMSIG(status)) +
                       "); importing without expanding them");
    inferShapesIsolated(model, warnings);
    return;
  }
  if (WIFSIGNALED(status)) {
    warnings.push_back("ONNX shape inference crashed on this model (signal " +
                       std::to_string(WTERMSIG(status)) +
                       "); importing it without inferred types");
    return;
  }
  uint64_t warningSize = 0;
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0 ||
      reply.size() < sizeof(warningSize)) {
    warnings.push_back("ONNX shape inference failed; importing the model "
                       "without inferred types");
    return;
  }
  std::memcpy(&warningSize, reply.data(), sizeof(warningSize));
  if (warningSize > reply.size() - sizeof(warningSize)) {
    warnings.push_back("ONNX shape inference sent a malformed reply");
    return;
  }
  std::string text = reply.substr(sizeof(warningSize), warningSize);
  for (size_t start = 0, end; start < text.size(); start = end + 1) {
    end = text.find('\n', start);
    if (end == std::string::npos)
      end = text.size();
    if (end > start)
      warnings.push_back(text.substr(start, end - start));
  }
  onnx::ModelProto inferred;
  if (!inferred.ParseFromArray(
          reply.data() + sizeof(warningSize) + warningSize,
          static_cast<int>(reply.size() - sizeof(warningSize) - warningSize))) {
    warnings.push_back("ONNX shape inference sent a malformed model");
    return;
  }
  // Put the weights back: neither inference nor expansion changes
  // initializers.
  inferred.mutable_graph()->mutable_initializer()->Swap(
      model.mutable_graph()->mutable_initializer());
  model.Swap(&inferred);
}
