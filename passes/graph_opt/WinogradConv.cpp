//===- WinogradConv.cpp - 3x3 convolutions as Winograd F(4x4, 3x3) --------===//
//
// See Passes.td (mica-winograd-conv). With m = 4 outputs and r = 3 taps per
// dimension, a 6x6 input tile d and a 3x3 filter g give the 4x4 outputs
//   Y = A^T [ (G g G^T) .* (B^T d B) ] A
// with the constant matrices below. The products .* summed over the input
// channels are 36 independent matrix products; everything else is cheap
// linear algebra with small constant matrices, written as graph ops.
//
//===----------------------------------------------------------------------===//
#include "dialects/graph/Analysis/Sparsity.h"
#include "dialects/graph/IR/GraphDialect.h"
#include "passes/graph_opt/Passes.h"

#include "mlir/IR/Builders.h"
#include "mlir/IR/Matchers.h"

namespace mica {
#define GEN_PASS_DEF_WINOGRADCONV
#include "passes/graph_opt/Passes.h.inc"
} // namespace mica

using namespace mlir;
using namespace mica::graph;

namespace {

constexpr int64_t kOut = 4;  // outputs per tile and dimension (m)
constexpr int64_t kTile = 6; // inputs per tile and dimension (m + r - 1)

// Lavin & Gray's F(4, 3) matrices (interpolation points 0, +-1, +-2, inf).
constexpr double kBT[kTile][kTile] = {
    {4, 0, -5, 0, 1, 0},  {0, -4, -4, 1, 1, 0}, {0, 4, -4, -1, 1, 0},
    {0, -2, -1, 2, 1, 0}, {0, 2, -1, -2, 1, 0}, {0, 4, 0, -5, 0, 1}};
constexpr double kG[kTile][3] = {{1.0 / 4, 0, 0},
                                 {-1.0 / 6, -1.0 / 6, -1.0 / 6},
                                 {-1.0 / 6, 1.0 / 6, -1.0 / 6},
                                 {1.0 / 24, 1.0 / 12, 1.0 / 6},
                                 {1.0 / 24, -1.0 / 12, 1.0 / 6},
                                 {0, 0, 1}};
constexpr double kAT[kOut][kTile] = {{1, 1, 1, 1, 1, 0},
                                     {0, 1, -1, 2, -2, 0},
                                     {0, 1, 1, 4, 4, 0},
                                     {0, 1, -1, 8, -8, 1}};

int64_t ceilDiv(int64_t a, int64_t b) { return (a + b - 1) / b; }

/// The f32 values of a constant operand (dense or resource), if any.
std::optional<SmallVector<float>> f32Values(Value value) {
  ElementsAttr attr;
  if (!value || !matchPattern(value, m_Constant(&attr)) ||
      !attr.getElementType().isF32())
    return std::nullopt;
  auto values = attr.tryGetValues<float>();
  if (!values)
    return std::nullopt;
  return SmallVector<float>(values->begin(), values->end());
}

/// A conv the rewrite applies to, with its sizes.
struct Candidate {
  int64_t n, c, k, h, w;      // input [n, c, h, w], weight [k, c, 3, 3]
  int64_t outH, outW, th, tw; // output size and 4x4 tiles per dimension
};

class WinogradRewriter {
public:
  WinogradRewriter(int64_t minChannels, int64_t minTiles)
      : minChannels(minChannels), minTiles(minTiles) {}

  std::optional<Candidate> match(ConvOp conv) const {
    auto in = dyn_cast<RankedTensorType>(conv.getInput().getType());
    auto wt = dyn_cast<RankedTensorType>(conv.getWeight().getType());
    auto out = dyn_cast<RankedTensorType>(conv.getType());
    if (!in || !wt || !out || in.getRank() != 4 || !in.hasStaticShape() ||
        !wt.hasStaticShape() || !out.hasStaticShape() ||
        !in.getElementType().isF32() || conv.getGroups() != 1)
      return std::nullopt;
    if (wt.getDimSize(2) != 3 || wt.getDimSize(3) != 3 ||
        llvm::any_of(conv.getStrides(), [](int64_t s) { return s != 1; }) ||
        llvm::any_of(conv.getDilations(), [](int64_t d) { return d != 1; }))
      return std::nullopt;
    Candidate c{in.getDimSize(0),
                in.getDimSize(1),
                wt.getDimSize(0),
                in.getDimSize(2),
                in.getDimSize(3),
                out.getDimSize(2),
                out.getDimSize(3),
                0,
                0};
    c.th = ceilDiv(c.outH, kOut);
    c.tw = ceilDiv(c.outW, kOut);
    // Cost model (Passes.td): the 36 products must be matrix products
    // that reuse the transformed weight.
    if (c.c < minChannels || c.k < minChannels ||
        c.n * c.th * c.tw < minTiles || c.outH < 1 || c.outW < 1)
      return std::nullopt;
    if (conv.getBias() && !isa<RankedTensorType>(conv.getBias().getType()))
      return std::nullopt;
    return c;
  }

  /// Replaces `conv` (matched as `c`) when its weight is constant.
  LogicalResult rewrite(ConvOp conv, const Candidate &c) const {
    std::optional<SmallVector<float>> g = f32Values(conv.getWeight());
    if (!g)
      return failure();
    // G g G^T would turn a pruned filter's zeros into non-zeros: sparse
    // weights stay a direct convolution (and stay compressible).
    DenseElementsAttr weight;
    if (matchPattern(conv.getWeight(), m_Constant(&weight)) &&
        isSparseWeight(weight))
      return failure();
    OpBuilder b(conv);
    Location loc = conv.getLoc();
    Type f32 = b.getF32Type();
    auto constant = [&](ArrayRef<int64_t> shape, ArrayRef<float> values) {
      auto type = RankedTensorType::get(shape, f32);
      return ConstantOp::create(b, loc, type,
                                DenseElementsAttr::get(type, values))
          .getResult();
    };
    auto reshape = [&](Value v, ArrayRef<int64_t> shape) {
      return ReshapeOp::create(b, loc, RankedTensorType::get(shape, f32), v,
                               Value(), b.getDenseI64ArrayAttr(shape))
          .getResult();
    };
    int64_t tiles = c.th * c.tw;

    // 1. Zero padding to whole 6x6 tiles: the conv's own begin pads, and
    //    at the end whatever makes 4 * tiles + 2 rows and columns.
    ArrayRef<int64_t> pads = conv.getPads();
    int64_t hp = kOut * c.th + 2, wp = kOut * c.tw + 2;
    SmallVector<int64_t> padding = {
        0, 0, pads[0], pads[1], 0, 0, hp - c.h - pads[0], wp - c.w - pads[1]};
    Value x =
        PadOp::create(b, loc, RankedTensorType::get({c.n, c.c, hp, wp}, f32),
                      conv.getInput(), b.getDenseI64ArrayAttr(padding),
                      b.getStringAttr("constant"), b.getF64FloatAttr(0.0));

    // 2. B^T d B, one dimension at a time, as grouped convolutions with
    //    stride 4 (their kernels are rows of B^T).
    SmallVector<float> rows(c.c * kTile * kTile),
        cols(c.c * kTile * kTile * kTile);
    for (int64_t ch = 0; ch < c.c; ++ch)
      for (int64_t i = 0; i < kTile; ++i)
        for (int64_t j = 0; j < kTile; ++j)
          rows[(ch * kTile + i) * kTile + j] = kBT[i][j];
    for (int64_t ci = 0; ci < c.c * kTile; ++ci)
      for (int64_t i = 0; i < kTile; ++i)
        for (int64_t j = 0; j < kTile; ++j)
          cols[(ci * kTile + i) * kTile + j] = kBT[i][j];
    auto groupedConv = [&](Value input, ArrayRef<float> kernel,
                           ArrayRef<int64_t> kernelShape,
                           ArrayRef<int64_t> strides,
                           ArrayRef<int64_t> resultShape, int64_t groups) {
      return ConvOp::create(b, loc, RankedTensorType::get(resultShape, f32),
                            input, constant(kernelShape, kernel), Value(),
                            b.getDenseI64ArrayAttr(strides),
                            b.getDenseI64ArrayAttr({1, 1}),
                            b.getDenseI64ArrayAttr({0, 0, 0, 0}),
                            b.getI64IntegerAttr(groups))
          .getResult();
    };
    Value t1 = groupedConv(x, rows, {c.c * kTile, 1, kTile, 1}, {kOut, 1},
                           {c.n, c.c * kTile, c.th, wp}, c.c);
    Value v =
        groupedConv(t1, cols, {c.c * kTile * kTile, 1, 1, kTile}, {1, kOut},
                    {c.n, c.c * kTile * kTile, c.th, c.tw}, c.c * kTile);

    // 3. The 36 products with U = G g G^T, laid out [36, K, C] so that each
    //    is an ordinary [K, C] x [C, tiles] matrix product.
    SmallVector<float> u(kTile * kTile * c.k * c.c);
    for (int64_t o = 0; o < c.k; ++o)
      for (int64_t ch = 0; ch < c.c; ++ch) {
        const float *f = &(*g)[(o * c.c + ch) * 9];
        double gg[kTile][3]; // G g
        for (int64_t i = 0; i < kTile; ++i)
          for (int64_t j = 0; j < 3; ++j)
            gg[i][j] =
                kG[i][0] * f[j] + kG[i][1] * f[3 + j] + kG[i][2] * f[6 + j];
        for (int64_t i = 0; i < kTile; ++i)
          for (int64_t j = 0; j < kTile; ++j)
            u[((i * kTile + j) * c.k + o) * c.c + ch] =
                (float)(gg[i][0] * kG[j][0] + gg[i][1] * kG[j][1] +
                        gg[i][2] * kG[j][2]);
      }
    Value uConst = constant({kTile * kTile, c.k, c.c}, u);
    Value m;
    int64_t flat = c.k * c.n * tiles; // the columns of the A^T matmul
    if (c.n == 1) {
      m = EinsumOp::create(
          b, loc, RankedTensorType::get({kTile * kTile, c.k, tiles}, f32),
          ValueRange{uConst, reshape(v, {c.c, kTile * kTile, tiles})},
          b.getStringAttr("xoc,cxt->xot"));
    } else {
      m = EinsumOp::create(
          b, loc, RankedTensorType::get({kTile * kTile, c.k, c.n, tiles}, f32),
          ValueRange{uConst, reshape(v, {c.n, c.c, kTile * kTile, tiles})},
          b.getStringAttr("xoc,ncxt->xont"));
    }

    // 4. A^T m A: A^T on the first tile index as one [4, 6] x [6, 6 * flat]
    //    matmul, then on the second as an einsum that writes the 4x4 blocks
    //    in place, [N, K, th, a, tw, b] (a matmul there would leave them
    //    [a, b, K, N, th, tw] for a separate transpose: 3x slower).
    SmallVector<float> at;
    for (int64_t i = 0; i < kOut; ++i)
      for (int64_t j = 0; j < kTile; ++j)
        at.push_back(kAT[i][j]);
    Value atConst = constant({kOut, kTile}, at);
    Value o1 = MatmulOp::create(
        b, loc, RankedTensorType::get({kOut, kTile * flat}, f32), atConst,
        reshape(m, {kTile, kTile * flat}));
    Value blocks = EinsumOp::create(
        b, loc, RankedTensorType::get({c.n, c.k, c.th, kOut, c.tw, kOut}, f32),
        ValueRange{atConst, reshape(o1, {kOut, kTile, c.k, c.n, c.th, c.tw})},
        b.getStringAttr("bv,avknhw->nkhawb"));
    Value y = reshape(blocks, {c.n, c.k, kOut * c.th, kOut * c.tw});
    if (kOut * c.th != c.outH || kOut * c.tw != c.outW)
      y = SliceOp::create(
          b, loc, RankedTensorType::get({c.n, c.k, c.outH, c.outW}, f32), y,
          b.getDenseI64ArrayAttr({0, 0, 0, 0}),
          b.getDenseI64ArrayAttr({c.n, c.k, c.outH, c.outW}),
          b.getDenseI64ArrayAttr({1, 1, 1, 1}));
    if (Value bias = conv.getBias())
      y = AddOp::create(b, loc, conv.getType(), y,
                        reshape(bias, {1, c.k, 1, 1}));
    conv.getResult().replaceAllUsesWith(y);
    conv.erase();
    return success();
  }

private:
  int64_t minChannels, minTiles;
};

struct WinogradConvPass : mica::impl::WinogradConvBase<WinogradConvPass> {
  using WinogradConvBase::WinogradConvBase;

  void runOnOperation() override {
    WinogradRewriter rewriter(minChannels, minTiles);
    SmallVector<std::pair<ConvOp, Candidate>> convs;
    getOperation().walk([&](ConvOp conv) {
      if (std::optional<Candidate> c = rewriter.match(conv))
        convs.push_back({conv, *c});
    });
    for (auto &[conv, c] : convs)
      (void)rewriter.rewrite(conv, c);
  }
};

} // namespace
