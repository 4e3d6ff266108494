// Shared helpers of the runtime model tests: the test artifact "affine"
// (kernels in Inputs/kernels.c, compiled by the build for x86-64 and
// AArch64) and its variant with encoded constants, aligned buffers, owning
// pointers and in-place corruption.
#ifndef MICA_TEST_RUNTIME_MODEL_MODELTESTUTIL_H
#define MICA_TEST_RUNTIME_MODEL_MODELTESTUTIL_H

#include "compiler/artifact/Artifact.h"
#include "compiler/artifact/ConstantEncoding.h"
#include "mica/artifact_format.h"
#include "mica/runtime.h"
#include "runtime/model/model_internal.h"
#include "runtime/schema/mica_artifact_generated.h"

#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <iterator>
#include <memory>
#include <random>
#include <string>
#include <vector>

extern "C" {
// Inputs/kernels.c, linked into the test binary (mica_model_load_linked).
int32_t mica_test_add(const mica_kernel_ctx *ctx);
int32_t mica_test_scale(const mica_kernel_ctx *ctx);
int32_t mica_test_fail(const mica_kernel_ctx *ctx);
int32_t mica_test_bad_shape(const mica_kernel_ctx *ctx);
int32_t mica_test_counts(const mica_kernel_ctx *ctx);
int32_t mica_test_chain_first(const mica_kernel_ctx *ctx);
int32_t mica_test_chain(const mica_kernel_ctx *ctx);
}

namespace mica::test {

using Bytes = std::vector<uint8_t>;

#if defined(__x86_64__)
inline const char *const kHostArch = "x86_64";
inline const char *const kForeignArch = "aarch64";
#else
inline const char *const kHostArch = "aarch64";
inline const char *const kForeignArch = "x86_64";
#endif

// Inputs/kernels.c compiled for `arch` by the build.
inline Bytes kernelObject(const std::string &arch) {
  std::ifstream file(std::string(MICA_MODEL_INPUTS_DIR) + "/kernels." + arch +
                         ".o",
                     std::ios::binary);
  return Bytes(std::istreambuf_iterator<char>(file), {});
}

inline Bytes floatBytes(std::initializer_list<float> values) {
  Bytes bytes(values.size() * sizeof(float));
  std::memcpy(bytes.data(), values.begin(), bytes.size());
  return bytes;
}

inline constexpr float kWeights[4] = {1.0f, 2.0f, 3.0f, 4.0f};
inline constexpr float kScale = 0.5f;
inline constexpr int64_t kMaxRows = 8;
inline constexpr uint32_t kCodeSegment = 2;

struct AffineOptions {
  std::string arch = kHostArch;
  std::vector<std::string> features;
  bool linked = false; // no code segment: kernels linked into the program
};

// The test model described in Inputs/kernels.c, with entries "main",
// "fail" and "bad_shape".
inline artifact::Artifact makeAffine(const AffineOptions &options = {}) {
  using namespace artifact;
  Artifact a;
  a.producer = "mica-test";
  std::string name = options.arch == "aarch64" ? "arm64" : "host";
  a.targets.push_back({name,
                       options.arch == "aarch64" ? "aarch64-unknown-linux-gnu"
                                                 : "x86_64-unknown-linux-gnu",
                       options.arch, "generic", options.features});
  Segment w;
  w.bytes = floatBytes({kWeights[0], kWeights[1], kWeights[2], kWeights[3]});
  Segment s;
  s.bytes = floatBytes({kScale});
  a.segments = {w, s};
  const uint32_t code = options.linked ? kNoCodeSegment : kCodeSegment;
  if (!options.linked) {
    Segment c;
    c.kind = SegmentKind::Code;
    c.target = 0;
    c.bytes = kernelObject(options.arch);
    a.segments.push_back(c);
  }

  TensorSpec x{"x", MICA_DTYPE_FLOAT32, {-1, 4}, {kMaxRows, 4}, {"N", ""}};
  TensorSpec y{"y", MICA_DTYPE_FLOAT32, {-1, 4}, {kMaxRows, 4}, {"N", ""}};
  TensorSpec rows{"rows", MICA_DTYPE_INT64, {}, {}, {}};
  EntryPoint main;
  main.name = "main";
  main.inputs = {x};
  main.outputs = {y, rows};
  main.steps = {{0, code, "mica_test_add", {0}},
                {0, code, "mica_test_scale", {1, 2}}};
  main.arenaSize = kMaxRows * 4 * sizeof(float);
  main.intermediatesSize = main.arenaSize;
  EntryPoint fail;
  fail.name = "fail";
  fail.inputs = {x};
  fail.outputs = {y};
  fail.steps = {{0, code, "mica_test_fail", {}}};
  EntryPoint badShape;
  badShape.name = "bad_shape";
  badShape.inputs = {x};
  badShape.outputs = {y};
  badShape.steps = {{0, code, "mica_test_bad_shape", {}}};
  a.entryPoints = {main, fail, badShape};
  a.nodes = {
      {"add", "Add", 0, 0}, {"mul", "Mul", 1, 0}, {"rows", "Shape", 1, 0}};
  a.reportJson = "{\"version\":1}";
  return a;
}

// `prefix`, then data for which the ZeroBitmap writer picks each record
// mode, one chunk (artifact::kZeroBitmapChunkBytes) each: random bytes
// (raw, `prefix` included), float32 values with half the words zero
// (words), bytes with scattered zeros (bytes), zeros (zero), and a last
// partial chunk of `tail` bytes, not a whole number of words, with every
// third byte nonzero (bytes).
inline Bytes sparseConstants(const Bytes &prefix, size_t tail = 1001) {
  const size_t chunk = artifact::kZeroBitmapChunkBytes;
  std::mt19937 rng(7);
  Bytes out = prefix;
  while (out.size() < chunk)
    out.push_back(static_cast<uint8_t>(rng()));
  for (size_t w = 0; w < chunk / 4; ++w) {
    float value = rng() % 2 ? static_cast<float>(rng() % 1000 + 1) / 7.0f : 0;
    const uint8_t *bytes = reinterpret_cast<const uint8_t *>(&value);
    out.insert(out.end(), bytes, bytes + 4);
  }
  for (size_t i = 0; i < chunk; ++i)
    out.push_back(rng() % 2 ? static_cast<uint8_t>(rng() % 255 + 1) : 0);
  out.resize(out.size() + chunk, 0);
  for (size_t i = 0; i < tail; ++i)
    out.push_back(i % 3 ? 0 : static_cast<uint8_t>(i % 251 + 1));
  return out;
}

// "affine" with its weights segment (0) extended by sparseConstants and
// encoded; the scale segment (1) stays raw, encoding would not shrink it.
inline artifact::Artifact makeEncodedAffine(const AffineOptions &options = {}) {
  artifact::Artifact a = makeAffine(options);
  a.segments[0].bytes = sparseConstants(a.segments[0].bytes);
  artifact::encodeConstantSegments(a);
  return a;
}

// Entry "chain" (Inputs/kernels.c) of `blocks` steps: y = x + bias +
// w_1 + ... + w_blocks. Segment 0 (the bias) is resident, segments
// 1..blocks (w_k = {k, 2k, 3k, 4k}, padded to `padding` bytes) are Streamed
// with step k - 1 reading segment k, the code segment comes last.
inline constexpr float kChainBias[4] = {0.5f, -1.0f, 0.25f, 2.0f};
inline artifact::Artifact makeChain(uint32_t blocks, size_t padding = 20000) {
  using namespace artifact;
  Artifact a = makeAffine();
  a.requiredFeatures = {MICA_FEATURE_STREAMED_WEIGHTS};
  Segment bias;
  bias.bytes =
      floatBytes({kChainBias[0], kChainBias[1], kChainBias[2], kChainBias[3]});
  Segment code = a.segments.back();
  a.segments = {bias};
  EntryPoint chain = a.entryPoints[0];
  chain.name = "chain";
  chain.outputs.resize(1);
  chain.steps.clear();
  a.nodes.clear();
  for (uint32_t k = 1; k <= blocks; ++k) {
    Segment w;
    w.kind = SegmentKind::Streamed;
    const float f = static_cast<float>(k);
    w.bytes = floatBytes({f, 2 * f, 3 * f, 4 * f});
    w.bytes.resize(padding > w.bytes.size() ? padding : w.bytes.size(),
                   static_cast<uint8_t>(k));
    a.segments.push_back(w);
    Step step{0,
              blocks + 1,
              k == 1 ? "mica_test_chain_first" : "mica_test_chain",
              {k - 1}};
    step.streamed = static_cast<int32_t>(k);
    chain.steps.push_back(step);
    a.nodes.push_back({"add" + std::to_string(k), "Add", k - 1, 0});
  }
  a.segments.push_back(code);
  chain.arenaSize = kMaxRows * 4 * sizeof(float) + sizeof(int64_t);
  chain.intermediatesSize = chain.arenaSize;
  a.entryPoints = {chain};
  return a;
}

// y of "chain" for x.
inline std::vector<float> chainExpected(const std::vector<float> &x,
                                        uint32_t blocks) {
  std::vector<float> y(x.size());
  for (size_t i = 0; i < x.size(); ++i) {
    float t = x[i] + kChainBias[i % 4];
    for (uint32_t k = 1; k <= blocks; ++k)
      t += static_cast<float>(k) * static_cast<float>(i % 4 + 1);
    y[i] = t;
  }
  return y;
}

// Recomputes the resident hash (when there is a resident prefix), then the
// content hash, as the writer does.
inline void rehashAll(Bytes &file) {
  const size_t residentAt = offsetof(mica_artifact_header, resident_hash);
  const size_t contentAt = offsetof(mica_artifact_header, content_hash);
  uint64_t resident = 0;
  for (int i = 7; i >= 0; --i)
    resident =
        resident << 8 | file[offsetof(mica_artifact_header, resident_size) + i];
  std::memset(file.data() + residentAt, 0, 8);
  std::memset(file.data() + contentAt, 0, 8);
  if (resident && resident <= file.size()) {
    uint64_t hash = mica_fnv1a64(file.data(), resident, MICA_FNV_OFFSET_BASIS);
    for (int i = 0; i < 8; ++i)
      file[residentAt + i] = static_cast<uint8_t>(hash >> (8 * i));
  }
  uint64_t hash = mica_fnv1a64(file.data(), file.size(), MICA_FNV_OFFSET_BASIS);
  for (int i = 0; i < 8; ++i)
    file[contentAt + i] = static_cast<uint8_t>(hash >> (8 * i));
}

inline mica_linked_kernel kLinkedKernels[] = {
    {"mica_test_add", &mica_test_add},
    {"mica_test_scale", &mica_test_scale},
    {"mica_test_fail", &mica_test_fail},
    {"mica_test_bad_shape", &mica_test_bad_shape},
    {"mica_test_counts", &mica_test_counts},
    {"mica_test_chain_first", &mica_test_chain_first},
    {"mica_test_chain", &mica_test_chain},
};

// A 64-byte aligned copy of an artifact (what a mapped file gives).
class Aligned {
public:
  explicit Aligned(const Bytes &bytes) : size_(bytes.size()) {
    data_ = static_cast<uint8_t *>(std::aligned_alloc(64, (size_ + 64) & ~63u));
    if (size_)
      std::memcpy(data_, bytes.data(), size_);
  }
  ~Aligned() { std::free(data_); }
  Aligned(const Aligned &) = delete;
  Aligned &operator=(const Aligned &) = delete;
  const uint8_t *data() const { return data_; }
  size_t size() const { return size_; }

private:
  uint8_t *data_;
  size_t size_;
};

struct ModelDeleter {
  void operator()(mica_model *m) const { mica_model_free(m); }
};
using ModelPtr = std::unique_ptr<mica_model, ModelDeleter>;
struct ContextDeleter {
  void operator()(mica_context *c) const { mica_context_free(c); }
};
using ContextPtr = std::unique_ptr<mica_context, ContextDeleter>;

// A model loaded from an aligned copy that it keeps alive.
struct Loaded {
  std::unique_ptr<Aligned> bytes;
  ModelPtr model;
  mica_status status = MICA_OK;
  std::string error;
};

enum class Mode { Code, Linked, Metadata };

inline Loaded load(const Bytes &file, Mode mode = Mode::Code,
                   mica_cpu_probe probe = nullptr, void *probeUser = nullptr) {
  Loaded out;
  out.bytes = std::make_unique<Aligned>(file);
  char error[512] = {0};
  mica_msg msg = {error, sizeof(error)};
  mica_load_request request = {};
  request.mode = mode == Mode::Code     ? MICA_LOAD_CODE
                 : mode == Mode::Linked ? MICA_LOAD_LINKED
                                        : MICA_LOAD_METADATA;
  request.kernels = kLinkedKernels;
  request.num_kernels = std::size(kLinkedKernels);
  request.probe = probe;
  request.probe_user = probeUser;
  mica_model *model = nullptr;
  out.status = mica_model_load_with(out.bytes->data(), out.bytes->size(),
                                    &request, &model, &msg);
  out.model.reset(model);
  out.error = error;
  return out;
}

// Recomputes the content hash after an edit, as a writer would.
inline void rehash(Bytes &file) {
  const size_t at = offsetof(mica_artifact_header, content_hash);
  std::memset(file.data() + at, 0, 8);
  uint64_t hash = mica_fnv1a64(file.data(), file.size(), MICA_FNV_OFFSET_BASIS);
  for (int i = 0; i < 8; ++i)
    file[at + i] = static_cast<uint8_t>(hash >> (8 * i));
}

// The metadata of a serialized artifact, for in-place edits (every scalar
// is stored: the writer uses ForceDefaults).
inline fb::Model *mutableMeta(Bytes &file) {
  return fb::GetMutableModel(file.data() + MICA_ARTIFACT_HEADER_SIZE);
}

inline void putLE32(Bytes &file, size_t at, uint32_t value) {
  for (int i = 0; i < 4; ++i)
    file[at + i] = static_cast<uint8_t>(value >> (8 * i));
}
inline void putLE64(Bytes &file, size_t at, uint64_t value) {
  for (int i = 0; i < 8; ++i)
    file[at + i] = static_cast<uint8_t>(value >> (8 * i));
}

} // namespace mica::test

#endif // MICA_TEST_RUNTIME_MODEL_MODELTESTUTIL_H
