//===- TensorFile.cpp - Tensors from .npy and .pb files -------------------===//
#include "compiler/onnx/TensorFile.h"

#include "onnx/onnx_pb.h"

#include <cstring>
#include <fstream>
#include <sstream>

namespace {

/// ONNX data type of a numpy descr ('<f4', '|b1', ...), 0 if unknown.
int dataTypeOfDescr(const std::string &descr) {
  static const struct {
    const char *descr;
    int type;
  } table[] = {
      {"f4", onnx::TensorProto::FLOAT},   {"f8", onnx::TensorProto::DOUBLE},
      {"f2", onnx::TensorProto::FLOAT16}, {"i1", onnx::TensorProto::INT8},
      {"i2", onnx::TensorProto::INT16},   {"i4", onnx::TensorProto::INT32},
      {"i8", onnx::TensorProto::INT64},   {"u1", onnx::TensorProto::UINT8},
      {"u2", onnx::TensorProto::UINT16},  {"u4", onnx::TensorProto::UINT32},
      {"u8", onnx::TensorProto::UINT64},  {"b1", onnx::TensorProto::BOOL},
  };
  if (descr.size() != 3 || descr[0] == '>')
    return 0;
  for (const auto &entry : table)
    if (descr.compare(1, 2, entry.descr) == 0)
      return entry.type;
  return 0;
}

size_t bytesOf(int type) {
  switch (type) {
  case onnx::TensorProto::DOUBLE:
  case onnx::TensorProto::INT64:
  case onnx::TensorProto::UINT64:
    return 8;
  case onnx::TensorProto::FLOAT:
  case onnx::TensorProto::INT32:
  case onnx::TensorProto::UINT32:
    return 4;
  case onnx::TensorProto::FLOAT16:
  case onnx::TensorProto::BFLOAT16:
  case onnx::TensorProto::INT16:
  case onnx::TensorProto::UINT16:
    return 2;
  default:
    return 1;
  }
}

/// The value of `'key': ...` in a numpy header dict, up to the next ',' or
/// '}' at nesting level 0.
bool headerField(const std::string &header, const std::string &key,
                 std::string &value) {
  size_t at = header.find("'" + key + "'");
  if (at == std::string::npos)
    return false;
  at = header.find(':', at);
  if (at == std::string::npos)
    return false;
  int depth = 0;
  size_t end = at + 1;
  for (; end < header.size(); ++end) {
    char c = header[end];
    if (c == '(')
      ++depth;
    else if (c == ')')
      --depth;
    else if ((c == ',' || c == '}') && depth == 0)
      break;
  }
  value = header.substr(at + 1, end - at - 1);
  size_t first = value.find_first_not_of(" '");
  size_t last = value.find_last_not_of(" '");
  value =
      first == std::string::npos ? "" : value.substr(first, last - first + 1);
  return true;
}

bool parseNpy(const std::string &bytes, onnx::TensorProto &tensor,
              std::string &error) {
  if (bytes.size() < 10) {
    error = "truncated .npy header";
    return false;
  }
  int major = static_cast<unsigned char>(bytes[6]);
  size_t headerLength, offset;
  if (major == 1) {
    headerLength = static_cast<unsigned char>(bytes[8]) |
                   static_cast<unsigned char>(bytes[9]) << 8;
    offset = 10;
  } else if (major == 2 || major == 3) {
    if (bytes.size() < 12) {
      error = "truncated .npy header";
      return false;
    }
    headerLength = 0;
    for (int i = 3; i >= 0; --i)
      headerLength =
          headerLength << 8 | static_cast<unsigned char>(bytes[8 + i]);
    offset = 12;
  } else {
    error = "unsupported .npy format version " + std::to_string(major);
    return false;
  }
  if (offset + headerLength > bytes.size()) {
    error = "truncated .npy header";
    return false;
  }
  std::string header = bytes.substr(offset, headerLength);
  std::string descr, order, shape;
  if (!headerField(header, "descr", descr) ||
      !headerField(header, "fortran_order", order) ||
      !headerField(header, "shape", shape)) {
    error = "malformed .npy header";
    return false;
  }
  int type = dataTypeOfDescr(descr);
  if (!type) {
    error = "unsupported .npy dtype '" + descr + "'";
    return false;
  }
  if (order != "False") {
    error = "Fortran-order .npy arrays are not supported";
    return false;
  }
  tensor.set_data_type(type);
  size_t count = 1;
  std::string dims = shape.substr(shape.find('(') + 1);
  std::stringstream stream(dims);
  std::string item;
  while (std::getline(stream, item, ',')) {
    size_t digit = item.find_first_of("0123456789");
    if (digit == std::string::npos)
      continue;
    long long dim = std::atoll(item.c_str() + digit);
    tensor.add_dims(dim);
    count *= static_cast<size_t>(dim);
  }
  size_t dataBytes = count * bytesOf(type);
  if (bytes.size() - offset - headerLength != dataBytes) {
    error = ".npy data has " +
            std::to_string(bytes.size() - offset - headerLength) +
            " bytes, its header says " + std::to_string(dataBytes);
    return false;
  }
  tensor.set_raw_data(bytes.substr(offset + headerLength));
  return true;
}

/// Moves typed repeated fields into raw_data (little-endian, as in memory).
template <typename T, typename Field>
void toRaw(onnx::TensorProto &tensor, const Field &field) {
  std::string raw(field.size() * sizeof(T), '\0');
  for (int i = 0; i < field.size(); ++i) {
    T value = static_cast<T>(field.Get(i));
    std::memcpy(&raw[i * sizeof(T)], &value, sizeof(T));
  }
  tensor.set_raw_data(std::move(raw));
}

} // namespace

bool mica::readTensorFile(const std::string &path, onnx::TensorProto &tensor,
                          std::string &error) {
  std::ifstream file(path, std::ios::binary);
  if (!file) {
    error = "cannot read '" + path + "'";
    return false;
  }
  std::string bytes((std::istreambuf_iterator<char>(file)),
                    std::istreambuf_iterator<char>());
  tensor.Clear();
  if (bytes.compare(0, 6, "\x93NUMPY") == 0) {
    if (!parseNpy(bytes, tensor, error)) {
      error = "'" + path + "': " + error;
      return false;
    }
    return true;
  }
  if (!tensor.ParseFromString(bytes) || tensor.data_type() == 0) {
    error = "'" + path + "' is neither a .npy file nor an ONNX TensorProto";
    return false;
  }
  if (tensor.has_raw_data())
    return true;
  switch (tensor.data_type()) {
  case onnx::TensorProto::FLOAT:
    toRaw<float>(tensor, tensor.float_data());
    break;
  case onnx::TensorProto::DOUBLE:
    toRaw<double>(tensor, tensor.double_data());
    break;
  case onnx::TensorProto::INT64:
    toRaw<int64_t>(tensor, tensor.int64_data());
    break;
  case onnx::TensorProto::UINT64:
  case onnx::TensorProto::UINT32:
    if (tensor.data_type() == onnx::TensorProto::UINT64)
      toRaw<uint64_t>(tensor, tensor.uint64_data());
    else
      toRaw<uint32_t>(tensor, tensor.uint64_data());
    break;
  case onnx::TensorProto::INT32:
    toRaw<int32_t>(tensor, tensor.int32_data());
    break;
  case onnx::TensorProto::INT16:
    toRaw<int16_t>(tensor, tensor.int32_data());
    break;
  case onnx::TensorProto::UINT16:
  case onnx::TensorProto::FLOAT16:
  case onnx::TensorProto::BFLOAT16:
    toRaw<uint16_t>(tensor, tensor.int32_data());
    break;
  case onnx::TensorProto::INT8:
    toRaw<int8_t>(tensor, tensor.int32_data());
    break;
  case onnx::TensorProto::UINT8:
  case onnx::TensorProto::BOOL:
    toRaw<uint8_t>(tensor, tensor.int32_data());
    break;
  default:
    error = "'" + path + "': unsupported tensor data type " +
            std::to_string(tensor.data_type());
    return false;
  }
  return true;
}

bool mica::readTensorData(const std::string &path, TensorData &tensor,
                          std::string &error) {
  onnx::TensorProto proto;
  if (!readTensorFile(path, proto, error))
    return false;
  tensor.dataType = proto.data_type();
  tensor.dims.assign(proto.dims().begin(), proto.dims().end());
  tensor.bytes = proto.raw_data();
  return true;
}
