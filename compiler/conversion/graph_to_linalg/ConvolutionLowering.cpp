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
//   1-D / 3-D, groups > 1            one linalg.generic on the same views
//
// graph.conv_transpose is rewritten into graph ops that the other patterns
// lower: the input is dilated by the strides (zeros between elements), padded
// by dilation * (K - 1) - pad (cropped where that is negative), and convolved
// with stride 1 by the spatially flipped weight whose in/out channels are
// swapped within each group.
//
//===----------------------------------------------------------------------===//
#include "compiler/conversion/graph_to_linalg/LoweringUtils.h"
#include "dialects/graph/IR/GraphDialect.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Transforms/DialectConversion.h"

#include <limits>

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
    if (!isArithmeticType(element) || isUnsignedInt(element) ||
        element.isInteger(1))
      return rewriter.notifyMatchFailure(op, "non-numeric convolution");
    Value input = adaptor.getInput(), weight = adaptor.getWeight();
    auto weightType = cast<RankedTensorType>(weight.getType());
    if (!weightType.hasStaticShape())
      return rewriter.notifyMatchFailure(op, "dynamic weight shape");
    int64_t rank = type.getRank(), k = rank - 2, groups = op.getGroups();
    int64_t cOut = weightType.getDimSize(0);
    int64_t cInPerGroup = weightType.getDimSize(1);
    if (rank != 3 && rank != 4 && rank != 5)
      return rewriter.notifyMatchFailure(op, "only 1-/2-/3-D convolutions");

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
      linalg::LinalgOp conv;
      if (rank == 3)
        conv = linalg::Conv1DNcwFcwOp::create(rewriter, loc, resultTypes, ins,
                                              init, strides, dilations);
      else if (rank == 4)
        conv = linalg::Conv2DNchwFchwOp::create(rewriter, loc, resultTypes, ins,
                                                init, strides, dilations);
      else
        conv = linalg::Conv3DNcdhwFcdhwOp::create(
            rewriter, loc, resultTypes, ins, init, strides, dilations);
      // Loops (n, f, spatial..., c, window...): c follows the output's
      // `rank` dims.
      copyWidthBounds(op, conv, 1, rank);
      result = conv->getResult(0);
    } else if (rank != 4) {
      result = buildGroupedGeneric(rewriter, loc, op, padded, weight, init);
    } else if (cInPerGroup == 1 && cOut == groups) {
      // Depthwise with multiplier 1: the filter is [C, KH, KW].
      Value filter = tensor::CollapseShapeOp::create(
          rewriter, loc, weight,
          SmallVector<ReassociationIndices>{{0, 1}, {2}, {3}});
      auto depthwise = linalg::DepthwiseConv2DNchwChwOp::create(
          rewriter, loc, resultTypes, ValueRange{padded, filter}, init, strides,
          dilations);
      copyWidthBounds(op, depthwise, 1, std::nullopt);
      result = depthwise.getResult(0);
    } else {
      result = buildGrouped(rewriter, loc, op, padded, weight, init, strides,
                            dilations);
    }
    rewriter.replaceOp(op, result);
    return success();
  }

  /// The [N, G, C/G, ...] view of an activation or [G, C/G, ...] of a
  /// weight.
  static Value splitGroups(OpBuilder &b, Location loc, Value value,
                           bool isWeight, int64_t groups) {
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
  }

  /// Any-rank grouped convolution as one linalg.generic over
  /// (n, g, co, o..., ci, k...).
  static Value buildGroupedGeneric(OpBuilder &b, Location loc, graph::ConvOp op,
                                   Value input, Value weight, Value init) {
    int64_t groups = op.getGroups();
    auto type = cast<RankedTensorType>(op.getType());
    int64_t k = type.getRank() - 2, loops = 4 + 2 * k;
    MLIRContext *ctx = b.getContext();
    auto d = [&](int64_t i) { return getAffineDimExpr(i, ctx); };
    SmallVector<AffineExpr> in{d(0), d(1), d(3 + k)}, w{d(1), d(2), d(3 + k)},
        out{d(0), d(1), d(2)};
    for (int64_t i = 0; i < k; ++i) {
      in.push_back(d(3 + i) * op.getStrides()[i] +
                   d(4 + k + i) * op.getDilations()[i]);
      w.push_back(d(4 + k + i));
      out.push_back(d(3 + i));
    }
    SmallVector<AffineMap> maps{AffineMap::get(loops, 0, in, ctx),
                                AffineMap::get(loops, 0, w, ctx),
                                AffineMap::get(loops, 0, out, ctx)};
    SmallVector<utils::IteratorType> iterators(3 + k,
                                               utils::IteratorType::parallel);
    iterators.append(1 + k, utils::IteratorType::reduction);
    Value groupedInit = splitGroups(b, loc, init, false, groups);
    Value conv =
        linalg::GenericOp::create(
            b, loc, TypeRange{groupedInit.getType()},
            ValueRange{splitGroups(b, loc, input, false, groups),
                       splitGroups(b, loc, weight, true, groups)},
            ValueRange{groupedInit}, maps, iterators,
            [](OpBuilder &nb, Location nl, ValueRange args) {
              Value product = floatOrIntOp<arith::MulFOp, arith::MulIOp>(
                  nb, nl, args[0], args[1]);
              linalg::YieldOp::create(
                  nb, nl,
                  ValueRange{floatOrIntOp<arith::AddFOp, arith::AddIOp>(
                      nb, nl, args[2], product)});
            })
            .getResult(0);
    SmallVector<ReassociationIndices> merge{{0}, {1, 2}};
    for (int64_t i = 0; i < k; ++i)
      merge.push_back({3 + i});
    return tensor::CollapseShapeOp::create(b, loc, op.getType(), conv, merge);
  }

  /// Grouped 2-D convolution on [N, G, C/G, H, W] views of input, output and
  /// [G, C_out/G, C_in/G, KH, KW] of the weight.
  static Value buildGrouped(OpBuilder &b, Location loc, graph::ConvOp op,
                            Value input, Value weight, Value init,
                            Attribute strides, Attribute dilations) {
    int64_t groups = op.getGroups();
    auto split = [&](Value value, bool isWeight) {
      return splitGroups(b, loc, value, isWeight, groups);
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

/// graph.conv_transpose as graph ops (see the file comment); the new ops
/// are legalized by the patterns above. Needs static spatial and weight
/// dims (the batch may be dynamic).
struct ConvTransposeLowering : OpConversionPattern<graph::ConvTransposeOp> {
  using OpConversionPattern::OpConversionPattern;

  LogicalResult
  matchAndRewrite(graph::ConvTransposeOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    Value x = adaptor.getInput(), w = adaptor.getWeight();
    auto xType = cast<RankedTensorType>(x.getType());
    auto wType = cast<RankedTensorType>(w.getType());
    Type element = xType.getElementType();
    int64_t rank = xType.getRank(), k = rank - 2, groups = op.getGroups();
    if (!isa<FloatType>(element) || !wType.hasStaticShape() ||
        llvm::any_of(xType.getShape().drop_front(1), ShapedType::isDynamic))
      return rewriter.notifyMatchFailure(op, "needs static float shapes");
    ArrayRef<int64_t> strides = op.getStrides(), dilations = op.getDilations(),
                      pads = op.getPads(), outPad = op.getOutputPadding();
    auto i64s = [&](ArrayRef<int64_t> v) {
      return rewriter.getDenseI64ArrayAttr(v);
    };
    auto reshape = [&](Value v, SmallVector<int64_t> shape) -> Value {
      SmallVector<int64_t> newShape(shape);
      if (ShapedType::isDynamic(newShape[0]))
        newShape[0] = 0; // copies the dynamic batch
      return graph::ReshapeOp::create(rewriter, loc,
                                      RankedTensorType::get(shape, element), v,
                                      Value(), i64s(newShape));
    };
    constexpr int64_t kEnd = std::numeric_limits<int64_t>::max();

    // 1. Zeros between the input elements, dim by dim: [.., E, ..] ->
    //    [.., E, 1, ..] -> pad to [.., E, s, ..] -> [.., E*s, ..] -> drop
    //    the trailing s - 1.
    SmallVector<int64_t> shape(xType.getShape());
    for (int64_t i = 0; i < k; ++i) {
      int64_t s = strides[i], dim = 2 + i, e = shape[dim];
      if (s == 1)
        continue;
      SmallVector<int64_t> withUnit(shape);
      withUnit.insert(withUnit.begin() + dim + 1, 1);
      x = reshape(x, withUnit);
      SmallVector<int64_t> padAmounts(2 * (rank + 1), 0);
      padAmounts[(rank + 1) + dim + 1] = s - 1;
      SmallVector<int64_t> padded(withUnit);
      padded[dim + 1] = s;
      x = graph::PadOp::create(
          rewriter, loc, RankedTensorType::get(padded, element), x,
          i64s(padAmounts), rewriter.getStringAttr("constant"),
          rewriter.getF64FloatAttr(0.0));
      SmallVector<int64_t> merged(shape);
      merged[dim] = e * s;
      x = reshape(x, merged);
      SmallVector<int64_t> starts(rank, 0), ends(rank, kEnd), steps(rank, 1);
      ends[dim] = (e - 1) * s + 1;
      shape[dim] = (e - 1) * s + 1;
      x = graph::SliceOp::create(rewriter, loc,
                                 RankedTensorType::get(shape, element), x,
                                 i64s(starts), i64s(ends), i64s(steps));
    }
    // 2. Full padding minus the op's pads (negative amounts crop).
    SmallVector<int64_t> full(2 * rank, 0);
    bool anyPad = false;
    for (int64_t i = 0; i < k; ++i) {
      int64_t reach = dilations[i] * (wType.getDimSize(2 + i) - 1);
      full[2 + i] = reach - pads[i];
      full[rank + 2 + i] = reach - pads[k + i] + outPad[i];
      shape[2 + i] += full[2 + i] + full[rank + 2 + i];
      anyPad |= full[2 + i] != 0 || full[rank + 2 + i] != 0;
    }
    if (anyPad)
      x = graph::PadOp::create(
          rewriter, loc, RankedTensorType::get(shape, element), x, i64s(full),
          rewriter.getStringAttr("constant"), rewriter.getF64FloatAttr(0.0));
    // 3. Weight [Ci, Co/g, K..] -> [g, Ci/g, Co/g, K..] -> swap the channel
    //    dims -> [Co, Ci/g, K..] -> flip every spatial dim.
    int64_t cIn = wType.getDimSize(0), cOutPerGroup = wType.getDimSize(1);
    ArrayRef<int64_t> kernel = wType.getShape().drop_front(2);
    SmallVector<int64_t> grouped{groups, cIn / groups, cOutPerGroup};
    grouped.append(kernel.begin(), kernel.end());
    Value weight = graph::ReshapeOp::create(
        rewriter, loc, RankedTensorType::get(grouped, element), w, Value(),
        i64s(grouped));
    SmallVector<int64_t> perm{0, 2, 1};
    SmallVector<int64_t> swapped{groups, cOutPerGroup, cIn / groups};
    for (int64_t i = 0; i < k; ++i) {
      perm.push_back(3 + i);
      swapped.push_back(kernel[i]);
    }
    weight = graph::TransposeOp::create(rewriter, loc,
                                        RankedTensorType::get(swapped, element),
                                        weight, i64s(perm));
    SmallVector<int64_t> convWeight{groups * cOutPerGroup, cIn / groups};
    convWeight.append(kernel.begin(), kernel.end());
    auto convWeightType = RankedTensorType::get(convWeight, element);
    weight = graph::ReshapeOp::create(rewriter, loc, convWeightType, weight,
                                      Value(), i64s(convWeight));
    SmallVector<int64_t> starts(rank, 0), ends(rank, kEnd), steps(rank, 1);
    for (int64_t i = 0; i < k; ++i) {
      starts[2 + i] = -1;
      ends[2 + i] = std::numeric_limits<int64_t>::min();
      steps[2 + i] = -1;
    }
    weight = graph::SliceOp::create(rewriter, loc, convWeightType, weight,
                                    i64s(starts), i64s(ends), i64s(steps));
    // 4. The stride-1 convolution.
    SmallVector<int64_t> ones(k, 1), zeros(2 * k, 0);
    Value result = graph::ConvOp::create(
        rewriter, loc, op.getType(), x, weight, adaptor.getBias(), i64s(ones),
        i64s(dilations), i64s(zeros), rewriter.getI64IntegerAttr(groups));
    rewriter.replaceOp(op, result);
    return success();
  }
};

} // namespace

void populateConvolutionPatterns(RewritePatternSet &patterns) {
  patterns.add<ConvLowering, ConvTransposeLowering>(patterns.getContext());
}

} // namespace mica::graph_to_linalg
