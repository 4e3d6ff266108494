//===- TypeConversion.cpp - ONNX types and tensors -> MLIR ----------------===//
#include "compiler/onnx/TypeConversion.h"

#include "dialects/onnx/IR/OnnxDialect.h"

#include "mlir/IR/BuiltinTypes.h"

#include <cstring>

using namespace mlir;

Type mica::convertElementType(MLIRContext *context, int dataType) {
  Builder b(context);
  switch (dataType) {
  case onnx::TensorProto::FLOAT:
    return b.getF32Type();
  case onnx::TensorProto::DOUBLE:
    return b.getF64Type();
  case onnx::TensorProto::FLOAT16:
    return b.getF16Type();
  case onnx::TensorProto::BFLOAT16:
    return b.getBF16Type();
  case onnx::TensorProto::INT8:
    return b.getIntegerType(8);
  case onnx::TensorProto::INT16:
    return b.getIntegerType(16);
  case onnx::TensorProto::INT32:
    return b.getIntegerType(32);
  case onnx::TensorProto::INT64:
    return b.getIntegerType(64);
  case onnx::TensorProto::UINT8:
    return b.getIntegerType(8, false);
  case onnx::TensorProto::UINT16:
    return b.getIntegerType(16, false);
  case onnx::TensorProto::UINT32:
    return b.getIntegerType(32, false);
  case onnx::TensorProto::UINT64:
    return b.getIntegerType(64, false);
  case onnx::TensorProto::BOOL:
    return b.getI1Type();
  case onnx::TensorProto::STRING:
    return onnxir::StringType::get(context);
  case onnx::TensorProto::COMPLEX64:
    return ComplexType::get(b.getF32Type());
  case onnx::TensorProto::COMPLEX128:
    return ComplexType::get(b.getF64Type());
  default:
    return nullptr;
  }
}

Type mica::convertType(MLIRContext *context, const onnx::TypeProto &type,
                       std::string &reason) {
  switch (type.value_case()) {
  case onnx::TypeProto::kTensorType: {
    const auto &tensor = type.tensor_type();
    Type elem = convertElementType(context, tensor.elem_type());
    if (!elem) {
      reason = "tensor element type " + std::to_string(tensor.elem_type()) +
               " is not supported";
      return nullptr;
    }
    if (!tensor.has_shape())
      return UnrankedTensorType::get(elem);
    SmallVector<int64_t> dims;
    for (const auto &dim : tensor.shape().dim())
      dims.push_back(dim.has_dim_value() && dim.dim_value() >= 0
                         ? dim.dim_value()
                         : ShapedType::kDynamic);
    return RankedTensorType::get(dims, elem);
  }
  case onnx::TypeProto::kSequenceType: {
    Type elem = convertType(context, type.sequence_type().elem_type(), reason);
    return elem ? onnxir::SeqType::get(context, elem) : nullptr;
  }
  case onnx::TypeProto::kOptionalType: {
    Type elem = convertType(context, type.optional_type().elem_type(), reason);
    return elem ? onnxir::OptType::get(context, elem) : nullptr;
  }
  case onnx::TypeProto::kMapType:
    reason = "map types are not supported";
    return nullptr;
  case onnx::TypeProto::kSparseTensorType:
    reason = "sparse tensor types are not supported";
    return nullptr;
  default:
    reason = "the value has no type";
    return nullptr;
  }
}

namespace {

// Copies the typed repeated field of a TensorProto into little-endian raw
// bytes of `elemBytes` each (ONNX stores small types widened to int32).
template <typename Field>
std::string packField(const Field &field, size_t elemBytes) {
  std::string raw(field.size() * elemBytes, '\0');
  for (int i = 0; i < field.size(); ++i) {
    auto value = field.Get(i);
    std::memcpy(&raw[i * elemBytes], &value, elemBytes);
  }
  return raw;
}

std::string typedData(const onnx::TensorProto &t, size_t elemBytes) {
  switch (t.data_type()) {
  case onnx::TensorProto::FLOAT:
  case onnx::TensorProto::COMPLEX64:
    return packField(t.float_data(), 4);
  case onnx::TensorProto::DOUBLE:
  case onnx::TensorProto::COMPLEX128:
    return packField(t.double_data(), 8);
  case onnx::TensorProto::INT64:
    return packField(t.int64_data(), 8);
  case onnx::TensorProto::UINT32:
  case onnx::TensorProto::UINT64:
    return packField(t.uint64_data(), elemBytes);
  default: // int8/16/32, uint8/16, bool, float16, bfloat16: int32_data
    return packField(t.int32_data(), elemBytes);
  }
}

} // namespace

ElementsAttr mica::convertTensor(MLIRContext *context,
                                 const onnx::TensorProto &tensor,
                                 std::string &reason) {
  Type elem = convertElementType(context, tensor.data_type());
  if (!elem) {
    reason = "tensor '" + tensor.name() + "' has unsupported element type " +
             std::to_string(tensor.data_type());
    return nullptr;
  }
  SmallVector<int64_t> dims(tensor.dims().begin(), tensor.dims().end());
  int64_t count = 1;
  for (int64_t d : dims) {
    if (d < 0 || (d > 0 && count > (int64_t(1) << 40) / d)) {
      reason = "tensor '" + tensor.name() + "' has an invalid shape";
      return nullptr;
    }
    count *= d;
  }
  auto type = RankedTensorType::get(dims, elem);

  if (tensor.data_type() == onnx::TensorProto::STRING) {
    if (tensor.string_data_size() != count) {
      reason = "tensor '" + tensor.name() + "' has " +
               std::to_string(tensor.string_data_size()) + " strings for " +
               std::to_string(count) + " elements";
      return nullptr;
    }
    SmallVector<StringRef> values(tensor.string_data().begin(),
                                  tensor.string_data().end());
    return DenseStringElementsAttr::get(type, values);
  }

  size_t elemBytes;
  if (auto complex = dyn_cast<ComplexType>(elem))
    elemBytes = 2 * complex.getElementType().getIntOrFloatBitWidth() / 8;
  else
    elemBytes = std::max(1u, elem.getIntOrFloatBitWidth() / 8);
  std::string raw =
      tensor.has_raw_data() ? tensor.raw_data() : typedData(tensor, elemBytes);
  if (raw.size() != static_cast<size_t>(count) * elemBytes) {
    reason = "tensor '" + tensor.name() + "' holds " +
             std::to_string(raw.size()) + " bytes; its shape and type need " +
             std::to_string(count * elemBytes);
    return nullptr;
  }
  if (elem.isInteger(1)) {
    SmallVector<bool> values;
    for (char c : raw)
      values.push_back(c != 0);
    return DenseElementsAttr::get(type, ArrayRef<bool>(values));
  }
  return DenseElementsAttr::getFromRawBuffer(
      type, ArrayRef<char>(raw.data(), raw.size()));
}
