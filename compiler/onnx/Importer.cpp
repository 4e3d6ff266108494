//===- Importer.cpp - ONNX model -> onnx dialect --------------------------===//
//
// Walks a loaded model (ModelLoader) and builds the onnx dialect, generically:
// the op name and operand layout come from the schema resolution, so every
// generated op imports without per-op code here.
//===----------------------------------------------------------------------===//
#include "compiler/onnx/Importer.h"

#include "compiler/diagnostics/NodeLocation.h"
#include "compiler/onnx/ModelLoader.h"
#include "compiler/onnx/TypeConversion.h"
#include "dialects/onnx/IR/OnnxDialect.h"
#include "dialects/onnx/OnnxNaming.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/Builders.h"
#include "mlir/IR/Verifier.h"
#include "llvm/ADT/StringMap.h"
#include "llvm/ADT/StringSet.h"

using namespace mlir;
using namespace mica;

namespace {

class GraphImporter {
public:
  GraphImporter(MLIRContext &context, const LoadedModel &model,
                const std::string &file)
      : context(context), builder(&context), model(model), file(file) {}

  /// Builds `func.func @main`. Returns failure after emitting a diagnostic.
  LogicalResult importMain(ModuleOp module);

  bool unsupported = false;

private:
  using Scope = llvm::StringMap<Value>;

  LogicalResult importNodes(const onnx::GraphProto &graph,
                            const std::string &graphPath);
  LogicalResult importNode(const onnx::NodeProto &node, int index);
  LogicalResult importInitializers(const onnx::GraphProto &graph);
  FailureOr<Attribute> convertAttribute(const onnx::AttributeProto &attr,
                                        Location loc);
  LogicalResult importSubgraph(const onnx::GraphProto &graph, Region &region,
                               Operation *parent, Location loc);
  Value lookup(const std::string &name) const;
  Type typeOfValue(const std::string &name);
  Value noValue();
  InFlightDiagnostic error(Location loc, bool isUnsupported = false) {
    unsupported |= isUnsupported;
    return emitError(loc);
  }

  MLIRContext &context;
  OpBuilder builder;
  const LoadedModel &model;
  std::string file;
  std::vector<Scope> scopes;
  /// value_info of every graph and subgraph, by value name.
  llvm::StringMap<const onnx::TypeProto *> knownTypes;
  Value noneValue;
  Block *entryBlock = nullptr;
};

Value GraphImporter::lookup(const std::string &name) const {
  for (auto it = scopes.rbegin(); it != scopes.rend(); ++it) {
    auto found = it->find(name);
    if (found != it->end())
      return found->second;
  }
  return nullptr;
}

Value GraphImporter::noValue() {
  if (!noneValue) {
    OpBuilder::InsertionGuard guard(builder);
    builder.setInsertionPointToStart(entryBlock);
    noneValue = onnxir::NoValueOp::create(builder, UnknownLoc::get(&context),
                                          builder.getNoneType())
                    .getResult();
  }
  return noneValue;
}

Type GraphImporter::typeOfValue(const std::string &name) {
  auto it = knownTypes.find(name);
  if (it == knownTypes.end())
    return nullptr;
  std::string reason;
  return convertType(&context, *it->second, reason);
}

void collectTypes(const onnx::GraphProto &graph,
                  llvm::StringMap<const onnx::TypeProto *> &types) {
  auto add = [&](const onnx::ValueInfoProto &info) {
    if (info.has_type() &&
        info.type().value_case() != onnx::TypeProto::VALUE_NOT_SET)
      types[info.name()] = &info.type();
  };
  for (const auto &info : graph.value_info())
    add(info);
  for (const auto &info : graph.output())
    add(info);
  for (const auto &info : graph.input())
    add(info);
  for (const auto &node : graph.node())
    for (const auto &attr : node.attribute()) {
      if (attr.has_g())
        collectTypes(attr.g(), types);
      for (const auto &g : attr.graphs())
        collectTypes(g, types);
    }
}

LogicalResult GraphImporter::importInitializers(const onnx::GraphProto &graph) {
  for (const auto &tensor : graph.initializer()) {
    std::string reason;
    ElementsAttr value = convertTensor(&context, tensor, reason);
    Location loc = makeInitializerLoc(&context, file, tensor.name());
    if (!value)
      return error(loc) << reason;
    Operation *op = builder.create(loc, builder.getStringAttr("onnx.Constant"),
                                   {}, {value.getType()},
                                   {builder.getNamedAttr("value", value)});
    scopes.back()[tensor.name()] = op->getResult(0);
  }
  return success();
}

FailureOr<Attribute>
GraphImporter::convertAttribute(const onnx::AttributeProto &attr,
                                Location loc) {
  switch (attr.type()) {
  case onnx::AttributeProto::FLOAT:
    return Attribute(builder.getF32FloatAttr(attr.f()));
  case onnx::AttributeProto::INT:
    return Attribute(builder.getI64IntegerAttr(attr.i()));
  case onnx::AttributeProto::STRING:
    return Attribute(builder.getStringAttr(attr.s()));
  case onnx::AttributeProto::FLOATS: {
    SmallVector<Attribute> values;
    for (float f : attr.floats())
      values.push_back(builder.getF32FloatAttr(f));
    return Attribute(builder.getArrayAttr(values));
  }
  case onnx::AttributeProto::INTS: {
    SmallVector<Attribute> values;
    for (int64_t i : attr.ints())
      values.push_back(builder.getI64IntegerAttr(i));
    return Attribute(builder.getArrayAttr(values));
  }
  case onnx::AttributeProto::STRINGS: {
    SmallVector<Attribute> values;
    for (const auto &s : attr.strings())
      values.push_back(builder.getStringAttr(s));
    return Attribute(builder.getArrayAttr(values));
  }
  case onnx::AttributeProto::TENSOR: {
    std::string reason;
    ElementsAttr value = convertTensor(&context, attr.t(), reason);
    if (!value)
      return error(loc) << "attribute '" << attr.name() << "': " << reason;
    return Attribute(value);
  }
  case onnx::AttributeProto::TENSORS: {
    SmallVector<Attribute> values;
    for (const auto &t : attr.tensors()) {
      std::string reason;
      ElementsAttr value = convertTensor(&context, t, reason);
      if (!value)
        return error(loc) << "attribute '" << attr.name() << "': " << reason;
      values.push_back(value);
    }
    return Attribute(builder.getArrayAttr(values));
  }
  case onnx::AttributeProto::TYPE_PROTO: {
    std::string reason;
    Type type = convertType(&context, attr.tp(), reason);
    if (!type)
      return error(loc, true)
             << "attribute '" << attr.name() << "': " << reason;
    return Attribute(TypeAttr::get(type));
  }
  default:
    return error(loc, true)
           << "attribute '" << attr.name() << "' has a kind ("
           << onnx::AttributeProto::AttributeType_Name(attr.type())
           << ") Mica does not support";
  }
}

LogicalResult GraphImporter::importSubgraph(const onnx::GraphProto &graph,
                                            Region &region, Operation *parent,
                                            Location loc) {
  Block *block = new Block();
  region.push_back(block);
  scopes.emplace_back();
  for (int i = 0; i < graph.input_size(); ++i) {
    const auto &input = graph.input(i);
    std::string reason;
    Type type =
        input.has_type() ? convertType(&context, input.type(), reason) : Type();
    // Loop bodies often leave their inputs untyped: (iteration, condition,
    // carried values...) mirror the Loop's own operands.
    if (!type && parent->getNumOperands() > static_cast<unsigned>(i) &&
        parent->getName().getStringRef().starts_with("onnx.Loop")) {
      if (i == 0)
        type = RankedTensorType::get({}, builder.getIntegerType(64));
      else if (i == 1)
        type = RankedTensorType::get({}, builder.getI1Type());
      else
        type = parent->getOperand(i).getType();
    }
    if (!type)
      return error(loc) << "cannot determine the type of subgraph input '"
                        << input.name() << "'"
                        << (reason.empty() ? "" : ": " + reason);
    scopes.back()[input.name()] = block->addArgument(type, loc);
  }
  OpBuilder::InsertionGuard guard(builder);
  builder.setInsertionPointToEnd(block);
  if (failed(importInitializers(graph)) || failed(importNodes(graph, "")))
    return failure();
  SmallVector<Value> results;
  for (const auto &output : graph.output()) {
    Value v = lookup(output.name());
    if (!v)
      return error(loc) << "subgraph output '" << output.name()
                        << "' is not produced by the subgraph";
    results.push_back(v);
  }
  onnxir::YieldOp::create(builder, loc, results);
  scopes.pop_back();
  return success();
}

LogicalResult GraphImporter::importNode(const onnx::NodeProto &node,
                                        int index) {
  Location loc = makeNodeLoc(&context, file, nodeDisplayName(node, index),
                             node.domain() == "ai.onnx" ? "" : node.domain(),
                             node.op_type());
  auto found = model.nodes.find(&node);
  if (found == model.nodes.end())
    return error(loc) << "internal error: node was not resolved";
  const ResolvedNode &resolved = found->second;

  // Operands: one per declared formal input (absent optional ones are
  // `none`), then all remaining inputs for a trailing variadic.
  SmallVector<Value> operands;
  auto operandFor = [&](int i) -> FailureOr<Value> {
    if (i >= node.input_size() || node.input(i).empty())
      return noValue();
    Value v = lookup(node.input(i));
    if (!v)
      return failure();
    return v;
  };
  int next = 0;
  for (int kind : resolved.inputKinds) {
    if (kind == 2) {
      for (; next < node.input_size(); ++next) {
        FailureOr<Value> v = operandFor(next);
        if (failed(v))
          return error(loc) << "input '" << node.input(next)
                            << "' is not produced by any node, initializer "
                               "or graph input";
        operands.push_back(*v);
      }
      break;
    }
    FailureOr<Value> v = operandFor(next);
    if (failed(v))
      return error(loc) << "input '" << node.input(next)
                        << "' is not produced by any node, initializer or "
                           "graph input";
    if (kind == 0 && isa<NoneType>((*v).getType()))
      return error(loc) << "required input #" << next << " is missing";
    operands.push_back(*v);
    ++next;
  }

  // Result types: shape inference's, else the type rule of the schema.
  SmallVector<Type> resultTypes;
  SmallVector<std::string> resultNames;
  auto resultType = [&](int formal, int outIndex) -> Type {
    if (outIndex >= node.output_size() || node.output(outIndex).empty())
      return builder.getNoneType();
    const std::string &name = node.output(outIndex);
    if (Type t = typeOfValue(name))
      return t;
    int from = resolved.outputTypeFromInput[formal];
    if (from >= 0 && from < static_cast<int>(operands.size()) &&
        !isa<NoneType>(operands[from].getType())) {
      Type in = operands[from].getType();
      if (auto shaped = dyn_cast<ShapedType>(in))
        return UnrankedTensorType::get(shaped.getElementType());
      return in;
    }
    if (int fixed = resolved.outputFixedElemType[formal])
      if (Type elem = convertElementType(&context, fixed))
        return UnrankedTensorType::get(elem);
    return nullptr;
  };
  int outIndex = 0;
  for (size_t formal = 0; formal < resolved.outputKinds.size(); ++formal) {
    int count = 1;
    if (resolved.outputKinds[formal] == 2)
      count = std::max(0, node.output_size() - outIndex);
    for (int k = 0; k < count; ++k, ++outIndex) {
      Type t = resultType(formal, outIndex);
      if (!t)
        return error(loc) << "cannot infer the type of output '"
                          << node.output(outIndex) << "'";
      resultTypes.push_back(t);
    }
  }

  // Attributes keep their ONNX names (see OnnxNaming.h); graphs are regions.
  SmallVector<NamedAttribute> attributes;
  llvm::StringMap<const onnx::GraphProto *> graphs;
  for (const auto &attr : node.attribute()) {
    if (!attr.ref_attr_name().empty())
      return error(loc, true) << "attribute '" << attr.name()
                              << "' refers to a function attribute; ONNX "
                                 "functions are not supported";
    if (attr.type() == onnx::AttributeProto::GRAPH) {
      graphs[onnxir::odsName(attr.name())] = &attr.g();
      continue;
    }
    FailureOr<Attribute> value = convertAttribute(attr, loc);
    if (failed(value))
      return failure();
    attributes.push_back(
        builder.getNamedAttr(onnxir::odsName(attr.name()), *value));
  }

  OperationState state(loc, "onnx." + resolved.mnemonic);
  state.addOperands(operands);
  state.addTypes(resultTypes);
  state.addAttributes(attributes);
  for (size_t i = 0; i < resolved.regionAttrs.size(); ++i)
    state.addRegion();
  Operation *op = builder.create(state);
  for (size_t i = 0; i < resolved.regionAttrs.size(); ++i) {
    auto g = graphs.find(resolved.regionAttrs[i]);
    if (g == graphs.end())
      return error(loc) << "graph attribute '" << resolved.regionAttrs[i]
                        << "' is missing";
    if (failed(importSubgraph(*g->second, op->getRegion(i), op, loc)))
      return failure();
  }
  for (int i = 0; i < node.output_size(); ++i)
    if (!node.output(i).empty())
      scopes.back()[node.output(i)] = op->getResult(i);
  return success();
}

LogicalResult GraphImporter::importNodes(const onnx::GraphProto &graph,
                                         const std::string &) {
  // ONNX requires nodes in topological order, but not every exporter obeys;
  // import each node once all of its inputs exist.
  std::vector<int> pending;
  for (int i = 0; i < graph.node_size(); ++i)
    pending.push_back(i);
  auto ready = [&](const onnx::NodeProto &node) {
    for (const auto &in : node.input())
      if (!in.empty() && !lookup(in))
        return false;
    return true;
  };
  while (!pending.empty()) {
    std::vector<int> blocked;
    for (int i : pending) {
      const auto &node = graph.node(i);
      if (!ready(node)) {
        blocked.push_back(i);
        continue;
      }
      if (failed(importNode(node, i)))
        return failure();
    }
    if (blocked.size() == pending.size()) {
      // No progress: report the first node with a missing input.
      return importNode(graph.node(blocked.front()), blocked.front());
    }
    pending = std::move(blocked);
  }
  return success();
}

LogicalResult GraphImporter::importMain(ModuleOp module) {
  const onnx::GraphProto &graph = model.proto.graph();
  collectTypes(graph, knownTypes);
  Location fileLoc = FileLineColLoc::get(&context, file, 0, 0);
  // The default-domain opset the nodes were resolved at.
  module->setAttr("onnx.opset", builder.getI64IntegerAttr(model.defaultOpset));

  llvm::StringSet<> initializers;
  for (const auto &t : graph.initializer())
    initializers.insert(t.name());

  SmallVector<Type> argTypes;
  SmallVector<const onnx::ValueInfoProto *> args;
  for (const auto &input : graph.input()) {
    if (initializers.contains(input.name()))
      continue; // a weight with a default value, not a signature input
    std::string reason;
    Type type = convertType(&context, input.type(), reason);
    if (!type) {
      unsupported = true;
      return emitError(fileLoc)
             << "graph input '" << input.name() << "': " << reason;
    }
    argTypes.push_back(type);
    args.push_back(&input);
  }

  builder.setInsertionPointToEnd(module.getBody());
  auto func = func::FuncOp::create(builder, fileLoc, "main",
                                   builder.getFunctionType(argTypes, {}));
  entryBlock = func.addEntryBlock();
  builder.setInsertionPointToEnd(entryBlock);
  scopes.emplace_back();
  for (size_t i = 0; i < args.size(); ++i) {
    scopes.back()[args[i]->name()] = entryBlock->getArgument(i);
    func.setArgAttr(i, "onnx.name", builder.getStringAttr(args[i]->name()));
  }
  if (failed(importInitializers(graph)) || failed(importNodes(graph, "")))
    return failure();

  SmallVector<Value> results;
  SmallVector<Type> resultTypes;
  for (const auto &output : graph.output()) {
    Value v = lookup(output.name());
    if (!v)
      return emitError(fileLoc) << "graph output '" << output.name()
                                << "' is not produced by any node";
    results.push_back(v);
    resultTypes.push_back(v.getType());
  }
  func::ReturnOp::create(builder, fileLoc, results);
  func.setFunctionType(builder.getFunctionType(argTypes, resultTypes));
  for (int i = 0; i < graph.output_size(); ++i)
    func.setResultAttr(i, "onnx.name",
                       builder.getStringAttr(graph.output(i).name()));
  return success();
}

} // namespace

ImportResult mica::importOnnxModel(MLIRContext &context,
                                   const std::string &path,
                                   const ImportOptions &options) {
  ImportResult result;
  context.loadDialect<onnxir::OnnxDialect, func::FuncDialect>();
  LoadedModel model;
  LoadError loadError;
  if (!loadOnnxModel(path, options.load, model, loadError)) {
    result.unsupported = loadError.unsupported;
    Location loc = loadError.node.empty()
                       ? Location(FileLineColLoc::get(&context, path, 0, 0))
                       : makeNodeLoc(&context, path, loadError.node,
                                     loadError.domain, loadError.opType);
    emitError(loc) << loadError.message;
    return result;
  }
  for (const std::string &warning : model.warnings)
    emitWarning(FileLineColLoc::get(&context, path, 0, 0)) << warning;

  OwningOpRef<ModuleOp> module =
      ModuleOp::create(FileLineColLoc::get(&context, path, 0, 0));
  GraphImporter importer(context, model, path);
  if (failed(importer.importMain(*module))) {
    result.unsupported = importer.unsupported;
    return result;
  }
  if (failed(verify(*module)))
    return result;
  result.module = std::move(module);
  return result;
}
