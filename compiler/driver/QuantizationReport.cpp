//===- QuantizationReport.cpp - What quantisation did, per layer ----------===//
#include "compiler/driver/QuantizationReport.h"

#include "compiler/diagnostics/NodeLocation.h"
#include "dialects/exec/IR/ExecDialect.h"
#include "dialects/graph/IR/GraphDialect.h"
#include "passes/quantize/Passes.h"

#include "mlir/IR/TypeUtilities.h"
#include "llvm/ADT/StringMap.h"
#include "llvm/ADT/StringSet.h"
#include "llvm/Support/FormatVariadic.h"

#include <algorithm>
#include <cmath>

using namespace mlir;
using namespace mica;

namespace {

/// Below this SQNR a layer is warned about: the RMS of its error is above
/// a third of its output's.
constexpr double kLowSqnrDb = 10.0;

bool isGraphOp(Operation *op) {
  return op->getDialect() &&
         op->getDialect()->getNamespace() ==
             graph::GraphDialect::getDialectNamespace() &&
         !op->hasTrait<OpTrait::ConstantLike>();
}

/// Ops that compute on floats (not the borders, constants or data movement).
bool isFloatCompute(Operation *op) {
  if (!isGraphOp(op) ||
      isa<graph::QuantizeOp, graph::DequantizeOp, graph::ReshapeOp,
          graph::TransposeOp, graph::SliceOp, graph::ConcatOp,
          graph::BroadcastToOp, graph::ShapeOfOp, graph::GatherOp>(op))
    return false;
  return llvm::any_of(op->getResultTypes(), [](Type t) {
    return isa<FloatType>(getElementTypeOrSelf(t));
  });
}

std::string floatReason(Operation *op) {
  if (auto attr = op->getAttrOfType<StringAttr>(kQuantFloatReasonAttr))
    return attr.str();
  return "no integer form of " + op->getName().getStringRef().str() + " yet";
}

std::pair<std::string, std::string> nodeOf(Operation *op) {
  NodeLocInfo info = getNodeLocInfo(op->getLoc());
  StringRef kind = info.domainAndOp;
  return {info.node, kind.substr(kind.rfind(':') + 1).str()};
}

/// Every ONNX node an op implements: those named in its location (several
/// where mica-quantize-int8 fused a bias add or an activation).
SmallVector<std::string> nodesOf(Operation *op) {
  SmallVector<std::string> nodes;
  op->getLoc()->walk([&](Location sub) {
    if (auto name = dyn_cast<NameLoc>(sub))
      nodes.push_back(name.getName().str());
    return WalkResult::advance();
  });
  return nodes;
}

/// What the ops of one ONNX node compute on.
struct NodeOps {
  bool integer = false;    // an integer layer or int8 values
  bool floatData = false;  // float values moved (reshape, slice, ...)
  bool other = false;      // shapes, indices, masks
  std::string floatReason; // of its first float computation
  double worstSqnr = INFINITY;
};

void classify(Operation *op, NodeOps &node) {
  bool int8 = llvm::any_of(op->getResultTypes(), [](Type t) {
    return getElementTypeOrSelf(t).isInteger(8);
  });
  if (op->hasAttr(kQuantInfoAttr) || int8) {
    node.integer = true;
  } else if (isFloatCompute(op)) {
    if (node.floatReason.empty())
      node.floatReason = floatReason(op);
  } else if (llvm::any_of(op->getResultTypes(), [](Type t) {
               return isa<FloatType>(getElementTypeOrSelf(t));
             })) {
    node.floatData = true;
  } else if (op->getNumResults() > 0) {
    node.other = true;
  }
}

llvm::json::Value decibels(double db) {
  if (!std::isfinite(db))
    return nullptr;
  return db;
}

/// The precision of each node of the module's node table, in its order.
llvm::json::Array nodePrecision(ModuleOp module,
                                const llvm::StringMap<NodeOps> &ops) {
  llvm::json::Array out;
  for (auto table : module.getOps<exec::NodeTableOp>())
    for (auto [name, type] :
         llvm::zip(table.getNames().getAsValueRange<StringAttr>(),
                   table.getOpTypes().getAsValueRange<StringAttr>())) {
      llvm::json::Object node{{"node", name}, {"op", type}};
      auto it = ops.find(name);
      if (it == ops.end()) {
        node["precision"] = "none";
        node["reason"] = "no code: folded or removed at compile time";
      } else if (!it->second.floatReason.empty()) {
        node["precision"] = "float";
        node["reason"] = it->second.floatReason;
      } else if (it->second.integer) {
        node["precision"] = "int8";
        if (it->second.worstSqnr != INFINITY)
          node["sqnr_db"] = decibels(it->second.worstSqnr);
      } else if (it->second.floatData) {
        node["precision"] = "float";
        node["reason"] = "moves float values";
      } else {
        node["precision"] = "other";
        node["reason"] = "computes shapes, indices or masks";
      }
      out.push_back(std::move(node));
    }
  return out;
}

} // namespace

llvm::json::Object
mica::quantizationReport(ModuleOp module,
                         const std::map<std::string, double> &sqnr) {
  llvm::json::Array layers, floats;
  llvm::StringSet<> warned;
  llvm::StringMap<NodeOps> nodes;
  int64_t integerLayers = 0;
  module.walk([&](Operation *op) {
    if (!isGraphOp(op) || isa<graph::QuantizeOp, graph::DequantizeOp>(op))
      return;
    for (const std::string &node : nodesOf(op))
      classify(op, nodes[node]);
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
      auto tap = info.getAs<StringAttr>("tap");
      auto measured = tap ? sqnr.find(tap.str()) : sqnr.end();
      if (measured != sqnr.end()) {
        double db = measured->second;
        layer["sqnr_db"] = decibels(db);
        for (const std::string &name : nodesOf(op))
          if (!std::isnan(db))
            nodes[name].worstSqnr = std::min(nodes[name].worstSqnr, db);
        if (db < kLowSqnrDb)
          emitWarning(op->getLoc())
              << "low SQNR of the int8 output: " << llvm::formatv("{0:F1}", db)
              << " dB against float on the calibration data";
      }
      layers.push_back(std::move(layer));
      return;
    }
    if (!isFloatCompute(op))
      return;
    std::string reason = floatReason(op);
    floats.push_back(
        llvm::json::Object{{"node", node}, {"op", kind}, {"reason", reason}});
    if (warned.insert(node).second)
      emitWarning(op->getLoc()) << "stays float: " << reason;
  });
  return llvm::json::Object{{"scheme", "w8a8"},
                            {"integer_layers", integerLayers},
                            {"layers", std::move(layers)},
                            {"float_ops", std::move(floats)},
                            {"nodes", nodePrecision(module, nodes)}};
}
