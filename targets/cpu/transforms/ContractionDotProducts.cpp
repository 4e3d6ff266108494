//===- ContractionDotProducts.cpp - int8 dot-product steps ------------===//
//
// One reduction step of a dot-product contraction (kDot4Attr, see
// ContractionEmitter.h): x86 vpdpbusd or two vpmaddwd, arm64 sdot, and
// arm64 smmla on word pairs with 2x2 accumulator blocks.
//
//===----------------------------------------------------------------------===//
#include "targets/cpu/transforms/ContractionEmitter.h"

#include "mlir/Dialect/LLVMIR/LLVMDialect.h"

using namespace mlir;
using namespace mica::cpu;

Value ContractionEmitter::applyStep(Block &body, ArrayRef<Value> args) {
  auto dot = p.op->getAttrOfType<StringAttr>(kDot4Attr);
  bool x86Width = lanes == 16 || lanes == 8 || lanes == 4;
  if (!dot || !((dot.getValue() == "x86-vnni" && x86Width) ||
                (dot.getValue() == "x86-pmaddwd" && x86Width) ||
                (isArmDot(dot.getValue()) && lanes == 4)))
    return vectorizeBody(b, loc, body, args, lanes)[0];
  // Operands: the accumulator, X's words (unsigned bytes on x86), W's words.
  Value acc = args.back(), x = args[0], w = args[1];
  auto call = [&](StringRef name, ValueRange operands) -> Value {
    return LLVM::CallIntrinsicOp::create(b, loc, acc.getType(),
                                         b.getStringAttr(name), operands)
        .getResult(0);
  };
  if (dot.getValue() != "x86-pmaddwd") {
    auto bytes = VectorType::get({4 * lanes}, b.getI8Type());
    Value xb = vector::BitCastOp::create(b, loc, bytes, x);
    Value wb = vector::BitCastOp::create(b, loc, bytes, w);
    // A's value (one word per row, in every lane) last: the operand the
    // by-element form takes a lane of. Signed times signed commutes.
    if (isArmDot(dot.getValue())) {
      SmallVector<Value> operands{acc, xb, wb};
      if (p.aInput == 0)
        std::swap(operands[1], operands[2]);
      return call("llvm.aarch64.neon.sdot.v4i32.v16i8", operands);
    }
    return call("llvm.x86.avx512.vpdpbusd." + std::to_string(lanes * 32),
                {acc, xb, wb});
  }
  // Without VNNI: pmaddwd multiplies 16-bit pairs and adds each pair into
  // a 32-bit lane, exactly (vpmaddubsw would saturate its 16-bit sums).
  // Bytes 0 and 2 of each word, then bytes 1 and 3, widened in place to
  // 16 bits: X's zero-extended by masking, W's sign-extended by shifts.
  auto halves = VectorType::get({2 * lanes}, b.getI16Type());
  auto splat32 = [&](int64_t v) -> Value {
    return arith::ConstantOp::create(
        b, loc,
        DenseElementsAttr::get(cast<VectorType>(x.getType()),
                               b.getI32IntegerAttr(static_cast<int32_t>(v))));
  };
  auto splat16 = [&](int64_t v) -> Value {
    return arith::ConstantOp::create(
        b, loc, DenseElementsAttr::get(halves, b.getI16IntegerAttr(v)));
  };
  Value mask = splat32(0x00FF00FF);
  Value xEven = vector::BitCastOp::create(
      b, loc, halves, arith::AndIOp::create(b, loc, x, mask));
  Value xOdd = vector::BitCastOp::create(
      b, loc, halves,
      arith::AndIOp::create(
          b, loc, arith::ShRUIOp::create(b, loc, x, splat32(8)), mask));
  Value w16 = vector::BitCastOp::create(b, loc, halves, w);
  Value eight = splat16(8);
  Value wEven = arith::ShRSIOp::create(
      b, loc, arith::ShLIOp::create(b, loc, w16, eight), eight);
  Value wOdd = arith::ShRSIOp::create(b, loc, w16, eight);
  std::string name = lanes == 16  ? "llvm.x86.avx512.pmaddw.d.512"
                     : lanes == 8 ? "llvm.x86.avx2.pmadd.wd"
                                  : "llvm.x86.sse2.pmadd.wd";
  Value sum = arith::AddIOp::create(b, loc, call(name, {xEven, wEven}),
                                    call(name, {xOdd, wOdd}));
  return arith::AddIOp::create(b, loc, acc, sum);
}

int64_t ContractionEmitter::pairedDim() {
  auto dim = p.op->getAttrOfType<IntegerAttr>(kDotPairAttr);
  // One row per tile (a matrix-vector product) would leave half of each
  // smmla's products unused: sdot does as much per instruction without the
  // shuffles.
  if (!dim || lanes != 4 || p.aInput < 0 || p.mDim < 0 || p.mr < 2 ||
      p.extents[p.mDim] == 1 || !p.extraInputs.empty() ||
      (p.aPacked && p.mr % 2))
    return -1;
  int64_t g = dim.getInt();
  if (g < 0 || g >= static_cast<int64_t>(p.numLoops) ||
      !llvm::is_contained(p.red, static_cast<unsigned>(g)) ||
      ShapedType::isDynamic(p.extents[g]) || p.extents[g] % 2)
    return -1;
  // A is read per row (smmla's two rows), B along n only.
  AffineMap aMap = p.op.getMatchingIndexingMap(
      p.op.getDpsInputOperand(static_cast<unsigned>(p.aInput)));
  AffineMap bMap = p.op.getMatchingIndexingMap(
      p.op.getDpsInputOperand(static_cast<unsigned>(p.bInput)));
  if (!aMap.isFunctionOfDim(p.mDim) || bMap.isFunctionOfDim(p.mDim))
    return -1;
  return g;
}

void ContractionEmitter::swapPairLayout(SmallVector<Value> &accs, int64_t rows,
                                        int64_t vecs) {
  for (int64_t i = 0; i + 1 < rows; i += 2) {
    for (int64_t j = 0; j < vecs; ++j) {
      Value &x = accs[i * vecs + j], &y = accs[(i + 1) * vecs + j];
      Value lo = vector::ShuffleOp::create(b, loc, x, y,
                                           ArrayRef<int64_t>{0, 1, 4, 5});
      Value hi = vector::ShuffleOp::create(b, loc, x, y,
                                           ArrayRef<int64_t>{2, 3, 6, 7});
      x = lo;
      y = hi;
    }
  }
}

SmallVector<Value> ContractionEmitter::pairedStep(OpFoldResult offA,
                                                  OpFoldResult offB,
                                                  ValueRange accs, int64_t rows,
                                                  int64_t vecs, Tail count) {
  Type i32 = b.getI32Type();
  auto words = VectorType::get({4}, i32);
  auto pair = VectorType::get({2}, i32);
  auto bytes = VectorType::get({16}, b.getI8Type());
  // Rows (i, i+1): [r0 k, r0 k+1, r1 k, r1 k+1], smmla's first operand.
  SmallVector<Value> rowPairs;
  for (int64_t i = 0; i < rows; i += 2) {
    if (p.aPacked) {
      rowPairs.push_back(vector::LoadOp::create(
          b, loc, words, a->flat,
          ValueRange{im.value(im.add(offA, im.constant(2 * i)))}));
      continue;
    }
    auto twoWords = [&](int64_t row) -> Value {
      OpFoldResult at = im.add(offA, rowOffset(*a, std::min(row, lastRow)));
      std::optional<int64_t> step = staticValue(a->coef[pairDim]);
      if (step && *step == 1)
        return vector::LoadOp::create(b, loc, pair, a->flat,
                                      ValueRange{im.value(at)});
      Value k0 = memref::LoadOp::create(b, loc, a->flat, im.value(at));
      Value k1 = memref::LoadOp::create(b, loc, a->flat,
                                        im.value(im.add(at, a->coef[pairDim])));
      return vector::FromElementsOp::create(b, loc, pair, ValueRange{k0, k1});
    };
    rowPairs.push_back(vector::ShuffleOp::create(
        b, loc, twoWords(i), twoWords(i + 1), ArrayRef<int64_t>{0, 1, 2, 3}));
  }
  // Columns (c, c+1) of vector j likewise, smmla's second operand: two per
  // vector.
  SmallVector<Value> colPairs;
  for (int64_t j = 0; j < vecs; ++j) {
    if (p.bMode == BMode::Packed) {
      for (int64_t h = 0; h < 2; ++h)
        colPairs.push_back(vector::LoadOp::create(
            b, loc, words, packed,
            ValueRange{im.value(im.add(offB, im.constant(8 * j + 4 * h)))}));
      continue;
    }
    OpFoldResult at =
        im.add(offB, im.mul(bAcc->coef[p.nDim], im.constant(j * lanes)));
    Tail cnt = vectorCount(count, j);
    Value k0 =
        loadStrided(b, loc, bAcc->flat, at, bAcc->coef[p.nDim], lanes, cnt);
    Value k1 = loadStrided(b, loc, bAcc->flat, im.add(at, bAcc->coef[pairDim]),
                           bAcc->coef[p.nDim], lanes, cnt);
    colPairs.push_back(vector::ShuffleOp::create(
        b, loc, k0, k1, ArrayRef<int64_t>{0, 4, 1, 5}));
    colPairs.push_back(vector::ShuffleOp::create(
        b, loc, k0, k1, ArrayRef<int64_t>{2, 6, 3, 7}));
  }
  SmallVector<Value> result(accs);
  for (int64_t i = 0; i < rows; i += 2) {
    Value rowBytes = vector::BitCastOp::create(b, loc, bytes, rowPairs[i / 2]);
    for (int64_t j = 0; j < vecs; ++j) {
      for (int64_t h = 0; h < 2; ++h) {
        Value &acc = result[(i + h) * vecs + j];
        Value colBytes =
            vector::BitCastOp::create(b, loc, bytes, colPairs[2 * j + h]);
        acc = LLVM::CallIntrinsicOp::create(
                  b, loc, acc.getType(),
                  b.getStringAttr("llvm.aarch64.neon.smmla.v4i32.v16i8"),
                  ValueRange{acc, rowBytes, colBytes})
                  .getResult(0);
      }
    }
  }
  return result;
}
