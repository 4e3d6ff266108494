// The .npy reader and writer of mica run (runtime/tools/runner/npy.cpp):
// round trips of every element type, files exactly as numpy writes them, and
// malformed files rejected with a message (never a crash).
#include "runtime/tools/runner/tensor_file.h"

#include <gtest/gtest.h>

#include <cstring>
#include <string>
#include <vector>

using namespace mica::runner;

namespace {

std::vector<uint8_t> bytesOf(const std::string &text) {
  return std::vector<uint8_t>(text.begin(), text.end());
}

// A v1.0 file with `header` (padded like numpy) followed by `data`.
std::vector<uint8_t> npyFile(const std::string &header,
                             const std::vector<uint8_t> &data, int major = 1) {
  std::string text = header;
  size_t prefix = major == 1 ? 10 : 12;
  while ((prefix + text.size() + 1) % 64)
    text += ' ';
  text += '\n';
  std::vector<uint8_t> file = bytesOf(std::string("\x93NUMPY", 6));
  file.push_back((uint8_t)major);
  file.push_back(0);
  for (size_t i = 0; i < prefix - 8; ++i)
    file.push_back((uint8_t)(text.size() >> (8 * i)));
  file.insert(file.end(), text.begin(), text.end());
  file.insert(file.end(), data.begin(), data.end());
  return file;
}

std::string parseError(const std::vector<uint8_t> &file) {
  HostTensor tensor;
  std::string error;
  EXPECT_FALSE(parseNpy(file.data(), file.size(), tensor, error));
  EXPECT_FALSE(error.empty());
  return error;
}

TEST(NpyTest, ReadsWhatNumpyWrites) {
  // numpy 1.24: np.save(f, np.arange(6, dtype=np.float32).reshape(2, 3)).
  std::string header = "{'descr': '<f4', 'fortran_order': False, 'shape': "
                       "(2, 3), }";
  header.append(118 - 1 - header.size(), ' ');
  header += '\n';
  std::vector<uint8_t> file =
      bytesOf(std::string("\x93NUMPY\x01\x00v\x00", 10));
  file.insert(file.end(), header.begin(), header.end());
  float values[6] = {0, 1, 2, 3, 4, 5};
  const uint8_t *raw = reinterpret_cast<const uint8_t *>(values);
  file.insert(file.end(), raw, raw + sizeof(values));
  ASSERT_EQ(file.size(), 152u);

  HostTensor tensor;
  std::string error;
  ASSERT_TRUE(parseNpy(file.data(), file.size(), tensor, error)) << error;
  EXPECT_EQ(tensor.dtype, 1);
  EXPECT_EQ(tensor.shape, (std::vector<int64_t>{2, 3}));
  ASSERT_EQ(tensor.data.size(), sizeof(values));
  EXPECT_EQ(std::memcmp(tensor.data.data(), values, sizeof(values)), 0);
}

TEST(NpyTest, HeaderVariants) {
  // Scalars, 1-D tuples, double quotes, '=' byte order, Python 2 longs, no
  // trailing comma, keys in another order, versions 2.0 and 3.0.
  struct Case {
    std::string header;
    int major;
    int32_t dtype;
    std::vector<int64_t> shape;
  } cases[] = {
      {"{'descr': '<i8', 'fortran_order': False, 'shape': (), }", 1, 7, {}},
      {"{'descr': '|u1', 'fortran_order': False, 'shape': (3,), }", 1, 2, {3}},
      {"{\"descr\": \"=i4\", \"fortran_order\": False, \"shape\": (2L, 1L)}",
       1,
       6,
       {2, 1}},
      {"{'shape': (1, 2), 'fortran_order': False, 'descr': '<f8'}",
       2,
       11,
       {1, 2}},
      {"{'descr': '<f2', 'fortran_order': True, 'shape': (4,), }", 3, 10, {4}},
      {"{'descr': '|b1', 'fortran_order': False, 'shape': (0, 3), }",
       1,
       9,
       {0, 3}},
      {"{'descr': '<V2', 'fortran_order': False, 'shape': (1,), }", 1, 16, {1}},
  };
  for (const Case &c : cases) {
    uint64_t count;
    ASSERT_TRUE(elementCount(c.shape, mica_dtype_size(c.dtype), count));
    std::vector<uint8_t> data(count * mica_dtype_size(c.dtype), 0x5a);
    std::vector<uint8_t> file = npyFile(c.header, data, c.major);
    HostTensor tensor;
    std::string error;
    ASSERT_TRUE(parseNpy(file.data(), file.size(), tensor, error))
        << c.header << ": " << error;
    EXPECT_EQ(tensor.dtype, c.dtype) << c.header;
    EXPECT_EQ(tensor.shape, c.shape) << c.header;
    EXPECT_EQ(tensor.data, data) << c.header;
  }
}

TEST(NpyTest, RoundTripsEveryType) {
  for (int32_t dtype : {1, 2, 3, 4, 5, 6, 7, 9, 10, 11, 12, 13, 16}) {
    for (std::vector<int64_t> shape :
         {std::vector<int64_t>{}, {5}, {2, 3, 4}, {0}, {1, 0, 7}}) {
      HostTensor in;
      in.dtype = dtype;
      in.shape = shape;
      uint64_t count;
      ASSERT_TRUE(elementCount(shape, mica_dtype_size(dtype), count));
      for (size_t i = 0; i < count * mica_dtype_size(dtype); ++i)
        in.data.push_back((uint8_t)(i * 7 + 1));
      std::vector<uint8_t> file;
      std::string error;
      ASSERT_TRUE(encodeNpy(in, file, error)) << error;
      HostTensor out;
      ASSERT_TRUE(parseNpy(file.data(), file.size(), out, error))
          << mica_dtype_name(dtype) << " " << formatShape(shape) << ": "
          << error;
      EXPECT_EQ(out.dtype, in.dtype);
      EXPECT_EQ(out.shape, in.shape);
      EXPECT_EQ(out.data, in.data);
      // numpy aligns the data to 64 bytes.
      EXPECT_EQ((file.size() - in.data.size()) % 64, 0u);
    }
  }
}

TEST(NpyTest, ManyDimensions) {
  HostTensor in;
  in.dtype = 2;
  in.shape.assign(64, 1); // the most dimensions the reader accepts
  in.data.assign(1, 9);
  std::vector<uint8_t> file;
  std::string error;
  ASSERT_TRUE(encodeNpy(in, file, error)) << error;
  EXPECT_EQ(file[6], 1);
  HostTensor out;
  ASSERT_TRUE(parseNpy(file.data(), file.size(), out, error)) << error;
  EXPECT_EQ(out.shape, in.shape);
}

TEST(NpyTest, EncodeRejectsInconsistentTensors) {
  HostTensor t;
  t.dtype = 1;
  t.shape = {2};
  t.data.assign(4, 0); // needs 8 bytes
  std::vector<uint8_t> file;
  std::string error;
  EXPECT_FALSE(encodeNpy(t, file, error));
  t.dtype = 8; // string
  t.data.assign(8, 0);
  EXPECT_FALSE(encodeNpy(t, file, error));
}

TEST(NpyTest, RejectsMalformedFiles) {
  std::vector<uint8_t> four(4, 0);
  const std::string good =
      "{'descr': '<f4', 'fortran_order': False, 'shape': (1,), }";
  EXPECT_NE(parseError(bytesOf("NUMPY\x01\x00")).find("magic"),
            std::string::npos);
  EXPECT_NE(parseError(bytesOf(std::string("\x93NUMPY\x04\x00\x10\x00", 10)))
                .find("version 4.0"),
            std::string::npos);
  // Header length past the end of the file.
  EXPECT_NE(parseError(bytesOf(std::string("\x93NUMPY\x01\x00\xff\x00{", 11)))
                .find("runs past"),
            std::string::npos);
  // Version 2.0 with a truncated 4-byte length.
  parseError(bytesOf(std::string("\x93NUMPY\x02\x00\x01\x00", 10)));
  EXPECT_NE(parseError(npyFile("{'descr': '>f4', 'fortran_order': False, "
                               "'shape': (1,), }",
                               four))
                .find("big-endian"),
            std::string::npos);
  EXPECT_NE(parseError(npyFile("{'descr': '<c8', 'fortran_order': False, "
                               "'shape': (1,), }",
                               std::vector<uint8_t>(8)))
                .find("unsupported dtype '<c8'"),
            std::string::npos);
  EXPECT_NE(parseError(npyFile("{'descr': [('a', '<f4')], 'fortran_order': "
                               "False, 'shape': (1,), }",
                               four))
                .find("structured"),
            std::string::npos);
  EXPECT_NE(parseError(npyFile("{'descr': '<f4', 'fortran_order': True, "
                               "'shape': (2, 2), }",
                               std::vector<uint8_t>(16)))
                .find("Fortran"),
            std::string::npos);
  EXPECT_NE(parseError(npyFile(good, std::vector<uint8_t>(8))).find("needs 4"),
            std::string::npos);
  EXPECT_NE(parseError(npyFile(good, {})).find("holds 0 bytes"),
            std::string::npos);
  parseError(npyFile("{'descr': '<f4', 'shape': (1,), }", four));
  parseError(npyFile(
      "{'descr': '<f4', 'fortran_order': Maybe, 'shape': (1,), }", four));
  parseError(npyFile(
      "{'descr': '<f4', 'fortran_order': False, 'shape': (-1,), }", four));
  parseError(npyFile("{'descr': '<f4', 'fortran_order': False, 'shape': [1], }",
                     four));
  parseError(npyFile("{'descr': '<f4', 'fortran_order': False, 'shape': (1,), "
                     "'extra': 1}",
                     four));
  parseError(npyFile(good + " trailing", four));
  parseError(npyFile("['descr', '<f4']", four));
  // Dimensions whose product overflows.
  EXPECT_NE(parseError(npyFile("{'descr': '<f4', 'fortran_order': False, "
                               "'shape': (4294967296, 4294967296), }",
                               four))
                .find("too large"),
            std::string::npos);
}

TEST(NpyTest, EveryTruncationFailsCleanly) {
  HostTensor in;
  in.dtype = 5;
  in.shape = {3, 2};
  in.data.assign(12, 1);
  std::vector<uint8_t> file;
  std::string error;
  ASSERT_TRUE(encodeNpy(in, file, error));
  for (size_t size = 0; size < file.size(); ++size) {
    HostTensor out;
    EXPECT_FALSE(parseNpy(file.data(), size, out, error)) << size;
  }
  // Every single-byte change of the header either fails or parses into a
  // consistent tensor.
  for (size_t at = 0; at < file.size() - in.data.size(); ++at) {
    for (uint8_t value : {0, 0x20, 0x27, 0x28, 0x29, 0x2c, 0x39, 0xff}) {
      std::vector<uint8_t> copy = file;
      copy[at] = value;
      HostTensor out;
      if (parseNpy(copy.data(), copy.size(), out, error)) {
        uint64_t count;
        ASSERT_TRUE(elementCount(out.shape, mica_dtype_size(out.dtype), count));
        EXPECT_EQ(count * mica_dtype_size(out.dtype), out.data.size());
      }
    }
  }
}

} // namespace
