//===- tensor_proto.cpp - A minimal decoder for onnx.TensorProto ----------===//
//
// Reads the protobuf wire format directly (no protobuf library, so the tool
// stays libc-only and cross-compiles). Fields of onnx.proto's TensorProto:
//    1 dims (int64, repeated)   2 data_type   4 float_data   5 int32_data
//    6 string_data   7 int64_data   8 name   9 raw_data   10 double_data
//   11 uint64_data   13 external_data   14 data_location
// Repeated numeric fields are accepted packed and unpacked, as protobuf
// parsers must. Other fields are skipped. As in ONNX, int32_data carries
// every type narrower than 32 bits (float16/bfloat16 as their bit patterns)
// and uint64_data carries uint32 and uint64.
//===----------------------------------------------------------------------===//
#include "runtime/tools/runner/tensor_file.h"

#include <cstring>

namespace mica::runner {
namespace {

enum WireType { kVarint = 0, kFixed64 = 1, kBytes = 2, kFixed32 = 5 };

class Reader {
public:
  Reader(const uint8_t *p, size_t size) : p(p), end(p + size) {}
  bool done() const { return p == end; }

  bool varint(uint64_t &value) {
    value = 0;
    for (int shift = 0; shift < 64; shift += 7) {
      if (p == end)
        return false;
      uint8_t byte = *p++;
      value |= (uint64_t)(byte & 0x7f) << shift;
      if (!(byte & 0x80))
        return shift < 63 || byte <= 1;
    }
    return false;
  }
  bool fixed(int bytes, uint64_t &value) {
    if (end - p < bytes)
      return false;
    value = 0;
    for (int i = bytes - 1; i >= 0; --i)
      value = (value << 8) | p[i];
    p += bytes;
    return true;
  }
  bool bytes(const uint8_t *&data, size_t &size) {
    uint64_t n;
    if (!varint(n) || n > (uint64_t)(end - p))
      return false;
    data = p;
    size = (size_t)n;
    p += n;
    return true;
  }
  bool skip(int wireType) {
    uint64_t v;
    const uint8_t *d;
    size_t n;
    switch (wireType) {
    case kVarint:
      return varint(v);
    case kFixed64:
      return fixed(8, v);
    case kFixed32:
      return fixed(4, v);
    case kBytes:
      return bytes(d, n);
    default:
      return false; // groups (3, 4) are not used by onnx.proto
    }
  }

private:
  const uint8_t *p, *end;
};

// One repeated numeric field, as raw 64-bit values in file order.
// `fixedBytes` is 4 or 8 for fixed-width fields, 0 for varints.
bool readRepeated(Reader &in, int wireType, int fixedBytes,
                  std::vector<uint64_t> &values) {
  int scalarWire = fixedBytes == 4   ? kFixed32
                   : fixedBytes == 8 ? kFixed64
                                     : kVarint;
  uint64_t v;
  if (wireType == scalarWire) {
    if (!(fixedBytes ? in.fixed(fixedBytes, v) : in.varint(v)))
      return false;
    values.push_back(v);
    return true;
  }
  if (wireType != kBytes)
    return false;
  const uint8_t *data;
  size_t size;
  if (!in.bytes(data, size))
    return false;
  Reader packed(data, size);
  while (!packed.done()) {
    if (!(fixedBytes ? packed.fixed(fixedBytes, v) : packed.varint(v)))
      return false;
    values.push_back(v);
  }
  return true;
}

} // namespace

bool parseTensorProto(const uint8_t *bytes, size_t size, HostTensor &tensor,
                      std::string &error) {
  Reader in(bytes, size);
  std::vector<uint64_t> dims;
  uint64_t dataType = 0;
  bool haveRaw = false, external = false, strings = false;
  const uint8_t *raw = nullptr;
  size_t rawSize = 0;
  // Typed fields by field number (4, 5, 7, 10, 11).
  std::vector<uint64_t> typed[12];
  bool haveTyped[12] = {};
  std::string name;
  while (!in.done()) {
    uint64_t key;
    if (!in.varint(key) || (key >> 3) == 0 || (key >> 3) > 0x1fffffff) {
      error = "malformed field key";
      return false;
    }
    uint64_t field = key >> 3;
    int wire = (int)(key & 7);
    bool ok = true;
    switch (field) {
    case 1:
      ok = readRepeated(in, wire, 0, dims);
      break;
    case 2:
      ok = wire == kVarint && in.varint(dataType);
      break;
    case 4:
      ok = readRepeated(in, wire, 4, typed[4]);
      haveTyped[4] = true;
      break;
    case 5:
      ok = readRepeated(in, wire, 0, typed[5]);
      haveTyped[5] = true;
      break;
    case 7:
      ok = readRepeated(in, wire, 0, typed[7]);
      haveTyped[7] = true;
      break;
    case 10:
      ok = readRepeated(in, wire, 8, typed[10]);
      haveTyped[10] = true;
      break;
    case 11:
      ok = readRepeated(in, wire, 0, typed[11]);
      haveTyped[11] = true;
      break;
    case 8:
    case 9: {
      const uint8_t *data;
      size_t n;
      ok = wire == kBytes && in.bytes(data, n);
      if (ok && field == 8)
        name.assign(reinterpret_cast<const char *>(data), n);
      if (ok && field == 9) {
        raw = data;
        rawSize = n;
        haveRaw = true;
      }
      break;
    }
    case 6:
      strings = true;
      ok = in.skip(wire);
      break;
    case 13:
      external = true;
      ok = in.skip(wire);
      break;
    case 14: {
      uint64_t location = 0;
      ok = wire == kVarint && in.varint(location);
      external |= location == 1;
      break;
    }
    default:
      ok = in.skip(wire);
      break;
    }
    if (!ok) {
      error = "field " + std::to_string(field) + " is malformed or truncated";
      return false;
    }
  }
  if (external) {
    error = "tensors with external data are not supported; save the data "
            "inside the file";
    return false;
  }
  if (strings || dataType == 8) {
    error = "string tensors are not supported";
    return false;
  }
  if (dataType == 0) {
    error = "no data_type (an empty or foreign file?)";
    return false;
  }
  size_t elementSize = mica_dtype_size((int32_t)dataType);
  if (dataType > INT32_MAX || elementSize == 0) {
    error = "unsupported data_type " + std::to_string(dataType);
    return false;
  }
  std::vector<int64_t> shape;
  for (uint64_t d : dims) {
    if (d > (uint64_t)INT64_MAX) {
      error = "negative dimension";
      return false;
    }
    shape.push_back((int64_t)d);
  }
  uint64_t count;
  if (shape.size() > 64 || !elementCount(shape, elementSize, count)) {
    error = "shape " + formatShape(shape) + " is too large";
    return false;
  }
  int32_t dtype = (int32_t)dataType;
  tensor.name = name;
  tensor.dtype = dtype;
  tensor.shape = shape;
  tensor.data.assign((size_t)count * elementSize, 0);
  if (haveRaw) {
    if (rawSize != tensor.data.size()) {
      error = "raw_data holds " + std::to_string(rawSize) + " bytes, shape " +
              formatShape(shape) + " of " + mica_dtype_name(dtype) + " needs " +
              std::to_string(tensor.data.size());
      return false;
    }
    if (rawSize)
      std::memcpy(tensor.data.data(), raw, rawSize);
    return true;
  }
  // The typed field ONNX uses for this data type.
  int field = dtype == 1                     ? 4
              : dtype == 7                   ? 7
              : dtype == 11                  ? 10
              : (dtype == 12 || dtype == 13) ? 11
                                             : 5;
  for (int other : {4, 5, 7, 10, 11}) {
    if (other != field && haveTyped[other] && !typed[other].empty()) {
      error = std::string("data of a ") + mica_dtype_name(dtype) +
              " tensor in field " + std::to_string(other) + ", expected " +
              std::to_string(field);
      return false;
    }
  }
  const std::vector<uint64_t> &values = typed[field];
  if (values.size() != count) {
    error = "holds " + std::to_string(values.size()) + " values, shape " +
            formatShape(shape) + " needs " + std::to_string(count);
    return false;
  }
  // Little-endian hosts only (x86-64, AArch64): the low bytes of each value
  // are the element.
  for (size_t i = 0; i < values.size(); ++i)
    std::memcpy(tensor.data.data() + i * elementSize, &values[i], elementSize);
  return true;
}

} // namespace mica::runner
