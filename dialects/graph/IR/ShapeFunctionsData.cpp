//===- ShapeFunctionsData.cpp - Shapes of data-movement ops ---------------===//
//
// reshape, transpose, concat, slice, gather, split, pad and tile.
//
//===----------------------------------------------------------------------===//
#include "dialects/graph/IR/ShapeFunctions.h"

#include "llvm/ADT/STLExtras.h"

#include <algorithm>

using namespace mlir;

namespace mica::graph {

static bool isDyn(int64_t d) { return d == kDynamic; }

FailureOr<Shape> inferReshapeShape(ShapeRef input, ShapeRef newShape,
                                   ErrorFn emitError) {
  // Dims copied by a 0 appear on both sides and cancel out of the element
  // count, which lets a -1 be inferred even when a copied dim is `?`.
  SmallVector<bool> copied(input.size(), false);
  Shape result;
  int64_t inferredIndex = -1;
  int64_t outProduct = 1;
  for (auto [i, d] : llvm::enumerate(newShape)) {
    if (d == 0) {
      if (i >= input.size())
        return emitError() << "new_shape[" << i << "] = 0 copies a dim the "
                           << "rank-" << input.size() << " input lacks";
      copied[i] = true;
      result.push_back(input[i]);
    } else if (d == -1) {
      if (inferredIndex >= 0)
        return emitError() << "new_shape has more than one -1";
      inferredIndex = i;
      result.push_back(kDynamic);
    } else if (d < 0) {
      return emitError() << "new_shape[" << i << "] = " << d
                         << " is invalid (expects >= -1)";
    } else {
      outProduct *= d;
      result.push_back(d);
    }
  }
  std::optional<int64_t> inProduct = 1;
  for (auto [i, d] : llvm::enumerate(input)) {
    if (copied[i])
      continue;
    if (isDyn(d))
      inProduct.reset();
    else if (inProduct)
      *inProduct *= d;
  }
  if (!inProduct)
    return result;
  if (inferredIndex >= 0) {
    if (outProduct == 0 || *inProduct % outProduct != 0)
      return emitError() << "cannot infer the -1 of new_shape: " << *inProduct
                         << " elements are not a multiple of " << outProduct;
    result[inferredIndex] = *inProduct / outProduct;
  } else if (*inProduct != outProduct) {
    return emitError() << "new_shape has " << outProduct
                       << " elements but the input has " << *inProduct;
  }
  return result;
}

FailureOr<Shape> inferTransposeShape(ShapeRef input, ShapeRef perm,
                                     ErrorFn emitError) {
  if (perm.size() != input.size())
    return emitError() << "perm has " << perm.size() << " entries for a rank-"
                       << input.size() << " input";
  SmallVector<bool> seen(input.size(), false);
  Shape result;
  for (int64_t p : perm) {
    if (p < 0 || p >= (int64_t)input.size() || seen[p])
      return emitError() << "perm is not a permutation of [0, " << input.size()
                         << ")";
    seen[p] = true;
    result.push_back(input[p]);
  }
  return result;
}

FailureOr<Shape> inferConcatShape(ArrayRef<ShapeRef> inputs, int64_t axis,
                                  ErrorFn emitError) {
  if (inputs.empty())
    return emitError() << "expects at least one input";
  size_t rank = inputs[0].size();
  FailureOr<int64_t> a = normalizeAxis(axis, rank, emitError);
  if (failed(a))
    return failure();
  Shape result(inputs[0]);
  result[*a] = 0;
  for (auto [index, shape] : llvm::enumerate(inputs)) {
    if (shape.size() != rank)
      return emitError() << "input #" << index << " has rank " << shape.size()
                         << ", expected " << rank;
    for (size_t i = 0; i < rank; ++i) {
      if ((int64_t)i == *a) {
        result[i] = isDyn(result[i]) || isDyn(shape[i]) ? kDynamic
                                                        : result[i] + shape[i];
      } else if (isDyn(result[i])) {
        result[i] = shape[i];
      } else if (!isDyn(shape[i]) && shape[i] != result[i]) {
        return emitError() << "input #" << index << " dim " << i << " is "
                           << shape[i] << ", expected " << result[i];
      }
    }
  }
  return result;
}

SliceRange resolveSlice(int64_t dim, int64_t start, int64_t end, int64_t step) {
  if (start < 0)
    start += dim;
  if (end < 0)
    end += dim;
  if (step > 0) {
    start = std::clamp<int64_t>(start, 0, dim);
    end = std::clamp<int64_t>(end, 0, dim);
    return {start, end > start ? (end - start + step - 1) / step : 0};
  }
  start = std::clamp<int64_t>(start, 0, dim - 1);
  end = std::clamp<int64_t>(end, -1, dim - 1);
  return {start, start > end ? (start - end - step - 1) / -step : 0};
}

FailureOr<Shape> inferSliceShape(ShapeRef input, ShapeRef starts, ShapeRef ends,
                                 ShapeRef steps, ErrorFn emitError) {
  if (starts.size() != input.size() || ends.size() != input.size() ||
      steps.size() != input.size())
    return emitError() << "expects one starts/ends/steps entry per input dim ("
                       << input.size() << ")";
  Shape result;
  for (size_t i = 0; i < input.size(); ++i) {
    if (steps[i] == 0)
      return emitError() << "steps[" << i << "] must not be 0";
    result.push_back(
        isDyn(input[i])
            ? kDynamic
            : resolveSlice(input[i], starts[i], ends[i], steps[i]).size);
  }
  return result;
}

FailureOr<Shape> inferGatherShape(ShapeRef input, ShapeRef indices,
                                  int64_t axis, ErrorFn emitError) {
  FailureOr<int64_t> a = normalizeAxis(axis, input.size(), emitError);
  if (failed(a))
    return failure();
  Shape result(input.take_front(*a));
  llvm::append_range(result, indices);
  llvm::append_range(result, input.drop_front(*a + 1));
  return result;
}

FailureOr<SmallVector<Shape>> inferSplitShapes(ShapeRef input, int64_t axis,
                                               ShapeRef sizes,
                                               ErrorFn emitError) {
  FailureOr<int64_t> a = normalizeAxis(axis, input.size(), emitError);
  if (failed(a))
    return failure();
  if (sizes.empty() || llvm::any_of(sizes, [](int64_t s) { return s < 0; }))
    return emitError() << "sizes must be non-empty and non-negative";
  int64_t total = 0;
  SmallVector<Shape> results;
  for (int64_t size : sizes) {
    total += size;
    results.emplace_back(input);
    results.back()[*a] = size;
  }
  if (!isDyn(input[*a]) && total != input[*a])
    return emitError() << "sizes sum to " << total << " but dim " << *a
                       << " is " << input[*a];
  return results;
}

FailureOr<Shape> inferPadShape(ShapeRef input, ShapeRef pads,
                               ErrorFn emitError) {
  if (pads.size() != 2 * input.size())
    return emitError() << "expects " << 2 * input.size() << " pads, got "
                       << pads.size();
  Shape result;
  for (size_t i = 0; i < input.size(); ++i) {
    int64_t d = input[i];
    if (isDyn(d)) {
      result.push_back(kDynamic);
      continue;
    }
    int64_t out = d + pads[i] + pads[i + input.size()];
    if (out < 0)
      return emitError() << "padding makes dim " << i << " negative (" << out
                         << ")";
    result.push_back(out);
  }
  return result;
}

FailureOr<Shape> inferTileShape(ShapeRef input, ShapeRef repeats,
                                ErrorFn emitError) {
  if (repeats.size() != input.size())
    return emitError() << "expects " << input.size() << " repeats, got "
                       << repeats.size();
  Shape result;
  for (auto [i, d, r] : llvm::enumerate(input, repeats)) {
    if (r < 0)
      return emitError() << "repeats[" << i << "] must be >= 0";
    result.push_back(r == 0 ? 0 : r == 1 ? d : isDyn(d) ? kDynamic : d * r);
  }
  return result;
}

} // namespace mica::graph
