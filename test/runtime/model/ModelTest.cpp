//===- ModelTest.cpp - Load and run .mica artifacts
//-------------------------===//
//
// The test model "affine" (ModelTestUtil.h, Inputs/kernels.c) written with
// serializeArtifact and run through the public C API: outputs and shapes by
// name and index, symbolic dimension bounds, caller-supplied arenas, layer
// hooks, kernel failures, linked kernels, files, metadata-only loads of a
// foreign-target artifact and the model queries.
//
//===----------------------------------------------------------------------===//
#include "ModelTestUtil.h"

#include <gtest/gtest.h>

#include <cstdio>
#include <unistd.h>

using namespace mica::test;
using mica::artifact::serializeArtifact;

namespace {

// Runs entry "main" on rows x 4 inputs and checks (x + w) * s.
void runAffine(mica_context *ctx, int64_t rows) {
  std::vector<float> x(rows * 4);
  for (size_t i = 0; i < x.size(); ++i)
    x[i] = static_cast<float>(i) - 3.0f;
  int64_t shape[2] = {rows, 4};
  char error[256] = {0};
  ASSERT_EQ(
      mica_context_set_input(ctx, 0, x.data(), shape, 2, error, sizeof(error)),
      MICA_OK)
      << error;
  ASSERT_EQ(mica_context_run(ctx, error, sizeof(error)), MICA_OK) << error;

  const void *data = nullptr;
  const int64_t *outShape = nullptr;
  int32_t rank = -1;
  ASSERT_EQ(mica_context_output(ctx, 0, &data, &outShape, &rank), MICA_OK);
  ASSERT_EQ(rank, 2);
  EXPECT_EQ(outShape[0], rows);
  EXPECT_EQ(outShape[1], 4);
  const float *y = static_cast<const float *>(data);
  for (size_t i = 0; i < x.size(); ++i)
    EXPECT_FLOAT_EQ(y[i], (x[i] + kWeights[i % 4]) * kScale) << "at " << i;

  ASSERT_EQ(mica_context_output(ctx, 1, &data, &outShape, &rank), MICA_OK);
  EXPECT_EQ(rank, 0);
  EXPECT_EQ(*static_cast<const int64_t *>(data), rows);
}

ContextPtr createContext(mica_model *model, uint32_t entry = 0,
                         void *arena = nullptr, size_t arenaSize = 0) {
  mica_context *ctx = nullptr;
  char error[256] = {0};
  EXPECT_EQ(mica_context_create(model, entry, arena, arenaSize, 1, &ctx, error,
                                sizeof(error)),
            MICA_OK)
      << error;
  return ContextPtr(ctx);
}

TEST(ModelTest, RunsAndReportsOutputsByIndexAndName) {
  Loaded m = load(serializeArtifact(makeAffine()));
  ASSERT_EQ(m.status, MICA_OK) << m.error;
  ContextPtr ctx = createContext(m.model.get());
  ASSERT_TRUE(ctx);
  runAffine(ctx.get(), 3);
  runAffine(ctx.get(), kMaxRows); // the same context, a larger N
  runAffine(ctx.get(), 0);

  mica_model *model = m.model.get();
  EXPECT_EQ(mica_model_find_input(model, 0, "x"), 0);
  EXPECT_EQ(mica_model_find_output(model, 0, "y"), 0);
  EXPECT_EQ(mica_model_find_output(model, 0, "rows"), 1);
  EXPECT_EQ(mica_model_find_output(model, 0, "nope"), -1);
  EXPECT_EQ(mica_model_find_output(model, 0, nullptr), -1);

  mica_tensor_info info;
  ASSERT_EQ(mica_model_output_info(model, 0, 0, &info), MICA_OK);
  EXPECT_STREQ(info.name, "y");
  EXPECT_EQ(info.dtype, MICA_DTYPE_FLOAT32);
  ASSERT_EQ(info.rank, 2);
  EXPECT_EQ(info.shape[0], -1);
  EXPECT_EQ(info.shape[1], 4);
  EXPECT_EQ(info.max_shape[0], kMaxRows);
  EXPECT_EQ(info.max_bytes, size_t(kMaxRows * 4 * 4));
  ASSERT_EQ(mica_model_output_info(model, 0, 1, &info), MICA_OK);
  EXPECT_STREQ(info.name, "rows");
  EXPECT_EQ(info.rank, 0);
  EXPECT_EQ(info.max_bytes, 8u);
  EXPECT_EQ(mica_model_output_info(model, 0, 2, &info),
            MICA_ERROR_INVALID_ARGUMENT);
  EXPECT_EQ(info.name, nullptr);
  EXPECT_EQ(mica_model_input_info(model, 7, 0, &info),
            MICA_ERROR_INVALID_ARGUMENT);

  const void *data = nullptr;
  EXPECT_EQ(mica_context_output(ctx.get(), 2, &data, nullptr, nullptr),
            MICA_ERROR_INVALID_ARGUMENT);
  EXPECT_EQ(data, nullptr);
}

TEST(ModelTest, NoOutputsBeforeTheFirstRun) {
  Loaded m = load(serializeArtifact(makeAffine()));
  ASSERT_EQ(m.status, MICA_OK) << m.error;
  ContextPtr ctx = createContext(m.model.get());
  const void *data = nullptr;
  EXPECT_EQ(mica_context_output(ctx.get(), 0, &data, nullptr, nullptr),
            MICA_ERROR_INVALID_ARGUMENT);
  char error[256] = {0};
  EXPECT_EQ(mica_context_run(ctx.get(), error, sizeof(error)),
            MICA_ERROR_INVALID_ARGUMENT);
  EXPECT_NE(std::string(error).find("input 0 'x' is not bound"),
            std::string::npos)
      << error;
}

TEST(ModelTest, SetInputChecksRankStaticDimsAndBounds) {
  Loaded m = load(serializeArtifact(makeAffine()));
  ASSERT_EQ(m.status, MICA_OK) << m.error;
  ContextPtr ctx = createContext(m.model.get());
  float x[kMaxRows * 4 + 4] = {0};
  char error[256];
  auto setInput = [&](std::vector<int64_t> shape, const void *data) {
    error[0] = '\0';
    return mica_context_set_input(ctx.get(), 0, data, shape.data(),
                                  static_cast<int32_t>(shape.size()), error,
                                  sizeof(error));
  };
  EXPECT_EQ(setInput({kMaxRows, 4}, x), MICA_OK);
  EXPECT_EQ(setInput({0, 4}, nullptr), MICA_OK) << "an empty tensor";
  EXPECT_EQ(setInput({kMaxRows + 1, 4}, x), MICA_ERROR_INVALID_ARGUMENT);
  EXPECT_NE(std::string(error).find("dimension 0 is 9, outside [0, 8]"),
            std::string::npos)
      << error;
  EXPECT_EQ(setInput({-1, 4}, x), MICA_ERROR_INVALID_ARGUMENT);
  EXPECT_EQ(setInput({2, 5}, x), MICA_ERROR_INVALID_ARGUMENT);
  EXPECT_NE(std::string(error).find("dimension 1 is 5, the model fixes it at "
                                    "4"),
            std::string::npos)
      << error;
  EXPECT_EQ(setInput({2, 4, 1}, x), MICA_ERROR_INVALID_ARGUMENT);
  EXPECT_NE(std::string(error).find("rank 3 given, the model's is 2"),
            std::string::npos)
      << error;
  EXPECT_EQ(setInput({2, 4}, nullptr), MICA_ERROR_INVALID_ARGUMENT);
  EXPECT_EQ(
      mica_context_set_input(ctx.get(), 1, x, nullptr, 0, error, sizeof(error)),
      MICA_ERROR_INVALID_ARGUMENT);
  EXPECT_NE(std::string(error).find("input 1 out of range"), std::string::npos)
      << error;
  // A failed set_input unbinds the input: no run on stale data.
  EXPECT_EQ(mica_context_run(ctx.get(), error, sizeof(error)),
            MICA_ERROR_INVALID_ARGUMENT);
}

TEST(ModelTest, CallerSuppliedArena) {
  Loaded m = load(serializeArtifact(makeAffine()));
  ASSERT_EQ(m.status, MICA_OK) << m.error;
  const size_t size = mica_model_arena_size(m.model.get(), 0);
  ASSERT_EQ(size, size_t(kMaxRows * 4 * sizeof(float)));
  EXPECT_EQ(mica_model_intermediates_size(m.model.get(), 0), size);
  alignas(64) float arena[kMaxRows * 4 + 16];

  mica_context *raw = nullptr;
  char error[256] = {0};
  EXPECT_EQ(mica_context_create(m.model.get(), 0, arena, size - 1, 1, &raw,
                                error, sizeof(error)),
            MICA_ERROR_INVALID_ARGUMENT);
  EXPECT_EQ(raw, nullptr);
  EXPECT_EQ(mica_context_create(m.model.get(), 0, arena + 1, size, 1, &raw,
                                error, sizeof(error)),
            MICA_ERROR_INVALID_ARGUMENT);
  EXPECT_NE(std::string(error).find("64-byte aligned arena"), std::string::npos)
      << error;

  ContextPtr ctx = createContext(m.model.get(), 0, arena, sizeof(arena));
  ASSERT_TRUE(ctx);
  runAffine(ctx.get(), 2);
  // The intermediate x + w lives in the caller's arena.
  for (int i = 0; i < 8; ++i)
    EXPECT_FLOAT_EQ(arena[i], static_cast<float>(i) - 3.0f + kWeights[i % 4]);
}

struct HookLog {
  std::vector<std::pair<uint32_t, int32_t>> calls;
};

TEST(ModelTest, HooksSeeEveryNodeInOrder) {
  Loaded m = load(serializeArtifact(makeAffine()));
  ASSERT_EQ(m.status, MICA_OK) << m.error;
  ContextPtr ctx = createContext(m.model.get());
  HookLog log;
  mica_hooks hooks = {&log, [](void *user, uint32_t node, int32_t phase) {
                        static_cast<HookLog *>(user)->calls.push_back(
                            {node, phase});
                      }};
  mica_context_set_hooks(ctx.get(), &hooks);
  runAffine(ctx.get(), 1);
  // Node 99 (out of the node table) is filtered out by the runtime.
  std::vector<std::pair<uint32_t, int32_t>> expected = {{0, 0}, {0, 1}, {1, 0},
                                                        {1, 1}, {2, 0}, {2, 1}};
  EXPECT_EQ(log.calls, expected);
  for (auto [node, phase] : log.calls)
    EXPECT_NE(mica_model_node_name(m.model.get(), node), nullptr);
  EXPECT_STREQ(mica_model_node_name(m.model.get(), 1), "mul");
  EXPECT_STREQ(mica_model_node_op_type(m.model.get(), 2), "Shape");

  mica_context_set_hooks(ctx.get(), nullptr);
  log.calls.clear();
  runAffine(ctx.get(), 1);
  EXPECT_TRUE(log.calls.empty());
}

TEST(ModelTest, KernelFailuresAreReported) {
  Loaded m = load(serializeArtifact(makeAffine()));
  ASSERT_EQ(m.status, MICA_OK) << m.error;
  float x[4] = {0};
  int64_t shape[2] = {1, 4};
  char error[256] = {0};

  int32_t fail = mica_model_find_entry_point(m.model.get(), "fail");
  ASSERT_EQ(fail, 1);
  ContextPtr ctx = createContext(m.model.get(), fail);
  ASSERT_EQ(
      mica_context_set_input(ctx.get(), 0, x, shape, 2, error, sizeof(error)),
      MICA_OK);
  EXPECT_EQ(mica_context_run(ctx.get(), error, sizeof(error)),
            MICA_ERROR_KERNEL);
  EXPECT_NE(std::string(error).find("kernel 'mica_test_fail') failed with "
                                    "status 42"),
            std::string::npos)
      << error;
  const void *data = nullptr;
  EXPECT_EQ(mica_context_output(ctx.get(), 0, &data, nullptr, nullptr),
            MICA_ERROR_INVALID_ARGUMENT);

  int32_t bad = mica_model_find_entry_point(m.model.get(), "bad_shape");
  ASSERT_EQ(bad, 2);
  ctx = createContext(m.model.get(), bad);
  ASSERT_EQ(
      mica_context_set_input(ctx.get(), 0, x, shape, 2, error, sizeof(error)),
      MICA_OK);
  EXPECT_EQ(mica_context_run(ctx.get(), error, sizeof(error)),
            MICA_ERROR_KERNEL);
  EXPECT_NE(std::string(error).find("dimension 0 as 1000"), std::string::npos)
      << error;
}

TEST(ModelTest, QueriesDescribeTheArtifact) {
  mica::artifact::Artifact a = makeAffine({kHostArch, {"+sse2", "-avx"}});
  Bytes file = serializeArtifact(a);
  Loaded m = load(file, Mode::Metadata);
  ASSERT_EQ(m.status, MICA_OK) << m.error;
  mica_model *model = m.model.get();
  mica_model_summary summary;
  mica_model_get_summary(model, &summary);
  EXPECT_EQ(summary.format_major, 1u);
  EXPECT_EQ(summary.format_minor, (uint32_t)MICA_ARTIFACT_FORMAT_MINOR);
  EXPECT_STREQ(summary.producer, "mica-test");
  EXPECT_STREQ(summary.target_cpu, "generic");
  EXPECT_STREQ(summary.target_features, "+sse2,-avx");
  EXPECT_EQ(summary.file_size, file.size());
  EXPECT_EQ(summary.num_segments, 3u);

  mica_segment_info seg;
  ASSERT_EQ(mica_model_segment_info(model, 2, &seg), MICA_OK);
  EXPECT_EQ(seg.kind, 1);
  EXPECT_EQ(seg.target, 0);
  EXPECT_EQ(seg.offset % 64, 0u);
  EXPECT_EQ(seg.size, a.segments[2].bytes.size());
  ASSERT_EQ(mica_model_segment_info(model, 0, &seg), MICA_OK);
  EXPECT_EQ(seg.kind, 0);
  EXPECT_EQ(seg.target, -1);
  EXPECT_EQ(seg.size, 16u);
  EXPECT_EQ(mica_model_segment_info(model, 3, &seg),
            MICA_ERROR_INVALID_ARGUMENT);

  EXPECT_EQ(mica_model_num_entry_points(model), 3u);
  EXPECT_STREQ(mica_model_entry_point_name(model, 2), "bad_shape");
  EXPECT_EQ(mica_model_entry_point_name(model, 3), nullptr);
  EXPECT_EQ(mica_model_find_entry_point(model, "main"), 0);
  EXPECT_EQ(mica_model_find_entry_point(model, "other"), -1);
  EXPECT_EQ(mica_model_num_inputs(model, 0), 1u);
  EXPECT_EQ(mica_model_num_outputs(model, 0), 2u);
  EXPECT_EQ(mica_model_num_steps(model, 0), 2u);
  EXPECT_STREQ(mica_model_step_symbol(model, 0, 1), "mica_test_scale");
  EXPECT_EQ(mica_model_step_symbol(model, 0, 2), nullptr);
  EXPECT_EQ(mica_model_num_nodes(model), 3u);
  EXPECT_EQ(mica_model_node_name(model, 3), nullptr);
  EXPECT_STREQ(mica_model_report_json(model), "{\"version\":1}");

  EXPECT_EQ(mica_dtype_size(MICA_DTYPE_BFLOAT16), 2u);
  EXPECT_EQ(mica_dtype_size(8), 0u); // ONNX string: not a Mica dtype
  EXPECT_STREQ(mica_dtype_name(MICA_DTYPE_INT64), "int64");
  EXPECT_STREQ(mica_dtype_name(99), "unknown");
  EXPECT_STREQ(mica_status_name(MICA_ERROR_TARGET_MISMATCH),
               "MICA_ERROR_TARGET_MISMATCH");
}

TEST(ModelTest, ForeignTargetLoadsAsMetadataOnly) {
  Bytes file = serializeArtifact(makeAffine({kForeignArch, {}}));
  Loaded code = load(file);
  EXPECT_EQ(code.status, MICA_ERROR_TARGET_MISMATCH);
  EXPECT_NE(code.error.find(std::string("is compiled for ") + kForeignArch +
                            ", this machine is " + kHostArch),
            std::string::npos)
      << code.error;
  EXPECT_EQ(code.model, nullptr);

  Loaded meta = load(file, Mode::Metadata);
  ASSERT_EQ(meta.status, MICA_OK) << meta.error;
  mica_model_summary summary;
  mica_model_get_summary(meta.model.get(), &summary);
  EXPECT_STREQ(summary.target_triple, std::string(kForeignArch) == "aarch64"
                                          ? "aarch64-unknown-linux-gnu"
                                          : "x86_64-unknown-linux-gnu");
  mica_context *ctx = nullptr;
  char error[256] = {0};
  EXPECT_EQ(mica_context_create(meta.model.get(), 0, nullptr, 0, 1, &ctx, error,
                                sizeof(error)),
            MICA_ERROR_INVALID_ARGUMENT);
  EXPECT_EQ(ctx, nullptr);
  EXPECT_NE(std::string(error).find("mica_model_load_metadata"),
            std::string::npos)
      << error;
}

TEST(ModelTest, LinkedKernels) {
  Bytes file = serializeArtifact(makeAffine({kHostArch, {}, true}));
  Loaded code = load(file);
  EXPECT_EQ(code.status, MICA_ERROR_UNSUPPORTED);
  EXPECT_NE(code.error.find("load it with mica_model_load_linked"),
            std::string::npos)
      << code.error;

  Loaded linked = load(file, Mode::Linked);
  ASSERT_EQ(linked.status, MICA_OK) << linked.error;
  ContextPtr ctx = createContext(linked.model.get());
  runAffine(ctx.get(), 5);

  // Through the public call, with a kernel missing.
  Aligned bytes(file);
  mica_model *model = nullptr;
  char error[256] = {0};
  EXPECT_EQ(mica_model_load_linked(bytes.data(), bytes.size(), kLinkedKernels,
                                   2, &model, error, sizeof(error)),
            MICA_ERROR_UNRESOLVED_SYMBOL);
  EXPECT_EQ(model, nullptr);
  EXPECT_NE(std::string(error).find("kernel 'mica_test_fail' is not among"),
            std::string::npos)
      << error;
  ASSERT_EQ(mica_model_load_linked(bytes.data(), bytes.size(), kLinkedKernels,
                                   4, &model, error, sizeof(error)),
            MICA_OK)
      << error;
  mica_model_free(model);
}

TEST(ModelTest, LoadFileMapsTheArtifact) {
  Bytes file = serializeArtifact(makeAffine());
  char path[] = "/tmp/mica-model-test-XXXXXX";
  int fd = mkstemp(path);
  ASSERT_GE(fd, 0);
  ASSERT_EQ(write(fd, file.data(), file.size()),
            static_cast<ssize_t>(file.size()));
  close(fd);
  mica_model *model = nullptr;
  char error[256] = {0};
  mica_status st = mica_model_load_file(path, &model, error, sizeof(error));
  unlink(path);
  ASSERT_EQ(st, MICA_OK) << error;
  ModelPtr owned(model);
  ContextPtr ctx = createContext(model);
  runAffine(ctx.get(), 4);

  EXPECT_EQ(mica_model_load_file("/nonexistent/model.mica", &model, error,
                                 sizeof(error)),
            MICA_ERROR_SYSTEM);
  EXPECT_EQ(model, nullptr);
  EXPECT_NE(std::string(error).find("cannot open '/nonexistent/model.mica'"),
            std::string::npos)
      << error;
}

TEST(ModelTest, PublicCallsCheckTheirArguments) {
  Bytes file = serializeArtifact(makeAffine());
  mica_model *model = reinterpret_cast<mica_model *>(1);
  char error[256] = {0};
  EXPECT_EQ(mica_model_load(nullptr, 0, &model, error, sizeof(error)),
            MICA_ERROR_INVALID_ARGUMENT);
  EXPECT_EQ(model, nullptr);
  EXPECT_EQ(
      mica_model_load(file.data(), file.size(), nullptr, error, sizeof(error)),
      MICA_ERROR_INVALID_ARGUMENT);
  // Unaligned data is refused with a reason, not read.
  Aligned aligned(file);
  std::vector<uint8_t> shifted(file.size() + 128);
  uintptr_t base = reinterpret_cast<uintptr_t>(shifted.data());
  uint8_t *odd = shifted.data() + (64 - base % 64) % 64 + 8;
  std::memcpy(odd, file.data(), file.size());
  EXPECT_EQ(mica_model_load(odd, file.size(), &model, error, sizeof(error)),
            MICA_ERROR_INVALID_ARGUMENT);
  EXPECT_NE(std::string(error).find("is not 64-byte aligned"),
            std::string::npos)
      << error;
  // NULL error buffers are fine.
  EXPECT_EQ(mica_model_load(aligned.data(), 10, &model, nullptr, 0),
            MICA_ERROR_MALFORMED);
  ASSERT_EQ(mica_model_load(aligned.data(), aligned.size(), &model, nullptr, 0),
            MICA_OK);
  ModelPtr owned(model);
  mica_context *ctx = nullptr;
  EXPECT_EQ(
      mica_context_create(model, 3, nullptr, 0, 1, &ctx, error, sizeof(error)),
      MICA_ERROR_INVALID_ARGUMENT);
  EXPECT_EQ(mica_context_create(nullptr, 0, nullptr, 0, 1, &ctx, error,
                                sizeof(error)),
            MICA_ERROR_INVALID_ARGUMENT);
  mica_model_free(nullptr);
  mica_context_free(nullptr);
  mica_context_set_hooks(nullptr, nullptr);
  EXPECT_EQ(mica_model_num_entry_points(nullptr), 0u);
  mica_model_summary summary;
  mica_model_get_summary(nullptr, &summary);
  EXPECT_EQ(summary.producer, nullptr);
}

TEST(ModelTest, SerializationIsDeterministicAndValid) {
  Bytes a = serializeArtifact(makeAffine());
  Bytes b = serializeArtifact(makeAffine());
  EXPECT_EQ(a, b);
  EXPECT_EQ(mica::artifact::validateArtifactBytes(a), "");
  mica_artifact_header header;
  std::memcpy(&header, a.data(), sizeof(header));
  EXPECT_EQ(header.file_size, a.size());
  EXPECT_EQ(header.metadata_offset, 64u);
  // Nothing streamed: no resident prefix.
  EXPECT_EQ(header.resident_size, 0u);
  EXPECT_EQ(header.resident_hash, 0u);
  // Zero padding between the metadata and the first segment.
  for (uint64_t i = 64 + header.metadata_size; i % 64; ++i)
    EXPECT_EQ(a[i], 0) << "at " << i;

  mica::artifact::Artifact broken = makeAffine();
  broken.entryPoints[0].steps[0].nodes = {7};
  EXPECT_NE(mica::artifact::validateArtifactBytes(serializeArtifact(broken))
                .find("entry 'main' step 0 'mica_test_add': node 7 out of "
                      "range (3 nodes)"),
            std::string::npos);

  // An artifact with nothing in it is valid (and useless).
  mica::artifact::Artifact empty;
  Bytes e = serializeArtifact(empty);
  EXPECT_EQ(e.size() % 64, 0u);
  EXPECT_EQ(mica::artifact::validateArtifactBytes(e), "");
}

} // namespace
