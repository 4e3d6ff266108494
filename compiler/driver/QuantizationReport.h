//===- QuantizationReport.h - What quantisation did, per layer --*- C++ -*-===//
#ifndef MICA_COMPILER_DRIVER_QUANTIZATIONREPORT_H
#define MICA_COMPILER_DRIVER_QUANTIZATIONREPORT_H

#include "mlir/IR/BuiltinOps.h"
#include "llvm/Support/JSON.h"

#include <map>
#include <string>

namespace mica {

/// The `quantization` section of the compile report for a module after
/// mica-quantize-int8: per integer layer its ONNX node, bits, input/output
/// scale and zero point, weight scales and bytes, and its SQNR from `sqnr`
/// (by the layer's tap key, LayerSqnr.h); per float op left in the graph
/// its node and the reason; per ONNX node of the module's node table its
/// precision (docs/cli.md). Warns (a diagnostic at the op) once per ONNX
/// node that stays float and per layer whose SQNR is low.
llvm::json::Object
quantizationReport(mlir::ModuleOp module,
                   const std::map<std::string, double> &sqnr = {});

} // namespace mica

#endif // MICA_COMPILER_DRIVER_QUANTIZATIONREPORT_H
