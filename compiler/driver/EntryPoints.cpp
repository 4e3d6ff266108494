//===- EntryPoints.cpp - Entry points of a compile, before lowering -------===//
#include "compiler/driver/EntryPoints.h"

#include "compiler/support/DataTypes.h"
#include "dialects/exec/IR/ExecDialect.h"
#include "dialects/onnx/IR/OnnxDialect.h"

#include "mlir/IR/Matchers.h"
#include "llvm/ADT/SmallPtrSet.h"
#include "llvm/ADT/StringExtras.h"
#include "llvm/ADT/StringSet.h"

using namespace mlir;
using namespace mica;

namespace {

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

/// For a quantised op (QLinear*) whose scales or zero points (its scalar
/// operands) are not constants: the model inputs among them, or "a value
/// the model computes" for each that comes from elsewhere; empty when all
/// are constants.
SmallVector<std::string> runtimeQuantParams(Operation *op) {
  SmallVector<std::string> found;
  if (!onnxir::getOnnxOpType(op).starts_with("QLinear"))
    return found;
  auto func = op->getParentOfType<func::FuncOp>();
  for (Value v : op->getOperands()) {
    auto type = dyn_cast<RankedTensorType>(v.getType());
    if (!type || !type.hasStaticShape() || type.getNumElements() != 1 ||
        matchPattern(v, m_Constant()))
      continue;
    auto arg = dyn_cast<BlockArgument>(v);
    StringAttr name =
        arg && func && arg.getOwner() == &func.front()
            ? func.getArgAttrOfType<StringAttr>(arg.getArgNumber(), "onnx.name")
            : StringAttr();
    std::string what = name ? "'" + name.str() + "'"
                            : std::string("a value the model computes");
    if (!llvm::is_contained(found, what))
      found.push_back(what);
  }
  return found;
}

/// The entry function's inputs that `op` depends on (through its operands'
/// producers) and that look like they decide a shape or a branch: integer
/// tensors or a few elements (a sequence length, a sample rate), not the
/// data the model computes on.
SmallVector<std::string> shapeDecidingInputs(Operation *op) {
  auto func = op->getParentOfType<func::FuncOp>();
  SmallVector<std::string> names, integers;
  if (!func)
    return names;
  llvm::SmallPtrSet<Operation *, 32> seen;
  SmallVector<Value> worklist(op->getOperands());
  while (!worklist.empty()) {
    Value value = worklist.pop_back_val();
    if (auto arg = dyn_cast<BlockArgument>(value)) {
      if (arg.getOwner() != &func.front())
        continue;
      auto type = dyn_cast<RankedTensorType>(arg.getType());
      bool small = type && type.hasStaticShape() && type.getNumElements() <= 16;
      bool integer = type && isa<IntegerType>(type.getElementType());
      auto name =
          func.getArgAttrOfType<StringAttr>(arg.getArgNumber(), "onnx.name");
      if ((small || integer) && name && !llvm::is_contained(names, name.str()))
        (integer ? integers : names).push_back(name.str());
      continue;
    }
    Operation *def = value.getDefiningOp();
    if (def && seen.insert(def).second)
      llvm::append_range(worklist, def->getOperands());
  }
  // Integer inputs first: they are the likelier shape or trip count.
  for (std::string &name : names)
    if (!llvm::is_contained(integers, name))
      integers.push_back(std::move(name));
  return integers;
}

} // namespace

LogicalResult mica::prepareSignature(func::FuncOp func,
                                     const CompileOptions &options,
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
             << "input '" << name << "' has type "
             << func.getArgument(i).getType()
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
        // With several entry points the bound serves those where the dim is
        // symbolic; an entry that fixes it must stay within it.
        bool shared = !options.entries.empty();
        if (spec.shape[d] >= 0 && (shared ? spec.shape[d] > bound.dims[d]
                                          : spec.shape[d] != bound.dims[d]))
          return emitError(func.getLoc())
                 << "--max-shape " << name << ": dimension " << d << " is "
                 << spec.shape[d] << (shared ? ", above " : ", not ")
                 << bound.dims[d];
        if (spec.shape[d] < 0)
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
    std::string name =
        nameAttr ? nameAttr.str() : "output_" + std::to_string(i);
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

namespace {
/// Why a whole family of ONNX ops has no lowering, or "" for other ops.
StringRef unsupportedFamily(Operation *op) {
  StringRef name = onnxir::getOnnxOpType(op);
  if (name.starts_with("Random") || name == "Bernoulli" ||
      name == "Multinomial")
    return "random number generation: Mica compiles deterministic models "
           "only";
  if (name.starts_with("Sequence") || name == "SplitToSequence" ||
      name == "ConcatFromSequence" || name.starts_with("Optional"))
    return "sequence and optional values are not supported; only tensors";
  if (name == "MaxRoiPool")
    return "Caffe-style MaxRoiPool is not implemented; RoiAlign is";
  auto isString = [](Type t) {
    return isa<onnxir::StringType>(getElementTypeOrSelf(t));
  };
  if (llvm::any_of(op->getOperandTypes(), isString) ||
      llvm::any_of(op->getResultTypes(), isString))
    return "string tensors are not supported";
  return "";
}
} // namespace

bool mica::reportUnlowerable(ModuleOp module) {
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
    if (auto why = op->getAttrOfType<StringAttr>("mica.unnormalized"))
      diag << " (this version cannot be written in the newest version's "
              "form: "
           << why.getValue() << ")";
    else if (op->getName().stripDialect().contains("_v"))
      diag << " (this older version takes the newest version's form only "
              "once the ranks of its operands are known)";
    if (StringRef family = unsupportedFamily(op); !family.empty()) {
      diag << " (" << family << ")";
      any = true;
      return;
    }
    if (SmallVector<std::string> params = runtimeQuantParams(op);
        !params.empty()) {
      diag << " (a quantised op needs constant scales and zero points; "
           << llvm::join(params, ", ") << (params.size() > 1 ? " are" : " is")
           << " known only at run time: freeze a fixed model input with "
              "--freeze-input NAME=FILE)";
      any = true;
      return;
    }
    if (StringRef needs = controlFlowNeeds(op); !needs.empty())
      diag << " (it needs " << needs << ")";
    SmallVector<std::string> inputs = shapeDecidingInputs(op);
    if (!inputs.empty()) {
      diag << "; it depends on the run-time input"
           << (inputs.size() > 1 ? "s " : " ");
      llvm::interleaveComma(
          inputs, diag, [&](const std::string &n) { diag << "'" << n << "'"; });
      diag << ": if " << (inputs.size() > 1 ? "they decide" : "it decides")
           << " a shape or a branch, compile with --freeze-input "
           << inputs.front() << "=FILE (.npy or .pb)";
    }
    any = true;
  });
  return any;
}

LogicalResult mica::checkEntries(ArrayRef<EntrySpec> entries,
                                 CompileError &error) {
  llvm::StringSet<> names;
  for (const EntrySpec &entry : entries) {
    bool identifier =
        !entry.name.empty() &&
        !isdigit(static_cast<unsigned char>(entry.name[0])) &&
        llvm::all_of(entry.name, [](char c) {
          return isalnum(static_cast<unsigned char>(c)) || c == '_';
        });
    if (!identifier) {
      error = {ErrorKind::Usage,
               "entry point name '" + entry.name + "' is not a C identifier"};
      return failure();
    }
    if (!names.insert(entry.name).second) {
      error = {ErrorKind::Usage,
               "two entry points are named '" + entry.name + "'"};
      return failure();
    }
  }
  return success();
}

std::vector<InputShape> mica::entryShapes(const CompileOptions &options,
                                          const EntrySpec &entry) {
  std::vector<InputShape> shapes = options.inputShapes;
  for (const InputShape &shape : entry.inputShapes) {
    auto known = llvm::find_if(
        shapes, [&](const InputShape &s) { return s.name == shape.name; });
    if (known != shapes.end())
      *known = shape;
    else
      shapes.push_back(shape);
  }
  return shapes;
}
