//===- Compile.cpp - ONNX model in, .mica artifact out --------------------===//
//
// compile() runs the stages of Pipeline.h once per entry point up to the
// graph dialect, gathers the entry points into one module, then compresses,
// optimises and lowers them together (so constants are stored once) and
// turns the module's exec ops and the target's code into the artifact.
//
//===----------------------------------------------------------------------===//
#include "compiler/driver/Compile.h"

#include "compiler/artifact/PlanToArtifact.h"
#include "compiler/diagnostics/NodeLocation.h"
#include "compiler/driver/Pipeline.h"
#include "compiler/support/DataTypes.h"
#include "dialects/exec/IR/ExecDialect.h"
#include "dialects/graph/Analysis/MultiplyAdds.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Pass/Pass.h"
#include "mlir/Pass/PassInstrumentation.h"
#include "mlir/Pass/PassManager.h"
#include "llvm/ADT/StringSet.h"
#include "llvm/Support/JSON.h"
#include "llvm/Support/Path.h"

#include <chrono>

using namespace mlir;
using namespace mica;

namespace {

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

/// Remembers the argument of the pass that failed: a failing conversion
/// (mica-convert-*) met an op it has no lowering for, a model feature Mica
/// does not handle; any other failing pass is a bug.
struct FailedPass : PassInstrumentation {
  std::string &argument;
  explicit FailedPass(std::string &argument) : argument(argument) {}
  void runAfterPassFailed(Pass *pass, Operation *) override {
    if (argument.empty())
      argument = pass->getArgument().str();
  }
};

ErrorKind kindOfFailedPass(StringRef argument) {
  return argument.starts_with("mica-convert-") ? ErrorKind::Unsupported
                                               : ErrorKind::Internal;
}

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
  OpBuilder ob = OpBuilder::atBlockEnd(module.getBody());
  exec::NodeTableOp::create(ob, module.getLoc(), b.getArrayAttr(names),
                            b.getArrayAttr(types));
}

/// Signature of an entry function, with the upper bounds of symbolic
/// dimensions attached as `mica.max_shape` for the memory plan. Inputs are
/// marked read-only for bufferization: they are the caller's memory.
LogicalResult prepareSignature(func::FuncOp func, const CompileOptions &options,
                               artifact::EntryPoint &entry,
                               CompileError &error) {
  Builder b(func.getContext());
  llvm::StringSet<> used;
  error.kind = ErrorKind::Usage;
  for (unsigned i = 0; i < func.getNumArguments(); ++i) {
    auto type = dyn_cast<RankedTensorType>(func.getArgument(i).getType());
    auto nameAttr = func.getArgAttrOfType<StringAttr>(i, "onnx.name");
    std::string name = nameAttr ? nameAttr.str() : "input_" + std::to_string(i);
    if (!type || !onnxDataType(type.getElementType())) {
      error.kind = ErrorKind::Unsupported;
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
    func.setArgAttr(i, exec::kMaxShapeAttr,
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
      error.kind = ErrorKind::Unsupported;
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

/// Checks the --entry list: names are C identifiers (they become symbol
/// suffixes), unique, and each names inputs at most once.
LogicalResult checkEntries(ArrayRef<EntrySpec> entries, CompileError &error) {
  llvm::StringSet<> names;
  for (const EntrySpec &entry : entries) {
    bool identifier =
        !entry.name.empty() && !isdigit(static_cast<unsigned char>(entry.name[0])) &&
        llvm::all_of(entry.name, [](char c) {
          return isalnum(static_cast<unsigned char>(c)) || c == '_';
        });
    if (!identifier) {
      error = {ErrorKind::Usage, "entry point name '" + entry.name +
                                     "' is not a C identifier"};
      return failure();
    }
    if (!names.insert(entry.name).second) {
      error = {ErrorKind::Usage, "two entry points are named '" + entry.name +
                                     "'"};
      return failure();
    }
  }
  return success();
}

/// The input shapes of one entry point: the common ones, overridden by the
/// entry's own.
std::vector<InputShape> entryShapes(const CompileOptions &options,
                                    const EntrySpec &entry) {
  std::vector<InputShape> shapes = options.inputShapes;
  for (const InputShape &shape : entry.inputShapes) {
    auto known = llvm::find_if(shapes, [&](const InputShape &s) {
      return s.name == shape.name;
    });
    if (known != shapes.end())
      *known = shape;
    else
      shapes.push_back(shape);
  }
  return shapes;
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
                                     {"dtype", dataTypeName(spec.dtype)},
                                     {"shape", std::move(shape)},
                                     {"max_shape", std::move(maxShape)}});
  }
  return out;
}

llvm::json::Object memoryJson(const artifact::EntryPoint &entry) {
  double saving =
      entry.intermediatesSize
          ? 100.0 * (1.0 - double(entry.arenaSize) / entry.intermediatesSize)
          : 0.0;
  return llvm::json::Object{
      {"arena_bytes", static_cast<int64_t>(entry.arenaSize)},
      {"intermediates_bytes", static_cast<int64_t>(entry.intermediatesSize)},
      {"saving_percent", static_cast<int64_t>(std::lround(saving))}};
}

/// The compile report: deterministic (no times, no paths beyond the model's
/// file name), so the artifact that embeds it is reproducible. `memory` is
/// the entry point with the largest arena (what any context needs at most);
/// each entry point also has its own.
std::string reportJson(const artifact::Artifact &art,
                       const CompileOptions &options,
                       const TargetDescription &target, int64_t flopsOriginal,
                       int64_t flopsCompiled) {
  llvm::json::Array entries;
  const artifact::EntryPoint *largest = &art.entryPoints.front();
  int64_t constants = 0, code = 0;
  for (const artifact::EntryPoint &e : art.entryPoints) {
    llvm::json::Object entry{{"name", e.name},
                             {"symbol", e.steps.front().symbol},
                             {"inputs", specsJson(e.inputs)},
                             {"outputs", specsJson(e.outputs)}};
    if (art.entryPoints.size() > 1)
      entry["memory"] = memoryJson(e);
    entries.push_back(std::move(entry));
    if (e.arenaSize > largest->arenaSize)
      largest = &e;
  }
  for (const artifact::Segment &segment : art.segments)
    (segment.kind == artifact::SegmentKind::Code ? code : constants) +=
        segment.bytes.size();
  llvm::json::Object report{
      {"schema_version", 1},
      {"producer", art.producer},
      {"model", llvm::sys::path::filename(options.modelPath).str()},
      {"target", llvm::json::Object{{"name", target.name},
                                    {"triple", target.triple},
                                    {"cpu", target.cpu}}},
      {"entry_points", std::move(entries)},
      {"memory", memoryJson(*largest)},
      {"flops", llvm::json::Object{{"original", flopsOriginal},
                                   {"compiled", flopsCompiled}}},
      {"constants_bytes", constants},
      {"code_bytes", code},
      {"nodes", static_cast<int64_t>(art.nodes.size())},
      {"frozen_inputs", static_cast<int64_t>(options.frozenInputs.size())},
  };
  std::string text;
  llvm::raw_string_ostream os(text);
  os << llvm::formatv("{0:2}", llvm::json::Value(std::move(report)));
  return text;
}

} // namespace

CompileResult mica::compile(MLIRContext &context,
                            const CompileOptions &options) {
  CompileResult result;
  StageTimer timer(result, options);
  Location unknown = UnknownLoc::get(&context);
  auto fail = [&]() -> CompileResult & {
    if (!result.error.message.empty())
      emitError(unknown) << result.error.message;
    return result;
  };

  // The target, resolved before any work so that a typo costs nothing.
  FailureOr<TargetDescription> description =
      resolveTarget(options.target, options.cpuFeatures, result.error);
  if (failed(description))
    return fail();
  result.target = *description;
  const Target &target = *lookupTarget(options.target);

  // Stages 1-2 per entry point, gathered into one module: the first entry's,
  // to which the others' functions move (named after their entry points).
  std::vector<EntrySpec> entries = options.entries;
  bool named = !entries.empty();
  if (entries.empty())
    entries.push_back({"main", {}});
  if (failed(checkEntries(entries, result.error)))
    return fail();
  OwningOpRef<ModuleOp> program;
  std::vector<artifact::EntryPoint> signatures;
  int64_t flopsOriginal = 0;
  for (const EntrySpec &entry : entries) {
    LoadOptions load;
    load.inputShapes = entryShapes(options, entry);
    load.frozenInputs = options.frozenInputs;
    std::string suffix = named ? " (entry point " + entry.name + ")" : "";
    // The node table lists the nodes of the model as imported (before
    // normalisation folds constant subgraphs away), once.
    FailureOr<OwningOpRef<ModuleOp>> imported = importAndNormalize(
        context, options.modelPath, load, result.error,
        [&](StringRef stage) { timer.start((stage + suffix).str()); },
        [&](ModuleOp fresh) {
          if (!program)
            recordNodes(fresh);
        });
    if (failed(imported))
      return fail();
    ModuleOp module = **imported;
    if (reportUnlowerable(module)) {
      result.error.kind = ErrorKind::Unsupported;
      return fail();
    }
    auto func = module.lookupSymbol<func::FuncOp>("main");
    if (!func) {
      result.error = {ErrorKind::Internal, "internal error: no @main"};
      return fail();
    }
    artifact::EntryPoint signature;
    signature.name = entry.name;
    if (failed(prepareSignature(func, options, signature, result.error)))
      return fail();
    signatures.push_back(std::move(signature));
    flopsOriginal += graph::countAllMultiplyAdds(func);
    if (func.getSymName() != entry.name)
      func.setSymName(entry.name);
    if (!program)
      program = std::move(*imported);
    else
      func->moveBefore(program->getBody(), program->getBody()->end());
  }
  ModuleOp module = *program;

  // Stage 3.
  std::string failedPass;
  auto runStage = [&](PassManager &pm) -> LogicalResult {
    pm.addInstrumentation(std::make_unique<FailedPass>(failedPass));
    if (succeeded(pm.run(module)))
      return success();
    result.error.kind = kindOfFailedPass(failedPass);
    return failure();
  };
  timer.start("compressing");
  PassManager compress(&context);
  buildCompressionPipeline(compress, options.lowering);
  if (failed(runStage(compress)))
    return fail();
  int64_t flopsCompiled = graph::countAllMultiplyAdds(module);

  // Stages 4-5.
  timer.start("lowering to " + description->name + " code");
  PassManager lower(&context);
  buildGraphOptimizationPipeline(
      lower, options.lowering,
      target.wantsGraphOptimizations(*description, options.lowering));
  if (failed(target.buildLoweringPipeline(lower, *description, options.lowering,
                                          result.error)) ||
      failed(runStage(lower)))
    return fail();

  timer.start("generating " + description->triple + " code");
  FailureOr<std::vector<uint8_t>> code =
      target.serialize(module, *description, options.lowering, result.error);
  if (failed(code))
    return fail();

  timer.start("writing the artifact");
  TargetCode targetCode;
  targetCode.target = {description->name, description->triple,
                       StringRef(description->triple).split('-').first.str(),
                       description->cpu, description->requiredFeatures()};
  targetCode.bytes = std::move(*code);
  FailureOr<artifact::Artifact> art =
      buildArtifact(module, signatures, {targetCode}, result.error);
  if (failed(art))
    return fail();
  result.artifact = std::move(*art);
  result.artifact.reportJson = reportJson(result.artifact, options,
                                          *description, flopsOriginal,
                                          flopsCompiled);
  result.bytes = artifact::serializeArtifact(result.artifact);
  timer.stop();
  result.ok = true;
  return result;
}

FailureOr<StaticLibrary> mica::packageStaticLibrary(const CompileResult &result,
                                                    const CompileOptions &options,
                                                    CompileError &error) {
  const Target *target = lookupTarget(result.target.name);
  if (!target) {
    error = {ErrorKind::Internal, "internal error: no compiled target"};
    return failure();
  }
  return target->packageStaticLibrary(result.artifact, result.target,
                                      options.lowering.symbolPrefix, error);
}
