//===- ShapeFunctions.cpp - Shapes of elementwise and NN ops --------------===//
//
// Broadcasting, convolution, matrix products, attention, norms, pooling,
// resize and reductions. Data-movement ops are in ShapeFunctionsData.cpp.
//
//===----------------------------------------------------------------------===//
#include "dialects/graph/IR/ShapeFunctions.h"

#include "llvm/ADT/STLExtras.h"
#include "llvm/ADT/SmallSet.h"

#include <cmath>

using namespace mlir;

namespace mica::graph {

static bool isDyn(int64_t d) { return d == kDynamic; }
/// Two dims that cannot be equal at run time.
static bool conflict(int64_t a, int64_t b) {
  return !isDyn(a) && !isDyn(b) && a != b;
}

FailureOr<int64_t> normalizeAxis(int64_t axis, int64_t rank,
                                 ErrorFn emitError) {
  if (axis < -rank || axis >= rank)
    return emitError() << "axis " << axis << " is out of range for rank "
                       << rank;
  return axis < 0 ? axis + rank : axis;
}

FailureOr<Shape> inferBroadcastShape(ArrayRef<ShapeRef> shapes,
                                     ErrorFn emitError) {
  size_t rank = 0;
  for (ShapeRef s : shapes)
    rank = std::max(rank, s.size());
  Shape result(rank, 1);
  for (size_t i = 0; i < rank; ++i) {
    // Position i of the result, counted from the left; operands align right.
    int64_t staticSize = 1;
    bool anyDynamic = false;
    for (auto [index, shape] : llvm::enumerate(shapes)) {
      if (rank - i > shape.size())
        continue;
      int64_t d = shape[shape.size() - (rank - i)];
      if (isDyn(d)) {
        anyDynamic = true;
      } else if (d != 1) {
        if (staticSize != 1 && staticSize != d)
          return emitError() << "operands are not broadcast-compatible: "
                             << "result dim " << i << " is " << staticSize
                             << " but operand #" << index << " has " << d;
        staticSize = d;
      }
    }
    result[i] = staticSize != 1 ? staticSize : anyDynamic ? kDynamic : 1;
  }
  return result;
}

/// Checks the lengths of spatial attributes shared by conv and pooling.
static LogicalResult checkSpatialAttrs(size_t k, ShapeRef strides,
                                       ShapeRef dilations, ShapeRef pads,
                                       ErrorFn emitError) {
  if (strides.size() != k || dilations.size() != k || pads.size() != 2 * k)
    return emitError() << "expects " << k << " strides and dilations and "
                       << 2 * k << " pads for " << k << " spatial dims, got "
                       << strides.size() << ", " << dilations.size() << " and "
                       << pads.size();
  if (llvm::any_of(strides, [](int64_t s) { return s <= 0; }) ||
      llvm::any_of(dilations, [](int64_t d) { return d <= 0; }))
    return emitError() << "strides and dilations must be positive";
  return success();
}

static LogicalResult checkBias(std::optional<ShapeRef> bias, int64_t channels,
                               ErrorFn emitError) {
  if (!bias)
    return success();
  if (bias->size() != 1)
    return emitError() << "bias must be 1-D, got rank " << bias->size();
  if (conflict((*bias)[0], channels))
    return emitError() << "bias has " << (*bias)[0]
                       << " elements but there are " << channels
                       << " output channels";
  return success();
}

FailureOr<Shape> inferConvShape(ShapeRef input, ShapeRef weight,
                                std::optional<ShapeRef> bias, ShapeRef strides,
                                ShapeRef dilations, ShapeRef pads,
                                int64_t groups, ErrorFn emitError) {
  if (input.size() < 3 || weight.size() != input.size())
    return emitError() << "expects input and weight of the same rank >= 3, "
                       << "got " << input.size() << " and " << weight.size();
  size_t k = input.size() - 2;
  if (failed(checkSpatialAttrs(k, strides, dilations, pads, emitError)))
    return failure();
  if (groups <= 0)
    return emitError() << "groups must be positive, got " << groups;
  int64_t cIn = input[1], cOut = weight[0];
  if (!isDyn(cIn) && !isDyn(weight[1]) && cIn != weight[1] * groups)
    return emitError() << "input channels (dim 1 = " << cIn
                       << ") must equal weight dim 1 (" << weight[1]
                       << ") * groups (" << groups << ")";
  if (!isDyn(cOut) && cOut % groups != 0)
    return emitError() << "output channels (weight dim 0 = " << cOut
                       << ") must be divisible by groups (" << groups << ")";
  if (failed(checkBias(bias, cOut, emitError)))
    return failure();
  Shape result{input[0], cOut};
  for (size_t i = 0; i < k; ++i) {
    int64_t d = input[i + 2], kernel = weight[i + 2];
    if (isDyn(d) || isDyn(kernel)) {
      result.push_back(kDynamic);
      continue;
    }
    int64_t span = d + pads[i] + pads[i + k] - dilations[i] * (kernel - 1) - 1;
    if (span < 0)
      return emitError() << "spatial dim " << i << " (input dim " << i + 2
                         << " = " << d << ") is smaller than the dilated "
                         << "kernel after padding";
    result.push_back(span / strides[i] + 1);
  }
  return result;
}

FailureOr<Shape> inferConvTransposeShape(ShapeRef input, ShapeRef weight,
                                         std::optional<ShapeRef> bias,
                                         ShapeRef strides, ShapeRef dilations,
                                         ShapeRef pads, ShapeRef outputPadding,
                                         int64_t groups, ErrorFn emitError) {
  if (input.size() < 3 || weight.size() != input.size())
    return emitError() << "expects input and weight of the same rank >= 3, "
                       << "got " << input.size() << " and " << weight.size();
  size_t k = input.size() - 2;
  if (failed(checkSpatialAttrs(k, strides, dilations, pads, emitError)))
    return failure();
  if (outputPadding.size() != k)
    return emitError() << "expects " << k << " output_padding entries, got "
                       << outputPadding.size();
  if (groups <= 0)
    return emitError() << "groups must be positive, got " << groups;
  if (conflict(input[1], weight[0]))
    return emitError() << "input channels (dim 1 = " << input[1]
                       << ") must equal weight dim 0 (" << weight[0] << ")";
  if (!isDyn(weight[0]) && weight[0] % groups != 0)
    return emitError() << "input channels (" << weight[0]
                       << ") must be divisible by groups (" << groups << ")";
  int64_t cOut = isDyn(weight[1]) ? kDynamic : weight[1] * groups;
  if (failed(checkBias(bias, cOut, emitError)))
    return failure();
  Shape result{input[0], cOut};
  for (size_t i = 0; i < k; ++i) {
    if (outputPadding[i] < 0 ||
        (outputPadding[i] >= strides[i] && outputPadding[i] >= dilations[i]))
      return emitError() << "output_padding[" << i << "] = " << outputPadding[i]
                         << " must be smaller than its stride or dilation";
    int64_t d = input[i + 2], kernel = weight[i + 2];
    if (isDyn(d) || isDyn(kernel)) {
      result.push_back(kDynamic);
      continue;
    }
    int64_t out = strides[i] * (d - 1) + outputPadding[i] +
                  dilations[i] * (kernel - 1) + 1 - pads[i] - pads[i + k];
    if (out < 0)
      return emitError() << "spatial dim " << i
                         << " has a negative output size " << out;
    result.push_back(out);
  }
  return result;
}

FailureOr<Shape> inferMatmulShape(ShapeRef lhs, ShapeRef rhs,
                                  ErrorFn emitError) {
  if (lhs.empty() || rhs.empty())
    return emitError() << "operands must have rank >= 1";
  Shape l(lhs), r(rhs);
  if (lhs.size() == 1)
    l.insert(l.begin(), 1);
  if (rhs.size() == 1)
    r.push_back(1);
  int64_t kL = l[l.size() - 1], kR = r[r.size() - 2];
  if (conflict(kL, kR))
    return emitError() << "contracting dims differ: lhs has " << kL
                       << ", rhs has " << kR;
  ShapeRef batchL = ShapeRef(l).drop_back(2), batchR = ShapeRef(r).drop_back(2);
  FailureOr<Shape> result = inferBroadcastShape({batchL, batchR}, emitError);
  if (failed(result))
    return failure();
  if (lhs.size() != 1)
    result->push_back(l[l.size() - 2]);
  if (rhs.size() != 1)
    result->push_back(r[r.size() - 1]);
  return result;
}

FailureOr<Shape> inferFullyConnectedShape(ShapeRef input, ShapeRef weight,
                                          std::optional<ShapeRef> bias,
                                          ErrorFn emitError) {
  if (input.empty() || weight.size() != 2)
    return emitError() << "expects input of rank >= 1 and a 2-D weight";
  if (conflict(input.back(), weight[1]))
    return emitError() << "input features (last dim = " << input.back()
                       << ") must equal weight dim 1 (" << weight[1] << ")";
  if (failed(checkBias(bias, weight[0], emitError)))
    return failure();
  Shape result(input.drop_back());
  result.push_back(weight[0]);
  return result;
}

FailureOr<Shape> inferAttentionShape(ShapeRef query, ShapeRef key,
                                     ShapeRef value,
                                     std::optional<ShapeRef> mask,
                                     std::optional<ShapeRef> keyBias,
                                     int64_t numHeads, ErrorFn emitError) {
  if (query.size() != 3 || key.size() != 3 || value.size() != 3)
    return emitError() << "query, key and value must be 3-D [B, S, E]";
  if (numHeads <= 0)
    return emitError() << "num_heads must be positive, got " << numHeads;
  for (int64_t dim : {0, 2}) {
    if (conflict(query[dim], key[dim]) || conflict(query[dim], value[dim]))
      return emitError() << "query, key and value disagree on dim " << dim;
  }
  if (conflict(key[1], value[1]))
    return emitError() << "key and value disagree on dim 1 (" << key[1]
                       << " vs " << value[1] << ")";
  if (!isDyn(query[2]) && query[2] % numHeads != 0)
    return emitError() << "embedding size (dim 2 = " << query[2]
                       << ") must be divisible by num_heads (" << numHeads
                       << ")";
  if (mask) {
    int64_t skv = isDyn(key[1]) ? value[1] : key[1];
    Shape scores{query[0], numHeads, query[1], skv};
    if (mask->size() > 4)
      return emitError() << "mask rank must be <= 4, got " << mask->size();
    for (size_t i = 0; i < mask->size(); ++i) {
      int64_t m = (*mask)[i], s = scores[4 - mask->size() + i];
      if (!isDyn(m) && m != 1 && conflict(m, s))
        return emitError() << "mask dim " << i << " (" << m
                           << ") does not broadcast to scores dim "
                           << 4 - mask->size() + i << " (" << s << ")";
    }
  }
  if (keyBias) {
    int64_t skv = isDyn(key[1]) ? value[1] : key[1];
    if (keyBias->size() != 2 ||
        (!isDyn((*keyBias)[0]) && (*keyBias)[0] != 1 &&
         conflict((*keyBias)[0], query[0])) ||
        conflict((*keyBias)[1], skv))
      return emitError() << "key_bias must be [B or 1, Skv] = [" << query[0]
                         << " or 1, " << skv << "]";
  }
  return Shape(query);
}

FailureOr<Shape> inferChannelNormShape(ShapeRef input,
                                       ArrayRef<ShapeRef> params,
                                       int64_t minRank, ErrorFn emitError) {
  if ((int64_t)input.size() < minRank)
    return emitError() << "input rank must be >= " << minRank << ", got "
                       << input.size();
  for (auto [index, param] : llvm::enumerate(params)) {
    if (param.size() != 1 || conflict(param[0], input[1]))
      return emitError() << "parameter operand #" << index + 1
                         << " must be [C] with C = input dim 1 (" << input[1]
                         << ")";
  }
  return Shape(input);
}

FailureOr<Shape> inferGroupNormShape(ShapeRef input, ShapeRef scale,
                                     ShapeRef bias, int64_t numGroups,
                                     ErrorFn emitError) {
  if (numGroups <= 0)
    return emitError() << "num_groups must be positive, got " << numGroups;
  if (input.size() >= 2 && !isDyn(input[1]) && input[1] % numGroups != 0)
    return emitError() << "channels (dim 1 = " << input[1]
                       << ") must be divisible by num_groups (" << numGroups
                       << ")";
  return inferChannelNormShape(input, {scale, bias}, 2, emitError);
}

FailureOr<Shape> inferLayerNormShape(ShapeRef input, ShapeRef scale,
                                     std::optional<ShapeRef> bias, int64_t axis,
                                     ErrorFn emitError) {
  FailureOr<int64_t> a = normalizeAxis(axis, input.size(), emitError);
  if (failed(a))
    return failure();
  ShapeRef normalized = input.drop_front(*a);
  SmallVector<ShapeRef, 2> params{scale};
  if (bias)
    params.push_back(*bias);
  for (auto [index, param] : llvm::enumerate(params)) {
    bool ok = param.size() == normalized.size();
    for (size_t i = 0; ok && i < param.size(); ++i)
      ok = !conflict(param[i], normalized[i]);
    if (!ok)
      return emitError() << "operand #" << index + 1
                         << " must have the shape of input dims [" << *a << ", "
                         << input.size() << ")";
  }
  return Shape(input);
}

FailureOr<Shape> inferPoolShape(ShapeRef input, ShapeRef kernel,
                                ShapeRef strides, ShapeRef pads,
                                ShapeRef dilations, bool ceilMode,
                                ErrorFn emitError) {
  if (input.size() < 3)
    return emitError() << "expects an input of rank >= 3, got " << input.size();
  size_t k = input.size() - 2;
  if (kernel.size() != k)
    return emitError() << "expects " << k << " kernel entries, got "
                       << kernel.size();
  if (llvm::any_of(kernel, [](int64_t s) { return s <= 0; }))
    return emitError() << "kernel sizes must be positive";
  if (failed(checkSpatialAttrs(k, strides, dilations, pads, emitError)))
    return failure();
  Shape result{input[0], input[1]};
  for (size_t i = 0; i < k; ++i) {
    int64_t d = input[i + 2];
    if (isDyn(d)) {
      result.push_back(kDynamic);
      continue;
    }
    int64_t span =
        d + pads[i] + pads[i + k] - dilations[i] * (kernel[i] - 1) - 1;
    if (span < 0)
      return emitError() << "spatial dim " << i << " (input dim " << i + 2
                         << " = " << d << ") is smaller than the dilated "
                         << "kernel after padding";
    int64_t out = (ceilMode ? (span + strides[i] - 1) : span) / strides[i] + 1;
    // A window that would start inside the end padding is dropped.
    if (ceilMode && (out - 1) * strides[i] >= d + pads[i])
      --out;
    result.push_back(out);
  }
  return result;
}

FailureOr<Shape> inferResizeShape(ShapeRef input, ArrayRef<double> scales,
                                  ErrorFn emitError) {
  if (scales.size() != input.size())
    return emitError() << "expects one scale per input dim (" << input.size()
                       << "), got " << scales.size();
  Shape result;
  for (auto [i, d, s] : llvm::enumerate(input, scales)) {
    if (!(s > 0.0))
      return emitError() << "scale " << i << " must be positive, got " << s;
    result.push_back(isDyn(d) ? kDynamic
                              : (int64_t)std::floor(d * s * (1.0 + 1e-9)));
  }
  return result;
}

FailureOr<Shape> inferReduceShape(ShapeRef input, ShapeRef axes, bool keepdims,
                                  ErrorFn emitError) {
  llvm::SmallSet<int64_t, 4> reduced;
  for (int64_t axis : axes) {
    FailureOr<int64_t> a = normalizeAxis(axis, input.size(), emitError);
    if (failed(a))
      return failure();
    if (!reduced.insert(*a).second)
      return emitError() << "axis " << axis << " is repeated";
  }
  Shape result;
  for (auto [i, d] : llvm::enumerate(input)) {
    if (!axes.empty() && !reduced.contains(i))
      result.push_back(d);
    else if (keepdims)
      result.push_back(1);
  }
  return result;
}

FailureOr<Shape> inferArgReduceShape(ShapeRef input, int64_t axis,
                                     bool keepdims, ErrorFn emitError) {
  FailureOr<int64_t> a = normalizeAxis(axis, input.size(), emitError);
  if (failed(a))
    return failure();
  return inferReduceShape(input, {*a}, keepdims, emitError);
}

} // namespace mica::graph
