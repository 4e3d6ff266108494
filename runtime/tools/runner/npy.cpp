//===- npy.cpp - numpy's .npy format --------------------------------------===//
//
// https://numpy.org/doc/stable/reference/generated/numpy.lib.format.html:
// "\x93NUMPY", major, minor, header length (2 bytes little-endian in 1.0,
// 4 bytes in 2.0 and 3.0), then a Python dict literal
//   {'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }
// padded with spaces and a newline, then the data. Only little-endian C-order
// arrays of the element types the runtime knows are accepted; bfloat16 is
// written and read as the 2-byte void type '<V2' (what numpy saves for
// ml_dtypes.bfloat16).
//===----------------------------------------------------------------------===//
#include "runtime/tools/runner/tensor_file.h"

#include <cstring>

namespace mica::runner {
namespace {

struct Descr {
  const char *code; // without the byte-order character
  int32_t dtype;
};
constexpr Descr kDescrs[] = {
    {"f4", 1},  {"u1", 2},  {"i1", 3},  {"u2", 4},  {"i2", 5},
    {"i4", 6},  {"i8", 7},  {"b1", 9},  {"f2", 10}, {"f8", 11},
    {"u4", 12}, {"u8", 13}, {"V2", 16},
};

// A cursor over the header text with the few Python literals it may hold.
class HeaderParser {
public:
  HeaderParser(const char *text, size_t size) : p(text), end(text + size) {}

  void skipSpace() {
    while (p < end && (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r'))
      ++p;
  }
  bool consume(char c) {
    skipSpace();
    if (p < end && *p == c) {
      ++p;
      return true;
    }
    return false;
  }
  bool peek(char c) {
    skipSpace();
    return p < end && *p == c;
  }
  bool atEnd() {
    skipSpace();
    return p == end;
  }
  bool parseString(std::string &out) {
    skipSpace();
    if (p == end || (*p != '\'' && *p != '"'))
      return false;
    char quote = *p++;
    out.clear();
    while (p < end && *p != quote) {
      if (*p == '\\')
        return false; // never in a header numpy writes
      out += *p++;
    }
    if (p == end)
      return false;
    ++p;
    return true;
  }
  bool parseWord(const char *word) {
    skipSpace();
    size_t n = std::strlen(word);
    if ((size_t)(end - p) < n || std::memcmp(p, word, n) != 0)
      return false;
    p += n;
    return true;
  }
  bool parseInt(int64_t &value) {
    skipSpace();
    if (p == end || *p < '0' || *p > '9')
      return false;
    uint64_t v = 0;
    while (p < end && *p >= '0' && *p <= '9') {
      v = v * 10 + (uint64_t)(*p++ - '0');
      if (v > (uint64_t)INT64_MAX / 16)
        return false;
    }
    if (p < end && *p == 'L') // Python 2 longs
      ++p;
    value = (int64_t)v;
    return true;
  }
  // (d0, d1, ...) with an optional trailing comma; () for a scalar.
  bool parseTuple(std::vector<int64_t> &dims) {
    if (!consume('('))
      return false;
    dims.clear();
    while (!consume(')')) {
      int64_t d;
      if (!parseInt(d))
        return false;
      dims.push_back(d);
      if (!consume(',') && !peek(')'))
        return false;
      if (dims.size() > 64)
        return false;
    }
    return true;
  }

private:
  const char *p, *end;
};

uint32_t readLE(const uint8_t *bytes, int n) {
  uint32_t v = 0;
  for (int i = n - 1; i >= 0; --i)
    v = (v << 8) | bytes[i];
  return v;
}

bool parseDescr(const std::string &descr, int32_t &dtype, std::string &error) {
  if (descr.size() == 3) {
    char order = descr[0];
    std::string code = descr.substr(1);
    for (const Descr &d : kDescrs) {
      if (code != d.code)
        continue;
      bool singleByte = code[1] == '1';
      if (order == '<' || order == '=' || (order == '|' && singleByte)) {
        dtype = d.dtype;
        return true;
      }
      if (order == '>' && !singleByte) {
        error = "big-endian data ('" + descr +
                "') is not supported; save it little-endian";
        return false;
      }
    }
  }
  error = "unsupported dtype '" + descr + "'";
  return false;
}

} // namespace

bool parseNpy(const uint8_t *bytes, size_t size, HostTensor &tensor,
              std::string &error) {
  if (size < 10 || std::memcmp(bytes, "\x93NUMPY", 6) != 0) {
    error = "missing the \\x93NUMPY magic";
    return false;
  }
  unsigned major = bytes[6], minor = bytes[7];
  if (major < 1 || major > 3 || minor != 0) {
    error = "unsupported format version " + std::to_string(major) + "." +
            std::to_string(minor) + " (1.0, 2.0 and 3.0 are read)";
    return false;
  }
  size_t prefix = major == 1 ? 10 : 12;
  if (size < prefix) {
    error = "truncated header";
    return false;
  }
  size_t headerSize = readLE(bytes + 8, major == 1 ? 2 : 4);
  if (headerSize > size - prefix) {
    error = "header of " + std::to_string(headerSize) +
            " bytes runs past the end of the file";
    return false;
  }
  HeaderParser parser(reinterpret_cast<const char *>(bytes + prefix),
                      headerSize);
  std::string descr;
  bool haveDescr = false, haveOrder = false, haveShape = false, fortran = false;
  std::vector<int64_t> shape;
  if (!parser.consume('{')) {
    error = "header is not a dict";
    return false;
  }
  while (!parser.consume('}')) {
    std::string key;
    if (!parser.parseString(key) || !parser.consume(':')) {
      error = "malformed header";
      return false;
    }
    if (key == "descr") {
      if (!parser.parseString(descr)) {
        error = "unsupported dtype (structured arrays are not supported)";
        return false;
      }
      haveDescr = true;
    } else if (key == "fortran_order") {
      if (parser.parseWord("True"))
        fortran = true;
      else if (!parser.parseWord("False")) {
        error = "malformed header: fortran_order is not True or False";
        return false;
      }
      haveOrder = true;
    } else if (key == "shape") {
      if (!parser.parseTuple(shape)) {
        error = "malformed header: shape is not a tuple of integers";
        return false;
      }
      haveShape = true;
    } else {
      error = "malformed header: unknown key '" + key + "'";
      return false;
    }
    if (!parser.consume(',') && !parser.peek('}')) {
      error = "malformed header";
      return false;
    }
  }
  if (!parser.atEnd()) {
    error = "malformed header: text after the dict";
    return false;
  }
  if (!haveDescr || !haveOrder || !haveShape) {
    error = "malformed header: needs descr, fortran_order and shape";
    return false;
  }
  if (!parseDescr(descr, tensor.dtype, error))
    return false;
  size_t elementSize = mica_dtype_size(tensor.dtype);
  uint64_t count;
  if (!elementCount(shape, elementSize, count)) {
    error = "shape " + formatShape(shape) + " is too large";
    return false;
  }
  if (fortran && shape.size() > 1) {
    error = "Fortran-order arrays are not supported; save a C-order array "
            "(numpy.ascontiguousarray)";
    return false;
  }
  size_t dataSize = (size_t)count * elementSize;
  size_t available = size - prefix - headerSize;
  if (available != dataSize) {
    error = "holds " + std::to_string(available) +
            " bytes of data, its shape " + formatShape(shape) + " of " +
            mica_dtype_name(tensor.dtype) + " needs " +
            std::to_string(dataSize);
    return false;
  }
  tensor.name.clear();
  tensor.shape = shape;
  tensor.data.assign(bytes + prefix + headerSize, bytes + size);
  return true;
}

bool encodeNpy(const HostTensor &tensor, std::vector<uint8_t> &bytes,
               std::string &error) {
  const char *code = nullptr;
  for (const Descr &d : kDescrs)
    if (d.dtype == tensor.dtype)
      code = d.code;
  uint64_t count;
  size_t elementSize = mica_dtype_size(tensor.dtype);
  if (!code || !elementCount(tensor.shape, elementSize, count) ||
      count * elementSize != tensor.data.size()) {
    error = "cannot write a " + std::string(mica_dtype_name(tensor.dtype)) +
            " tensor of shape " + formatShape(tensor.shape) + " and " +
            std::to_string(tensor.data.size()) + " bytes as .npy";
    return false;
  }
  std::string header = "{'descr': '";
  header += code[1] == '1' ? '|' : '<';
  header += code;
  header += "', 'fortran_order': False, 'shape': (";
  for (size_t i = 0; i < tensor.shape.size(); ++i) {
    header += std::to_string(tensor.shape[i]);
    if (i + 1 < tensor.shape.size() || tensor.shape.size() == 1)
      header += ',';
    if (i + 1 < tensor.shape.size())
      header += ' ';
  }
  header += "), }";
  // Pad with spaces and end with a newline so that the data starts at a
  // multiple of 64 bytes, as numpy does.
  size_t prefix = 10;
  if (header.size() + 1 + prefix > 65535)
    prefix = 12;
  size_t total = prefix + header.size() + 1;
  header.append((64 - total % 64) % 64, ' ');
  header += '\n';
  bytes.clear();
  bytes.reserve(prefix + header.size() + tensor.data.size());
  const char magic[] = "\x93NUMPY";
  bytes.insert(bytes.end(), magic, magic + 6);
  bytes.push_back(prefix == 10 ? 1 : 2);
  bytes.push_back(0);
  uint32_t len = (uint32_t)header.size();
  for (size_t i = 0; i < prefix - 8; ++i)
    bytes.push_back((uint8_t)(len >> (8 * i)));
  bytes.insert(bytes.end(), header.begin(), header.end());
  bytes.insert(bytes.end(), tensor.data.begin(), tensor.data.end());
  return true;
}

} // namespace mica::runner
