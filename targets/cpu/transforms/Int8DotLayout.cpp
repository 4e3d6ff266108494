//===- Int8DotLayout.cpp - int8 contractions as 4-byte dot products -------===//
//
// See Passes.td (mica-cpu-int8-dot-layout). The dot-product instructions of
// CPUs (x86 VNNI vpdpbusd, arm64 sdot and smmla) add to each 32-bit lane the
// products of the 4 bytes of that lane in two operands: 4 consecutive reduction
// steps must sit in one 32-bit lane of both. This pass gives an int8
// multiply-accumulate (a convolution, a dense layer) that layout: the weight
// is re-packed at compile time and the activation copied once, before the
// kernel, into 32-bit words of 4 consecutive channels (NCHW becomes
// N[C/4]HW of i32, the channel quadruple inside the word). The contraction
// then runs over C/4 with a body on i32 words that states the dot product
// in plain arith (so any lowering computes the same integers), marked for
// the contraction codegen, which emits the instruction.
//
// x86's instruction multiplies unsigned by signed bytes: the activation's
// bytes are stored XOR 0x80 (x + 128 as an unsigned byte) and a constant
// correction, -128 * (sum of the weights that meet each output), is added
// after the reduction. All arithmetic is exact in i32, so the results are
// the integers of the original op on every target.
//
// arm64's smmla multiplies 2x8 by 8x2 bytes: it reads two consecutive words
// of g together. For it the word count is rounded up to even (a zero word
// past the extent) and the op records g (kDotPairAttr), whose word pairs
// the contraction codegen feeds to the instruction.
//
//===----------------------------------------------------------------------===//
#include "targets/cpu/transforms/CodegenUtils.h"
#include "targets/cpu/transforms/ContractionPlan.h"
#include "targets/cpu/transforms/Passes.h"

#include "mlir/IR/SymbolTable.h"

namespace mica {
#define GEN_PASS_DEF_CPUINT8DOTLAYOUT
#include "targets/cpu/transforms/Passes.h.inc"
} // namespace mica

using namespace mlir;
using namespace mica::cpu;

namespace {

/// Bytes per 32-bit word of the packed layout.
constexpr int64_t kGroup = 4;

/// The int8 contraction this pass rewrites, and how.
struct Candidate {
  linalg::LinalgOp op;
  unsigned x = 0, w = 1; // dps inputs: the activation and the constant weight
  unsigned g = 0;        // the reduction dim grouped into words
  unsigned xPos = 0, wPos = 0; // its position among X's / W's indices
  int64_t extent = 0;          // g's extent
};

/// `out + sext(a) * sext(b)` on i8 inputs accumulating in i32.
bool isInt8MultiplyAccumulate(linalg::LinalgOp op) {
  if (op.getNumDpsInputs() != 2 || op.getNumDpsInits() != 1 ||
      !op.hasPureBufferSemantics())
    return false;
  Block &body = *op.getBlock();
  if (body.getNumArguments() != 3 || body.getOperations().size() != 5)
    return false;
  Value acc = body.getArgument(2);
  if (!acc.getType().isInteger(32))
    return false;
  auto add = body.getTerminator()->getOperand(0).getDefiningOp<arith::AddIOp>();
  if (!add)
    return false;
  Value product = add.getLhs() == acc   ? add.getRhs()
                  : add.getRhs() == acc ? add.getLhs()
                                        : Value();
  auto mul = product ? product.getDefiningOp<arith::MulIOp>() : nullptr;
  if (!mul)
    return false;
  auto argOf = [&](Value v) -> int {
    auto ext = v.getDefiningOp<arith::ExtSIOp>();
    auto arg = ext ? dyn_cast<BlockArgument>(ext.getIn()) : nullptr;
    if (!arg || arg.getOwner() != &body || arg.getArgNumber() > 1 ||
        !arg.getType().isInteger(8))
      return -1;
    return arg.getArgNumber();
  };
  int l = argOf(mul.getLhs()), r = argOf(mul.getRhs());
  return l >= 0 && r >= 0 && l != r;
}

/// The global holding a constant operand, if it is one.
memref::GlobalOp constantGlobal(Value operand, SymbolTable &symbols) {
  auto get = rootBuffer(operand).getDefiningOp<memref::GetGlobalOp>();
  if (!get)
    return nullptr;
  auto global = symbols.lookup<memref::GlobalOp>(get.getName());
  return global && global.getConstant() ? global : nullptr;
}

/// The position of `dim` among `map`'s results when it is exactly one of
/// them and appears in no other.
std::optional<unsigned> soleResult(AffineMap map, unsigned dim) {
  std::optional<unsigned> pos;
  for (auto [i, e] : llvm::enumerate(map.getResults())) {
    if (!e.isFunctionOfDim(dim))
      continue;
    if (pos || e != getAffineDimExpr(dim, map.getContext()))
      return std::nullopt;
    pos = i;
  }
  return pos;
}

std::optional<Candidate> match(linalg::LinalgOp op, SymbolTable &symbols) {
  if (!isInt8MultiplyAccumulate(op) ||
      op->getParentOp() != op->getParentOfType<func::FuncOp>())
    return std::nullopt;
  Candidate c;
  c.op = op;
  bool w0 = constantGlobal(op.getDpsInputOperand(0)->get(), symbols) != nullptr;
  bool w1 = constantGlobal(op.getDpsInputOperand(1)->get(), symbols) != nullptr;
  if (w0 == w1)
    return std::nullopt;
  c.w = w0 ? 0 : 1;
  c.x = 1 - c.w;
  Value x = op.getDpsInputOperand(c.x)->get();
  Value out = op.getDpsInits()[0];
  auto xType = cast<MemRefType>(x.getType());
  if (!xType.hasStaticShape() ||
      !cast<MemRefType>(out.getType()).hasStaticShape())
    return std::nullopt;
  AffineMap xMap = op.getMatchingIndexingMap(op.getDpsInputOperand(c.x));
  AffineMap wMap = op.getMatchingIndexingMap(op.getDpsInputOperand(c.w));
  // The weight's indices are loop dims (a filter, a matrix).
  for (AffineExpr e : wMap.getResults())
    if (!isa<AffineDimExpr>(e))
      return std::nullopt;
  // The copy reads the activation through static strides.
  std::optional<AccessPattern> xAccess =
      analyzeAccess(xType, AffineMap::getMultiDimIdentityMap(xType.getRank(),
                                                             op.getContext()));
  if (!xAccess || !xAccess->offset)
    return std::nullopt;
  for (const std::optional<int64_t> &coef : xAccess->coef)
    if (!coef)
      return std::nullopt;
  // g: the longest reduction dim that indexes both operands directly (the
  // input channels of a convolution, K of a dense layer).
  SmallVector<int64_t> extents = op.getStaticLoopRanges();
  auto iterators = op.getIteratorTypesArray();
  for (unsigned d = 0; d < op.getNumLoops(); ++d) {
    if (iterators[d] != utils::IteratorType::reduction ||
        ShapedType::isDynamic(extents[d]) || extents[d] < 3 ||
        extents[d] <= c.extent)
      continue;
    std::optional<unsigned> xPos = soleResult(xMap, d);
    std::optional<unsigned> wPos = soleResult(wMap, d);
    if (!xPos || !wPos)
      continue;
    c.g = d;
    c.xPos = *xPos;
    c.wPos = *wPos;
    c.extent = extents[d];
  }
  if (c.extent == 0)
    return std::nullopt;
  // ... and walks X's dims after g as one contiguous run.
  int64_t run = 1;
  for (int64_t r = xType.getRank() - 1; r > static_cast<int64_t>(c.xPos); --r) {
    if (!xAccess->hasCoef(r, run) && xType.getDimSize(r) != 1)
      return std::nullopt;
    run *= xType.getDimSize(r);
  }
  // With nothing after g, the bytes along g are that run.
  if (run == 1 && !xAccess->hasCoef(c.xPos, 1))
    return std::nullopt;
  return c;
}

/// Row-major strides of `shape`.
SmallVector<int64_t> rowMajorStrides(ArrayRef<int64_t> shape) {
  SmallVector<int64_t> strides(shape.size(), 1);
  for (int64_t r = static_cast<int64_t>(shape.size()) - 2; r >= 0; --r)
    strides[r] = strides[r + 1] * shape[r + 1];
  return strides;
}

class Rewriter {
public:
  Rewriter(Candidate &c, StringRef kind, int64_t lanes, SymbolTable &symbols)
      : c(c), kind(kind), lanes(lanes), symbols(symbols),
        unsignedX(kind.starts_with("x86")) {}
  LogicalResult run();

private:
  /// The weight with g in words: W'[.., g/4, ..] holds W[.., g, ..] for the
  /// 4 values of g in its bytes (byte t: g = 4 * word + t; zero past the
  /// extent). Also, for x86, the correction per output.
  Value packWeight(OpBuilder &b, memref::GlobalOp global);
  /// X' (i32 words of 4 consecutive g) copied from X before `at`.
  Value copyActivation(OpBuilder &b);
  /// The corrections' constant and the op adding them after `op`.
  void addCorrection(OpBuilder &b, memref::GlobalOp like,
                     ArrayRef<int64_t> weightShape,
                     ArrayRef<int32_t> weightSums);
  /// The body of the new op: acc + the dot product of two words' bytes.
  void buildBody(OpBuilder &b, Location loc, ValueRange args);

  Candidate &c;
  StringRef kind;
  int64_t lanes;
  SymbolTable &symbols;
  bool unsignedX;
  int64_t words = 0; // ceil(extent / 4), even for smmla
};

Value Rewriter::packWeight(OpBuilder &b, memref::GlobalOp global) {
  linalg::LinalgOp op = c.op;
  Value w = op.getDpsInputOperand(c.w)->get();
  auto wType = cast<MemRefType>(w.getType());
  std::optional<std::vector<char>> data = readConstant(global);
  std::optional<AccessPattern> access =
      analyzeAccess(wType, AffineMap::getMultiDimIdentityMap(wType.getRank(),
                                                             op.getContext()));
  if (!data || !access || !access->offset || !wType.hasStaticShape() ||
      !global.getType().getElementType().isInteger(8))
    return Value();
  for (const std::optional<int64_t> &coef : access->coef)
    if (!coef)
      return Value();
  SmallVector<int64_t> shape(wType.getShape());
  SmallVector<int64_t> packedShape(shape);
  packedShape[c.wPos] = words;
  SmallVector<int64_t> packedStrides = rowMajorStrides(packedShape);
  int64_t count = wType.getNumElements();
  std::vector<char> packed(
      static_cast<size_t>(count / c.extent * words * kGroup), 0);
  // Per element of W: where its byte goes, and the sums for the correction
  // (over W's index with g, later the other reduction dims, removed).
  SmallVector<int32_t> sums(count / c.extent, 0);
  SmallVector<int64_t> sumStrides(shape);
  sumStrides[c.wPos] = 1;
  sumStrides = rowMajorStrides(sumStrides);
  SmallVector<int64_t> idx(shape.size(), 0);
  for (int64_t e = 0; e < count; ++e) {
    int64_t src = *access->offset, dst = 0, sum = 0;
    for (auto [r, i] : llvm::enumerate(idx)) {
      src += *access->coef[r] * i;
      int64_t word = static_cast<int64_t>(r) == c.wPos ? i / kGroup : i;
      dst += packedStrides[r] * word;
      if (static_cast<int64_t>(r) != c.wPos)
        sum += sumStrides[r] * i;
    }
    if (src < 0 || src >= static_cast<int64_t>(data->size()))
      return Value();
    int8_t value = static_cast<int8_t>((*data)[src]);
    packed[dst * kGroup + idx[c.wPos] % kGroup] = static_cast<char>(value);
    sums[sum] += value;
    for (int64_t r = static_cast<int64_t>(shape.size()) - 1; r >= 0; --r) {
      if (++idx[r] < shape[r])
        break;
      idx[r] = 0;
    }
  }
  auto type = MemRefType::get(packedShape, b.getI32Type());
  Value result = createConstantGlobal(b, c.op.getLoc(), symbols, global,
                                      "_dot4", type, packed);
  if (unsignedX) {
    SmallVector<int64_t> sumShape(shape);
    sumShape[c.wPos] = 1;
    addCorrection(b, global, sumShape, sums);
  }
  return result;
}

void Rewriter::addCorrection(OpBuilder &b, memref::GlobalOp like,
                             ArrayRef<int64_t> weightShape,
                             ArrayRef<int32_t> weightSums) {
  // sums[] is over W's indices with g at 0: sum the other reduction dims
  // out too; what is left is indexed by the parallel dims W depends on,
  // which are output dims.
  linalg::LinalgOp op = c.op;
  MLIRContext *ctx = op.getContext();
  AffineMap wMap = op.getMatchingIndexingMap(op.getDpsInputOperand(c.w));
  AffineMap cMap = op.getMatchingIndexingMap(op.getDpsInitOperand(0));
  SmallVector<int64_t> extents = op.getStaticLoopRanges();
  auto iterators = op.getIteratorTypesArray();
  // Reduction dims W does not index multiply its sums.
  int64_t repeat = 1;
  for (unsigned d = 0; d < op.getNumLoops(); ++d)
    if (iterators[d] == utils::IteratorType::reduction &&
        !wMap.isFunctionOfDim(d))
      repeat *= extents[d];
  SmallVector<unsigned> keptPositions; // W results that are parallel dims
  SmallVector<int64_t> keptShape;
  SmallVector<AffineExpr> corrExprs; // in terms of the output's dims
  for (auto [r, e] : llvm::enumerate(wMap.getResults())) {
    unsigned d = cast<AffineDimExpr>(e).getPosition();
    if (iterators[d] == utils::IteratorType::reduction)
      continue;
    keptPositions.push_back(r);
    keptShape.push_back(weightShape[r]);
    std::optional<unsigned> pos =
        cMap.getResultPosition(getAffineDimExpr(d, ctx));
    corrExprs.push_back(getAffineDimExpr(*pos, ctx));
  }
  SmallVector<int64_t> keptStrides = rowMajorStrides(keptShape);
  int64_t keptCount = 1;
  for (int64_t s : keptShape)
    keptCount *= s;
  std::vector<int32_t> corrections(keptCount, 0);
  SmallVector<int64_t> idx(weightShape.size(), 0);
  for (int32_t sum : weightSums) {
    int64_t at = 0;
    for (auto [k, r] : llvm::enumerate(keptPositions))
      at += keptStrides[k] * idx[r];
    corrections[at] += -128 * sum * static_cast<int32_t>(repeat);
    for (int64_t r = static_cast<int64_t>(weightShape.size()) - 1; r >= 0;
         --r) {
      if (++idx[r] < weightShape[r])
        break;
      idx[r] = 0;
    }
  }
  Location loc = op.getLoc();
  auto type = MemRefType::get(keptShape, b.getI32Type());
  Value corr = createConstantGlobal(
      b, loc, symbols, like, "_dot4_correction", type,
      ArrayRef<char>(reinterpret_cast<const char *>(corrections.data()),
                     corrections.size() * sizeof(int32_t)));
  // out += correction, right after the contraction (the codegen fuses it
  // as the first epilogue step).
  Value out = op.getDpsInits()[0];
  unsigned rank = cMap.getNumResults();
  AffineMap identity = AffineMap::getMultiDimIdentityMap(rank, ctx);
  AffineMap corrMap = AffineMap::get(rank, 0, corrExprs, ctx);
  OpBuilder::InsertionGuard guard(b);
  b.setInsertionPointAfter(op);
  linalg::GenericOp::create(
      b, loc, ValueRange{out, corr}, ValueRange{out},
      ArrayRef<AffineMap>{identity, corrMap, identity},
      SmallVector<utils::IteratorType>(rank, utils::IteratorType::parallel),
      [](OpBuilder &nb, Location nloc, ValueRange args) {
        Value sum = arith::AddIOp::create(nb, nloc, args[0], args[1]);
        linalg::YieldOp::create(nb, nloc, sum);
      });
}

Value Rewriter::copyActivation(OpBuilder &b) {
  // X as [outer dims][g][inner], the dims after g contiguous (match()
  // checked): the copy walks the inner block as one run of bytes.
  linalg::LinalgOp op = c.op;
  Location loc = op.getLoc();
  IndexMath im(b, loc);
  Value x = op.getDpsInputOperand(c.x)->get();
  auto xType = cast<MemRefType>(x.getType());
  int64_t rank = xType.getRank();
  SmallVector<int64_t> shape(xType.getShape());
  shape[c.xPos] = words;
  auto packedType = MemRefType::get(shape, b.getI32Type());
  Value packed =
      memref::AllocOp::create(b, loc, packedType, b.getI64IntegerAttr(64));
  AffineMap identity = AffineMap::getMultiDimIdentityMap(rank, b.getContext());
  FlatAccess src = buildFlatAccess(b, loc, x, identity);
  FlatAccess dst = buildFlatAccess(b, loc, packed, identity);
  int64_t inner = 1;
  for (int64_t r = c.xPos + 1; r < rank; ++r)
    inner *= xType.getDimSize(r);
  bool parallel = xType.getNumElements() >= kParallelWork;
  Type i8 = b.getI8Type();
  auto bytesType = VectorType::get({kGroup * lanes}, i8);
  Value flip;
  if (unsignedX)
    flip = arith::ConstantOp::create(
        b, loc, DenseElementsAttr::get(bytesType, b.getI8IntegerAttr(-128)));
  // 4 * lanes bytes as `lanes` words, flipped to unsigned for x86.
  auto toWords = [&](Value bytes) -> Value {
    if (flip)
      bytes = arith::XOrIOp::create(b, loc, bytes, flip);
    return vector::BitCastOp::create(
        b, loc, VectorType::get({lanes}, b.getI32Type()), bytes);
  };
  // Element offsets of X (g = index `gIndex`) and X' (word `word`) at the
  // outer indices `ivs`, inner position `i`.
  SmallVector<OpFoldResult> ivs(c.xPos, im.constant(0));
  auto at = [&](const FlatAccess &a, OpFoldResult gIndex, OpFoldResult i) {
    OpFoldResult off = im.add(a.base, im.mul(a.coef[c.xPos], gIndex));
    for (unsigned r = 0; r < c.xPos; ++r)
      off = im.add(off, im.mul(a.coef[r], ivs[r]));
    return im.add(off, i);
  };
  // Runs `body(start, count)` over [0, n) in vectors of `step`: full
  // vectors in a loop, then one partial vector (count set) if any.
  auto vectors =
      [&](int64_t n, int64_t step,
          function_ref<void(OpFoldResult, std::optional<int64_t>)> body) {
        int64_t full = n / step * step;
        emitLoop(b, loc, im.constant(0), im.constant(full), step, parallel,
                 [&](OpFoldResult i0) { body(i0, std::nullopt); });
        if (n % step)
          body(im.constant(full), n % step);
      };
  std::function<void(unsigned)> nest = [&](unsigned r) {
    if (r < c.xPos) {
      emitLoop(b, loc, im.constant(0), im.constant(xType.getDimSize(r)), 1,
               parallel, [&](OpFoldResult iv) {
                 ivs[r] = iv;
                 nest(r + 1);
               });
      return;
    }
    if (inner == 1) {
      // g innermost (a dense layer's K): the words are X's bytes as they
      // lie; the last word's missing bytes are zero.
      vectors(
          c.extent, kGroup * lanes,
          [&](OpFoldResult k0, std::optional<int64_t> count) {
            std::optional<OpFoldResult> bytes, wordCount;
            if (count) {
              bytes = im.constant(*count);
              wordCount = im.constant((*count + kGroup - 1) / kGroup);
            }
            Value v = loadVector(b, loc, src.flat, at(src, k0, im.constant(0)),
                                 kGroup * lanes, bytes);
            OpFoldResult w0 =
                staticValue(k0)
                    ? im.constant(*staticValue(k0) / kGroup)
                    : OpFoldResult(arith::DivUIOp::create(
                          b, loc, im.value(k0), im.value(im.constant(kGroup))));
            storeVector(b, loc, toWords(v), dst.flat,
                        at(dst, w0, im.constant(0)), wordCount);
          });
      // A word past the bytes (smmla's pair): zero.
      int64_t used = (c.extent + kGroup - 1) / kGroup;
      if (used < words) {
        Value zero = arith::ConstantOp::create(
            b, loc,
            DenseElementsAttr::get(VectorType::get({1}, b.getI32Type()),
                                   b.getI32IntegerAttr(0)));
        for (int64_t w = used; w < words; ++w)
          storeVector(b, loc, zero, dst.flat,
                      at(dst, im.constant(w), im.constant(0)), std::nullopt);
      }
      return;
    }
    // g outside the inner block (a convolution's channels): per word, 4
    // rows of the inner block interleaved byte by byte.
    SmallVector<int64_t> pairs, quads;
    for (int64_t j = 0; j < lanes; ++j) {
      pairs.append({j, lanes + j});
      quads.append(
          {2 * j, 2 * j + 1, 2 * lanes + 2 * j, 2 * lanes + 2 * j + 1});
    }
    Value zeros = arith::ConstantOp::create(
        b, loc,
        DenseElementsAttr::get(VectorType::get({lanes}, i8),
                               b.getI8IntegerAttr(0)));
    auto word = [&](OpFoldResult w, int64_t rows) {
      vectors(inner, lanes, [&](OpFoldResult i0, std::optional<int64_t> n) {
        std::optional<OpFoldResult> count;
        if (n)
          count = im.constant(*n);
        SmallVector<Value> row;
        for (int64_t t = 0; t < kGroup; ++t) {
          OpFoldResult g =
              im.add(im.mul(w, im.constant(kGroup)), im.constant(t));
          row.push_back(t < rows ? loadVector(b, loc, src.flat, at(src, g, i0),
                                              lanes, count)
                                 : zeros);
        }
        Value lo = vector::ShuffleOp::create(b, loc, row[0], row[1], pairs);
        Value hi = vector::ShuffleOp::create(b, loc, row[2], row[3], pairs);
        Value bytes = vector::ShuffleOp::create(b, loc, lo, hi, quads);
        storeVector(b, loc, toWords(bytes), dst.flat, at(dst, w, i0), count);
      });
    };
    int64_t full = c.extent / kGroup, rest = c.extent % kGroup;
    emitLoop(b, loc, im.constant(0), im.constant(full), 1, parallel,
             [&](OpFoldResult w) { word(w, kGroup); });
    if (rest)
      word(im.constant(full), rest);
    // Words past the extent (smmla's pair): zero bytes.
    for (int64_t w = full + (rest ? 1 : 0); w < words; ++w)
      word(im.constant(w), 0);
  };
  nest(0);
  return packed;
}

void Rewriter::buildBody(OpBuilder &b, Location loc, ValueRange args) {
  // acc + sum over bytes t of X's byte t (unsigned on x86) times W's byte t
  // (signed): the shifts isolate a byte, sign- or zero-extended.
  auto constant = [&](int64_t v) {
    return arith::ConstantOp::create(b, loc, b.getI32IntegerAttr(v));
  };
  Value sum = args[2];
  for (int64_t t = 0; t < kGroup; ++t) {
    Value up = constant(8 * (kGroup - 1 - t)), down = constant(24);
    auto byte = [&](Value word, bool isUnsigned) -> Value {
      Value v = arith::ShLIOp::create(b, loc, word, up);
      if (isUnsigned)
        return arith::ShRUIOp::create(b, loc, v, down);
      return arith::ShRSIOp::create(b, loc, v, down);
    };
    Value product = arith::MulIOp::create(b, loc, byte(args[0], unsignedX),
                                          byte(args[1], false));
    sum = arith::AddIOp::create(b, loc, sum, product);
  }
  linalg::YieldOp::create(b, loc, sum);
}

LogicalResult Rewriter::run() {
  linalg::LinalgOp op = c.op;
  words = (c.extent + kGroup - 1) / kGroup;
  bool pairs = kind == "arm-smmla";
  if (pairs)
    words = llvm::alignTo(words, 2);
  memref::GlobalOp global =
      constantGlobal(op.getDpsInputOperand(c.w)->get(), symbols);
  // The copy goes before the op that initialises the output, which the
  // codegen fuses only when it directly precedes the contraction.
  Operation *at = op;
  if (auto init = dyn_cast_or_null<linalg::LinalgOp>(op->getPrevNode());
      init && init.getNumDpsInits() == 1 &&
      rootBuffer(init.getDpsInits()[0]) == rootBuffer(op.getDpsInits()[0]))
    at = init;
  OpBuilder b(at);
  Value packedW = packWeight(b, global);
  if (!packedW)
    return failure();
  Value packedX = copyActivation(b);
  b.setInsertionPoint(op);
  AffineMap xMap = op.getMatchingIndexingMap(op.getDpsInputOperand(c.x));
  AffineMap wMap = op.getMatchingIndexingMap(op.getDpsInputOperand(c.w));
  AffineMap cMap = op.getMatchingIndexingMap(op.getDpsInitOperand(0));
  auto dot = linalg::GenericOp::create(
      b, op.getLoc(), ValueRange{packedX, packedW},
      ValueRange{op.getDpsInits()[0]}, ArrayRef<AffineMap>{xMap, wMap, cMap},
      op.getIteratorTypesArray(),
      [&](OpBuilder &nb, Location nloc, ValueRange args) {
        buildBody(nb, nloc, args);
      });
  dot->setAttr(kDot4Attr, b.getStringAttr(kind));
  if (pairs)
    dot->setAttr(kDotPairAttr, b.getI64IntegerAttr(c.g));
  op->erase();
  return success();
}

struct CpuInt8DotLayoutPass
    : mica::impl::CpuInt8DotLayoutBase<CpuInt8DotLayoutPass> {
  using Base::Base;

  void runOnOperation() override {
    if (dot.empty())
      return;
    if (dot != "x86-vnni" && dot != "x86-pmaddwd" && dot != "arm-sdot" &&
        dot != "arm-smmla") {
      getOperation().emitError("mica-cpu-int8-dot-layout: unknown dot '")
          << dot << "' (x86-vnni, x86-pmaddwd, arm-sdot, arm-smmla)";
      return signalPassFailure();
    }
    ModuleOp module = getOperation();
    SymbolTable symbols(module);
    SmallVector<Candidate> candidates;
    module.walk([&](linalg::LinalgOp op) {
      if (std::optional<Candidate> c = match(op, symbols))
        candidates.push_back(*c);
    });
    for (Candidate &c : candidates) {
      if (failed(Rewriter(c, dot, vectorWidth, symbols).run())) {
        c.op.emitError("int8 dot-product layout failed");
        return signalPassFailure();
      }
    }
    for (auto func : module.getOps<func::FuncOp>())
      if (!func.isExternal())
        for (Block &block : func.getBody())
          eraseDeadBuffers(block);
  }
};

} // namespace
