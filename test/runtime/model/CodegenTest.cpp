//===- CodegenTest.cpp - A mica-codegen kernel in a .mica artifact --------===//
//
// Inputs/add_kernel.mlir, an LLVM-dialect kernel written by hand against
// kernel_abi.h, compiled by mica-codegen for the host and for arm64 at build
// time: the host object is packed with its weight segment by
// serializeArtifact, loaded and run through the C API (output values and
// shape, layer hooks); the arm64 one loads as metadata only.
//
//===----------------------------------------------------------------------===//
#include "ModelTestUtil.h"

#include <gtest/gtest.h>

using namespace mica::test;
using mica::artifact::serializeArtifact;

namespace {

Bytes readObject(const char *path) {
  std::ifstream file(path, std::ios::binary);
  return Bytes(std::istreambuf_iterator<char>(file), {});
}

mica::artifact::Artifact makeAdd(const std::string &arch, Bytes code) {
  using namespace mica::artifact;
  Artifact a;
  a.producer = "mica-test (mica-codegen)";
  a.targets.push_back({arch == "aarch64" ? "arm64" : "host",
                       arch + "-unknown-linux-gnu",
                       arch,
                       "generic",
                       {}});
  Segment w;
  w.bytes = floatBytes({kWeights[0], kWeights[1], kWeights[2], kWeights[3]});
  Segment c;
  c.kind = SegmentKind::Code;
  c.target = 0;
  c.bytes = std::move(code);
  a.segments = {w, c};
  EntryPoint main;
  main.inputs = {{"x", MICA_DTYPE_FLOAT32, {-1, 4}, {kMaxRows, 4}, {"N", ""}}};
  main.outputs = {{"y", MICA_DTYPE_FLOAT32, {-1, 4}, {kMaxRows, 4}, {"N", ""}}};
  main.steps = {{0, 1, "mica_cg_add", {0}}};
  a.entryPoints = {main};
  a.nodes = {{"add", "Add", 0, 0}};
  return a;
}

TEST(ModelCodegenTest, RunsAMicaCodegenKernel) {
  Loaded m = load(serializeArtifact(
      makeAdd(kHostArch, readObject(MICA_CODEGEN_HOST_OBJECT))));
  ASSERT_EQ(m.status, MICA_OK) << m.error;
  mica_context *raw = nullptr;
  char error[256] = {0};
  ASSERT_EQ(mica_context_create(m.model.get(), 0, nullptr, 0, 1, &raw, error,
                                sizeof(error)),
            MICA_OK)
      << error;
  ContextPtr ctx(raw);
  std::vector<std::pair<uint32_t, int32_t>> calls;
  mica_hooks hooks = {&calls, [](void *user, uint32_t node, int32_t phase) {
                        static_cast<decltype(calls) *>(user)->push_back(
                            {node, phase});
                      }};
  mica_context_set_hooks(ctx.get(), &hooks);

  float x[3 * 4];
  for (int i = 0; i < 12; ++i)
    x[i] = 0.25f * static_cast<float>(i);
  int64_t shape[2] = {3, 4};
  ASSERT_EQ(
      mica_context_set_input(ctx.get(), 0, x, shape, 2, error, sizeof(error)),
      MICA_OK)
      << error;
  ASSERT_EQ(mica_context_run(ctx.get(), error, sizeof(error)), MICA_OK)
      << error;
  const void *data = nullptr;
  const int64_t *outShape = nullptr;
  int32_t rank = 0;
  ASSERT_EQ(mica_context_output(ctx.get(), 0, &data, &outShape, &rank),
            MICA_OK);
  ASSERT_EQ(rank, 2);
  EXPECT_EQ(outShape[0], 3);
  EXPECT_EQ(outShape[1], 4);
  const float *y = static_cast<const float *>(data);
  for (int i = 0; i < 12; ++i)
    EXPECT_FLOAT_EQ(y[i], x[i] + kWeights[i % 4]) << "at " << i;
  std::vector<std::pair<uint32_t, int32_t>> expected = {{0, 0}, {0, 1}};
  EXPECT_EQ(calls, expected);
}

TEST(ModelCodegenTest, Arm64ArtifactLoadsAsMetadataOnly) {
  Bytes file = serializeArtifact(
      makeAdd("aarch64", readObject(MICA_CODEGEN_ARM64_OBJECT)));
  Loaded meta = load(file, Mode::Metadata);
  ASSERT_EQ(meta.status, MICA_OK) << meta.error;
  EXPECT_STREQ(mica_model_step_symbol(meta.model.get(), 0, 0), "mica_cg_add");
#if defined(__x86_64__)
  EXPECT_EQ(load(file).status, MICA_ERROR_TARGET_MISMATCH);
#endif
}

} // namespace
