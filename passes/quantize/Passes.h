//===- Passes.h - Integer quantisation of the graph -------------*- C++ -*-===//
#ifndef MICA_PASSES_QUANTIZE_PASSES_H
#define MICA_PASSES_QUANTIZE_PASSES_H

#include "dialects/graph/IR/GraphDialect.h"

#include "mlir/IR/BuiltinOps.h"
#include "mlir/Pass/Pass.h"

namespace mica {

/// Attributes the quantize family reads and writes, shared with calibration
/// (compiler/driver/Calibration.cpp) and the report (QuantizationReport.cpp):
/// the calibrated [lo, hi] of a value (`array<f64: lo, hi>` on its defining
/// op or function argument) and the calibration key of that value (a
/// string, which the integer layer replacing the value keeps as `tap` in
/// its mica.quant), why an op stays float (a string), and the scales and
/// zero points of an integer layer (a dictionary).
constexpr llvm::StringLiteral kQuantRangeAttr = "mica.range";
constexpr llvm::StringLiteral kQuantTapAttr = "mica.tap";
constexpr llvm::StringLiteral kQuantFloatReasonAttr = graph::kFloatReasonAttr;
constexpr llvm::StringLiteral kQuantInfoAttr = "mica.quant";
/// A unit attribute beside mica.range: the range is the grid the model itself
/// quantises the value on (a QDQ pair, a QOperator op's parameters), not a
/// calibrated estimate, so quantising the value there changes nothing and
/// any integer op may read it as integers.
constexpr llvm::StringLiteral kQuantModelGridAttr = graph::kModelGridAttr;
/// On a contraction (conv, fully_connected, matmul by a constant weight):
/// the weight is already quantised, float(q * scales[c]) with integers q in
/// [-128, 127] and one scale per output channel (or one for all), as a
/// QOperator model gives it (`array<f64: ...>`); mica-quantize-int8 keeps
/// those integers and scales instead of choosing its own.
constexpr llvm::StringLiteral kQuantWeightScalesAttr = graph::kWeightScalesAttr;

#define GEN_PASS_DECL
#include "passes/quantize/Passes.h.inc"

#define GEN_PASS_REGISTRATION
#include "passes/quantize/Passes.h.inc"

} // namespace mica

#endif // MICA_PASSES_QUANTIZE_PASSES_H
