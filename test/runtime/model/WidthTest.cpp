//===- WidthTest.cpp - Width groups and run-time width --------------------===//
//
// A --sortable-width artifact's width groups (Model.width_groups) through
// the writer, the load-time checks, the queries and the context: a context
// starts at full width, mica_context_set_width keeps exactly
// mica_channels_kept(n, 1 - w, round) channels of each group (what kernels
// read as active_counts, checked through a kernel that copies them out),
// bad widths and counts are refused without changing the counts, and a
// malformed groups table is refused at load.
//
//===----------------------------------------------------------------------===//
#include "ModelTestUtil.h"

#include "mica/channel_width.h"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>

using namespace mica::test;
using mica::artifact::Artifact;
using mica::artifact::serializeArtifact;
using mica::artifact::WidthGroup;

namespace {

// "affine" plus the entry "counts" (last), whose kernel copies the context's
// active counts into its int64 [G] output, and the width groups `groups`.
Artifact makeWidthModel(const std::vector<WidthGroup> &groups) {
  Artifact a = makeAffine();
  const int64_t g = static_cast<int64_t>(groups.size());
  mica::artifact::EntryPoint counts;
  counts.name = "counts";
  counts.outputs = {{"counts", MICA_DTYPE_INT64, {g}, {g}, {""}}};
  counts.steps = {{0, kCodeSegment, "mica_test_counts", {}}};
  a.entryPoints.push_back(counts);
  a.widthGroups = groups;
  if (!groups.empty())
    a.requiredFeatures.push_back(MICA_FEATURE_SORTABLE_WIDTH);
  return a;
}

const std::vector<WidthGroup> kGroups = {
    {16, 4, "conv1", "Conv"}, {10, 4, "fc1", "Gemm"}, {3, 4, "head", "MatMul"}};

constexpr uint32_t kCountsEntry = 3;

ContextPtr createContext(mica_model *model, uint32_t entry = kCountsEntry) {
  mica_context *ctx = nullptr;
  char error[256] = {0};
  EXPECT_EQ(mica_context_create(model, entry, nullptr, 0, 1, &ctx, error,
                                sizeof(error)),
            MICA_OK)
      << error;
  return ContextPtr(ctx);
}

// What the "counts" kernel read from the context.
std::vector<int64_t> kernelCounts(mica_context *ctx) {
  char error[256] = {0};
  EXPECT_EQ(mica_context_run(ctx, error, sizeof(error)), MICA_OK) << error;
  const void *data = nullptr;
  const int64_t *shape = nullptr;
  int32_t rank = 0;
  EXPECT_EQ(mica_context_output(ctx, 0, &data, &shape, &rank), MICA_OK);
  if (!data || rank != 1)
    return {};
  const int64_t *counts = static_cast<const int64_t *>(data);
  return std::vector<int64_t>(counts, counts + shape[0]);
}

std::vector<int64_t> publicCounts(const mica_model *model,
                                  const mica_context *ctx) {
  const int64_t *counts = mica_context_active_counts(ctx);
  if (!counts)
    return {};
  return std::vector<int64_t>(counts,
                              counts + mica_model_num_width_groups(model));
}

Loaded loadWidthModel(const std::vector<WidthGroup> &groups,
                      Mode mode = Mode::Code) {
  return load(serializeArtifact(makeWidthModel(groups)), mode);
}

mica_status setWidth(mica_context *ctx, double width, std::string &error) {
  char buffer[256] = {0};
  mica_status status =
      mica_context_set_width(ctx, width, buffer, sizeof(buffer));
  error = buffer;
  return status;
}

TEST(WidthTest, QueriesDescribeTheGroups) {
  Loaded m = loadWidthModel(kGroups, Mode::Metadata);
  ASSERT_EQ(m.status, MICA_OK) << m.error;
  ASSERT_EQ(mica_model_num_width_groups(m.model.get()), 3u);
  mica_width_group_info info;
  ASSERT_EQ(mica_model_width_group(m.model.get(), 1, &info), MICA_OK);
  EXPECT_STREQ(info.node, "fc1");
  EXPECT_STREQ(info.op, "Gemm");
  EXPECT_EQ(info.channels, 10);
  EXPECT_EQ(info.round, 4);
  // Out of range: an error and a zeroed description.
  EXPECT_EQ(mica_model_width_group(m.model.get(), 3, &info),
            MICA_ERROR_INVALID_ARGUMENT);
  EXPECT_EQ(info.node, nullptr);
  EXPECT_EQ(info.channels, 0);
  EXPECT_EQ(mica_model_width_group(m.model.get(), 0, nullptr),
            MICA_ERROR_INVALID_ARGUMENT);
  EXPECT_EQ(mica_model_width_group(nullptr, 0, &info),
            MICA_ERROR_INVALID_ARGUMENT);
  EXPECT_EQ(mica_model_num_width_groups(nullptr), 0u);
  // The runtime implements the feature the artifact requires.
  ASSERT_EQ(mica_model_num_required_features(m.model.get()), 1u);
  EXPECT_STREQ(mica_model_required_feature(m.model.get(), 0),
               MICA_FEATURE_SORTABLE_WIDTH);
}

TEST(WidthTest, ArtifactsWithoutGroupsHaveNoTable) {
  // Absent, not empty: the metadata is what a minor 2 writer gave.
  Bytes file = serializeArtifact(makeAffine());
  EXPECT_EQ(mutableMeta(file)->width_groups(), nullptr);
  Loaded m = load(file);
  ASSERT_EQ(m.status, MICA_OK) << m.error;
  EXPECT_EQ(mica_model_num_width_groups(m.model.get()), 0u);
}

TEST(WidthTest, ContextStartsAtFullWidth) {
  Loaded m = loadWidthModel(kGroups);
  ASSERT_EQ(m.status, MICA_OK) << m.error;
  ContextPtr ctx = createContext(m.model.get());
  const std::vector<int64_t> full = {16, 10, 3};
  EXPECT_EQ(kernelCounts(ctx.get()), full);
  EXPECT_EQ(publicCounts(m.model.get(), ctx.get()), full);
}

TEST(WidthTest, SetWidthRefusesWidthsOutsideZeroToOne) {
  Loaded m = loadWidthModel(kGroups);
  ASSERT_EQ(m.status, MICA_OK) << m.error;
  ContextPtr ctx = createContext(m.model.get());
  std::string error;
  ASSERT_EQ(setWidth(ctx.get(), 0.5, error), MICA_OK) << error;
  const std::vector<int64_t> half = {8, 8, 3};
  for (double bad : {0.0, -0.0, -0.25, 1.0 + 1e-9, 2.0,
                     std::numeric_limits<double>::quiet_NaN(),
                     std::numeric_limits<double>::infinity(),
                     -std::numeric_limits<double>::infinity()}) {
    EXPECT_EQ(setWidth(ctx.get(), bad, error), MICA_ERROR_INVALID_ARGUMENT)
        << bad;
    EXPECT_EQ(error, "width must be in (0, 1]") << bad;
    EXPECT_EQ(kernelCounts(ctx.get()), half) << "changed by " << bad;
  }
  EXPECT_EQ(mica_context_set_width(nullptr, 0.5, nullptr, 0),
            MICA_ERROR_INVALID_ARGUMENT);
  // Back to full width between runs.
  ASSERT_EQ(setWidth(ctx.get(), 1.0, error), MICA_OK) << error;
  EXPECT_EQ(kernelCounts(ctx.get()), (std::vector<int64_t>{16, 10, 3}));
}

TEST(WidthTest, WidthBelowOneNeedsGroups) {
  Loaded m = load(serializeArtifact(makeAffine()));
  ASSERT_EQ(m.status, MICA_OK) << m.error;
  ContextPtr ctx = createContext(m.model.get(), 0);
  EXPECT_EQ(mica_context_active_counts(ctx.get()), nullptr);
  std::string error;
  EXPECT_EQ(setWidth(ctx.get(), 0.75, error), MICA_ERROR_INVALID_ARGUMENT);
  EXPECT_NE(error.find("no width groups"), std::string::npos) << error;
  EXPECT_NE(error.find("--sortable-width"), std::string::npos) << error;
  // Width 1 changes nothing and is accepted; so are zero counts.
  EXPECT_EQ(setWidth(ctx.get(), 1.0, error), MICA_OK) << error;
  EXPECT_EQ(mica_context_set_active_counts(ctx.get(), nullptr, 0, nullptr, 0),
            MICA_OK);
  EXPECT_EQ(mica_context_active_counts(ctx.get()), nullptr);
}

// Over a grid of group sizes, rounds and widths, the kernel reads exactly
// what channel pruning at 1 - w keeps, a multiple of the round (or the whole
// group) that never shrinks as the width grows.
TEST(WidthTest, CountsAreTheChannelsPruningKeeps) {
  const int64_t sizes[] = {1, 2, 3, 5, 7, 8, 16, 17, 31, 64, 100, 257};
  const int64_t rounds[] = {1, 2, 4, 8, 16, 64};
  std::vector<WidthGroup> groups;
  for (int64_t n : sizes)
    for (int64_t r : rounds)
      groups.push_back({static_cast<uint32_t>(n), static_cast<uint32_t>(r),
                        "n" + std::to_string(n) + "r" + std::to_string(r),
                        "Conv"});
  Loaded m = loadWidthModel(groups);
  ASSERT_EQ(m.status, MICA_OK) << m.error;
  ContextPtr ctx = createContext(m.model.get());
  std::vector<int64_t> previous(groups.size(), 0);
  for (double w : {1e-300, 0.01, 0.1, 0.25, 0.3, 1.0 / 3, 0.5, 0.6, 0.75, 0.9,
                   0.999, 1.0}) {
    std::string error;
    ASSERT_EQ(setWidth(ctx.get(), w, error), MICA_OK) << w << ": " << error;
    std::vector<int64_t> counts = kernelCounts(ctx.get());
    ASSERT_EQ(counts.size(), groups.size());
    EXPECT_EQ(publicCounts(m.model.get(), ctx.get()), counts);
    for (size_t g = 0; g < groups.size(); ++g) {
      const int64_t n = groups[g].channels, r = groups[g].round;
      const int64_t c = counts[g];
      EXPECT_EQ(c, mica_channels_kept(n, 1.0 - w, r))
          << "n " << n << " round " << r << " width " << w;
      EXPECT_GE(c, 1);
      EXPECT_LE(c, n);
      EXPECT_TRUE(c % r == 0 || c == n) << c << " of " << n << " by " << r;
      EXPECT_GE(c, previous[g]) << "n " << n << " round " << r << " at " << w;
      if (w == 1.0)
        EXPECT_EQ(c, n);
      previous[g] = c;
    }
  }
  // Exact in binary: 0.5 and 0.25 of 64 channels by 8 are 32 and 16.
  std::string error;
  ASSERT_EQ(setWidth(ctx.get(), 0.25, error), MICA_OK);
  mica_width_group_info info;
  for (uint32_t g = 0; g < groups.size(); ++g) {
    mica_model_width_group(m.model.get(), g, &info);
    if (info.channels == 64 && info.round == 8)
      EXPECT_EQ(mica_context_active_counts(ctx.get())[g], 16);
  }
}

TEST(WidthTest, SetActiveCountsChecksEachCount) {
  Loaded m = loadWidthModel(kGroups);
  ASSERT_EQ(m.status, MICA_OK) << m.error;
  ContextPtr ctx = createContext(m.model.get());
  char error[256] = {0};
  const int64_t good[] = {12, 10, 3}; // 10 and 3: whole groups, not rounds
  ASSERT_EQ(
      mica_context_set_active_counts(ctx.get(), good, 3, error, sizeof(error)),
      MICA_OK)
      << error;
  EXPECT_EQ(kernelCounts(ctx.get()), (std::vector<int64_t>{12, 10, 3}));

  struct Case {
    std::vector<int64_t> counts;
    std::string message;
  } cases[] = {
      {{12, 10}, "2 counts given for 3 width groups"},
      {{12, 10, 3, 3}, "4 counts given for 3 width groups"},
      {{0, 10, 3},
       "width group 0 'conv1': count 0 must be in [1, 16] and a "
       "multiple of 4 (or 16)"},
      {{-4, 10, 3}, "count -4 must be in"},
      {{20, 10, 3}, "count 20 must be in"},
      {{6, 10, 3}, "count 6 must be in"},
      {{12, 9, 3}, "width group 1 'fc1': count 9 must be in [1, 10]"},
      {{12, 10, 4}, "width group 2 'head': count 4 must be in [1, 3]"},
      {{12, 10, 2}, "width group 2 'head': count 2"}, // not whole, round 4
  };
  for (const Case &c : cases) {
    EXPECT_EQ(mica_context_set_active_counts(ctx.get(), c.counts.data(),
                                             (uint32_t)c.counts.size(), error,
                                             sizeof(error)),
              MICA_ERROR_INVALID_ARGUMENT)
        << c.message;
    EXPECT_NE(std::string(error).find(c.message), std::string::npos)
        << "expected \"" << c.message << "\" in \"" << error << "\"";
    // A failed call changes nothing, not even the groups before the bad one.
    EXPECT_EQ(kernelCounts(ctx.get()), (std::vector<int64_t>{12, 10, 3}));
  }
  EXPECT_EQ(
      mica_context_set_active_counts(ctx.get(), good, 0, error, sizeof(error)),
      MICA_ERROR_INVALID_ARGUMENT);
  EXPECT_EQ(mica_context_set_active_counts(nullptr, good, 3, nullptr, 0),
            MICA_ERROR_INVALID_ARGUMENT);
  // NULL counts: back to every channel.
  ASSERT_EQ(mica_context_set_active_counts(ctx.get(), nullptr, 3, error,
                                           sizeof(error)),
            MICA_OK)
      << error;
  EXPECT_EQ(kernelCounts(ctx.get()), (std::vector<int64_t>{16, 10, 3}));
}

TEST(WidthTest, ContextsHaveTheirOwnWidth) {
  Loaded m = loadWidthModel(kGroups);
  ASSERT_EQ(m.status, MICA_OK) << m.error;
  ContextPtr narrow = createContext(m.model.get());
  ContextPtr wide = createContext(m.model.get());
  std::string error;
  ASSERT_EQ(setWidth(narrow.get(), 0.25, error), MICA_OK) << error;
  EXPECT_EQ(kernelCounts(narrow.get()), (std::vector<int64_t>{4, 4, 3}));
  EXPECT_EQ(kernelCounts(wide.get()), (std::vector<int64_t>{16, 10, 3}));
}

void expectRefused(const Artifact &a, const std::string &message) {
  for (Mode mode : {Mode::Code, Mode::Metadata}) {
    Loaded m = load(serializeArtifact(a), mode);
    EXPECT_EQ(m.status, MICA_ERROR_MALFORMED)
        << mica_status_name(m.status) << ": " << m.error;
    EXPECT_EQ(m.model, nullptr);
    EXPECT_NE(m.error.find(message), std::string::npos)
        << "expected \"" << message << "\" in \"" << m.error << "\"";
  }
}

TEST(WidthTest, MalformedGroupsAreRefusedAtLoad) {
  auto with = [](WidthGroup bad) {
    std::vector<WidthGroup> groups = kGroups;
    groups[1] = bad;
    return makeWidthModel(groups);
  };
  expectRefused(with({0, 4, "fc1", "Gemm"}),
                "width group 1: channels 0, round 4, node 'fc1'");
  expectRefused(with({10, 0, "fc1", "Gemm"}),
                "width group 1: channels 10, round 0, node 'fc1'");
  expectRefused(with({10, 4, "", "Gemm"}),
                "width group 1: channels 10, round 4, node ''");
  // Kernels that read active_counts need counts to read.
  Artifact noGroups = makeWidthModel({});
  noGroups.requiredFeatures.push_back(MICA_FEATURE_SORTABLE_WIDTH);
  expectRefused(noGroups,
                "the artifact requires 'sortable_width' but has no width "
                "groups");
  // Groups without kernels that read them load (a sorted, unbounded build).
  Artifact unbounded = makeWidthModel(kGroups);
  unbounded.requiredFeatures.clear();
  Loaded m = load(serializeArtifact(unbounded));
  EXPECT_EQ(m.status, MICA_OK) << m.error;
  // An op name is optional.
  Loaded noOp = load(serializeArtifact(with({10, 4, "fc1", ""})));
  EXPECT_EQ(noOp.status, MICA_OK) << noOp.error;
}

} // namespace
