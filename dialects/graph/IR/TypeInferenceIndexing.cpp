//===- TypeInferenceIndexing.cpp - Types of the indexing ops --------------===//
//
// gather_elements, scatter_elements, gather_nd and scatter_nd (cumsum keeps
// its input type). Dims that are `?` on one side are taken from the other.
//
//===----------------------------------------------------------------------===//
#include "dialects/graph/IR/ShapeFunctions.h"
#include "dialects/graph/IR/TypeInference.h"

#include "llvm/ADT/DenseMap.h"

#include <cctype>

using namespace mlir;

namespace mica::graph {

/// Checks that two dims agree where both are static; returns the joined dim.
static FailureOr<int64_t> joinDim(int64_t a, int64_t b, StringRef what,
                                  int64_t index, ErrorFn emitError) {
  if (a != kDynamic && b != kDynamic && a != b)
    return emitError() << what << " dim " << index << " is " << b
                       << ", expected " << a;
  return a == kDynamic ? b : a;
}

LogicalResult inferGatherElementsTypes(Type input, Type indices, int64_t axis,
                                       ErrorFn emitError,
                                       SmallVectorImpl<Type> &types) {
  ShapeRef in = getShape(input), idx = getShape(indices);
  if (in.size() != idx.size())
    return emitError() << "indices have rank " << idx.size()
                       << ", the input rank " << in.size();
  if (failed(normalizeAxis(axis, in.size(), emitError)))
    return failure();
  types.push_back(RankedTensorType::get(idx, getElementType(input)));
  return success();
}

LogicalResult inferScatterElementsTypes(Type input, Type indices, Type updates,
                                        int64_t axis, ErrorFn emitError,
                                        SmallVectorImpl<Type> &types) {
  ShapeRef in = getShape(input), idx = getShape(indices),
           upd = getShape(updates);
  if (in.size() != idx.size() || idx.size() != upd.size())
    return emitError() << "input, indices and updates must share a rank";
  if (getElementType(input) != getElementType(updates))
    return emitError() << "updates must have the input's element type";
  for (size_t i = 0; i < idx.size(); ++i)
    if (failed(joinDim(idx[i], upd[i], "updates", i, emitError)))
      return failure();
  if (failed(normalizeAxis(axis, in.size(), emitError)))
    return failure();
  types.push_back(input);
  return success();
}

LogicalResult inferGatherNdTypes(Type input, Type indices, int64_t batchDims,
                                 ErrorFn emitError,
                                 SmallVectorImpl<Type> &types) {
  ShapeRef in = getShape(input), idx = getShape(indices);
  if (idx.empty() || idx.back() == kDynamic)
    return emitError() << "the last dim of indices must be static";
  int64_t k = idx.back();
  if (batchDims < 0 || batchDims + k > static_cast<int64_t>(in.size()) ||
      batchDims >= static_cast<int64_t>(idx.size()))
    return emitError() << "batch_dims " << batchDims << " and index tuples of "
                       << k << " do not fit an input of rank " << in.size();
  Shape shape;
  for (int64_t i = 0; i + 1 < static_cast<int64_t>(idx.size()); ++i) {
    int64_t d = idx[i];
    if (i < batchDims) {
      FailureOr<int64_t> joined =
          joinDim(in[i], idx[i], "indices", i, emitError);
      if (failed(joined))
        return failure();
      d = *joined;
    }
    shape.push_back(d);
  }
  for (size_t i = batchDims + k; i < in.size(); ++i)
    shape.push_back(in[i]);
  types.push_back(RankedTensorType::get(shape, getElementType(input)));
  return success();
}

LogicalResult inferScatterNdTypes(Type input, Type indices, Type updates,
                                  ErrorFn emitError,
                                  SmallVectorImpl<Type> &types) {
  ShapeRef in = getShape(input), idx = getShape(indices),
           upd = getShape(updates);
  if (idx.empty() || idx.back() == kDynamic ||
      idx.back() > static_cast<int64_t>(in.size()))
    return emitError() << "the last dim of indices must be static and at "
                       << "most the input rank";
  if (getElementType(input) != getElementType(updates))
    return emitError() << "updates must have the input's element type";
  size_t expectedRank = idx.size() - 1 + in.size() - idx.back();
  if (upd.size() != expectedRank)
    return emitError() << "updates have rank " << upd.size() << ", expected "
                       << expectedRank;
  types.push_back(input);
  return success();
}

LogicalResult inferTopKTypes(Type input, int64_t k, int64_t axis,
                             ErrorFn emitError, SmallVectorImpl<Type> &types) {
  ShapeRef in = getShape(input);
  FailureOr<int64_t> a = normalizeAxis(axis, in.size(), emitError);
  if (failed(a))
    return failure();
  if (k < 0 || (in[*a] != kDynamic && k > in[*a]))
    return emitError() << "k = " << k << " does not fit axis " << *a;
  Shape shape(in);
  shape[*a] = k;
  types.push_back(RankedTensorType::get(shape, getElementType(input)));
  types.push_back(
      RankedTensorType::get(shape, IntegerType::get(input.getContext(), 64)));
  return success();
}

FailureOr<EinsumSpec> parseEinsum(StringRef equation, ArrayRef<int64_t> ranks,
                                  std::string &error) {
  std::string text;
  for (char c : equation)
    if (c != ' ')
      text.push_back(c);
  StringRef eq(text);
  auto [lhs, rhs] = eq.split("->");
  bool explicitOutput = eq.contains("->");
  SmallVector<StringRef> terms;
  lhs.split(terms, ',');
  if (terms.size() != ranks.size()) {
    error = "the equation has " + std::to_string(terms.size()) +
            " operands, the op " + std::to_string(ranks.size());
    return failure();
  }
  // The ellipsis covers the dims a term does not name; broadcast dims get
  // labels '0', '1', ... aligned from the right across operands.
  int64_t ellipsisRank = 0;
  SmallVector<int64_t> termEllipsis;
  for (auto [term, rank] : llvm::zip(terms, ranks)) {
    int64_t named = 0;
    for (char c : term)
      named += std::isalpha(static_cast<unsigned char>(c)) ? 1 : 0;
    int64_t dots = term.contains("...") ? rank - named : 0;
    if (dots < 0 || (!term.contains("...") && named != rank)) {
      error = "term '" + term.str() + "' does not match its operand's rank " +
              std::to_string(rank);
      return failure();
    }
    termEllipsis.push_back(dots);
    ellipsisRank = std::max(ellipsisRank, dots);
  }
  auto expand = [&](StringRef term, int64_t dots) {
    std::string out;
    for (size_t i = 0; i < term.size(); ++i) {
      if (term.substr(i).starts_with("...")) {
        for (int64_t d = ellipsisRank - dots; d < ellipsisRank; ++d)
          out.push_back(static_cast<char>('0' + d));
        i += 2;
        continue;
      }
      out.push_back(term[i]);
    }
    return out;
  };
  EinsumSpec spec;
  for (auto [term, dots] : llvm::zip(terms, termEllipsis))
    spec.inputs.push_back(expand(term, dots));
  if (explicitOutput) {
    spec.output = expand(rhs, ellipsisRank);
  } else {
    // Implicit output: the ellipsis, then the labels used once, sorted.
    for (int64_t d = 0; d < ellipsisRank; ++d)
      spec.output.push_back(static_cast<char>('0' + d));
    std::string once;
    for (char c = 'A'; c <= 'z'; ++c) {
      if (!std::isalpha(static_cast<unsigned char>(c)))
        continue;
      int count = 0;
      for (const std::string &in : spec.inputs)
        count += llvm::count(in, c);
      if (count == 1)
        once.push_back(c);
    }
    spec.output += once;
  }
  return spec;
}

LogicalResult inferEinsumTypes(TypeRange inputs, StringRef equation,
                               ErrorFn emitError,
                               SmallVectorImpl<Type> &types) {
  if (inputs.empty())
    return emitError() << "expects at least one operand";
  SmallVector<int64_t> ranks;
  for (Type t : inputs)
    ranks.push_back(getShape(t).size());
  std::string error;
  FailureOr<EinsumSpec> spec = parseEinsum(equation, ranks, error);
  if (failed(spec))
    return emitError() << error;
  Type element = getElementType(inputs.front());
  llvm::DenseMap<char, int64_t> sizes;
  for (auto [labels, type] : llvm::zip(spec->inputs, inputs)) {
    if (getElementType(type) != element)
      return emitError() << "operands must share an element type";
    ShapeRef shape = getShape(type);
    for (auto [c, d] : llvm::zip(labels, shape)) {
      auto [it, inserted] = sizes.try_emplace(c, d);
      if (inserted || d == kDynamic)
        continue;
      if (it->second == kDynamic || it->second == 1)
        it->second = d;
      else if (d != 1 && it->second != d)
        return emitError() << "label '" << c << "' has sizes " << it->second
                           << " and " << d;
    }
  }
  Shape shape;
  for (char c : spec->output) {
    auto it = sizes.find(c);
    if (it == sizes.end())
      return emitError() << "output label '" << c << "' is not an input label";
    shape.push_back(it->second);
  }
  types.push_back(RankedTensorType::get(shape, element));
  return success();
}

} // namespace mica::graph
