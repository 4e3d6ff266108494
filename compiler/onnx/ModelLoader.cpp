//===- ModelLoader.cpp - The libonnx border of the importer ---------------===//
//
// Built with -fexceptions: every libonnx call is inside loadOnnxModel's
// try/catch, so a malformed model ends in a LoadError, never std::terminate.
//===----------------------------------------------------------------------===//
#include "compiler/onnx/ModelLoader.h"
#include "compiler/onnx/ShapeInference.h"
#include "compiler/onnx/TensorFile.h"

#include "dialects/onnx/OnnxNaming.h"
#include "dialects/onnx/schemas/HandKeptSchemas.h"

#include "onnx/defs/schema.h"

#include <algorithm>
#include <fstream>
#include <sstream>

using namespace mica;

namespace {

const char *const kDefaultDomainAlias = "ai.onnx";

bool isDefaultDomain(const std::string &domain) {
  return domain.empty() || domain == kDefaultDomainAlias;
}

bool readFile(const std::string &path, std::string &bytes) {
  std::ifstream in(path, std::ios::binary);
  if (!in)
    return false;
  std::ostringstream os;
  os << in.rdbuf();
  bytes = os.str();
  return static_cast<bool>(in) || in.eof();
}

std::string directoryOf(const std::string &path) {
  size_t slash = path.find_last_of('/');
  return slash == std::string::npos ? "." : path.substr(0, slash);
}

// Moves external tensor data into raw_data so the rest of Mica sees one kind of
// initializer.
bool loadExternalData(onnx::TensorProto &tensor, const std::string &dir,
                      LoadError &error) {
  if (tensor.data_location() != onnx::TensorProto::EXTERNAL)
    return true;
  std::string location;
  int64_t offset = 0, length = -1;
  for (const auto &entry : tensor.external_data()) {
    if (entry.key() == "location")
      location = entry.value();
    else if (entry.key() == "offset")
      offset = std::stoll(entry.value());
    else if (entry.key() == "length")
      length = std::stoll(entry.value());
  }
  if (location.empty() || location[0] == '/' ||
      location.find("..") != std::string::npos) {
    error.message = "initializer '" + tensor.name() +
                    "' has an external data location outside the model's "
                    "folder: '" +
                    location + "'";
    return false;
  }
  std::ifstream in(dir + "/" + location, std::ios::binary);
  if (!in) {
    error.message = "cannot open external data file '" + dir + "/" + location +
                    "' of initializer '" + tensor.name() + "'";
    return false;
  }
  in.seekg(0, std::ios::end);
  int64_t size = in.tellg();
  if (length < 0)
    length = size - offset;
  if (offset < 0 || length < 0 || offset + length > size) {
    error.message =
        "external data of initializer '" + tensor.name() + "' lies outside '" +
        location + "' (offset " + std::to_string(offset) + ", length " +
        std::to_string(length) + ", file size " + std::to_string(size) + ")";
    return false;
  }
  std::string data(static_cast<size_t>(length), '\0');
  in.seekg(offset);
  in.read(data.data(), length);
  tensor.set_raw_data(std::move(data));
  tensor.clear_external_data();
  tensor.set_data_location(onnx::TensorProto::DEFAULT);
  return true;
}

bool applyInputShapes(onnx::GraphProto &graph, const LoadOptions &options,
                      LoadError &error) {
  bool changedFixedDim = false;
  for (const InputShape &shape : options.inputShapes) {
    onnx::ValueInfoProto *input = nullptr;
    for (auto &candidate : *graph.mutable_input())
      if (candidate.name() == shape.name)
        input = &candidate;
    if (!input) {
      std::string names;
      for (const auto &candidate : graph.input())
        names += (names.empty() ? "" : ", ") + candidate.name();
      error.message =
          "--input-shape names '" + shape.name +
          "', which is not an input of the model (inputs: " + names + ")";
      return false;
    }
    auto *tensorType = input->mutable_type()->mutable_tensor_type();
    if (tensorType->has_shape() &&
        tensorType->shape().dim_size() != static_cast<int>(shape.dims.size())) {
      error.message = "--input-shape gives " +
                      std::to_string(shape.dims.size()) + " dims for '" +
                      shape.name + "', which has rank " +
                      std::to_string(tensorType->shape().dim_size());
      return false;
    }
    auto *dims = tensorType->mutable_shape();
    for (size_t i = 0; i < shape.dims.size(); ++i) {
      onnx::TensorShapeProto_Dimension *dim =
          static_cast<int>(i) < dims->dim_size() ? dims->mutable_dim(i)
                                                 : dims->add_dim();
      if (shape.dims[i] == InputShape::kDynamicDim) {
        changedFixedDim |= dim->has_dim_value();
        if (!dim->has_dim_param())
          dim->set_dim_param(shape.name + "_dim" + std::to_string(i));
      } else {
        changedFixedDim |=
            dim->has_dim_value() && dim->dim_value() != shape.dims[i];
        dim->set_dim_value(shape.dims[i]);
      }
    }
  }
  // Shapes the exporter recorded for intermediate values and outputs were
  // derived from the old input shapes: when a fixed dim changes (a model
  // exported for a batch of 64 compiled for 1), inference merges new
  // shapes into the declared ones and would keep stale ones (a Gemm
  // declared 64x256). Element types stay; inference derives the shapes
  // anew. Declarations stay when only symbolic dims were fixed or the
  // shapes were restated: they still hold, and some outputs (a MaxUnpool
  // sized by an input) have no other source.
  if (changedFixedDim) {
    graph.clear_value_info();
    for (auto &output : *graph.mutable_output())
      if (output.type().has_tensor_type())
        output.mutable_type()->mutable_tensor_type()->clear_shape();
  }
  return true;
}

bool applyFrozenInputs(onnx::GraphProto &graph, const LoadOptions &options,
                       LoadError &error) {
  for (const FrozenInput &frozen : options.frozenInputs) {
    auto *inputs = graph.mutable_input();
    auto it = std::find_if(inputs->begin(), inputs->end(), [&](const auto &in) {
      return in.name() == frozen.name;
    });
    bool isInitializer = false;
    for (const auto &init : graph.initializer())
      isInitializer |= init.name() == frozen.name;
    if (it == inputs->end() || isInitializer) {
      error.message = "--freeze-input names '" + frozen.name +
                      "', which is not a run-time input of the model";
      return false;
    }
    onnx::TensorProto tensor;
    std::string message;
    if (!readTensorFile(frozen.path, tensor, message)) {
      error.message = "--freeze-input " + frozen.name + ": " + message;
      return false;
    }
    int declared = it->type().tensor_type().elem_type();
    if (declared != 0 && declared != tensor.data_type()) {
      error.message = "--freeze-input " + frozen.name + ": the file holds " +
                      "data type " + std::to_string(tensor.data_type()) +
                      ", the input is declared with data type " +
                      std::to_string(declared);
      return false;
    }
    tensor.set_name(frozen.name);
    *graph.add_initializer() = std::move(tensor);
    inputs->erase(it);
  }
  return true;
}

int elemTypeOf(const std::string &typeStr) {
  static const std::pair<const char *, int> kTypes[] = {
      {"tensor(float)", onnx::TensorProto::FLOAT},
      {"tensor(double)", onnx::TensorProto::DOUBLE},
      {"tensor(float16)", onnx::TensorProto::FLOAT16},
      {"tensor(bfloat16)", onnx::TensorProto::BFLOAT16},
      {"tensor(int8)", onnx::TensorProto::INT8},
      {"tensor(int16)", onnx::TensorProto::INT16},
      {"tensor(int32)", onnx::TensorProto::INT32},
      {"tensor(int64)", onnx::TensorProto::INT64},
      {"tensor(uint8)", onnx::TensorProto::UINT8},
      {"tensor(uint16)", onnx::TensorProto::UINT16},
      {"tensor(uint32)", onnx::TensorProto::UINT32},
      {"tensor(uint64)", onnx::TensorProto::UINT64},
      {"tensor(bool)", onnx::TensorProto::BOOL},
      {"tensor(string)", onnx::TensorProto::STRING}};
  for (const auto &[name, type] : kTypes)
    if (typeStr == name)
      return type;
  return 0;
}

int kindOf(onnx::OpSchema::FormalParameterOption option) {
  switch (option) {
  case onnx::OpSchema::Single:
    return 0;
  case onnx::OpSchema::Optional:
    return 1;
  case onnx::OpSchema::Variadic:
    return 2;
  }
  return 0;
}

ResolvedNode resolve(const onnx::OpSchema &schema, int newest) {
  ResolvedNode r;
  r.sinceVersion = schema.SinceVersion();
  r.mnemonic = onnxir::opMnemonic(schema.Name(), r.sinceVersion, newest,
                                  schema.domain());
  for (const auto &in : schema.inputs())
    r.inputKinds.push_back(kindOf(in.GetOption()));
  for (const auto &out : schema.outputs()) {
    r.outputKinds.push_back(kindOf(out.GetOption()));
    int from = -1;
    for (size_t i = 0; i < schema.inputs().size(); ++i)
      if (schema.inputs()[i].GetTypeStr() == out.GetTypeStr()) {
        from = static_cast<int>(i);
        break;
      }
    r.outputTypeFromInput.push_back(from);
    int fixed = elemTypeOf(out.GetTypeStr());
    for (const auto &tc : schema.typeConstraintParams())
      if (tc.type_param_str == out.GetTypeStr() &&
          tc.allowed_type_strs.size() == 1)
        fixed = elemTypeOf(tc.allowed_type_strs.front());
    r.outputFixedElemType.push_back(fixed);
  }
  for (const auto &[name, attr] : schema.attributes())
    if (attr.type == onnx::AttributeProto::GRAPH ||
        attr.type == onnx::AttributeProto::GRAPHS)
      r.regionAttrs.push_back(onnxir::odsName(name));
  return r;
}

bool resolveGraph(const onnx::GraphProto &graph, LoadedModel &model,
                  LoadError &error) {
  int index = 0;
  for (const onnx::NodeProto &node : graph.node()) {
    auto fail = [&](bool unsupported, const std::string &message) {
      error.unsupported = unsupported;
      error.node = nodeDisplayName(node, index);
      error.domain = node.domain();
      error.opType = node.op_type();
      error.message = message;
      return false;
    };
    // The default domain and the domains of hand-kept schemas, each at the
    // opset the model imports.
    const std::string domain =
        isDefaultDomain(node.domain()) ? "" : node.domain();
    auto handKept = onnxir::handKeptDomains().find(domain);
    if (!domain.empty() && handKept == onnxir::handKeptDomains().end()) {
      std::string known;
      for (const auto &[name, version] : onnxir::handKeptDomains())
        known += ", " + name;
      return fail(true, "operator domain '" + node.domain() +
                            "' is not supported (Mica imports ai.onnx" + known +
                            ")");
    }
    auto imported = model.opsets.find(domain);
    if (imported == model.opsets.end())
      return fail(false, "the model does not import an opset of domain '" +
                             node.domain() + "' (opset_import)");
    const onnxir::SchemaRegistry &registry = onnxir::SchemaRegistry::instance();
    const onnx::OpSchema *schema =
        registry.GetSchema(node.op_type(), imported->second, domain);
    if (!schema)
      return fail(true, "unknown operator '" + node.op_type() + "' at opset " +
                            std::to_string(imported->second) +
                            (domain.empty() ? "" : " of " + domain));
    const onnx::OpSchema *newest = registry.GetSchema(
        node.op_type(), domain.empty() ? onnxir::kMaxOpset : handKept->second,
        domain);
    ResolvedNode resolved = resolve(*schema, newest->SinceVersion());
    if (node.input_size() > static_cast<int>(resolved.inputKinds.size()) &&
        (resolved.inputKinds.empty() || resolved.inputKinds.back() != 2))
      return fail(false, "has " + std::to_string(node.input_size()) +
                             " inputs; opset " +
                             std::to_string(resolved.sinceVersion) +
                             " declares at most " +
                             std::to_string(resolved.inputKinds.size()));
    if (node.output_size() > static_cast<int>(resolved.outputKinds.size()) &&
        (resolved.outputKinds.empty() || resolved.outputKinds.back() != 2))
      return fail(false, "has " + std::to_string(node.output_size()) +
                             " outputs; opset " +
                             std::to_string(resolved.sinceVersion) +
                             " declares at most " +
                             std::to_string(resolved.outputKinds.size()));
    model.nodes[&node] = std::move(resolved);
    for (const auto &attr : node.attribute()) {
      if (attr.has_g() && !resolveGraph(attr.g(), model, error))
        return false;
      for (const auto &g : attr.graphs())
        if (!resolveGraph(g, model, error))
          return false;
    }
    ++index;
  }
  return true;
}

bool loadImpl(const std::string &path, const LoadOptions &options,
              LoadedModel &model, LoadError &error) {
  std::string bytes;
  if (!readFile(path, bytes)) {
    error.message = "cannot read the file";
    return false;
  }
  if (!model.proto.ParseFromString(bytes)) {
    error.message = "not a valid ONNX model (the protobuf could not be "
                    "parsed; is the file truncated?)";
    return false;
  }
  if (!model.proto.has_graph()) {
    error.message = "not a valid ONNX model (it has no graph)";
    return false;
  }
  model.defaultOpset = 0;
  for (const auto &opset : model.proto.opset_import()) {
    if (isDefaultDomain(opset.domain()))
      model.defaultOpset = static_cast<int>(opset.version());
    else
      model.opsets[opset.domain()] = static_cast<int>(opset.version());
  }
  if (model.proto.opset_import_size() == 0)
    model.defaultOpset = 1; // IR version 1-2 models predate opset_import
  model.opsets[""] = model.defaultOpset;
  onnx::GraphProto &graph = *model.proto.mutable_graph();
  if (model.defaultOpset > onnxir::kMaxOpset) {
    error.unsupported = true;
    if (graph.node_size() > 0) {
      error.node = nodeDisplayName(graph.node(0), 0);
      error.domain = graph.node(0).domain();
      error.opType = graph.node(0).op_type();
    }
    error.message = "the model uses opset " +
                    std::to_string(model.defaultOpset) +
                    " of ai.onnx; Mica supports opsets 1 to " +
                    std::to_string(onnxir::kMaxOpset);
    return false;
  }

  const std::string dir = directoryOf(path);
  for (auto &tensor : *graph.mutable_initializer())
    if (!loadExternalData(tensor, dir, error))
      return false;
  if (!applyFrozenInputs(graph, options, error))
    return false;
  if (!applyInputShapes(graph, options, error))
    return false;
  if (!resolveGraph(graph, model, error))
    return false;

  // Shape inference fills value_info for intermediate values (isolated in
  // a child process: see ShapeInference.h).
  // It also expands the function ops the caller lists.
  inferShapesIsolated(model.proto, model.warnings, options.expandFunctions,
                      model.defaultOpset);
  // Inference may have rebuilt repeated fields; resolve node addresses again.
  model.nodes.clear();
  return resolveGraph(*model.proto.mutable_graph(), model, error);
}

} // namespace

std::string mica::nodeDisplayName(const onnx::NodeProto &node, int index) {
  if (!node.name().empty())
    return node.name();
  return node.op_type() + "#" + std::to_string(index);
}

bool mica::loadOnnxModel(const std::string &path, const LoadOptions &options,
                         LoadedModel &model, LoadError &error) {
  try {
    return loadImpl(path, options, model, error);
  } catch (const std::exception &e) {
    error.message = std::string("libonnx failed on the model: ") + e.what();
  } catch (...) {
    error.message = "libonnx failed on the model (unknown exception)";
  }
  return false;
}
