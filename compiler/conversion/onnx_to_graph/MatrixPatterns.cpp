//===- MatrixPatterns.cpp - Det -------------------------------------------===//
//
// Det of [..., n, n] by cofactor expansion along the first row, built from
// graph slices, concats, muls and adds on [..., 1, 1] pieces: n! products,
// so only small matrices (n <= 4) convert; larger ones stay (unsupported).
//
//===----------------------------------------------------------------------===//
#include "compiler/conversion/onnx_to_graph/PatternUtils.h"

#include "dialects/onnx/IR/OnnxDialect.h"

#include <limits>

using namespace mlir;
using namespace mica;
using namespace mica::onnx_to_graph;
namespace onnx = mica::onnxir;

namespace {

constexpr int64_t kMaxDetSize = 4;

class Cofactors {
public:
  Cofactors(PatternRewriter &rewriter, Location loc)
      : rewriter(rewriter), loc(loc) {}

  /// `m[..., rows, cols]` of a [..., r, c] matrix.
  Value slice(Value m, int64_t row, int64_t rows, int64_t col, int64_t cols) {
    int64_t rank = cast<RankedTensorType>(m.getType()).getRank();
    SmallVector<int64_t> starts(rank, 0), steps(rank, 1),
        ends(rank, std::numeric_limits<int64_t>::max());
    starts[rank - 2] = row;
    ends[rank - 2] = row + rows;
    starts[rank - 1] = col;
    ends[rank - 1] = col + cols;
    return createValue<graph::SliceOp>(rewriter, loc, m,
                                       rewriter.getDenseI64ArrayAttr(starts),
                                       rewriter.getDenseI64ArrayAttr(ends),
                                       rewriter.getDenseI64ArrayAttr(steps));
  }

  /// det(m) of a [..., n, n] matrix as a [..., 1, 1] tensor.
  Value det(Value m) {
    int64_t n = cast<RankedTensorType>(m.getType()).getShape().back();
    if (n == 1)
      return m;
    int64_t rank = cast<RankedTensorType>(m.getType()).getRank();
    Value sum;
    for (int64_t j = 0; j < n; ++j) {
      // The minor without row 0 and column j.
      SmallVector<Value> parts;
      if (j > 0)
        parts.push_back(slice(m, 1, n - 1, 0, j));
      if (j < n - 1)
        parts.push_back(slice(m, 1, n - 1, j + 1, n - 1 - j));
      Value minor = parts.size() == 1
                        ? parts[0]
                        : createValue<graph::ConcatOp>(
                              rewriter, loc, ValueRange(parts),
                              rewriter.getI64IntegerAttr(rank - 1));
      Value term = createValue<graph::MulOp>(rewriter, loc,
                                             slice(m, 0, 1, j, 1), det(minor));
      if (!sum)
        sum = term;
      else if (j % 2)
        sum = createValue<graph::SubOp>(rewriter, loc, sum, term);
      else
        sum = createValue<graph::AddOp>(rewriter, loc, sum, term);
    }
    return sum;
  }

private:
  PatternRewriter &rewriter;
  Location loc;
};

struct DetPattern : OpRewritePattern<onnx::DetOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(onnx::DetOp op,
                                PatternRewriter &rewriter) const override {
    auto type = getGraphTensor(op->getOperand(0).getType());
    if (!type || !type.hasStaticShape() || type.getRank() < 2 ||
        !hasFloatElements(type))
      return rewriter.notifyMatchFailure(op, "needs a static float input");
    int64_t n = type.getShape().back();
    if (n != type.getShape()[type.getRank() - 2] || n < 1 || n > kMaxDetSize)
      return rewriter.notifyMatchFailure(op, "not a small square matrix");
    Cofactors cofactors(rewriter, op.getLoc());
    Value det = cofactors.det(op->getOperand(0));
    return replaceOp<graph::ReshapeOp>(
        rewriter, op, det, Value(),
        rewriter.getDenseI64ArrayAttr(type.getShape().drop_back(2)));
  }
};

} // namespace

void mica::onnx_to_graph::populateMatrixPatterns(RewritePatternSet &patterns) {
  patterns.add<DetPattern>(patterns.getContext());
}
