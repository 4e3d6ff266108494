//===- StreamTest.cpp - Streamed weights (runtime/stream) -----------------===//
//
// The "chain" artifact (ModelTestUtil.h: one streamed segment per step,
// each step failing if its segment is missing) loaded from a file with
// mica_model_load_file_streamed, against the same file loaded whole
// (memory mode): same outputs, each segment read once per run (or once at
// all for one or two blocks), failures that name the step and leave the
// next run able to succeed.
//
//===----------------------------------------------------------------------===//
#include "test/runtime/model/ModelTestUtil.h"

#include "mica/stream.h"
#include "runtime/stream/stream_internal.h"

#include <gtest/gtest.h>

#include <fcntl.h>
#include <unistd.h>

#include <thread>

using namespace mica::test;
using mica::artifact::serializeArtifact;
namespace fb = mica::fb;

namespace {

// A temporary artifact file.
struct TempFile {
  std::string path;
  explicit TempFile(const Bytes &bytes) {
    char name[] = "/tmp/mica-stream-XXXXXX";
    int fd = mkstemp(name);
    path = name;
    write(bytes);
    close(fd);
  }
  ~TempFile() { unlink(path.c_str()); }
  void write(const Bytes &bytes) const {
    std::ofstream(path, std::ios::binary | std::ios::trunc)
        .write(reinterpret_cast<const char *>(bytes.data()),
               static_cast<std::streamsize>(bytes.size()));
  }
  // Rewrites the bytes in place (same inode: what an open fd sees).
  void overwrite(const Bytes &bytes) const {
    int fd = open(path.c_str(), O_WRONLY);
    ASSERT_GE(fd, 0);
    ASSERT_EQ(pwrite(fd, bytes.data(), bytes.size(), 0),
              static_cast<ssize_t>(bytes.size()));
    close(fd);
  }
};

uint64_t residentSize(const Bytes &file) {
  mica_artifact_header header;
  std::memcpy(&header, file.data(), sizeof(header));
  return header.resident_size;
}

struct Events {
  std::vector<mica_stream_event> all;
  size_t count(uint32_t kind) const {
    size_t n = 0;
    for (const mica_stream_event &e : all)
      n += e.kind == kind;
    return n;
  }
  bool stepRan(uint32_t step) const {
    for (const mica_stream_event &e : all)
      if (e.kind == MICA_STREAM_STEP && e.step == step)
        return true;
    return false;
  }
};

void onStream(void *user, const mica_stream_event *event) {
  static_cast<Events *>(user)->all.push_back(*event);
}

const std::vector<float> kX = {1, 2, 3, 4, -1, -2, -3, -4, 0.5f, 0, 0, 8};

struct Outcome {
  mica_status status;
  std::string error;
  std::vector<float> y;
};

Outcome run(mica_context *ctx) {
  const int64_t shape[2] = {3, 4};
  char error[512] = {0};
  Outcome out;
  out.status =
      mica_context_set_input(ctx, 0, kX.data(), shape, 2, error, sizeof(error));
  if (out.status == MICA_OK)
    out.status = mica_context_run(ctx, error, sizeof(error));
  out.error = error;
  const void *data = nullptr;
  if (out.status == MICA_OK &&
      mica_context_output(ctx, 0, &data, nullptr, nullptr) == MICA_OK)
    out.y.assign(static_cast<const float *>(data),
                 static_cast<const float *>(data) + kX.size());
  return out;
}

ModelPtr loadStreamed(const std::string &path) {
  mica_model *model = nullptr;
  char error[512] = {0};
  EXPECT_EQ(
      mica_model_load_file_streamed(path.c_str(), &model, error, sizeof(error)),
      MICA_OK)
      << error;
  return ModelPtr(model);
}

ContextPtr makeContext(const mica_model *model, uint32_t threads = 1,
                       Events *events = nullptr) {
  mica_context *ctx = nullptr;
  char error[512] = {0};
  EXPECT_EQ(mica_context_create(model, 0, nullptr, 0, threads, &ctx, error,
                                sizeof(error)),
            MICA_OK)
      << error;
  if (ctx && events) {
    mica_hooks hooks = {};
    hooks.user = events;
    hooks.on_stream = onStream;
    mica_context_set_hooks(ctx, &hooks);
  }
  return ContextPtr(ctx);
}

class StreamTest : public ::testing::TestWithParam<uint32_t> {};

// Memory mode and streamed mode give the expected outputs; streamed, a
// segment is read once per run, or once at all when one or two blocks
// alternate in the two buffers.
TEST_P(StreamTest, SameOutputsAsMemoryMode) {
  const uint32_t blocks = GetParam();
  const Bytes bytes = serializeArtifact(makeChain(blocks));
  ASSERT_GT(residentSize(bytes), 0u);
  ASSERT_EQ(residentSize(bytes) % MICA_ARTIFACT_STREAM_ALIGNMENT, 0u);
  TempFile file(bytes);
  const std::vector<float> expected = chainExpected(kX, blocks);

  mica_model *whole = nullptr;
  char error[512] = {0};
  ASSERT_EQ(
      mica_model_load_file(file.path.c_str(), &whole, error, sizeof(error)),
      MICA_OK)
      << error;
  ModelPtr memory(whole);
  ContextPtr memoryCtx = makeContext(memory.get());
  Outcome m = run(memoryCtx.get());
  ASSERT_EQ(m.status, MICA_OK) << m.error;
  EXPECT_EQ(m.y, expected);

  for (int threadless = 0; threadless < 2; ++threadless) {
    SCOPED_TRACE(threadless ? "threadless" : "loader thread");
    ModelPtr model = loadStreamed(file.path);
    ASSERT_NE(model, nullptr);
    mica_stream_set_threadless(model.get(), threadless);
    for (uint32_t threads : {1u, 4u}) {
      Events events;
      ContextPtr ctx = makeContext(model.get(), threads, &events);
      const int runs = 3;
      for (int r = 0; r < runs; ++r) {
        Outcome s = run(ctx.get());
        ASSERT_EQ(s.status, MICA_OK) << s.error;
        EXPECT_EQ(s.y, expected) << "run " << r;
      }
      EXPECT_EQ(events.count(MICA_STREAM_STEP), runs * blocks);
      const size_t loads = events.count(MICA_STREAM_LOAD);
      if (blocks <= 2)
        EXPECT_EQ(loads, blocks);
      else
        EXPECT_EQ(loads, runs * blocks);
      for (const mica_stream_event &e : events.all) {
        EXPECT_LE(e.begin_ns, e.end_ns);
        if (e.kind == MICA_STREAM_LOAD) {
          EXPECT_EQ(e.bytes, 20000u);
          EXPECT_EQ(e.segment, static_cast<int32_t>(e.step + 1));
        }
      }
    }
  }
}

INSTANTIATE_TEST_SUITE_P(Blocks, StreamTest, ::testing::Values(1u, 2u, 5u));

// An artifact without streamed segments loads as with mica_model_load_file.
TEST(StreamLoadTest, UnstreamedArtifactLoadsWhole) {
  TempFile file(serializeArtifact(makeAffine()));
  ModelPtr model = loadStreamed(file.path);
  ASSERT_NE(model, nullptr);
  EXPECT_EQ(model->stream, nullptr);
  mica_model *none = nullptr;
  char error[256] = {0};
  EXPECT_EQ(mica_model_load_file_streamed("/nonexistent/a.mica", &none, error,
                                          sizeof(error)),
            MICA_ERROR_SYSTEM);
  EXPECT_NE(std::string(error).find("cannot open"), std::string::npos);
}

// A corrupt streamed byte: the resident prefix loads; every run then fails
// MALFORMED at that step, before its kernel, and the steps before it ran.
TEST(StreamLoadTest, CorruptStreamedSegmentFailsEveryRun) {
  const mica::artifact::Artifact a = makeChain(5);
  Bytes bytes = serializeArtifact(a);
  const fb::Model *meta =
      fb::GetModel(bytes.data() + MICA_ARTIFACT_HEADER_SIZE);
  bytes[meta->segments()->Get(3)->offset() + 100] ^= 0x40;
  TempFile file(bytes);
  ModelPtr model = loadStreamed(file.path);
  ASSERT_NE(model, nullptr);
  Events events;
  ContextPtr ctx = makeContext(model.get(), 1, &events);
  for (int r = 0; r < 3; ++r) {
    events.all.clear();
    Outcome s = run(ctx.get());
    EXPECT_EQ(s.status, MICA_ERROR_MALFORMED) << s.error;
    EXPECT_NE(s.error.find("step 2 (kernel 'mica_test_chain'): streamed "
                           "segment 3"),
              std::string::npos)
        << s.error;
    EXPECT_NE(s.error.find("hash mismatch"), std::string::npos) << s.error;
    EXPECT_TRUE(events.stepRan(1));
    EXPECT_FALSE(events.stepRan(2));
    const void *y = nullptr;
    EXPECT_EQ(mica_context_output(ctx.get(), 0, &y, nullptr, nullptr),
              MICA_ERROR_INVALID_ARGUMENT);
  }
  // Memory mode refuses the file at load.
  mica_model *whole = nullptr;
  char error[256] = {0};
  EXPECT_EQ(
      mica_model_load_file(file.path.c_str(), &whole, error, sizeof(error)),
      MICA_ERROR_MALFORMED);
}

// A file truncated after load: the run fails with SYSTEM naming the step
// and the segment, nothing crashes, and once the file is restored the next
// run succeeds.
TEST(StreamLoadTest, TruncatedAfterLoadRecovers) {
  const Bytes bytes = serializeArtifact(makeChain(5));
  TempFile file(bytes);
  ModelPtr model = loadStreamed(file.path);
  ASSERT_NE(model, nullptr);
  ASSERT_EQ(truncate(file.path.c_str(), residentSize(bytes) + 32768 + 100), 0);
  ContextPtr ctx = makeContext(model.get());
  for (int r = 0; r < 2; ++r) {
    Outcome s = run(ctx.get());
    EXPECT_EQ(s.status, MICA_ERROR_SYSTEM) << s.error;
    EXPECT_NE(s.error.find("step 1 (kernel 'mica_test_chain'): streamed "
                           "segment 2"),
              std::string::npos)
        << s.error;
    EXPECT_NE(s.error.find("truncated after load?"), std::string::npos)
        << s.error;
  }
  file.overwrite(bytes);
  Outcome s = run(ctx.get());
  ASSERT_EQ(s.status, MICA_OK) << s.error;
  EXPECT_EQ(s.y, chainExpected(kX, 5));
}

// Two contexts on one model run at once, each with its own loader (one of
// them with a thread pool).
TEST(StreamLoadTest, TwoContextsAtOnce) {
  const Bytes bytes = serializeArtifact(makeChain(5));
  TempFile file(bytes);
  ModelPtr model = loadStreamed(file.path);
  ASSERT_NE(model, nullptr);
  ContextPtr a = makeContext(model.get(), 1);
  ContextPtr b = makeContext(model.get(), 4);
  const std::vector<float> expected = chainExpected(kX, 5);
  auto work = [&](mica_context *ctx, int *ok) {
    for (int r = 0; r < 20; ++r) {
      Outcome s = run(ctx);
      *ok += s.status == MICA_OK && s.y == expected;
    }
  };
  int okA = 0, okB = 0;
  std::thread ta(work, a.get(), &okA), tb(work, b.get(), &okB);
  ta.join();
  tb.join();
  EXPECT_EQ(okA, 20);
  EXPECT_EQ(okB, 20);
}

// Contexts freed while their loader reads (1 MiB blocks) join cleanly.
TEST(StreamLoadTest, FreeWhileLoading) {
  TempFile file(serializeArtifact(makeChain(5, 1 << 20)));
  ModelPtr model = loadStreamed(file.path);
  ASSERT_NE(model, nullptr);
  for (int i = 0; i < 10; ++i)
    ContextPtr ctx = makeContext(model.get());
}

} // namespace
