//===- Passes.td - Integer quantisation of the graph ------*- tablegen -*-===//
//
// The quantize family: rewrites a float graph whose values carry calibrated
// ranges into integer ops (GraphQuantOps.td). It runs in stage 3 of the
// compile (compiler/driver/Pipeline.cpp), after calibration
// (compiler/driver/Calibration.cpp) has attached the ranges, last among the
// numeric changes of the compression stage.
//
//===----------------------------------------------------------------------===//
#ifndef MICA_PASSES_QUANTIZE_PASSES
#define MICA_PASSES_QUANTIZE_PASSES

include "mlir/Pass/PassBase.td"

def QuantizeInt8 : Pass<"mica-quantize-int8", "::mlir::ModuleOp"> {
  let summary = "W8A8: float convolutions and dense layers to int8 ops";
  let description = [{
    Reads the calibrated range of each float value (`mica.range =
    array<f64: lo, hi>` on the op that defines it, or on a function
    argument) and rewrites:

    - `graph.conv`, `graph.fully_connected` and `graph.matmul` by a constant
      2-D weight into an i8 x i8 -> i32 op of the same kind, whose bias (i32)
      absorbs the input zero point (`b - zp_in * sum(w)`), followed by a
      `graph.rescale` to i8. A padded convolution gets an explicit
      `graph.pad` by the input zero point, so padding contributes nothing;
    - a `graph.relu` or `graph.clamp` that is the only user of such an op
      into the rescale's clamp bounds (fused activation);
    - `graph.reshape`, `graph.transpose` and `graph.max_pool` of an integer
      value into the same op on the integers (they move or select values,
      so the scale and zero point carry over exactly);
    - adds and products of integer values (broadcasting), lookup tables,
      means, concatenations, average pools (window sums as a depthwise
      convolution by ones, divided by each window's count in the
      rescales), and matmuls of two integer values whose result the model
      quantises (`mica.model_grid`);
    - a `graph.dequantize` of the model's own 8-bit integers is read as
      those integers (uint8 moved to int8 by -128, exactly), and a value
      or constant on the model's own grid (`mica.model_grid`) is quantised
      there wherever an integer op wants it.

    A contraction whose weight carries `mica.weight_scales` (a QOperator
    model's weight: float(q * s[c])) keeps those integers and scales.

    Weights: int8 symmetric per output channel, scale max|w| / 127, values in
    [-127, 127]. Activations: int8 asymmetric per tensor, the range widened
    to contain 0, scale (hi - lo) / 255 rounded to f32, zero point
    round(-128 - lo / scale). Bias: i32 with scale s_in * s_w. Requantisation:
    M = s_in * s_w / s_out as an int32 multiplier in [2^30, 2^31) and a
    shift (docs/numerics.md). Float values meet integer ones through
    `graph.quantize` / `graph.dequantize`, which a chain of integer ops
    never crosses.

    What stays float is said on the op: `mica.float_reason` names why (no
    calibrated range, a run-time weight, kept float by the user), and the
    compile report lists it. Each integer layer says what it became on its
    accumulating op (`mica.quant`: scales, zero points, and as `tap` the
    calibration key, `mica.tap`, of the float value its output replaced,
    by which the report matches the layer's measured SQNR).
  }];
  let options = [
    ListOption<"keepFloat", "keep-float", "std::string",
               "ONNX node names or op types (Conv, Gemm, ...) to keep float">,
  ];
  let dependentDialects = ["::mica::graph::GraphDialect"];
}

def FoldQdq : Pass<"mica-fold-qdq", "::mlir::ModuleOp"> {
  let summary = "QDQ models: quantize/dequantize pairs become ranges";
  let description = [{
    A model exported with QuantizeLinear/DequantizeLinear pairs (ONNX
    Runtime's `quantize_static`, PyTorch and TensorRT exporters) says at
    each pair with which scale and zero point the value between them is
    quantised. For every `graph.quantize` whose users are all
    `graph.dequantize` with the same parameters, the pair is removed and its
    input gets the range those parameters quantise exactly
    (`mica.range = array<f64: (qmin - zp) s, (qmax - zp) s>`), from which
    mica-quantize-int8 derives the same scale and zero point (uint8 pairs
    become int8 with the zero point shifted by 128: the same real values).
    A pair that produces a model output stays, since its rounding is part
    of the output. A value that is only ever quantised (with one set of
    parameters) gets that range too, even where the integers go on to
    integer ops or leave the model. Every such range is marked as the
    model's own grid (`mica.model_grid`). Data movement on quantised
    integers (reshape, transpose, max_pool, slice of a `graph.quantize`)
    first takes the QDQ form of its neighbours, quantize(op(dequantize(q))),
    the same integers, so that its pairs fold too. `graph.dequantize` of a
    constant (a quantised weight) folds to its float values, which the
    weight quantisation maps back to the same integers when they were
    quantised symmetrically per channel.
  }];
  let dependentDialects = ["::mica::graph::GraphDialect"];
}

#endif // MICA_PASSES_QUANTIZE_PASSES
