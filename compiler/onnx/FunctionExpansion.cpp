//===- FunctionExpansion.cpp - Inline ONNX function ops -------------------===//
//
// Built with -fexceptions (libonnx throws); see FunctionExpansion.h.
//===----------------------------------------------------------------------===//
#include "compiler/onnx/FunctionExpansion.h"

#include "onnx/defs/function.h"
#include "onnx/defs/schema.h"

#include <map>
#include <vector>

using namespace mica;

namespace {

using TypeMap = std::map<std::string, onnx::TypeProto>;

void recordTypes(const onnx::GraphProto &graph, TypeMap &types) {
  for (const auto &init : graph.initializer()) {
    onnx::TypeProto type;
    auto *tensor = type.mutable_tensor_type();
    tensor->set_elem_type(init.data_type());
    auto *shape = tensor->mutable_shape();
    for (int64_t d : init.dims())
      shape->add_dim()->set_dim_value(d);
    types[init.name()] = type;
  }
  for (const auto *list :
       {&graph.input(), &graph.value_info(), &graph.output()})
    for (const auto &value : *list)
      if (value.has_type())
        types[value.name()] = value.type();
}

/// The node with the schema's default for every attribute it leaves out: a
/// function body refers to attributes by name, and FunctionExpandHelper
/// drops references to attributes the node does not carry.
onnx::NodeProto withDefaults(const onnx::NodeProto &node,
                             const onnx::OpSchema &schema) {
  onnx::NodeProto full = node;
  for (const auto &[name, attr] : schema.attributes()) {
    bool present = false;
    for (const auto &a : node.attribute())
      present |= a.name() == name;
    if (!present &&
        attr.default_value.type() != onnx::AttributeProto::UNDEFINED) {
      onnx::AttributeProto *added = full.add_attribute();
      *added = attr.default_value;
      added->set_name(name);
    }
  }
  return full;
}

bool functionOf(const onnx::NodeProto &node, const onnx::OpSchema &schema,
                const TypeMap &types, onnx::FunctionProto &function) {
  if (schema.HasFunction()) {
    function = *schema.GetFunction();
    return true;
  }
  if (!schema.HasContextDependentFunction())
    return false;
  std::vector<onnx::TypeProto> inputTypes;
  for (const std::string &input : node.input()) {
    auto it = types.find(input);
    inputTypes.push_back(it == types.end() ? onnx::TypeProto() : it->second);
  }
  onnx::FunctionBodyBuildContextImpl context(node, inputTypes);
  return schema.BuildContextDependentFunction(context, function);
}

/// FunctionExpandHelper renames the values of a body but not the outer
/// values its subgraphs refer to (Range's Loop body), so such bodies stay
/// unexpanded.
bool hasSubgraphs(const onnx::FunctionProto &function) {
  for (const onnx::NodeProto &node : function.node())
    for (const onnx::AttributeProto &attr : node.attribute())
      if (attr.has_g() || attr.graphs_size() > 0)
        return true;
  return false;
}

bool isDefaultDomain(const std::string &domain) {
  return domain.empty() || domain == "ai.onnx";
}

int expandGraph(onnx::GraphProto &graph, int opset,
                const std::set<std::string> &opTypes, TypeMap types,
                int &counter) {
  recordTypes(graph, types);
  int expanded = 0;
  onnx::GraphProto rebuilt;
  for (const onnx::NodeProto &node : graph.node()) {
    const onnx::OpSchema *schema =
        isDefaultDomain(node.domain()) && opTypes.count(node.op_type())
            ? onnx::OpSchemaRegistry::Schema(node.op_type(), opset, "")
            : nullptr;
    onnx::FunctionProto function;
    if (schema) {
      onnx::NodeProto full = withDefaults(node, *schema);
      if (functionOf(full, *schema, types, function) &&
          !hasSubgraphs(function)) {
        std::string prefix =
            (node.name().empty() ? node.op_type() : node.name()) + "__fn" +
            std::to_string(counter++);
        // FunctionExpandHelper maps every formal input and output of the
        // body to the node's, by position: absent optional inputs become ""
        // and absent outputs get names of their own.
        while (full.input_size() < function.input_size())
          full.add_input("");
        for (int i = full.output_size(); i < function.output_size(); ++i)
          full.add_output(prefix + "/unused_output_" + std::to_string(i));
        onnx::GraphProto body;
        onnx::FunctionExpandHelper(full, function, body, prefix);
        for (onnx::NodeProto &inner : *body.mutable_node()) {
          if (inner.name().empty())
            inner.set_name(prefix + "/" + inner.op_type());
          // References to attributes the node does not set (optional ones
          // without a default) come out as UNDEFINED attributes: drop them.
          auto *attrs = inner.mutable_attribute();
          for (int i = attrs->size() - 1; i >= 0; --i)
            if (attrs->Get(i).type() == onnx::AttributeProto::UNDEFINED)
              attrs->DeleteSubrange(i, 1);
          *rebuilt.add_node() = std::move(inner);
        }
        ++expanded;
        continue;
      }
    }
    *rebuilt.add_node() = node;
  }
  graph.mutable_node()->Swap(rebuilt.mutable_node());
  for (onnx::NodeProto &node : *graph.mutable_node())
    for (onnx::AttributeProto &attr : *node.mutable_attribute()) {
      if (attr.has_g())
        expanded +=
            expandGraph(*attr.mutable_g(), opset, opTypes, types, counter);
      for (onnx::GraphProto &g : *attr.mutable_graphs())
        expanded += expandGraph(g, opset, opTypes, types, counter);
    }
  return expanded;
}

} // namespace

int mica::expandFunctionNodes(onnx::ModelProto &model, int opset,
                              const std::set<std::string> &opTypes) {
  if (opTypes.empty())
    return 0;
  int counter = 0;
  return expandGraph(*model.mutable_graph(), opset, opTypes, TypeMap(),
                     counter);
}

bool mica::hasFunctionBody(const std::string &opType, int opset) {
  try {
    const onnx::OpSchema *schema =
        onnx::OpSchemaRegistry::Schema(opType, opset, "");
    if (!schema)
      return false;
    if (schema->HasFunction())
      return !hasSubgraphs(*schema->GetFunction());
    return schema->HasContextDependentFunction();
  } catch (...) {
    return false;
  }
}
