//===- Compile.cpp - ONNX model in, .mica artifact out --------------------===//
#include "compiler/driver/Compile.h"

#include "compiler/codegen/ObjectEmitter.h"
#include "compiler/diagnostics/NodeLocation.h"
#include "compiler/driver/Pipeline.h"
#include "compiler/kernel/DataTypes.h"
#include "compiler/kernel/KernelAbi.h"
#include "compiler/onnx/FunctionExpansion.h"
#include "compiler/onnx/Importer.h"
#include "targets/TargetDescription.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/BuiltinAttributes.h"
#include "mlir/IR/DialectResourceBlobManager.h"
#include "mlir/Pass/PassManager.h"
#include "llvm/ADT/StringSet.h"
#include "llvm/Support/JSON.h"
#include "llvm/Support/Path.h"

#include <chrono>
#include <set>

using namespace mlir;
using namespace mica;

namespace {

const char *dtypeName(int32_t type) {
  switch (type) {
  case 1: return "float32";
  case 2: return "uint8";
  case 3: return "int8";
  case 4: return "uint16";
  case 5: return "int16";
  case 6: return "int32";
  case 7: return "int64";
  case 9: return "bool";
  case 10: return "float16";
  case 11: return "float64";
  case 12: return "uint32";
  case 13: return "uint64";
  case 16: return "bfloat16";
  default: return "unknown";
  }
}

class StageTimer {
public:
  StageTimer(CompileResult &result, const CompileOptions &options)
      : result(result), options(options) {}
  ~StageTimer() { stop(); }
  void start(llvm::StringRef stage) {
    stop();
    if (options.progress)
      options.progress(stage);
    name = stage.str();
    begin = std::chrono::steady_clock::now();
  }
  void stop() {
    if (name.empty())
      return;
    auto end = std::chrono::steady_clock::now();
    result.stageMillis.emplace_back(
        name, std::chrono::duration<double, std::milli>(end - begin).count());
    name.clear();
  }

private:
  CompileResult &result;
  const CompileOptions &options;
  std::string name;
  std::chrono::steady_clock::time_point begin;
};

/// The ONNX nodes in the order their ops appear, with their op types: the
/// artifact's node table (hooks and profiles refer to nodes by index).
void recordNodes(ModuleOp module) {
  Builder b(module.getContext());
  SmallVector<Attribute> names, types;
  llvm::StringSet<> seen;
  module.walk([&](Operation *op) {
    NodeLocInfo info = getNodeLocInfo(op->getLoc());
    if (info.node.empty() || info.isInitializer ||
        !seen.insert(info.node).second)
      return;
    StringRef kind = info.domainAndOp;
    names.push_back(b.getStringAttr(info.node));
    types.push_back(b.getStringAttr(kind.substr(kind.rfind(':') + 1)));
  });
  module->setAttr(kernel::kNodeNamesAttr, b.getArrayAttr(names));
  module->setAttr(kernel::kNodeOpTypesAttr, b.getArrayAttr(types));
}

/// Signature of the graph-level entry, with the upper bounds of symbolic
/// dimensions attached as `mica.max_shape` for the memory plan. Inputs are
/// marked read-only for bufferization: they are the caller's memory.
/// `unsupported` is set when an input or output has a type (sequence,
/// optional, string) a compiled model cannot pass.
LogicalResult prepareSignature(func::FuncOp func, const CompileOptions &options,
                               artifact::EntryPoint &entry, bool &unsupported) {
  Builder b(func.getContext());
  llvm::StringSet<> used;
  for (unsigned i = 0; i < func.getNumArguments(); ++i) {
    auto type = dyn_cast<RankedTensorType>(func.getArgument(i).getType());
    auto nameAttr = func.getArgAttrOfType<StringAttr>(i, "onnx.name");
    std::string name = nameAttr ? nameAttr.str() : "input_" + std::to_string(i);
    if (!type || !onnxDataType(type.getElementType())) {
      unsupported = true;
      return emitError(func.getLoc())
             << "input '" << name << "' has type " << func.getArgument(i).getType()
             << ", which Mica cannot pass to a compiled model";
    }
    artifact::TensorSpec spec;
    spec.name = name;
    spec.dtype = onnxDataType(type.getElementType());
    spec.shape.assign(type.getShape().begin(), type.getShape().end());
    for (int64_t &d : spec.shape)
      if (ShapedType::isDynamic(d))
        d = -1;
    spec.maxShape = spec.shape;
    for (const InputShape &bound : options.maxShapes) {
      if (bound.name != name)
        continue;
      used.insert(name);
      if (bound.dims.size() != spec.shape.size())
        return emitError(func.getLoc())
               << "--max-shape gives " << bound.dims.size() << " dims for '"
               << name << "', which has rank " << spec.shape.size();
      for (size_t d = 0; d < spec.shape.size(); ++d) {
        if (bound.dims[d] < 0)
          return emitError(func.getLoc())
                 << "--max-shape for '" << name << "' must give every dim";
        if (spec.shape[d] >= 0 && spec.shape[d] != bound.dims[d])
          return emitError(func.getLoc())
                 << "--max-shape " << name << ": dimension " << d << " is "
                 << spec.shape[d] << ", not " << bound.dims[d];
        spec.maxShape[d] = bound.dims[d];
      }
    }
    for (size_t d = 0; d < spec.shape.size(); ++d)
      if (spec.maxShape[d] < 0)
        return emitError(func.getLoc())
               << "dimension " << d << " of input '" << name
               << "' is symbolic; give its upper bound with --max-shape "
               << name << "=DIMS (or fix it with --input-shape)";
    func.setArgAttr(i, kernel::kMaxShapeAttr,
                    b.getDenseI64ArrayAttr(spec.maxShape));
    func.setArgAttr(i, "bufferization.writable", b.getBoolAttr(false));
    entry.inputs.push_back(std::move(spec));
  }
  for (const InputShape &bound : options.maxShapes)
    if (!used.contains(bound.name))
      return emitError(func.getLoc())
             << "--max-shape names '" << bound.name
             << "', which is not an input of the model";
  for (unsigned i = 0; i < func.getNumResults(); ++i) {
    auto type = dyn_cast<RankedTensorType>(func.getResultTypes()[i]);
    auto nameAttr = func.getResultAttrOfType<StringAttr>(i, "onnx.name");
    std::string name = nameAttr ? nameAttr.str() : "output_" + std::to_string(i);
    if (!type || !onnxDataType(type.getElementType())) {
      unsupported = true;
      return emitError(func.getLoc())
             << "output '" << name << "' has type " << func.getResultTypes()[i]
             << ", which a compiled model cannot return";
    }
    artifact::TensorSpec spec;
    spec.name = name;
    spec.dtype = onnxDataType(type.getElementType());
    for (int64_t d : type.getShape())
      spec.shape.push_back(ShapedType::isDynamic(d) ? -1 : d);
    entry.outputs.push_back(std::move(spec));
  }
  return success();
}

/// The ONNX op types of the onnx-dialect ops left after normalisation whose
/// schema (at the model's opset) defines them by a function body.
std::set<std::string> functionOpsLeft(ModuleOp module) {
  int opset = 0;
  if (auto attr = module->getAttrOfType<IntegerAttr>("onnx.opset"))
    opset = attr.getInt();
  std::set<std::string> types;
  module.walk([&](Operation *op) {
    if (op->getName().getDialectNamespace() != "onnx")
      return;
    NodeLocInfo info = getNodeLocInfo(op->getLoc());
    auto [domain, type] = StringRef(info.domainAndOp).rsplit("::");
    if (type.empty() || (domain != "ai.onnx" && !domain.empty()))
      return;
    if (hasFunctionBody(type.str(), opset))
      types.insert(type.str());
  });
  return types;
}

/// What a control-flow op needs to lower (ControlFlowPatterns.cpp), or "".
StringRef controlFlowNeeds(Operation *op) {
  StringRef name = op->getName().getStringRef();
  if (name.starts_with("onnx.Loop"))
    return "a constant trip count, loop-carried values that keep their type "
           "and static scan outputs; freeze the inputs that decide the trip "
           "count";
  if (name.starts_with("onnx.Scan"))
    return "static inputs, states that keep their type and static scan "
           "outputs";
  if (name.starts_with("onnx.If"))
    return "a one-element condition and branches yielding compatible tensors";
  return "";
}

/// Ops no lowering handles: report them all as unsupported, at their node.
/// The onnx.Yield of an unconverted If/Loop/Scan body goes with its op.
bool reportUnlowerable(ModuleOp module) {
  bool any = false;
  module.walk([&](Operation *op) {
    StringRef ns = op->getName().getDialectNamespace();
    if (ns != "onnx" || op->getName().getStringRef() == "onnx.NoValue")
      return;
    if (op->getName().getStringRef() == "onnx.Yield" && op->getParentOp() &&
        op->getParentOp()->getName().getDialectNamespace() == "onnx")
      return;
    InFlightDiagnostic diag = op->emitError("no lowering for ")
                              << op->getName() << " in this version of Mica";
    if (StringRef needs = controlFlowNeeds(op); !needs.empty())
      diag << " (it needs " << needs << ")";
    any = true;
  });
  return any;
}

llvm::json::Array specsJson(ArrayRef<artifact::TensorSpec> specs) {
  llvm::json::Array out;
  for (const artifact::TensorSpec &spec : specs) {
    llvm::json::Array shape, maxShape;
    for (int64_t d : spec.shape)
      shape.push_back(d < 0 ? llvm::json::Value("?") : llvm::json::Value(d));
    for (int64_t d : spec.maxShape)
      maxShape.push_back(d);
    out.push_back(llvm::json::Object{{"name", spec.name},
                                     {"dtype", dtypeName(spec.dtype)},
                                     {"shape", std::move(shape)},
                                     {"max_shape", std::move(maxShape)}});
  }
  return out;
}

/// The CPU kernels' vector shape for a target: AVX-512 and AVX2 on x86-64
/// (with their 32 and 16 vector registers), NEON on AArch64.
KernelPipelineOptions kernelOptions(const TargetDescription &target) {
  KernelPipelineOptions options;
  auto has = [&](llvm::StringRef feature) {
    return llvm::is_contained(target.features, ("+" + feature).str());
  };
  llvm::StringRef arch = llvm::StringRef(target.triple).split('-').first;
  if (arch == "aarch64") {
    options.vectorWidth = 4;
    options.vectorRegisters = 32;
  } else if (arch == "x86_64") {
    if (has("avx512f")) {
      options.vectorWidth = 16;
      options.vectorRegisters = 32;
      options.vectorMathIsa = "avx512";
    } else if (has("avx2") || has("avx")) {
      options.vectorWidth = 8;
      options.vectorRegisters = 16;
      options.vectorMathIsa = has("avx2") ? "avx2" : "avx";
    } else {
      options.vectorWidth = 4;
      options.vectorRegisters = 16;
      options.vectorMathIsa = "sse";
    }
    // libmvec is glibc's (linked by -lm there).
    if (!llvm::StringRef(target.triple).ends_with("-gnu"))
      options.vectorMathIsa.clear();
  }
  // Experiments only: MICA_CPU_VECTOR_WIDTH=0 keeps the scalar loops.
  if (const char *env = std::getenv("MICA_CPU_VECTOR_WIDTH"))
    options.vectorWidth = std::atoi(env);
  return options;
}

} // namespace

CompileResult mica::compile(MLIRContext &context,
                            const CompileOptions &options) {
  CompileResult result;
  StageTimer timer(result, options);
  Location unknown = UnknownLoc::get(&context);

  std::string error;
  FailureOr<TargetDescription> target =
      resolveTarget(options.target, options.cpuFeatures, error);
  if (failed(target)) {
    emitError(unknown) << error;
    return result;
  }

  // Import and normalise; ops left in the onnx dialect whose schema has a
  // function body are then expanded into that body at import, and the
  // model is imported again (bodies may use further function ops).
  ImportOptions importOptions;
  importOptions.load.inputShapes = options.inputShapes;
  importOptions.load.frozenInputs = options.frozenInputs;
  OwningOpRef<ModuleOp> owned;
  for (int attempt = 0;; ++attempt) {
    timer.start("importing " + options.modelPath);
    ImportResult imported =
        importOnnxModel(context, options.modelPath, importOptions);
    if (!imported.module) {
      result.unsupported = imported.unsupported;
      return result;
    }
    owned = std::move(imported.module);
    recordNodes(*owned);
    timer.start("normalising into the graph dialect");
    PassManager pm(&context);
    buildOnnxToGraphPipeline(pm);
    if (failed(pm.run(*owned)))
      return result;
    std::set<std::string> expand = functionOpsLeft(*owned);
    size_t before = importOptions.load.expandFunctions.size();
    importOptions.load.expandFunctions.insert(expand.begin(), expand.end());
    if (attempt == 3 || importOptions.load.expandFunctions.size() == before)
      break;
  }
  ModuleOp module = *owned;
  if (reportUnlowerable(module)) {
    result.unsupported = true;
    return result;
  }
  auto func = module.lookupSymbol<func::FuncOp>("main");
  artifact::EntryPoint entry;
  entry.name = "main";
  if (!func || failed(prepareSignature(func, options, entry, result.unsupported)))
    return result;

  timer.start("lowering to " + target->name + " code");
  std::string symbol = options.name + "_main";
  {
    // A pattern that finds no lowering ("failed to legalize") is an
    // unsupported feature of the model, not an internal error.
    bool legalizeFailure = false;
    ScopedDiagnosticHandler watch(&context, [&](Diagnostic &diag) {
      if (diag.getSeverity() == DiagnosticSeverity::Error &&
          StringRef(diag.str()).contains("failed to legalize"))
        legalizeFailure = true;
      return failure(); // let the caller's handler print it
    });
    PassManager pm(&context);
    KernelPipelineOptions kernel = kernelOptions(*target);
    kernel.winograd = options.winograd;
    kernel.polynomialExp = options.polynomialExp;
    buildGraphToKernelPipeline(pm, symbol, kernel);
    if (failed(pm.run(module))) {
      result.unsupported = legalizeFailure;
      return result;
    }
  }
  auto kernelAttr = module->getAttrOfType<DictionaryAttr>(kernel::kKernelAttr);
  auto segmentAttr =
      module->getAttrOfType<DenseResourceElementsAttr>(kernel::kConstantSegmentAttr);
  if (!kernelAttr || !segmentAttr) {
    emitError(unknown) << "internal error: the kernel plan is missing";
    return result;
  }
  artifact::Segment constants;
  constants.kind = artifact::SegmentKind::Constants;
  if (AsmResourceBlob *blob = segmentAttr.getRawHandle().getBlob())
    constants.bytes.assign(blob->getData().begin(), blob->getData().end());
  auto outputMax = cast<ArrayAttr>(kernelAttr.get("output_max_shapes"));
  for (auto [spec, attr] : llvm::zip(entry.outputs, outputMax)) {
    ArrayRef<int64_t> bound = cast<DenseI64ArrayAttr>(attr).asArrayRef();
    spec.maxShape.assign(bound.begin(), bound.end());
  }
  entry.arenaSize = cast<IntegerAttr>(kernelAttr.get("arena_size")).getInt();
  entry.intermediatesSize =
      cast<IntegerAttr>(kernelAttr.get("intermediates_size")).getInt();
  auto nodeNames = module->getAttrOfType<ArrayAttr>(kernel::kNodeNamesAttr);
  auto nodeTypes = module->getAttrOfType<ArrayAttr>(kernel::kNodeOpTypesAttr);
  module->removeAttr(kernel::kConstantSegmentAttr);

  timer.start("generating " + target->triple + " code");
  ObjectEmitOptions emitOptions;
  emitOptions.fpContract = options.fpContract;
  FailureOr<std::string> object = emitObject(module, *target, emitOptions, error);
  if (failed(object)) {
    emitError(unknown) << error;
    return result;
  }

  timer.start("writing the artifact");
  artifact::Artifact &art = result.artifact;
  art.producer = std::string("mica 0.1.0 (MLIR ") + LLVM_VERSION_STRING + ")";
  std::string arch = StringRef(target->triple).split('-').first.str();
  art.targets.push_back({target->name, target->triple, arch, target->cpu,
                         target->requiredFeatures()});
  art.segments.push_back(std::move(constants));
  artifact::Segment code;
  code.kind = artifact::SegmentKind::Code;
  code.target = 0;
  code.bytes.assign(object->begin(), object->end());
  art.segments.push_back(std::move(code));
  artifact::Step step;
  step.target = 0;
  step.codeSegment = 1;
  step.symbol = symbol;
  for (unsigned i = 0; i < nodeNames.size(); ++i) {
    step.nodes.push_back(i);
    art.nodes.push_back({cast<StringAttr>(nodeNames[i]).str(),
                         cast<StringAttr>(nodeTypes[i]).str(), 0, 0});
  }
  entry.steps.push_back(std::move(step));
  art.entryPoints.push_back(std::move(entry));

  // The compile report: deterministic (no times, no paths beyond the model's
  // file name), so the artifact that embeds it is reproducible.
  const artifact::EntryPoint &e = art.entryPoints.front();
  double saving = e.intermediatesSize
                      ? 100.0 * (1.0 - double(e.arenaSize) / e.intermediatesSize)
                      : 0.0;
  llvm::json::Object report{
      {"schema_version", 1},
      {"producer", art.producer},
      {"model", llvm::sys::path::filename(options.modelPath).str()},
      {"target", llvm::json::Object{{"name", target->name},
                                    {"triple", target->triple},
                                    {"cpu", target->cpu}}},
      {"entry_points",
       llvm::json::Array{llvm::json::Object{
           {"name", e.name},
           {"symbol", symbol},
           {"inputs", specsJson(e.inputs)},
           {"outputs", specsJson(e.outputs)}}}},
      {"memory",
       llvm::json::Object{{"arena_bytes", e.arenaSize},
                          {"intermediates_bytes", e.intermediatesSize},
                          {"saving_percent", static_cast<int64_t>(std::lround(saving))}}},
      {"constants_bytes", static_cast<int64_t>(art.segments[0].bytes.size())},
      {"code_bytes", static_cast<int64_t>(art.segments[1].bytes.size())},
      {"nodes", static_cast<int64_t>(art.nodes.size())},
      {"frozen_inputs", static_cast<int64_t>(options.frozenInputs.size())},
  };
  std::string reportText;
  llvm::raw_string_ostream os(reportText);
  os << llvm::formatv("{0:2}", llvm::json::Value(std::move(report)));
  art.reportJson = std::move(reportText);
  result.bytes = artifact::serializeArtifact(art);
  timer.stop();
  result.ok = true;
  return result;
}
