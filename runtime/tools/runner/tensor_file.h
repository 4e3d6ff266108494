//===- tensor_file.h - Tensors in .npy and ONNX TensorProto files -*- C++
//-*-===//
//
// The file formats `mica run` reads inputs from and writes outputs to:
// - .npy (numpy's format, versions 1.0, 2.0 and 3.0): little-endian, C order;
// - ONNX TensorProto (.pb, as in the ONNX backend test suite), decoded by a
//   minimal protobuf reader (no protobuf library): dims, data_type, name,
//   raw_data and the typed repeated fields, packed or not.
// Readers validate everything and fail with a message, never crash; element
// types use ONNX's numbering (mica_dtype in runtime/include/mica/runtime.h).
//===----------------------------------------------------------------------===//
#ifndef MICA_RUNTIME_TOOLS_RUNNER_TENSOR_FILE_H
#define MICA_RUNTIME_TOOLS_RUNNER_TENSOR_FILE_H

#include "mica/runtime.h" // mica_dtype_size, mica_dtype_name

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace mica::runner {

/// A dense row-major tensor held by the tool.
struct HostTensor {
  std::string name; // TensorProto.name; empty for .npy
  int32_t dtype = 0;
  std::vector<int64_t> shape;
  std::vector<uint8_t> data;
};

/// Number of elements of `shape` (1 for a scalar); false on a negative
/// dimension or when the count times `elementSize` overflows.
bool elementCount(const std::vector<int64_t> &shape, size_t elementSize,
                  uint64_t &count);
/// "1x3x224x224"; "scalar" for rank 0.
std::string formatShape(const std::vector<int64_t> &shape);

/// Parses the bytes of a .npy file.
bool parseNpy(const uint8_t *bytes, size_t size, HostTensor &tensor,
              std::string &error);
/// The bytes of a .npy file (version 1.0, or 2.0 when the header needs it).
bool encodeNpy(const HostTensor &tensor, std::vector<uint8_t> &bytes,
               std::string &error);

/// Parses the bytes of a serialized onnx.TensorProto.
bool parseTensorProto(const uint8_t *bytes, size_t size, HostTensor &tensor,
                      std::string &error);

/// Reads a whole file; false with a message naming it on failure.
bool readFile(const std::string &path, std::vector<uint8_t> &bytes,
              std::string &error);
/// Reads a .npy or TensorProto file, told apart by content (the npy magic)
/// rather than by extension. Errors name the file.
bool readTensorFile(const std::string &path, HostTensor &tensor,
                    std::string &error);
/// Writes `bytes` to `path` through a temporary file renamed into place.
bool writeFileAtomically(const std::string &path,
                         const std::vector<uint8_t> &bytes, std::string &error);

} // namespace mica::runner

#endif // MICA_RUNTIME_TOOLS_RUNNER_TENSOR_FILE_H
