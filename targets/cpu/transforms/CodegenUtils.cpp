//===- CodegenUtils.cpp - Shared pieces of the CPU kernels ----------------===//
#include "targets/cpu/transforms/CodegenUtils.h"

#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/IR/AsmState.h"
#include "mlir/IR/DialectResourceBlobManager.h"
#include "mlir/IR/Matchers.h"
#include "mlir/Interfaces/SideEffectInterfaces.h"
#include "mlir/Interfaces/ViewLikeInterface.h"

using namespace mlir;

namespace mica::cpu {

std::optional<LinearExpr> parseLinear(AffineExpr expr, unsigned numDims) {
  LinearExpr result;
  result.coef.assign(numDims, 0);
  if (auto dim = dyn_cast<AffineDimExpr>(expr)) {
    result.coef[dim.getPosition()] = 1;
    return result;
  }
  if (auto cst = dyn_cast<AffineConstantExpr>(expr)) {
    result.constant = cst.getValue();
    return result;
  }
  auto bin = dyn_cast<AffineBinaryOpExpr>(expr);
  if (!bin)
    return std::nullopt;
  std::optional<LinearExpr> lhs = parseLinear(bin.getLHS(), numDims);
  std::optional<LinearExpr> rhs = parseLinear(bin.getRHS(), numDims);
  if (!lhs || !rhs)
    return std::nullopt;
  auto isConstant = [](const LinearExpr &e) {
    return llvm::all_of(e.coef, [](int64_t c) { return c == 0; });
  };
  switch (bin.getKind()) {
  case AffineExprKind::Add:
    for (unsigned d = 0; d < numDims; ++d)
      result.coef[d] = lhs->coef[d] + rhs->coef[d];
    result.constant = lhs->constant + rhs->constant;
    return result;
  case AffineExprKind::Mul: {
    if (!isConstant(*lhs) && !isConstant(*rhs))
      return std::nullopt;
    const LinearExpr &var = isConstant(*lhs) ? *rhs : *lhs;
    int64_t scale = isConstant(*lhs) ? lhs->constant : rhs->constant;
    for (unsigned d = 0; d < numDims; ++d)
      result.coef[d] = var.coef[d] * scale;
    result.constant = var.constant * scale;
    return result;
  }
  default:
    return std::nullopt;
  }
}

std::optional<AccessPattern> analyzeAccess(MemRefType type, AffineMap map) {
  if (static_cast<int64_t>(map.getNumResults()) != type.getRank())
    return std::nullopt;
  SmallVector<int64_t> strides;
  int64_t offset;
  if (failed(type.getStridesAndOffset(strides, offset)))
    return std::nullopt;
  unsigned numDims = map.getNumDims();
  AccessPattern pattern;
  pattern.coef.assign(numDims, 0);
  pattern.depends.assign(numDims, false);
  std::optional<int64_t> total =
      ShapedType::isDynamic(offset) ? std::nullopt : std::optional(offset);
  for (auto [r, expr] : llvm::enumerate(map.getResults())) {
    std::optional<LinearExpr> linear = parseLinear(expr, numDims);
    if (!linear)
      return std::nullopt;
    bool dynamicStride = ShapedType::isDynamic(strides[r]);
    for (unsigned d = 0; d < numDims; ++d) {
      if (linear->coef[d] == 0)
        continue;
      pattern.depends[d] = true;
      if (dynamicStride || !pattern.coef[d])
        pattern.coef[d] = std::nullopt;
      else
        pattern.coef[d] = *pattern.coef[d] + linear->coef[d] * strides[r];
    }
    if (linear->constant != 0) {
      if (dynamicStride)
        total = std::nullopt;
      else if (total)
        *total += linear->constant * strides[r];
    }
  }
  pattern.offset = total;
  return pattern;
}

std::optional<int64_t> staticValue(OpFoldResult x) {
  return getConstantIntValue(x);
}

OpFoldResult IndexMath::add(OpFoldResult x, OpFoldResult y) {
  std::optional<int64_t> cx = staticValue(x), cy = staticValue(y);
  if (cx && cy)
    return b.getIndexAttr(*cx + *cy);
  if (cx && *cx == 0)
    return y;
  if (cy && *cy == 0)
    return x;
  return arith::AddIOp::create(b, loc, value(x), value(y)).getResult();
}

OpFoldResult IndexMath::sub(OpFoldResult x, OpFoldResult y) {
  std::optional<int64_t> cx = staticValue(x), cy = staticValue(y);
  if (cx && cy)
    return b.getIndexAttr(*cx - *cy);
  if (cy && *cy == 0)
    return x;
  return arith::SubIOp::create(b, loc, value(x), value(y)).getResult();
}

OpFoldResult IndexMath::mul(OpFoldResult x, OpFoldResult y) {
  std::optional<int64_t> cx = staticValue(x), cy = staticValue(y);
  if (cx && cy)
    return b.getIndexAttr(*cx * *cy);
  if ((cx && *cx == 0) || (cy && *cy == 0))
    return b.getIndexAttr(0);
  if (cx && *cx == 1)
    return y;
  if (cy && *cy == 1)
    return x;
  return arith::MulIOp::create(b, loc, value(x), value(y)).getResult();
}

Value IndexMath::value(OpFoldResult x) {
  if (auto v = dyn_cast<Value>(x))
    return v;
  return arith::ConstantIndexOp::create(b, loc, *staticValue(x));
}

FlatAccess buildFlatAccess(OpBuilder &b, Location loc, Value memref,
                           AffineMap map) {
  auto type = cast<MemRefType>(memref.getType());
  IndexMath im(b, loc);
  SmallVector<int64_t> staticStrides;
  int64_t staticOffset;
  (void)type.getStridesAndOffset(staticStrides, staticOffset);
  SmallVector<OpFoldResult> strides;
  OpFoldResult offset;
  SmallVector<OpFoldResult> sizes;
  bool anyDynamic = ShapedType::isDynamic(staticOffset) ||
                    llvm::any_of(staticStrides, ShapedType::isDynamic);
  memref::ExtractStridedMetadataOp metadata;
  if (anyDynamic || !type.hasStaticShape())
    metadata = memref::ExtractStridedMetadataOp::create(b, loc, memref);
  for (int64_t r = 0; r < type.getRank(); ++r) {
    strides.push_back(ShapedType::isDynamic(staticStrides[r])
                          ? OpFoldResult(metadata.getStrides()[r])
                          : b.getIndexAttr(staticStrides[r]));
    sizes.push_back(type.isDynamicDim(r) ? OpFoldResult(metadata.getSizes()[r])
                                         : b.getIndexAttr(type.getDimSize(r)));
  }
  offset = ShapedType::isDynamic(staticOffset)
               ? OpFoldResult(metadata.getOffset())
               : b.getIndexAttr(staticOffset);

  // The extent of the flat view: one past the last element.
  OpFoldResult extent = im.add(offset, im.constant(1));
  for (int64_t r = 0; r < type.getRank(); ++r)
    extent =
        im.add(extent, im.mul(im.sub(sizes[r], im.constant(1)), strides[r]));
  auto flatType =
      MemRefType::get({ShapedType::kDynamic}, type.getElementType());
  FlatAccess access;
  access.flat = memref::ReinterpretCastOp::create(b, loc, flatType, memref,
                                                  b.getIndexAttr(0), {extent},
                                                  {b.getIndexAttr(1)});

  unsigned numDims = map.getNumDims();
  access.coef.assign(numDims, b.getIndexAttr(0));
  access.depends.assign(numDims, false);
  access.base = offset;
  for (auto [r, expr] : llvm::enumerate(map.getResults())) {
    std::optional<LinearExpr> linear = parseLinear(expr, numDims);
    assert(linear && "buildFlatAccess on a non-linear map");
    for (unsigned d = 0; d < numDims; ++d) {
      if (linear->coef[d] == 0)
        continue;
      access.depends[d] = true;
      access.coef[d] = im.add(access.coef[d],
                              im.mul(im.constant(linear->coef[d]), strides[r]));
    }
    if (linear->constant != 0)
      access.base = im.add(access.base,
                           im.mul(im.constant(linear->constant), strides[r]));
  }
  return access;
}

Value rootBuffer(Value memref) {
  while (Operation *def = memref.getDefiningOp()) {
    if (auto view = dyn_cast<ViewLikeOpInterface>(def)) {
      memref = view.getViewSource();
      continue;
    }
    if (isa<memref::CastOp, memref::ExpandShapeOp, memref::CollapseShapeOp,
            memref::ReinterpretCastOp, memref::TransposeOp>(def)) {
      memref = def->getOperand(0);
      continue;
    }
    break;
  }
  return memref;
}

bool overwritesAll(Operation *op, Value view) {
  auto linalgOp = dyn_cast<linalg::LinalgOp>(op);
  if (!linalgOp || !linalgOp.hasPureBufferSemantics() ||
      linalgOp.getNumDpsInits() != 1 ||
      linalgOp.getNumLoops() != linalgOp.getNumParallelLoops())
    return false;
  OpOperand *init = linalgOp.getDpsInitOperand(0);
  if (init->get() != view ||
      !linalgOp.getMatchingIndexingMap(init).isIdentity())
    return false;
  Block *body = linalgOp.getBlock();
  if (body->getNumArguments() > linalgOp.getNumDpsInputs() &&
      !body->getArguments().back().use_empty())
    return false;
  for (Value in : linalgOp.getDpsInputs())
    if (isa<MemRefType>(in.getType()) && rootBuffer(in) == rootBuffer(view))
      return false;
  return true;
}

static bool isScalarIntOrFloat(Type type) {
  return isa<FloatType>(type) || type.isSignlessInteger();
}

/// A pure op whose results nothing uses (the linalg.index ops a pad's fill
/// keeps): neither vectorised nor emitted.
static bool isDead(Operation &op) {
  return op.use_empty() && isPure(&op) && op.getNumRegions() == 0;
}

std::optional<ByteTable> parseByteTable(StringRef name) {
  if (name.empty())
    return ByteTable::None;
  if (name == "x86-vbmi")
    return ByteTable::X86Vbmi;
  if (name == "arm-tbl")
    return ByteTable::ArmTbl;
  return std::nullopt;
}

int64_t byteTableLanes(ByteTable kind) {
  switch (kind) {
  case ByteTable::X86Vbmi:
    return 64;
  case ByteTable::ArmTbl:
    return 16;
  case ByteTable::None:
    break;
  }
  return 0;
}

namespace {

/// A graph.table lookup in a linalg body: the signed byte it reads at, and
/// the table.
struct TableLookup {
  Value byte;
  std::vector<char> entries;
};

std::optional<TableLookup> matchTableLookup(Operation &op) {
  auto load = dyn_cast<memref::LoadOp>(op);
  if (!load || load.getIndices().size() != 1)
    return std::nullopt;
  auto type = load.getMemRefType();
  if (type.getShape() != ArrayRef<int64_t>{256} ||
      !type.getElementType().isInteger(8))
    return std::nullopt;
  auto get = rootBuffer(load.getMemRef()).getDefiningOp<memref::GetGlobalOp>();
  if (!get || get->getBlock() == op.getBlock())
    return std::nullopt;
  auto global = SymbolTable::lookupNearestSymbolFrom<memref::GlobalOp>(
      get, get.getNameAttr());
  std::optional<std::vector<char>> data = readConstant(global);
  if (!data || rootBuffer(load.getMemRef()) != load.getMemRef())
    return std::nullopt;
  auto cast = load.getIndices()[0].getDefiningOp<arith::IndexCastOp>();
  auto add = cast ? cast.getIn().getDefiningOp<arith::AddIOp>() : nullptr;
  if (!add)
    return std::nullopt;
  for (auto [x, k] : {std::pair(add.getLhs(), add.getRhs()),
                      std::pair(add.getRhs(), add.getLhs())}) {
    APInt value;
    auto ext = x.getDefiningOp<arith::ExtSIOp>();
    if (ext && ext.getIn().getType().isInteger(8) &&
        matchPattern(k, m_ConstantInt(&value)) && value == 128)
      return TableLookup{ext.getIn(), std::move(*data)};
  }
  return std::nullopt;
}

/// The ops of `body` that only compute table lookups' addresses (skipped
/// when vectorising: the lookup takes the byte itself), and the lookups.
void collectTableOps(Block &body, llvm::SmallPtrSetImpl<Operation *> &address,
                     llvm::SmallPtrSetImpl<Operation *> &lookups) {
  SmallVector<Operation *> chain; // index_cast, add, extsi per lookup
  for (Operation &op : body.without_terminator()) {
    if (!matchTableLookup(op))
      continue;
    lookups.insert(&op);
    Operation *index = cast<memref::LoadOp>(op).getIndices()[0].getDefiningOp();
    auto add = index->getOperand(0).getDefiningOp<arith::AddIOp>();
    chain.append({index, add});
    for (Value v : add->getOperands())
      if (auto ext = v.getDefiningOp<arith::ExtSIOp>())
        chain.push_back(ext);
  }
  // Those used by lookups and each other only (the byte itself is not).
  for (Operation *op : chain)
    if (llvm::all_of(op->getUsers(), [&](Operation *user) {
          return lookups.contains(user) || llvm::is_contained(chain, user);
        }))
      address.insert(op);
}

/// The bytes of `table` at the unsigned bytes `index` (a vector whose
/// length is a multiple of the instruction's, or shorter).
Value lookupBytes(OpBuilder &b, Location loc, ByteTable kind,
                  ArrayRef<char> table, Value index) {
  auto indexType = cast<VectorType>(index.getType());
  int64_t lanes = indexType.getNumElements();
  int64_t chunk = byteTableLanes(kind);
  Type i8 = b.getI8Type();
  auto chunkType = VectorType::get({chunk}, i8);
  auto slice = [&](Value v, int64_t from, int64_t count) -> Value {
    SmallVector<int64_t> mask;
    int64_t size = cast<VectorType>(v.getType()).getNumElements();
    if (from == 0 && count == size)
      return v;
    for (int64_t i = 0; i < count; ++i)
      mask.push_back(from + i < size ? from + i : 0);
    return vector::ShuffleOp::create(b, loc, v, v, mask);
  };
  // One constant vector per `width` entries of the table.
  auto part = [&](int64_t first, int64_t width) -> Value {
    SmallVector<int8_t> values;
    for (int64_t i = 0; i < width; ++i)
      values.push_back(static_cast<int8_t>(table[first + i]));
    auto type = VectorType::get({width}, i8);
    return arith::ConstantOp::create(
        b, loc, DenseElementsAttr::get(type, ArrayRef<int8_t>(values)));
  };
  auto splat = [&](int64_t v) -> Value {
    return arith::ConstantOp::create(
        b, loc, DenseElementsAttr::get(chunkType, b.getI8IntegerAttr(v)));
  };
  auto call = [&](StringRef name, ValueRange args) -> Value {
    return LLVM::CallIntrinsicOp::create(b, loc, chunkType,
                                         b.getStringAttr(name), args)
        .getResult(0);
  };
  auto lookupChunk = [&](Value idx) -> Value {
    if (kind == ByteTable::X86Vbmi) {
      // vpermi2b picks among 128 bytes of two registers by the index's low
      // 7 bits; its top bit picks the half of the table.
      StringRef name = "llvm.x86.avx512.vpermi2var.qi.512";
      Value low = call(name, {part(0, 64), idx, part(64, 64)});
      Value high = call(name, {part(128, 64), idx, part(192, 64)});
      Value top = arith::CmpIOp::create(b, loc, arith::CmpIPredicate::slt, idx,
                                        splat(0));
      return arith::SelectOp::create(b, loc, top, high, low);
    }
    // tbl gives zero for indices past its 64 bytes, tbx keeps the lane:
    // four 64-byte quarters, the index shifted down by 64 for each.
    Value result =
        call("llvm.aarch64.neon.tbl4.v16i8",
             {part(0, 16), part(16, 16), part(32, 16), part(48, 16), idx});
    for (int64_t q = 1; q < 4; ++q) {
      Value shifted = arith::SubIOp::create(b, loc, idx, splat(64 * q));
      result = call("llvm.aarch64.neon.tbx4.v16i8",
                    {result, part(64 * q, 16), part(64 * q + 16, 16),
                     part(64 * q + 32, 16), part(64 * q + 48, 16), shifted});
    }
    return result;
  };
  if (lanes <= chunk)
    return slice(lookupChunk(slice(index, 0, chunk)), 0, lanes);
  Value result =
      arith::ConstantOp::create(b, loc, indexType, b.getZeroAttr(indexType));
  for (int64_t from = 0; from < lanes; from += chunk)
    result = vector::InsertStridedSliceOp::create(
        b, loc, lookupChunk(slice(index, from, chunk)), result,
        ArrayRef<int64_t>{from}, ArrayRef<int64_t>{1});
  return result;
}

} // namespace

bool isVectorizableBody(Block &body, ByteTable tables) {
  llvm::SmallPtrSet<Operation *, 8> address, lookups;
  if (tables != ByteTable::None)
    collectTableOps(body, address, lookups);
  for (Operation &op : body.without_terminator()) {
    if (isDead(op) || address.contains(&op) || lookups.contains(&op))
      continue;
    if (op.getNumRegions() != 0)
      return false;
    if (auto cst = dyn_cast<arith::ConstantOp>(op)) {
      if (!isScalarIntOrFloat(cst.getType()))
        return false;
      continue;
    }
    if (!isa<arith::ArithDialect, math::MathDialect>(op.getDialect()) ||
        !op.hasTrait<OpTrait::Elementwise>() ||
        !op.hasTrait<OpTrait::Vectorizable>())
      return false;
    // Integer division traps on zero, and masked-off lanes of a partial
    // vector hold zeros.
    if (isa<arith::DivSIOp, arith::DivUIOp, arith::RemSIOp, arith::RemUIOp,
            arith::CeilDivSIOp, arith::CeilDivUIOp, arith::FloorDivSIOp>(op))
      return false;
    for (Type type : op.getResultTypes())
      if (!isScalarIntOrFloat(type))
        return false;
    for (Value operand : op.getOperands()) {
      if (!isScalarIntOrFloat(operand.getType()))
        return false;
      // Values from outside the body are broadcast; block arguments of an
      // enclosing region (a loop around the op) are fine too.
    }
  }
  auto yield = body.getTerminator();
  for (Value v : yield->getOperands())
    if (!isScalarIntOrFloat(v.getType()))
      return false;
  return true;
}

bool isByteTableBody(Block &body) {
  llvm::SmallPtrSet<Operation *, 8> address, lookups;
  collectTableOps(body, address, lookups);
  if (lookups.size() != 1)
    return false;
  for (Operation &op : body.without_terminator())
    if (!isDead(op) && !address.contains(&op) && !lookups.contains(&op) &&
        !isa<arith::ConstantOp>(op))
      return false;
  return true;
}

SmallVector<Value> vectorizeBody(OpBuilder &b, Location loc, Block &body,
                                 ArrayRef<Value> args, int64_t lanes,
                                 ByteTable tables) {
  llvm::SmallPtrSet<Operation *, 8> address, lookups;
  if (tables != ByteTable::None)
    collectTableOps(body, address, lookups);
  IRMapping mapping;
  for (auto [arg, value] : llvm::zip(body.getArguments(), args))
    if (value)
      mapping.map(arg, value);
  auto vectorOf = [&](Type type) { return VectorType::get({lanes}, type); };
  auto lookup = [&](Value v) -> Value {
    if (Value mapped = mapping.lookupOrNull(v))
      return mapped;
    // Defined outside the body: the same value in every lane.
    assert(!isa<BlockArgument>(v) ||
           cast<BlockArgument>(v).getOwner() != &body);
    Value splat = vector::BroadcastOp::create(b, loc, vectorOf(v.getType()), v);
    mapping.map(v, splat);
    return splat;
  };
  for (Operation &op : body.without_terminator()) {
    if (isDead(op) || address.contains(&op))
      continue;
    if (lookups.contains(&op)) {
      // The table's index is the byte + 128, i.e. its bits XOR 0x80.
      std::optional<TableLookup> table = matchTableLookup(op);
      auto type = vectorOf(b.getI8Type());
      Value flip = arith::ConstantOp::create(
          b, loc, DenseElementsAttr::get(type, b.getI8IntegerAttr(-128)));
      Value index = arith::XOrIOp::create(b, loc, lookup(table->byte), flip);
      mapping.map(op.getResult(0),
                  lookupBytes(b, loc, tables, table->entries, index));
      continue;
    }
    if (auto cst = dyn_cast<arith::ConstantOp>(op)) {
      auto type = vectorOf(cst.getType());
      Value splat = arith::ConstantOp::create(
          b, loc, type,
          SplatElementsAttr::get(type, cast<TypedAttr>(cst.getValue())));
      mapping.map(cst.getResult(), splat);
      continue;
    }
    OperationState state(loc, op.getName());
    for (Value operand : op.getOperands())
      state.addOperands(lookup(operand));
    for (Type type : op.getResultTypes())
      state.addTypes(vectorOf(type));
    state.addAttributes(op.getAttrs());
    Operation *clone = b.create(state);
    for (auto [from, to] : llvm::zip(op.getResults(), clone->getResults()))
      mapping.map(from, to);
  }
  SmallVector<Value> results;
  for (Value v : body.getTerminator()->getOperands())
    results.push_back(lookup(v));
  return results;
}

Value buildMask(OpBuilder &b, Location loc, int64_t lanes, OpFoldResult count) {
  auto type = VectorType::get({lanes}, b.getI1Type());
  if (std::optional<int64_t> c = staticValue(count))
    return vector::ConstantMaskOp::create(
        b, loc, type, ArrayRef<int64_t>{std::clamp<int64_t>(*c, 0, lanes)});
  return vector::CreateMaskOp::create(b, loc, type,
                                      ValueRange{cast<Value>(count)});
}

static Value zeroVector(OpBuilder &b, Location loc, VectorType type) {
  return arith::ConstantOp::create(b, loc, type, b.getZeroAttr(type));
}

Value loadVector(OpBuilder &b, Location loc, Value flat, OpFoldResult index,
                 int64_t lanes, std::optional<OpFoldResult> count) {
  IndexMath im(b, loc);
  auto elem = cast<MemRefType>(flat.getType()).getElementType();
  auto type = VectorType::get({lanes}, elem);
  Value idx = im.value(index);
  if (count) {
    std::optional<int64_t> c = staticValue(*count);
    if (c && *c <= 0)
      return zeroVector(b, loc, type);
    if (!c || *c < lanes)
      return vector::MaskedLoadOp::create(b, loc, type, flat, ValueRange{idx},
                                          buildMask(b, loc, lanes, *count),
                                          zeroVector(b, loc, type));
  }
  return vector::LoadOp::create(b, loc, type, flat, ValueRange{idx});
}

void storeVector(OpBuilder &b, Location loc, Value value, Value flat,
                 OpFoldResult index, std::optional<OpFoldResult> count) {
  IndexMath im(b, loc);
  int64_t lanes = cast<VectorType>(value.getType()).getNumElements();
  Value idx = im.value(index);
  if (count) {
    std::optional<int64_t> c = staticValue(*count);
    if (c && *c <= 0)
      return;
    // One lane: a scalar store. LLVM 22's x86 backend with AVX-512 turns a
    // masked store with a single constant lane of a truncated vector
    // (i64 or i32 lanes narrowed to i8 or i16: an int8 epilogue's tail)
    // into a store of the whole wide lane, 4 or 8 bytes where 1 or 2 were
    // asked, overwriting the next elements (docs/cpu-kernels.md,
    // "Backend workarounds"; test/targets/cpu/transforms/
    // single_lane_store_e2e.test).
    if (c && *c == 1) {
      memref::StoreOp::create(b, loc,
                              vector::ExtractOp::create(b, loc, value, 0), flat,
                              ValueRange{idx});
      return;
    }
    if (!c || *c < lanes) {
      vector::MaskedStoreOp::create(b, loc, flat, ValueRange{idx},
                                    buildMask(b, loc, lanes, *count), value);
      return;
    }
  }
  vector::StoreOp::create(b, loc, value, flat, ValueRange{idx});
}

Value loadStrided(OpBuilder &b, Location loc, Value flat, OpFoldResult index,
                  OpFoldResult stride, int64_t lanes,
                  std::optional<OpFoldResult> count) {
  IndexMath im(b, loc);
  std::optional<int64_t> s = staticValue(stride);
  if (s && *s == 1)
    return loadVector(b, loc, flat, index, lanes, count);
  auto elem = cast<MemRefType>(flat.getType()).getElementType();
  auto type = VectorType::get({lanes}, elem);
  if (s && *s == 2) {
    // Elements 0, 2, ..., 2 * (lanes - 1) of two consecutive vectors; with a
    // count c only the first 2c - 1 elements are read.
    std::optional<OpFoldResult> lowCount, highCount;
    if (count) {
      OpFoldResult span =
          im.sub(im.mul(*count, im.constant(2)), im.constant(1));
      lowCount = span;
      highCount = im.sub(span, im.constant(lanes));
    }
    Value low = loadVector(b, loc, flat, index, lanes, lowCount);
    Value high = loadVector(b, loc, flat, im.add(index, im.constant(lanes)),
                            lanes, highCount);
    SmallVector<int64_t> even;
    for (int64_t l = 0; l < lanes; ++l)
      even.push_back(2 * l);
    return vector::ShuffleOp::create(b, loc, low, high, even);
  }
  if (s && !count) {
    // Scalar loads: LLVM's gathers are slower than this on most cores.
    SmallVector<Value> elements;
    for (int64_t l = 0; l < lanes; ++l)
      elements.push_back(memref::LoadOp::create(
          b, loc, flat, im.value(im.add(index, im.constant(l * *s)))));
    return vector::FromElementsOp::create(b, loc, type, elements);
  }
  // Dynamic stride or a partial vector: a masked gather.
  auto indexType = VectorType::get({lanes}, b.getIndexType());
  SmallVector<Attribute> iota;
  for (int64_t l = 0; l < lanes; ++l)
    iota.push_back(b.getIndexAttr(l));
  Value steps = arith::ConstantOp::create(
      b, loc, indexType, DenseElementsAttr::get(indexType, iota));
  Value offsets = arith::MulIOp::create(
      b, loc, steps,
      vector::BroadcastOp::create(b, loc, indexType, im.value(stride)));
  Value mask = count ? buildMask(b, loc, lanes, *count)
                     : buildMask(b, loc, lanes, im.constant(lanes));
  return vector::GatherOp::create(b, loc, type, flat,
                                  ValueRange{im.value(index)}, offsets, mask,
                                  zeroVector(b, loc, type));
}

void storeStrided(OpBuilder &b, Location loc, Value value, Value flat,
                  OpFoldResult index, OpFoldResult stride,
                  std::optional<OpFoldResult> count) {
  std::optional<int64_t> s = staticValue(stride);
  if (s && *s == 1) {
    storeVector(b, loc, value, flat, index, count);
    return;
  }
  IndexMath im(b, loc);
  int64_t lanes = cast<VectorType>(value.getType()).getNumElements();
  if (count) {
    std::optional<int64_t> c = staticValue(*count);
    assert(c && "a strided store of a partial vector needs a static count");
    lanes = std::min(lanes, *c);
  }
  for (int64_t l = 0; l < lanes; ++l) {
    Value element = vector::ExtractOp::create(b, loc, value, l);
    memref::StoreOp::create(
        b, loc, element, flat,
        im.value(im.add(index, im.mul(stride, im.constant(l)))));
  }
}

bool insideParallelLoop(Operation *op) {
  return op->getParentOfType<scf::ParallelOp>() ||
         op->getParentOfType<scf::ForallOp>();
}

void emitLoop(OpBuilder &b, Location loc, OpFoldResult lb, OpFoldResult ub,
              int64_t step, bool &parallel,
              function_ref<void(OpFoldResult)> body) {
  std::optional<int64_t> l = staticValue(lb), u = staticValue(ub);
  if (l && u) {
    if (*u <= *l)
      return;
    if (*u - *l <= step) {
      body(lb);
      return;
    }
  }
  if (parallel) {
    parallel = false;
    emitParallelLoop(b, loc, lb, ub, step, body);
    return;
  }
  IndexMath im(b, loc);
  auto forOp = scf::ForOp::create(b, loc, im.value(lb), im.value(ub),
                                  im.value(im.constant(step)));
  OpBuilder::InsertionGuard guard(b);
  b.setInsertionPoint(forOp.getBody()->getTerminator());
  body(forOp.getInductionVar());
}

void mergeOuterDims(AffineMap outMap, unsigned pos,
                    ArrayRef<std::optional<AccessPattern>> accesses,
                    function_ref<bool(unsigned)> stop,
                    SmallVectorImpl<int64_t> &extents,
                    SmallVectorImpl<unsigned> &merged) {
  unsigned dim = cast<AffineDimExpr>(outMap.getResult(pos)).getPosition();
  int64_t inner = extents[dim];
  for (int64_t r = static_cast<int64_t>(pos) - 1; r >= 0; --r) {
    unsigned d = cast<AffineDimExpr>(outMap.getResult(r)).getPosition();
    if (ShapedType::isDynamic(inner) || ShapedType::isDynamic(extents[d]) ||
        stop(d))
      break;
    bool ok =
        llvm::all_of(accesses, [&](const std::optional<AccessPattern> &x) {
          if (!x)
            return false;
          if (!x->dependsOn(d) && !x->dependsOn(dim))
            return true;
          return x->coef[d] && x->coef[dim] &&
                 *x->coef[d] == inner * *x->coef[dim];
        });
    if (!ok)
      break;
    merged.push_back(d);
    inner *= extents[d];
  }
  extents[dim] = inner;
  for (unsigned d : merged)
    extents[d] = 1;
}

void emitParallelLoop(OpBuilder &b, Location loc, OpFoldResult lb,
                      OpFoldResult ub, int64_t step,
                      function_ref<void(OpFoldResult)> body) {
  IndexMath im(b, loc);
  // Trip count: ceil((ub - lb) / step).
  OpFoldResult trips = im.sub(ub, lb);
  if (step != 1) {
    if (std::optional<int64_t> t = staticValue(trips))
      trips = im.constant((*t + step - 1) / step);
    else
      trips = arith::CeilDivUIOp::create(b, loc, im.value(trips),
                                         im.value(im.constant(step)))
                  .getResult();
  }
  auto par = scf::ParallelOp::create(
      b, loc, ValueRange{im.value(im.constant(0))}, ValueRange{im.value(trips)},
      ValueRange{im.value(im.constant(1))});
  OpBuilder::InsertionGuard guard(b);
  b.setInsertionPoint(par.getBody()->getTerminator());
  Value iv = par.getInductionVars()[0];
  body(im.add(lb, im.mul(iv, im.constant(step))));
}

void eraseDeadBuffers(Block &block) {
  bool changed = true;
  while (changed) {
    changed = false;
    for (Operation &op : llvm::make_early_inc_range(llvm::reverse(block))) {
      bool removable =
          isa<memref::AllocOp, memref::GetGlobalOp, memref::ReinterpretCastOp,
              memref::ExtractStridedMetadataOp, memref::CastOp,
              memref::ExpandShapeOp, memref::CollapseShapeOp, memref::SubViewOp,
              memref::ViewOp, memref::DimOp>(op);
      if (!removable)
        continue;
      bool onlyDeallocs = llvm::all_of(op.getUsers(), [](Operation *user) {
        return isa<memref::DeallocOp>(user);
      });
      if (!onlyDeallocs)
        continue;
      for (Operation *user : llvm::make_early_inc_range(op.getUsers()))
        user->erase();
      op.erase();
      changed = true;
    }
  }
}

Value createConstantGlobal(OpBuilder &b, Location loc, SymbolTable &symbols,
                           memref::GlobalOp like, StringRef suffix,
                           MemRefType type, ArrayRef<char> data) {
  auto tensorType =
      RankedTensorType::get(type.getShape(), type.getElementType());
  OpBuilder mb(like);
  std::string name = (like.getSymName() + suffix).str();
  auto global = memref::GlobalOp::create(
      mb, like.getLoc(), name, mb.getStringAttr("private"), type,
      DenseResourceElementsAttr::get(
          tensorType, name,
          HeapAsmResourceBlob::allocateAndCopyWithAlign(data, 64)),
      /*constant=*/true, mb.getI64IntegerAttr(64));
  // insert() renames the global when the name is taken.
  symbols.insert(global);
  return memref::GetGlobalOp::create(b, loc, type, global.getSymName());
}

std::optional<std::vector<char>> readConstant(memref::GlobalOp global) {
  if (!global || !global.getConstant() || !global.getInitialValue())
    return std::nullopt;
  MemRefType type = global.getType();
  Type element = type.getElementType();
  if (!type.hasStaticShape() || !element.isIntOrFloat() ||
      element.getIntOrFloatBitWidth() % 8 != 0)
    return std::nullopt;
  int64_t n = type.getNumElements();
  size_t bytes = element.getIntOrFloatBitWidth() / 8;
  Attribute init = *global.getInitialValue();
  if (auto dense = dyn_cast<DenseElementsAttr>(init)) {
    ArrayRef<char> raw = dense.getRawData();
    std::vector<char> data(n * bytes);
    if (dense.isSplat()) {
      for (int64_t i = 0; i < n; ++i)
        std::memcpy(data.data() + i * bytes, raw.data(), bytes);
    } else if (static_cast<int64_t>(raw.size()) == n * (int64_t)bytes) {
      std::memcpy(data.data(), raw.data(), raw.size());
    } else {
      return std::nullopt;
    }
    return data;
  }
  if (auto resource = dyn_cast<DenseResourceElementsAttr>(init)) {
    AsmResourceBlob *blob = resource.getRawHandle().getBlob();
    if (!blob ||
        static_cast<int64_t>(blob->getData().size()) != n * (int64_t)bytes)
      return std::nullopt;
    return std::vector<char>(blob->getData().begin(), blob->getData().end());
  }
  return std::nullopt;
}

} // namespace mica::cpu
