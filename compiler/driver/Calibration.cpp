//===- Calibration.cpp - Ranges of float values from sample inputs --------===//
#include "compiler/driver/Calibration.h"

#include "compiler/diagnostics/NodeLocation.h"
#include "compiler/onnx/TensorFile.h"
#include "dialects/graph/IR/GraphDialect.h"
#include "passes/quantize/Passes.h"

#include "mica/runtime.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/Path.h"

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <map>
#include <memory>

using namespace mlir;
using namespace mica;

namespace {

constexpr int32_t kFloatType = 1; // ONNX TensorProto FLOAT

/// Ops whose result mica-quantize-int8 may need the range of: the ops it
/// makes integer and the data movement it looks through.
bool isQuantizable(Operation *op) {
  return isa<graph::ConvOp, graph::FullyConnectedOp, graph::MatmulOp,
             graph::AddOp, graph::MulOp, graph::ReduceOp, graph::ConcatOp,
             graph::ReluOp, graph::ClampOp, graph::SigmoidOp, graph::TanhOp,
             graph::HardSwishOp, graph::HardSigmoidOp, graph::SiluOp,
             graph::GeluOp, graph::LeakyReluOp, graph::EluOp, graph::ReshapeOp,
             graph::TransposeOp, graph::MaxPoolOp, graph::SliceOp>(op);
}

/// The values calibration measures in `func`, keyed so that two imports of
/// the model at different input shapes name the same value alike: the f32
/// arguments ("arg:INDEX") and the single f32 result of each top-level op
/// that is not a constant ("NODE|OP|RANK") and that the quantizer may use:
/// a quantizable op's result, or an operand of one. (Every value would make
/// the calibration build's code far larger: a transformer's norms and
/// softmaxes are dozens of ops each.)
std::vector<std::pair<std::string, Value>> tapPoints(func::FuncOp func) {
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

/// One calibration sample: a tensor per model input, and where it came from.
struct Sample {
  std::string source;
  std::vector<TensorData> inputs;
};

struct ModelInput {
  std::string name;
  RankedTensorType type;
};

std::vector<ModelInput> modelInputs(func::FuncOp func) {
  std::vector<ModelInput> inputs;
  for (unsigned i = 0; i < func.getNumArguments(); ++i) {
    auto name = func.getArgAttrOfType<StringAttr>(i, "onnx.name");
    inputs.push_back(
        {name ? name.str() : "input_" + std::to_string(i),
         dyn_cast<RankedTensorType>(func.getArgument(i).getType())});
  }
  return inputs;
}

LogicalResult usage(CompileError &error, const std::string &message) {
  error = {ErrorKind::Usage, message};
  return failure();
}

/// Checks a sample tensor against the model input it feeds and gives it the
/// input's rank (a file without the batch dim gets a leading 1). Only dim 0
/// may differ from the model's static dims.
LogicalResult checkSample(TensorData &tensor, const ModelInput &input,
                          const std::string &path, CompileError &error) {
  if (tensor.dataType != kFloatType)
    return usage(error, "calibration file '" + path +
                            "' does not hold float32 data (ONNX type " +
                            std::to_string(tensor.dataType) + "); input '" +
                            input.name + "' is float32");
  int64_t rank = input.type.getRank();
  if ((int64_t)tensor.dims.size() == rank - 1)
    tensor.dims.insert(tensor.dims.begin(), 1);
  auto shapeText = [](ArrayRef<int64_t> dims) {
    std::string text;
    for (int64_t d : dims)
      text += (text.empty() ? "" : "x") +
              (ShapedType::isDynamic(d) ? std::string("?") : std::to_string(d));
    return text;
  };
  bool fits = (int64_t)tensor.dims.size() == rank;
  for (int64_t d = 1; fits && d < rank; ++d)
    fits = input.type.isDynamicDim(d) ||
           input.type.getDimSize(d) == tensor.dims[d];
  if (!fits || tensor.dims.empty() || tensor.dims[0] < 1)
    return usage(error, "calibration file '" + path + "' has shape " +
                            shapeText(tensor.dims) +
                            ", which does not fit input '" + input.name +
                            "' (" + shapeText(input.type.getShape()) +
                            ", any size of dim 0)");
  const float *data = reinterpret_cast<const float *>(tensor.bytes.data());
  size_t count = tensor.bytes.size() / sizeof(float);
  for (size_t i = 0; i < count; ++i)
    if (!std::isfinite(data[i]))
      return usage(error, "calibration file '" + path + "' holds " +
                              (std::isnan(data[i]) ? "NaN" : "infinity") +
                              " (element " + std::to_string(i) + ")");
  return success();
}

/// The regular entries of `dir`, sorted by name.
std::vector<std::string> listDir(const std::string &dir, bool wantDirs) {
  std::vector<std::string> paths;
  std::error_code ec;
  for (llvm::sys::fs::directory_iterator it(dir, ec), end; it != end && !ec;
       it.increment(ec)) {
    bool isDir = llvm::sys::fs::is_directory(it->path());
    StringRef name = llvm::sys::path::filename(it->path());
    if (name.starts_with("."))
      continue;
    if (wantDirs
            ? isDir
            : (!isDir && (name.ends_with(".npy") || name.ends_with(".pb"))))
      paths.push_back(it->path());
  }
  std::sort(paths.begin(), paths.end());
  return paths;
}

FailureOr<std::vector<Sample>> readSamples(const QuantizeOptions &options,
                                           ArrayRef<ModelInput> inputs,
                                           CompileError &error) {
  const std::string &dir = options.calibrationDir;
  if (!llvm::sys::fs::is_directory(dir)) {
    (void)usage(error, "--calibration '" + dir + "' is not a folder");
    return failure();
  }
  std::vector<Sample> samples;
  auto read = [&](const std::string &path, const ModelInput &input,
                  Sample &sample) -> LogicalResult {
    TensorData tensor;
    std::string message;
    if (!readTensorData(path, tensor, message))
      return usage(error, "calibration data: " + message);
    if (failed(checkSample(tensor, input, path, error)))
      return failure();
    sample.inputs.push_back(std::move(tensor));
    return success();
  };
  if (inputs.size() == 1) {
    for (const std::string &path : listDir(dir, /*wantDirs=*/false)) {
      Sample sample{path, {}};
      if (failed(read(path, inputs[0], sample)))
        return failure();
      samples.push_back(std::move(sample));
      if (options.samples > 0 && (int64_t)samples.size() == options.samples)
        break;
    }
  } else {
    for (const std::string &folder : listDir(dir, /*wantDirs=*/true)) {
      Sample sample{folder, {}};
      for (const ModelInput &input : inputs) {
        std::string path;
        for (const char *ext : {".npy", ".pb"}) {
          SmallString<256> candidate(folder);
          llvm::sys::path::append(candidate, input.name + ext);
          if (llvm::sys::fs::exists(candidate))
            path = candidate.str().str();
        }
        if (path.empty()) {
          (void)usage(error, "calibration sample '" + folder + "' has no " +
                                 input.name + ".npy (or .pb) for input '" +
                                 input.name + "'");
          return failure();
        }
        if (failed(read(path, input, sample)))
          return failure();
      }
      int64_t batch = sample.inputs[0].dims[0];
      for (size_t i = 1; i < sample.inputs.size(); ++i)
        if (sample.inputs[i].dims[0] != batch) {
          (void)usage(error, "calibration sample '" + folder +
                                 "' has different batch sizes per input");
          return failure();
        }
      samples.push_back(std::move(sample));
      if (options.samples > 0 && (int64_t)samples.size() == options.samples)
        break;
    }
  }
  if (samples.empty()) {
    (void)usage(error,
                "--calibration '" + dir + "' holds no sample (" +
                    (inputs.size() == 1
                         ? std::string(".npy or .pb files expected")
                         : "one subfolder per sample with NAME.npy per input "
                           "expected") +
                    ")");
    return failure();
  }
  return samples;
}

/// Rounds a range outward to 12 significant bits, so that the last-bit
/// differences between hosts' float code (vector widths, FMA) rarely reach
/// the scales: the artifact stays byte-identical across x86 build hosts
/// unless a value lies within an ulp of a grid step.
std::pair<double, double> roundOutward(double lo, double hi) {
  auto round = [](double v, bool up) {
    if (v == 0 || !std::isfinite(v))
      return v;
    int exponent = 0;
    std::frexp(v, &exponent);
    double step = std::ldexp(1.0, exponent - 12);
    return up ? std::ceil(v / step) * step : std::floor(v / step) * step;
  };
  return {round(lo, false), round(hi, true)};
}

struct Observed {
  double lo = INFINITY, hi = -INFINITY;
};

/// The calibration model for one sample shape, loaded and ready to run.
struct CalibrationModel {
  std::vector<uint8_t> bytes; // 64-byte aligned copy of the artifact
  mica_model *model = nullptr;
  mica_context *context = nullptr;
  std::vector<std::string> keys; // of outputs numOutputs..
  unsigned firstTap = 0;
  ~CalibrationModel() {
    if (context)
      mica_context_free(context);
    if (model)
      mica_model_free(model);
  }
};

} // namespace

LogicalResult mica::calibrate(MLIRContext &context,
                              const CompileOptions &options, ModuleOp program,
                              CompileError &error) {
  func::FuncOp first;
  for (auto func : program.getOps<func::FuncOp>()) {
    first = func;
    break;
  }
  if (!first) {
    error = {ErrorKind::Internal, "internal error: nothing to calibrate"};
    return failure();
  }
  std::vector<ModelInput> inputs = modelInputs(first);
  for (const ModelInput &input : inputs)
    if (!input.type || !input.type.getElementType().isF32()) {
      error = {ErrorKind::Unsupported,
               "calibration feeds float32 inputs only; input '" + input.name +
                   "' is not float32"};
      return failure();
    }
  FailureOr<std::vector<Sample>> samples =
      readSamples(options.quantize, inputs, error);
  if (failed(samples))
    return failure();

  // The float model runs one item (batch 1) at a time: a model may declare
  // a static batch of 1 (and its outputs' shapes with it), and a batch of
  // any size is a sequence of items. One float build per distinct item
  // shape.
  std::map<std::vector<std::vector<int64_t>>, std::unique_ptr<CalibrationModel>>
      models;
  std::map<std::string, Observed> observed;
  size_t done = 0, total = 0;
  for (const Sample &sample : *samples)
    total += sample.inputs[0].dims[0];
  for (const Sample &sample : *samples)
    for (int64_t item = 0; item < sample.inputs[0].dims[0]; ++item) {
      std::vector<std::vector<int64_t>> shapes;
      for (const TensorData &t : sample.inputs) {
        shapes.push_back(t.dims);
        shapes.back()[0] = 1;
      }
      std::unique_ptr<CalibrationModel> &built = models[shapes];
      if (!built) {
        built = std::make_unique<CalibrationModel>();
        CompileOptions calib;
        calib.modelPath = options.modelPath;
        calib.frozenInputs = options.frozenInputs;
        // One thread runs it: single-threaded code, which LLVM compiles much
        // faster when taps make the kernel large (no task functions whose
        // addresses escape; a transformer's build took minutes in LLVM's
        // called-value propagation).
        calib.lowering.cpuParallel = false;
        for (size_t i = 0; i < inputs.size(); ++i)
          calib.inputShapes.push_back({inputs[i].name, shapes[i]});
        if (options.progress)
          calib.progress = [&](StringRef stage) {
            options.progress(("calibration model: " + stage).str());
          };
        CalibrationModel *target = built.get();
        calib.afterNormalize = [target](Operation *op) {
          auto func = cast<func::FuncOp>(op);
          auto ret =
              cast<func::ReturnOp>(func.getBody().front().getTerminator());
          target->firstTap = ret.getNumOperands();
          SmallVector<Value> results(ret.getOperands());
          for (auto &[key, value] : tapPoints(func)) {
            target->keys.push_back(key);
            results.push_back(value);
          }
          SmallVector<DictionaryAttr> attrs;
          for (unsigned i = 0; i < target->firstTap; ++i)
            attrs.push_back(func.getResultAttrDict(i));
          Builder b(func.getContext());
          for (size_t i = target->firstTap; i < results.size(); ++i)
            attrs.push_back(b.getDictionaryAttr(b.getNamedAttr(
                "onnx.name",
                b.getStringAttr("mica.tap." + std::to_string(i)))));
          ret->setOperands(results);
          func.setFunctionType(
              FunctionType::get(func.getContext(), func.getArgumentTypes(),
                                ValueRange(results).getTypes()));
          func.setAllResultAttrs(attrs);
        };
        CompileResult compiled = compile(context, calib);
        if (!compiled.ok) {
          error = compiled.error;
          if (error.message.empty())
            error.message = "the float model for calibration did not compile";
          return failure();
        }
        size_t size = compiled.bytes.size();
        built->bytes.resize(size + 64);
        // The runtime wants 64-byte aligned artifacts: copy into such a spot.
        void *raw = built->bytes.data();
        size_t space = built->bytes.size();
        void *aligned = std::align(64, size, raw, space);
        std::memcpy(aligned, compiled.bytes.data(), size);
        char message[512] = {0};
        if (mica_model_load(aligned, size, &built->model, message,
                            sizeof(message)) != MICA_OK ||
            mica_context_create(built->model, 0, nullptr, 0, 1, &built->context,
                                message, sizeof(message)) != MICA_OK) {
          error = {ErrorKind::Internal,
                   std::string("internal error: calibration model: ") +
                       message};
          return failure();
        }
      }
      char message[512] = {0};
      for (size_t i = 0; i < sample.inputs.size(); ++i)
        if (mica_context_set_input(built->context, i,
                                   sample.inputs[i].bytes.data() +
                                       item * (sample.inputs[i].bytes.size() /
                                               sample.inputs[i].dims[0]),
                                   shapes[i].data(), shapes[i].size(), message,
                                   sizeof(message)) != MICA_OK) {
          error = {ErrorKind::Usage,
                   "calibration sample '" + sample.source + "': " + message};
          return failure();
        }
      if (mica_context_run(built->context, message, sizeof(message)) !=
          MICA_OK) {
        error = {ErrorKind::Usage,
                 "calibration sample '" + sample.source + "': " + message};
        return failure();
      }
      for (size_t t = 0; t < built->keys.size(); ++t) {
        const void *data = nullptr;
        const int64_t *shape = nullptr;
        int32_t rank = 0;
        if (mica_context_output(built->context, built->firstTap + t, &data,
                                &shape, &rank) != MICA_OK)
          continue;
        int64_t count = 1;
        for (int32_t d = 0; d < rank; ++d)
          count *= shape[d];
        Observed &range = observed[built->keys[t]];
        const float *values = static_cast<const float *>(data);
        for (int64_t i = 0; i < count; ++i) {
          if (!std::isfinite(values[i]))
            continue;
          range.lo = std::min<double>(range.lo, values[i]);
          range.hi = std::max<double>(range.hi, values[i]);
        }
      }
      ++done;
      if (options.progress &&
          (done == total || done % std::max<size_t>(1, total / 10) == 0))
        options.progress("calibrating: " + std::to_string(done) + " of " +
                         std::to_string(total) + " items");
    }

  Builder b(&context);
  for (auto func : program.getOps<func::FuncOp>())
    for (auto &[key, value] : tapPoints(func)) {
      auto it = observed.find(key);
      if (it == observed.end() || it->second.lo > it->second.hi)
        continue;
      auto [lo, hi] = roundOutward(it->second.lo, it->second.hi);
      auto attr = b.getDenseF64ArrayAttr({lo, hi});
      if (auto arg = dyn_cast<BlockArgument>(value))
        func.setArgAttr(arg.getArgNumber(), kQuantRangeAttr, attr);
      else
        value.getDefiningOp()->setAttr(kQuantRangeAttr, attr);
    }
  return success();
}
