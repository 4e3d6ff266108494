//===- QuantizationReport.h - What quantisation did, per layer --*- C++ -*-===//
#ifndef MICA_COMPILER_DRIVER_QUANTIZATIONREPORT_H
#define MICA_COMPILER_DRIVER_QUANTIZATIONREPORT_H

#include "mlir/IR/BuiltinOps.h"
#include "llvm/Support/JSON.h"

namespace mica {

/// The `quantization` section of the compile report for a module after
/// mica-quantize-int8: per integer layer its ONNX node, bits, input/output
/// scale and zero point, weight scales and bytes; per float op left in the
/// graph its node and the reason. Warns (a diagnostic at the op) once per
/// ONNX node that stays float.
llvm::json::Object quantizationReport(mlir::ModuleOp module);

} // namespace mica

#endif // MICA_COMPILER_DRIVER_QUANTIZATIONREPORT_H
