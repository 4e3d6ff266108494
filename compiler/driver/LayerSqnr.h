//===- LayerSqnr.h - What quantisation cost, per integer layer --*- C++ -*-===//
//
// The SQNR of each integer layer's output against the float model, on the
// calibration items: the quantised model is compiled once more for the host
// at the items' shape (with the compile's ranges, so that it makes the same
// integer layers), with the float value each layer replaces made an extra
// output (TapModel.h) -- which the quantizer then replaces by the
// dequantised integers, as it does every use. Each item runs through it and
// through calibration's float build; per layer,
//   SQNR = 10 log10(sum float^2 / sum (dequantised - float)^2)
// over every element of every item. The error includes what the layers
// before lost: it is the layer's output as the quantised model computes it.
//
//===----------------------------------------------------------------------===//
#ifndef MICA_COMPILER_DRIVER_LAYERSQNR_H
#define MICA_COMPILER_DRIVER_LAYERSQNR_H

#include "compiler/driver/Calibration.h"

#include <map>

namespace mica {

/// The SQNR in dB, rounded to 0.01 (so that the last-bit differences of
/// float code between build hosts rarely reach it), of each integer layer of
/// `program` (after mica-quantize-int8) by the tap key of its output (the
/// `tap` of its mica.quant); not finite where it is undefined (an exact
/// layer, a float output that is all zeros).
mlir::FailureOr<std::map<std::string, double>>
measureLayerSqnr(mlir::MLIRContext &context, const CompileOptions &options,
                 Calibration &calibration, mlir::ModuleOp program,
                 CompileError &error);

} // namespace mica

#endif // MICA_COMPILER_DRIVER_LAYERSQNR_H
