//===- QuantizationReport.cpp - What quantisation did, per layer ----------===//
#include "compiler/driver/QuantizationReport.h"

#include "compiler/diagnostics/NodeLocation.h"
#include "dialects/graph/IR/GraphDialect.h"
#include "passes/quantize/Passes.h"

#include "mlir/IR/TypeUtilities.h"
#include "llvm/ADT/StringSet.h"

#include <algorithm>

using namespace mlir;
using namespace mica;

namespace {

/// Ops that compute on floats (not the borders, constants or data movement).
bool isFloatCompute(Operation *op) {
  if (op->getDialect() == nullptr ||
      op->getDialect()->getNamespace() != "graph" ||
      op->hasTrait<OpTrait::ConstantLike>() ||
      isa<graph::QuantizeOp, graph::DequantizeOp, graph::ReshapeOp,
          graph::TransposeOp, graph::SliceOp, graph::ConcatOp,
          graph::BroadcastToOp, graph::ShapeOfOp, graph::GatherOp>(op))
    return false;
  return llvm::any_of(op->getResultTypes(), [](Type t) {
    return isa<FloatType>(getElementTypeOrSelf(t));
  });
}

std::pair<std::string, std::string> nodeOf(Operation *op) {
  NodeLocInfo info = getNodeLocInfo(op->getLoc());
  StringRef kind = info.domainAndOp;
  return {info.node, kind.substr(kind.rfind(':') + 1).str()};
}

} // namespace

llvm::json::Object mica::quantizationReport(ModuleOp module) {
  llvm::json::Array layers, floats;
  llvm::StringSet<> warned;
  int64_t integerLayers = 0;
  module.walk([&](Operation *op) {
    auto [node, kind] = nodeOf(op);
    if (auto info = op->getAttrOfType<DictionaryAttr>(kQuantInfoAttr)) {
      ++integerLayers;
      auto f64 = [&](StringRef name) {
        return cast<FloatAttr>(info.get(name)).getValueAsDouble();
      };
      auto i64 = [&](StringRef name) {
        return cast<IntegerAttr>(info.get(name)).getInt();
      };
      llvm::json::Object layer{
          {"node", node},
          {"op", kind},
          {"bits", 8},
          {"input_scale", f64("input_scale")},
          {"input_zero_point", i64("input_zero_point")},
          {"output_scale", f64("output_scale")},
          {"output_zero_point", i64("output_zero_point")},
      };
      if (auto attr = info.getAs<DenseF64ArrayAttr>("weight_scales")) {
        ArrayRef<double> scales = attr.asArrayRef();
        auto weight = cast<RankedTensorType>(op->getOperand(1).getType());
        layer["weight_channels"] = (int64_t)scales.size();
        layer["weight_scale_min"] =
            *std::min_element(scales.begin(), scales.end());
        layer["weight_scale_max"] =
            *std::max_element(scales.begin(), scales.end());
        layer["weight_bytes"] = weight.getNumElements();
      }
      layers.push_back(std::move(layer));
      return;
    }
    if (!isFloatCompute(op))
      return;
    std::string reason;
    if (auto attr = op->getAttrOfType<StringAttr>(kQuantFloatReasonAttr))
      reason = attr.str();
    else
      reason =
          "no integer form of " + op->getName().getStringRef().str() + " yet";
    floats.push_back(
        llvm::json::Object{{"node", node}, {"op", kind}, {"reason", reason}});
    if (warned.insert(node).second)
      emitWarning(op->getLoc()) << "stays float: " << reason;
  });
  return llvm::json::Object{{"scheme", "w8a8"},
                            {"integer_layers", integerLayers},
                            {"layers", std::move(layers)},
                            {"float_ops", std::move(floats)}};
}
