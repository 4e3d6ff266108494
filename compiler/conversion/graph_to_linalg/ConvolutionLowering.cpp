//===- ConvolutionLowering.cpp - graph.conv -> linalg conv named ops ------===//
//
// Explicit padding becomes a zero `tensor.pad`; the output is initialised with
// the bias broadcast along the channel (or zeros), and one named op
// accumulates into it:
//   1-D / 3-D, groups = 1            linalg.conv_{1d_ncw_fcw,3d_ncdhw_fcdhw}
//   2-D, groups = 1                  linalg.conv_2d_nchw_fchw
//   2-D, groups = C_in = C_out       linalg.depthwise_conv_2d_nchw_chw
//   2-D, other groups                linalg.conv_2d_ngchw_gfchw on
//                                    [N, G, C/G, H, W] views
//
//===----------------------------------------------------------------------===//
#include "compiler/conversion/graph_to_linalg/LoweringUtils.h"
#include "dialects/graph/IR/GraphDialect.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Transforms/DialectConversion.h"

using namespace mlir;

namespace mica::graph_to_linalg {
namespace {

struct ConvLowering : OpConversionPattern<graph::ConvOp> {
  using OpConversionPattern::OpConversionPattern;

  LogicalResult
  matchAndRewrite(graph::ConvOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    auto type = cast<RankedTensorType>(op.getType());
    Type element = type.getElementType();
    if (!isa<FloatType>(element))
      return rewriter.notifyMatchFailure(op, "non-float convolution");
    Value input = adaptor.getInput(), weight = adaptor.getWeight();
    auto weightType = cast<RankedTensorType>(weight.getType());
    if (!weightType.hasStaticShape())
      return rewriter.notifyMatchFailure(op, "dynamic weight shape");
    int64_t rank = type.getRank(), k = rank - 2, groups = op.getGroups();
    int64_t cOut = weightType.getDimSize(0);
    int64_t cInPerGroup = weightType.getDimSize(1);
    if (rank != 4 && (groups != 1 || (rank != 3 && rank != 5)))
      return rewriter.notifyMatchFailure(
          op, "only 2-D grouped and 1-/2-/3-D ungrouped convolutions");

    // Output sizes: N from the input, C_out from the weight, spatial from the
    // result type or the window formula.
    SmallVector<OpFoldResult> inSizes = getSizes(rewriter, loc, input);
    SmallVector<OpFoldResult> outSizes{inSizes[0], rewriter.getIndexAttr(cOut)};
    for (int64_t i = 0; i < k; ++i) {
      if (!type.isDynamicDim(i + 2)) {
        outSizes.push_back(rewriter.getIndexAttr(type.getDimSize(i + 2)));
        continue;
      }
      outSizes.push_back(windowOutputSize(
          rewriter, loc, inSizes[i + 2], weightType.getDimSize(i + 2),
          op.getStrides()[i], op.getDilations()[i], op.getPads()[i],
          op.getPads()[i + k]));
    }

    Value zero = scalarConstant(rewriter, loc, element, 0);
    Value padded = padSpatial(rewriter, loc, input, op.getPads(), {}, zero);
    Value init;
    if (Value bias = adaptor.getBias()) {
      AffineMap channel = AffineMap::get(rank, 0, rewriter.getAffineDimExpr(1),
                                         rewriter.getContext());
      init = buildMapped(
          rewriter, loc, type, outSizes, bias, channel,
          [](OpBuilder &, Location, ValueRange args) { return args[0]; });
    } else {
      init = createFilled(rewriter, loc, type, outSizes, zero);
    }
    Attribute strides = rewriter.getI64TensorAttr(op.getStrides());
    Attribute dilations = rewriter.getI64TensorAttr(op.getDilations());
    SmallVector<Type> resultTypes{type};
    Value result;
    if (groups == 1) {
      SmallVector<Value> ins{padded, weight};
      if (rank == 3)
        result = linalg::Conv1DNcwFcwOp::create(rewriter, loc, resultTypes, ins,
                                                init, strides, dilations)
                     .getResult(0);
      else if (rank == 4)
        result = linalg::Conv2DNchwFchwOp::create(rewriter, loc, resultTypes,
                                                  ins, init, strides, dilations)
                     .getResult(0);
      else
        result = linalg::Conv3DNcdhwFcdhwOp::create(
                     rewriter, loc, resultTypes, ins, init, strides, dilations)
                     .getResult(0);
    } else if (cInPerGroup == 1 && cOut == groups) {
      // Depthwise with multiplier 1: the filter is [C, KH, KW].
      Value filter = tensor::CollapseShapeOp::create(
          rewriter, loc, weight,
          SmallVector<ReassociationIndices>{{0, 1}, {2}, {3}});
      result = linalg::DepthwiseConv2DNchwChwOp::create(
                   rewriter, loc, resultTypes, ValueRange{padded, filter}, init,
                   strides, dilations)
                   .getResult(0);
    } else {
      result = buildGrouped(rewriter, loc, op, padded, weight, init, strides,
                            dilations);
    }
    rewriter.replaceOp(op, result);
    return success();
  }

  /// Grouped 2-D convolution on [N, G, C/G, H, W] views of input, output and
  /// [G, C_out/G, C_in/G, KH, KW] of the weight.
  static Value buildGrouped(OpBuilder &b, Location loc, graph::ConvOp op,
                            Value input, Value weight, Value init,
                            Attribute strides, Attribute dilations) {
    int64_t groups = op.getGroups();
    auto split = [&](Value value, bool isWeight) -> Value {
      auto type = cast<RankedTensorType>(value.getType());
      SmallVector<OpFoldResult> sizes = getSizes(b, loc, value);
      int64_t splitDim = isWeight ? 0 : 1;
      SmallVector<int64_t> shape;
      SmallVector<OpFoldResult> outSizes;
      SmallVector<ReassociationIndices> reassociation;
      for (int64_t i = 0; i < type.getRank(); ++i) {
        if (i == splitDim) {
          int64_t perGroup = type.getDimSize(i) / groups;
          reassociation.push_back({static_cast<int64_t>(shape.size()),
                                   static_cast<int64_t>(shape.size()) + 1});
          shape.append({groups, perGroup});
          outSizes.append({b.getIndexAttr(groups), b.getIndexAttr(perGroup)});
          continue;
        }
        reassociation.push_back({static_cast<int64_t>(shape.size())});
        shape.push_back(type.getDimSize(i));
        outSizes.push_back(sizes[i]);
      }
      auto splitType = RankedTensorType::get(shape, type.getElementType());
      return tensor::ExpandShapeOp::create(b, loc, splitType, value,
                                           reassociation, outSizes);
    };
    Value groupedInit = split(init, false);
    auto convType = cast<RankedTensorType>(groupedInit.getType());
    Value conv = linalg::Conv2DNgchwGfchwOp::create(
                     b, loc, TypeRange{convType},
                     ValueRange{split(input, false), split(weight, true)},
                     groupedInit, strides, dilations)
                     .getResult(0);
    return tensor::CollapseShapeOp::create(
        b, loc, op.getType(), conv,
        SmallVector<ReassociationIndices>{{0}, {1, 2}, {3}, {4}});
  }
};

} // namespace

void populateConvolutionPatterns(RewritePatternSet &patterns) {
  patterns.add<ConvLowering>(patterns.getContext());
}

} // namespace mica::graph_to_linalg
