//===- StaticLibrary.cpp - `mica compile --emit static-lib` ---------------===//
#include "targets/cpu/StaticLibrary.h"

#include "targets/cpu/codegen/ObjectEmitter.h"

#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/IR/Builders.h"
#include "mlir/IR/BuiltinOps.h"
#include "llvm/Object/ArchiveWriter.h"
#include "llvm/Support/FormatVariadic.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/Path.h"

using namespace mlir;
using namespace mica;

namespace {

/// An object defining `NAME_artifact` (the bytes, 64-byte aligned, read-only)
/// and `NAME_artifact_size`.
FailureOr<std::string> emitDataObject(MLIRContext &context,
                                      const std::vector<uint8_t> &bytes,
                                      const std::string &name,
                                      const TargetDescription &target,
                                      std::string &error) {
  OpBuilder b(&context);
  Location loc = UnknownLoc::get(&context);
  OwningOpRef<ModuleOp> module = ModuleOp::create(loc);
  b.setInsertionPointToEnd(module->getBody());
  auto arrayType = LLVM::LLVMArrayType::get(b.getI8Type(), bytes.size());
  auto tensorType = RankedTensorType::get({static_cast<int64_t>(bytes.size())},
                                          b.getI8Type());
  auto data = DenseElementsAttr::getFromRawBuffer(
      tensorType, ArrayRef<char>(reinterpret_cast<const char *>(bytes.data()),
                                 bytes.size()));
  auto global =
      LLVM::GlobalOp::create(b, loc, arrayType, /*isConstant=*/true,
                             LLVM::Linkage::External, name + "_artifact", data);
  global.setAlignment(64);
  LLVM::GlobalOp::create(b, loc, b.getI64Type(), /*isConstant=*/true,
                         LLVM::Linkage::External, name + "_artifact_size",
                         b.getI64IntegerAttr(bytes.size()));
  return emitObject(*module, target, error);
}

/// The C header: the data and kernel declarations and NAME_load(), which
/// opens the linked model with every entry point's kernel.
std::string headerText(StringRef name, ArrayRef<std::string> kernels) {
  std::string declarations, table;
  for (const std::string &kernel : kernels) {
    declarations += "int32_t " + kernel + "(const mica_kernel_ctx *ctx);\n";
    table += llvm::formatv("{{\"{0}\", {0}}, ", kernel).str();
  }
  return llvm::formatv(
      R"(/* {0}.h: the model `{0}` compiled by `mica compile --emit static-lib`.
 *
 * Link lib{0}.a and the Mica runtime (libmica_runtime.a, libm), then:
 *
 *   mica_model *model;
 *   char error[256];
 *   if ({0}_load(&model, error, sizeof error) != MICA_OK) ...
 *
 * and use the model with the API of mica/runtime.h. Every symbol of the
 * library starts with `{0}_`, so several models link into one program.
 */
#ifndef {1}_H
#define {1}_H

#include <stdint.h>

#include "mica/runtime.h"

#ifdef __cplusplus
extern "C" {{
#endif

/* The artifact's metadata and constants (its code is linked, not loaded). */
extern const unsigned char {0}_artifact[];
extern const uint64_t {0}_artifact_size;
/* The kernel of each entry point (ABI of mica/kernel_abi.h). */
{2}
/* Opens the linked model; free it with mica_model_free. */
static inline mica_status {0}_load(mica_model **out_model, char *error,
                                   size_t error_size) {{
  static const mica_linked_kernel kernels[] = {{{3}};
  return mica_model_load_linked({0}_artifact, (size_t){0}_artifact_size,
                                kernels, {4}, out_model, error, error_size);
}

#ifdef __cplusplus
}
#endif

#endif /* {1}_H */
)",
      name, name.upper(), declarations, StringRef(table).drop_back(2),
      kernels.size());
}

} // namespace

FailureOr<StaticLibrary>
mica::cpu::packageCpuStaticLibrary(const artifact::Artifact &artifact,
                                   const TargetDescription &target,
                                   StringRef prefix, CompileError &error) {
  // The same artifact without its code segment: the kernels are linked.
  artifact::Artifact linked = artifact;
  std::string object;
  for (size_t i = 0; i < linked.segments.size(); ++i)
    if (linked.segments[i].kind == artifact::SegmentKind::Code) {
      if (!object.empty()) {
        error = {ErrorKind::Unsupported,
                 "--emit static-lib takes an artifact with one code segment"};
        return failure();
      }
      object.assign(linked.segments[i].bytes.begin(),
                    linked.segments[i].bytes.end());
      linked.segments.erase(linked.segments.begin() + i--);
    }
  std::vector<std::string> kernels;
  for (artifact::EntryPoint &entry : linked.entryPoints)
    for (artifact::Step &step : entry.steps) {
      step.codeSegment = artifact::kNoCodeSegment;
      if (!llvm::is_contained(kernels, step.symbol))
        kernels.push_back(step.symbol);
    }
  std::vector<uint8_t> bytes = artifact::serializeArtifact(linked);

  MLIRContext context;
  context.loadDialect<LLVM::LLVMDialect>();
  error.kind = ErrorKind::Internal;
  FailureOr<std::string> data =
      emitDataObject(context, bytes, prefix.str(), target, error.message);
  if (failed(data))
    return failure();

  std::string kernelName = (prefix + "_kernel.o").str();
  std::string dataName = (prefix + "_artifact.o").str();
  std::vector<llvm::NewArchiveMember> members;
  members.emplace_back(llvm::MemoryBufferRef(object, kernelName));
  members.emplace_back(llvm::MemoryBufferRef(*data, dataName));
  llvm::Expected<std::unique_ptr<llvm::MemoryBuffer>> archive =
      llvm::writeArchiveToBuffer(members, llvm::SymtabWritingMode::NormalSymtab,
                                 llvm::object::Archive::K_GNU,
                                 /*Deterministic=*/true, /*Thin=*/false);
  if (!archive) {
    error.message = llvm::toString(archive.takeError());
    return failure();
  }
  StaticLibrary library;
  library.archive = (*archive)->getBuffer().str();
  library.header = headerText(prefix, kernels);
  return library;
}
