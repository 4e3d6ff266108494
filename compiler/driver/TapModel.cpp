//===- TapModel.cpp - The model run in-process, values as outputs ---------===//
#include "compiler/driver/TapModel.h"

#include "compiler/diagnostics/NodeLocation.h"
#include "dialects/graph/IR/GraphDialect.h"

#include "mica/runtime.h"

#include "mlir/IR/Diagnostics.h"
#include "llvm/ADT/StringMap.h"

#include <cstring>

using namespace mlir;
using namespace mica;

namespace {

/// Ops whose result mica-quantize-int8 may need the range of: the ops it
/// makes integer and the data movement it looks through.
bool isQuantizable(Operation *op) {
  return isa<graph::ConvOp, graph::FullyConnectedOp, graph::MatmulOp,
             graph::AddOp, graph::MulOp, graph::DivOp, graph::ReduceOp,
             graph::ConcatOp, graph::LayerNormOp, graph::SoftmaxOp,
             graph::ReluOp, graph::ClampOp, graph::SigmoidOp, graph::TanhOp,
             graph::HardSwishOp, graph::HardSigmoidOp, graph::SiluOp,
             graph::GeluOp, graph::LeakyReluOp, graph::EluOp, graph::ReshapeOp,
             graph::TransposeOp, graph::MaxPoolOp, graph::SliceOp>(op);
}

/// Makes the taps of `func` that `select` accepts extra results, named
/// `mica.tap.INDEX`; returns their keys.
std::vector<std::string>
addTapResults(func::FuncOp func, const std::function<bool(StringRef)> &select) {
  auto ret = cast<func::ReturnOp>(func.getBody().front().getTerminator());
  SmallVector<Value> results(ret.getOperands());
  SmallVector<DictionaryAttr> attrs;
  for (unsigned i = 0; i < results.size(); ++i)
    attrs.push_back(func.getResultAttrDict(i));
  std::vector<std::string> keys;
  Builder b(func.getContext());
  for (auto &[key, value] : tapPoints(func)) {
    if (!select(key))
      continue;
    keys.push_back(key);
    attrs.push_back(b.getDictionaryAttr(b.getNamedAttr(
        "onnx.name",
        b.getStringAttr("mica.tap." + std::to_string(results.size())))));
    results.push_back(value);
  }
  ret->setOperands(results);
  func.setFunctionType(FunctionType::get(func.getContext(),
                                         func.getArgumentTypes(),
                                         ValueRange(results).getTypes()));
  func.setAllResultAttrs(attrs);
  return keys;
}

} // namespace

std::vector<std::pair<std::string, Value>> mica::tapPoints(func::FuncOp func) {
  std::vector<std::pair<std::string, Value>> taps;
  auto isF32 = [](Value v) {
    auto type = dyn_cast<RankedTensorType>(v.getType());
    return type && type.getElementType().isF32();
  };
  for (BlockArgument arg : func.getArguments())
    if (isF32(arg))
      taps.push_back({"arg:" + std::to_string(arg.getArgNumber()), arg});
  std::map<std::string, int> ranks;
  auto needed = [](Value v) {
    if (isQuantizable(v.getDefiningOp()))
      return true;
    return llvm::any_of(v.getUsers(),
                        [](Operation *user) { return isQuantizable(user); });
  };
  for (Operation &op : func.getBody().front()) {
    if (op.getNumResults() != 1 || op.hasTrait<OpTrait::ConstantLike>() ||
        !isF32(op.getResult(0)) || !needed(op.getResult(0)))
      continue;
    std::string base = getNodeLocInfo(op.getLoc()).node + "|" +
                       op.getName().getStringRef().str();
    int rank = ranks[base]++;
    taps.push_back({base + "|" + std::to_string(rank), op.getResult(0)});
  }
  return taps;
}

/// One build, loaded and ready to run.
struct TapModels::Build {
  std::vector<uint8_t> bytes; // 64-byte aligned copy of the artifact
  mica_model *model = nullptr;
  mica_context *context = nullptr;
  std::vector<std::string> keys; // of outputs firstTap..
  llvm::StringMap<size_t> index;
  unsigned firstTap = 0;
  ~Build() {
    if (context)
      mica_context_free(context);
    if (model)
      mica_model_free(model);
  }
};

TapModels::TapModels(MLIRContext &context, CompileOptions options,
                     std::vector<ModelInput> inputs,
                     std::function<bool(StringRef)> select, std::string name)
    : context(context), options(std::move(options)), inputs(std::move(inputs)),
      select(std::move(select)), name(std::move(name)) {}

TapModels::~TapModels() = default;

FailureOr<TapModels::Build *>
TapModels::buildFor(const std::vector<std::vector<int64_t>> &shapes,
                    CompileError &error) {
  std::unique_ptr<Build> &built = builds[shapes];
  if (built)
    return built.get();
  auto build = std::make_unique<Build>();
  CompileOptions at = options;
  // One thread runs it: single-threaded code, which LLVM compiles much
  // faster when taps make the kernel large (no task functions whose
  // addresses escape; a transformer's build took minutes in LLVM's
  // called-value propagation).
  at.lowering.cpuParallel = false;
  at.inputShapes.clear();
  for (size_t i = 0; i < inputs.size(); ++i)
    at.inputShapes.push_back({inputs[i].name, shapes[i]});
  if (options.progress)
    at.progress = [&](StringRef stage) {
      options.progress((name + ": " + stage).str());
    };
  Build *target = build.get();
  at.afterNormalize = [&](Operation *op) {
    auto func = cast<func::FuncOp>(op);
    target->firstTap = func.getNumResults();
    target->keys = addTapResults(func, select);
  };
  CompileResult compiled;
  {
    // The compile being served warns about the model already.
    ScopedDiagnosticHandler quiet(&context, [](Diagnostic &d) {
      return success(d.getSeverity() != DiagnosticSeverity::Error);
    });
    compiled = compile(context, at);
  }
  if (!compiled.ok) {
    error = compiled.error;
    if (error.message.empty())
      error.message = "the " + name + " did not compile";
    return failure();
  }
  for (size_t i = 0; i < build->keys.size(); ++i)
    build->index[build->keys[i]] = i;
  size_t size = compiled.bytes.size();
  build->bytes.resize(size + 64);
  // The runtime wants 64-byte aligned artifacts: copy into such a spot.
  void *raw = build->bytes.data();
  size_t space = build->bytes.size();
  void *aligned = std::align(64, size, raw, space);
  std::memcpy(aligned, compiled.bytes.data(), size);
  char message[512] = {0};
  if (mica_model_load(aligned, size, &build->model, message, sizeof(message)) !=
          MICA_OK ||
      mica_context_create(build->model, 0, nullptr, 0, 1, &build->context,
                          message, sizeof(message)) != MICA_OK) {
    error = {ErrorKind::Internal,
             "internal error: " + name + ": " + std::string(message)};
    return failure();
  }
  built = std::move(build);
  return built.get();
}

LogicalResult TapModels::run(const Sample &sample, int64_t item,
                             CompileError &error) {
  std::vector<std::vector<int64_t>> shapes;
  for (const TensorData &t : sample.inputs) {
    shapes.push_back(t.dims);
    shapes.back()[0] = 1;
  }
  FailureOr<Build *> build = buildFor(shapes, error);
  if (failed(build))
    return failure();
  current = *build;
  char message[512] = {0};
  for (size_t i = 0; i < sample.inputs.size(); ++i) {
    const TensorData &t = sample.inputs[i];
    const char *data = t.bytes.data() + item * (t.bytes.size() / t.dims[0]);
    if (mica_context_set_input(current->context, i, data, shapes[i].data(),
                               shapes[i].size(), message,
                               sizeof(message)) != MICA_OK) {
      error = {ErrorKind::Usage,
               "calibration sample '" + sample.source + "': " + message};
      return failure();
    }
  }
  if (mica_context_run(current->context, message, sizeof(message)) != MICA_OK) {
    error = {ErrorKind::Usage,
             "calibration sample '" + sample.source + "': " + message};
    return failure();
  }
  return success();
}

size_t TapModels::numTaps() const { return current ? current->keys.size() : 0; }

StringRef TapModels::key(size_t tap) const { return current->keys[tap]; }

ArrayRef<float> TapModels::values(size_t tap) const {
  const void *data = nullptr;
  const int64_t *shape = nullptr;
  int32_t rank = 0;
  if (mica_context_output(current->context, current->firstTap + tap, &data,
                          &shape, &rank) != MICA_OK)
    return {};
  int64_t count = 1;
  for (int32_t d = 0; d < rank; ++d)
    count *= shape[d];
  return {static_cast<const float *>(data), static_cast<size_t>(count)};
}

std::optional<size_t> TapModels::find(StringRef key) const {
  auto it = current->index.find(key);
  if (it == current->index.end())
    return std::nullopt;
  return it->second;
}

LogicalResult
mica::forEachItem(ArrayRef<Sample> samples,
                  const std::function<void(StringRef)> &progress,
                  StringRef what,
                  function_ref<LogicalResult(const Sample &, int64_t)> visit) {
  size_t done = 0, total = 0;
  for (const Sample &sample : samples)
    total += sample.inputs[0].dims[0];
  for (const Sample &sample : samples)
    for (int64_t item = 0; item < sample.inputs[0].dims[0]; ++item) {
      if (failed(visit(sample, item)))
        return failure();
      ++done;
      if (progress &&
          (done == total || done % std::max<size_t>(1, total / 10) == 0))
        progress((what + ": " + std::to_string(done) + " of " +
                  std::to_string(total) + " items")
                     .str());
    }
  return success();
}
