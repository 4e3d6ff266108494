//===- TensorFile.h - Tensors from .npy and .pb files ------------*- C++
//-*-===//
//
// The compiler reads tensors from files for --freeze-input: NumPy's .npy
// (format 1.0-3.0, little-endian, C order) and ONNX TensorProto .pb, the
// two formats `mica run` also reads.
//===----------------------------------------------------------------------===//
#ifndef MICA_COMPILER_ONNX_TENSORFILE_H
#define MICA_COMPILER_ONNX_TENSORFILE_H

#include <cstdint>
#include <string>
#include <vector>

namespace onnx {
class TensorProto;
} // namespace onnx

namespace mica {

/// A tensor read from a file, for code that includes no protobuf header:
/// ONNX element type, dims and little-endian row-major data.
struct TensorData {
  int32_t dataType = 0;
  std::vector<int64_t> dims;
  std::string bytes;
};

/// readTensorFile into a TensorData.
bool readTensorData(const std::string &path, TensorData &tensor,
                    std::string &error);

/// Reads `path` (.npy by its magic, otherwise TensorProto) into `tensor`
/// with its data in raw_data. On failure returns false with `error` set.
bool readTensorFile(const std::string &path, onnx::TensorProto &tensor,
                    std::string &error);

} // namespace mica

#endif // MICA_COMPILER_ONNX_TENSORFILE_H
