//===- MultiplyAdds.cpp - Multiply-adds of a graph ------------------------===//
#include "dialects/graph/Analysis/MultiplyAdds.h"

#include "dialects/graph/IR/GraphDialect.h"

#include "llvm/ADT/DenseMap.h"
#include "llvm/ADT/TypeSwitch.h"

using namespace mlir;
using namespace mica::graph;

namespace {

/// A dimension's extent, symbolic ones counting as 1.
int64_t extent(int64_t size) { return ShapedType::isDynamic(size) ? 1 : size; }

/// The product of the extents of `shape[from, to)`.
int64_t product(ArrayRef<int64_t> shape, size_t from = 0,
                size_t to = SIZE_MAX) {
  int64_t result = 1;
  for (size_t i = from; i < std::min(to, shape.size()); ++i)
    result *= extent(shape[i]);
  return result;
}

ArrayRef<int64_t> shapeOf(Value value) {
  if (auto type = dyn_cast<RankedTensorType>(value.getType()))
    return type.getShape();
  return {};
}

/// Einsum: the product of every label's extent (each operand element meets
/// every combination of the labels it lacks) and of the broadcast dims `...`.
std::optional<int64_t> einsumMultiplyAdds(EinsumOp op) {
  StringRef equation = op.getEquation();
  StringRef inputs = equation.split("->").first;
  llvm::DenseMap<char, int64_t> labels;
  SmallVector<int64_t> ellipsis;
  SmallVector<StringRef> terms;
  inputs.split(terms, ',');
  if (terms.size() != op.getInputs().size())
    return std::nullopt;
  for (auto [term, value] : llvm::zip(terms, op.getInputs())) {
    ArrayRef<int64_t> shape = shapeOf(value);
    term = term.trim();
    size_t letters = llvm::count_if(term, [](char c) { return isalpha(c); });
    size_t dim = 0;
    for (size_t i = 0; i < term.size() && dim <= shape.size(); ++i) {
      if (term.substr(i).starts_with("...")) {
        size_t count = shape.size() >= letters ? shape.size() - letters : 0;
        ellipsis.resize(std::max(ellipsis.size(), count), 1);
        // Broadcast dims align at the right end of the ellipsis.
        for (size_t k = 0; k < count; ++k) {
          int64_t &slot = ellipsis[ellipsis.size() - count + k];
          slot = std::max(slot, extent(shape[dim + k]));
        }
        dim += count;
        i += 2;
      } else if (isalpha(term[i]) && dim < shape.size()) {
        int64_t &slot = labels[term[i]];
        slot = std::max(slot, extent(shape[dim++]));
      }
    }
  }
  int64_t result = 1;
  for (auto &entry : labels)
    result *= std::max<int64_t>(entry.second, 1);
  for (int64_t size : ellipsis)
    result *= size;
  return result;
}

} // namespace

std::optional<int64_t> mica::graph::countMultiplyAdds(Operation *op) {
  return llvm::TypeSwitch<Operation *, std::optional<int64_t>>(op)
      .Case([](ConvOp conv) -> std::optional<int64_t> {
        // Each output element: C_in / groups * K1 * ... * Kk.
        ArrayRef<int64_t> weight = shapeOf(conv.getWeight());
        ArrayRef<int64_t> result = shapeOf(conv.getResult());
        if (weight.size() < 2 || result.empty())
          return std::nullopt;
        return product(result) * product(weight, 1);
      })
      .Case([](ConvTransposeOp conv) -> std::optional<int64_t> {
        // Each input element meets C_out / groups * K1 * ... * Kk weights.
        ArrayRef<int64_t> weight = shapeOf(conv.getWeight());
        ArrayRef<int64_t> input = shapeOf(conv.getInput());
        if (weight.size() < 2 || input.empty())
          return std::nullopt;
        return product(input) * product(weight, 1);
      })
      .Case([](MatmulOp matmul) -> std::optional<int64_t> {
        ArrayRef<int64_t> lhs = shapeOf(matmul.getLhs());
        ArrayRef<int64_t> result = shapeOf(matmul.getResult());
        if (lhs.empty())
          return std::nullopt;
        return product(result) * extent(lhs.back());
      })
      .Case([](FullyConnectedOp fc) -> std::optional<int64_t> {
        ArrayRef<int64_t> input = shapeOf(fc.getInput());
        ArrayRef<int64_t> result = shapeOf(fc.getResult());
        if (input.empty())
          return std::nullopt;
        return product(result) * extent(input.back());
      })
      .Case([](AttentionOp attention) -> std::optional<int64_t> {
        // Scores [B, heads, Sq, Skv] over E / heads, then the value product
        // [B, Sq, E] over Skv: 2 * B * Sq * Skv * E.
        ArrayRef<int64_t> query = shapeOf(attention.getQuery());
        ArrayRef<int64_t> key = shapeOf(attention.getKey());
        if (query.size() != 3 || key.size() != 3)
          return std::nullopt;
        return 2 * product(query) * extent(key[1]);
      })
      .Case([](EinsumOp einsum) { return einsumMultiplyAdds(einsum); })
      .Default([](Operation *) { return std::nullopt; });
}

int64_t mica::graph::countAllMultiplyAdds(Operation *root) {
  int64_t total = 0;
  root->walk([&](Operation *op) {
    if (std::optional<int64_t> count = countMultiplyAdds(op))
      total += *count;
  });
  return total;
}
