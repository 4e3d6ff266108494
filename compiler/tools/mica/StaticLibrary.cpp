//===- StaticLibrary.cpp - `mica compile --emit static-lib` ---------------===//
#include "StaticLibrary.h"
#include "CliSupport.h"

#include "compiler/codegen/ObjectEmitter.h"
#include "targets/TargetDescription.h"

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
  auto tensorType = RankedTensorType::get(
      {static_cast<int64_t>(bytes.size())}, b.getI8Type());
  auto data = DenseElementsAttr::getFromRawBuffer(
      tensorType, ArrayRef<char>(reinterpret_cast<const char *>(bytes.data()),
                                 bytes.size()));
  auto global = LLVM::GlobalOp::create(b, loc, arrayType, /*isConstant=*/true,
                                       LLVM::Linkage::External,
                                       name + "_artifact", data);
  global.setAlignment(64);
  LLVM::GlobalOp::create(b, loc, b.getI64Type(), /*isConstant=*/true,
                         LLVM::Linkage::External, name + "_artifact_size",
                         b.getI64IntegerAttr(bytes.size()));
  return emitObject(*module, target, error);
}

std::string headerText(const std::string &name) {
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
/* The kernel of entry point `main` (ABI of mica/kernel_abi.h). */
int32_t {0}_main(const mica_kernel_ctx *ctx);

/* Opens the linked model; free it with mica_model_free. */
static inline mica_status {0}_load(mica_model **out_model, char *error,
                                   size_t error_size) {{
  static const mica_linked_kernel kernels[] = {{{{"{0}_main", {0}_main}};
  return mica_model_load_linked({0}_artifact, (size_t){0}_artifact_size,
                                kernels, 1, out_model, error, error_size);
}

#ifdef __cplusplus
}
#endif

#endif /* {1}_H */
)",
      name, llvm::StringRef(name).upper());
}

} // namespace

bool mica::cli::writeStaticLibrary(const CompileResult &result,
                                   const CompileOptions &options,
                                   const std::string &archivePath,
                                   std::string &error) {
  // The same artifact without its code segment: the kernel is linked.
  artifact::Artifact linked = result.artifact;
  std::string object;
  for (size_t i = 0; i < linked.segments.size(); ++i)
    if (linked.segments[i].kind == artifact::SegmentKind::Code) {
      object.assign(linked.segments[i].bytes.begin(),
                    linked.segments[i].bytes.end());
      linked.segments.erase(linked.segments.begin() + i);
      break;
    }
  for (artifact::EntryPoint &entry : linked.entryPoints)
    for (artifact::Step &step : entry.steps)
      step.codeSegment = artifact::kNoCodeSegment;
  std::vector<uint8_t> bytes = artifact::serializeArtifact(linked);

  FailureOr<TargetDescription> target =
      resolveTarget(options.target, options.cpuFeatures, error);
  if (failed(target))
    return false;
  MLIRContext context;
  context.loadDialect<LLVM::LLVMDialect>();
  FailureOr<std::string> data =
      emitDataObject(context, bytes, options.name, *target, error);
  if (failed(data))
    return false;

  std::string kernelName = options.name + "_kernel.o";
  std::string dataName = options.name + "_artifact.o";
  std::vector<llvm::NewArchiveMember> members;
  members.emplace_back(llvm::MemoryBufferRef(object, kernelName));
  members.emplace_back(llvm::MemoryBufferRef(*data, dataName));
  llvm::Expected<std::unique_ptr<llvm::MemoryBuffer>> archive =
      llvm::writeArchiveToBuffer(members, llvm::SymtabWritingMode::NormalSymtab,
                                 llvm::object::Archive::K_GNU,
                                 /*Deterministic=*/true, /*Thin=*/false);
  if (!archive) {
    error = llvm::toString(archive.takeError());
    return false;
  }
  llvm::SmallString<256> headerPath(archivePath);
  llvm::sys::path::remove_filename(headerPath);
  llvm::sys::path::append(headerPath, options.name + ".h");
  if (!writeOutput(archivePath,
                   [&](llvm::raw_ostream &os) {
                     os << (*archive)->getBuffer();
                   },
                   error))
    return false;
  return writeOutput(headerPath.str(),
                     [&](llvm::raw_ostream &os) {
                       os << headerText(options.name);
                     },
                     error);
}
