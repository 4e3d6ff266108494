// The onnx.TensorProto decoder of mica run (runtime/tools/runner/
// tensor_proto.cpp): raw_data and every typed field, packed and unpacked,
// files of the ONNX backend test suite, and malformed input rejected with a
// message.
#include "runtime/tools/runner/tensor_file.h"

#include <gtest/gtest.h>

#include <cstring>
#include <fstream>
#include <string>
#include <vector>

using namespace mica::runner;

namespace {

// A protobuf encoder just big enough to build TensorProtos.
class Proto {
public:
  Proto &varint(uint64_t v) {
    while (v >= 0x80) {
      bytes.push_back((uint8_t)(v | 0x80));
      v >>= 7;
    }
    bytes.push_back((uint8_t)v);
    return *this;
  }
  Proto &key(uint32_t field, int wire) { return varint(field << 3 | wire); }
  Proto &fixed(uint64_t v, int n) {
    for (int i = 0; i < n; ++i)
      bytes.push_back((uint8_t)(v >> (8 * i)));
    return *this;
  }
  Proto &lengthDelimited(uint32_t field, const std::vector<uint8_t> &data) {
    key(field, 2).varint(data.size());
    bytes.insert(bytes.end(), data.begin(), data.end());
    return *this;
  }
  Proto &dims(std::initializer_list<int64_t> dims) {
    for (int64_t d : dims)
      key(1, 0).varint((uint64_t)d);
    return *this;
  }
  Proto &dataType(int32_t t) { return key(2, 0).varint((uint64_t)t); }
  Proto &name(const std::string &n) {
    return lengthDelimited(8, std::vector<uint8_t>(n.begin(), n.end()));
  }
  std::vector<uint8_t> bytes;
};

uint32_t floatBits(float f) {
  uint32_t bits;
  std::memcpy(&bits, &f, 4);
  return bits;
}

template <typename T> std::vector<T> values(const HostTensor &t) {
  std::vector<T> out(t.data.size() / sizeof(T));
  std::memcpy(out.data(), t.data.data(), t.data.size());
  return out;
}

HostTensor parse(const Proto &p) {
  HostTensor t;
  std::string error;
  EXPECT_TRUE(parseTensorProto(p.bytes.data(), p.bytes.size(), t, error))
      << error;
  return t;
}

std::string parseError(const Proto &p) {
  HostTensor t;
  std::string error;
  EXPECT_FALSE(parseTensorProto(p.bytes.data(), p.bytes.size(), t, error));
  EXPECT_FALSE(error.empty());
  return error;
}

TEST(TensorProtoTest, RawData) {
  float data[6] = {1, -2, 3.5f, 0, 5, 6};
  Proto p;
  p.dims({2, 3}).dataType(1).name("x").lengthDelimited(
      9, std::vector<uint8_t>((uint8_t *)data, (uint8_t *)data + 24));
  HostTensor t = parse(p);
  EXPECT_EQ(t.name, "x");
  EXPECT_EQ(t.dtype, 1);
  EXPECT_EQ(t.shape, (std::vector<int64_t>{2, 3}));
  EXPECT_EQ(values<float>(t), std::vector<float>(data, data + 6));
}

TEST(TensorProtoTest, FloatDataPackedAndUnpacked) {
  Proto unpacked;
  unpacked.dims({3}).dataType(1);
  for (float f : {1.5f, -2.0f, 8.0f})
    unpacked.key(4, 5).fixed(floatBits(f), 4);
  EXPECT_EQ(values<float>(parse(unpacked)),
            (std::vector<float>{1.5f, -2.0f, 8.0f}));

  Proto payload;
  for (float f : {1.5f, -2.0f, 8.0f})
    payload.fixed(floatBits(f), 4);
  Proto packed;
  packed.dims({3}).dataType(1).lengthDelimited(4, payload.bytes);
  EXPECT_EQ(values<float>(parse(packed)),
            (std::vector<float>{1.5f, -2.0f, 8.0f}));
}

TEST(TensorProtoTest, Int32DataCarriesNarrowTypes) {
  // int8 with negative values (sign-extended 10-byte varints), packed.
  Proto payload;
  for (int32_t v : {-1, 127, -128})
    payload.varint((uint64_t)(int64_t)v);
  Proto int8;
  int8.dims({3}).dataType(3).lengthDelimited(5, payload.bytes);
  EXPECT_EQ(values<int8_t>(parse(int8)), (std::vector<int8_t>{-1, 127, -128}));

  // float16 as bit patterns, unpacked.
  Proto half;
  half.dims({2}).dataType(10);
  half.key(5, 0).varint(0x3c00).key(5, 0).varint(0xc000);
  EXPECT_EQ(values<uint16_t>(parse(half)),
            (std::vector<uint16_t>{0x3c00, 0xc000}));

  Proto boolean;
  boolean.dims({2}).dataType(9).key(5, 0).varint(1).key(5, 0).varint(0);
  EXPECT_EQ(values<uint8_t>(parse(boolean)), (std::vector<uint8_t>{1, 0}));

  Proto int32;
  int32.dataType(6).key(5, 0).varint((uint64_t)(int64_t)-7); // a scalar
  HostTensor scalar = parse(int32);
  EXPECT_TRUE(scalar.shape.empty());
  EXPECT_EQ(values<int32_t>(scalar), (std::vector<int32_t>{-7}));
}

TEST(TensorProtoTest, WideTypes) {
  Proto int64;
  int64.dims({2}).dataType(7);
  int64.key(7, 0).varint((uint64_t)-5).key(7, 0).varint(1ull << 40);
  EXPECT_EQ(values<int64_t>(parse(int64)),
            (std::vector<int64_t>{-5, 1ll << 40}));

  double d[2] = {0.25, -1e300};
  uint64_t bits[2];
  std::memcpy(bits, d, 16);
  Proto payload;
  payload.fixed(bits[0], 8).fixed(bits[1], 8);
  Proto dbl;
  dbl.dims({2}).dataType(11).lengthDelimited(10, payload.bytes);
  EXPECT_EQ(values<double>(parse(dbl)), (std::vector<double>{0.25, -1e300}));

  Proto u32;
  u32.dims({1}).dataType(12).key(11, 0).varint(0xfffffffful);
  EXPECT_EQ(values<uint32_t>(parse(u32)), (std::vector<uint32_t>{0xffffffffu}));
  Proto u64;
  u64.dims({1}).dataType(13).key(11, 0).varint(~0ull);
  EXPECT_EQ(values<uint64_t>(parse(u64)), (std::vector<uint64_t>{~0ull}));
}

TEST(TensorProtoTest, SkipsUnknownFieldsAndEmptyTensors) {
  Proto p;
  p.dims({0, 4}).dataType(1);
  p.lengthDelimited(12, {'d', 'o', 'c'}); // doc_string
  p.key(100, 0).varint(3).key(101, 1).fixed(0, 8).key(102, 5).fixed(0, 4);
  HostTensor t = parse(p);
  EXPECT_EQ(t.shape, (std::vector<int64_t>{0, 4}));
  EXPECT_TRUE(t.data.empty());
}

TEST(TensorProtoTest, RejectsMalformedInput) {
  Proto empty;
  EXPECT_NE(parseError(empty).find("no data_type"), std::string::npos);
  Proto truncatedVarint;
  truncatedVarint.bytes = {0x08, 0x80};
  EXPECT_NE(parseError(truncatedVarint).find("field 1"), std::string::npos);
  Proto pastEnd;
  pastEnd.dataType(1).key(9, 2).varint(100);
  EXPECT_NE(parseError(pastEnd).find("field 9"), std::string::npos);
  Proto group;
  group.dataType(1).key(20, 3);
  parseError(group);
  Proto zeroField;
  zeroField.bytes = {0x00, 0x00};
  parseError(zeroField);
  Proto wrongWire;
  wrongWire.key(2, 5).fixed(1, 4);
  parseError(wrongWire);
  Proto count;
  count.dims({3}).dataType(1).key(4, 5).fixed(0, 4);
  EXPECT_NE(parseError(count).find("holds 1 values"), std::string::npos);
  Proto raw;
  raw.dims({2}).dataType(7).lengthDelimited(9, std::vector<uint8_t>(8));
  EXPECT_NE(parseError(raw).find("needs 16"), std::string::npos);
  Proto wrongField;
  wrongField.dims({1}).dataType(1).key(7, 0).varint(1);
  EXPECT_NE(parseError(wrongField).find("field 7"), std::string::npos);
  Proto external;
  external.dims({1}).dataType(1).key(14, 0).varint(1);
  EXPECT_NE(parseError(external).find("external data"), std::string::npos);
  Proto strings;
  strings.dims({1}).dataType(8).lengthDelimited(6, {'a'});
  EXPECT_NE(parseError(strings).find("string"), std::string::npos);
  Proto complex;
  complex.dims({1}).dataType(14);
  EXPECT_NE(parseError(complex).find("data_type 14"), std::string::npos);
  Proto negative;
  negative.dims({-1}).dataType(1);
  parseError(negative);
  Proto huge;
  huge.dims({1ll << 40, 1ll << 40}).dataType(1);
  EXPECT_NE(parseError(huge).find("too large"), std::string::npos);
  Proto overlong; // an 11-byte varint
  overlong.bytes = {0x10, 0xff, 0xff, 0xff, 0xff, 0xff,
                    0xff, 0xff, 0xff, 0xff, 0xff, 0x01};
  parseError(overlong);
}

TEST(TensorProtoTest, EveryTruncationFailsOrIsConsistent) {
  float data[4] = {1, 2, 3, 4};
  Proto p;
  p.dims({2, 2}).dataType(1).name("input").lengthDelimited(
      9, std::vector<uint8_t>((uint8_t *)data, (uint8_t *)data + 16));
  for (size_t size = 0; size < p.bytes.size(); ++size) {
    HostTensor t;
    std::string error;
    // A prefix of a protobuf message can be a valid message; it must then
    // describe itself consistently.
    if (parseTensorProto(p.bytes.data(), size, t, error)) {
      uint64_t count;
      ASSERT_TRUE(elementCount(t.shape, mica_dtype_size(t.dtype), count));
      EXPECT_EQ(count * mica_dtype_size(t.dtype), t.data.size());
    }
  }
}

// A file of the ONNX backend test suite (Debian's libonnx-testdata), and its
// expected output: Abs of a 3x4x5 float tensor.
TEST(TensorProtoTest, ReadsOnnxBackendTestData) {
  std::string dir =
      "/usr/include/onnx/backend/test/data/node/test_abs/test_data_set_0/";
  if (!std::ifstream(dir + "input_0.pb"))
    GTEST_SKIP() << "libonnx-testdata is not installed";
  HostTensor input, output;
  std::string error;
  ASSERT_TRUE(readTensorFile(dir + "input_0.pb", input, error)) << error;
  ASSERT_TRUE(readTensorFile(dir + "output_0.pb", output, error)) << error;
  EXPECT_EQ(input.name, "x");
  EXPECT_EQ(input.dtype, 1);
  EXPECT_EQ(input.shape, (std::vector<int64_t>{3, 4, 5}));
  EXPECT_EQ(output.shape, input.shape);
  std::vector<float> x = values<float>(input), y = values<float>(output);
  ASSERT_EQ(x.size(), 60u);
  for (size_t i = 0; i < x.size(); ++i)
    EXPECT_EQ(y[i], x[i] < 0 ? -x[i] : x[i]);
}

// readTensorFile tells the formats apart by content; errors name the file.
TEST(TensorProtoTest, ReadTensorFileNamesTheFile) {
  std::string path = testing::TempDir() + "/not_a_tensor.npy";
  {
    std::ofstream out(path, std::ios::binary);
    out << "\x93NUMPY\x01";
  }
  HostTensor t;
  std::string error;
  EXPECT_FALSE(readTensorFile(path, t, error));
  EXPECT_NE(error.find(path + ": invalid .npy file"), std::string::npos)
      << error;
  {
    std::ofstream out(path, std::ios::binary);
    out << "hello";
  }
  EXPECT_FALSE(readTensorFile(path, t, error));
  EXPECT_NE(error.find("not a .npy file and not a valid ONNX TensorProto"),
            std::string::npos)
      << error;
  EXPECT_FALSE(readTensorFile(path + ".missing", t, error));
  EXPECT_NE(error.find("cannot open"), std::string::npos) << error;
  EXPECT_FALSE(readTensorFile(testing::TempDir(), t, error));
  EXPECT_NE(error.find("not a regular file"), std::string::npos) << error;
}

} // namespace
