//===- TargetDescriptionTest.cpp - Target names to explicit descriptions --===//
#include "targets/Target.h"

#include "llvm/ADT/STLExtras.h"
#include "llvm/ADT/StringRef.h"

#include <gtest/gtest.h>

using mica::resolveTarget;
using mica::TargetDescription;

namespace {

bool hasFeature(const TargetDescription &target, llvm::StringRef feature) {
  return llvm::is_contained(target.features, feature.str());
}

// host resolves to an explicit CPU and a complete, sorted feature list.
TEST(TargetDescriptionTest, HostIsExplicit) {
  std::string error;
  auto host = resolveTarget("host", "", error);
  ASSERT_TRUE(succeeded(host)) << error;
  EXPECT_EQ(host->name, "host");
  EXPECT_FALSE(host->cpu.empty());
  EXPECT_FALSE(host->features.empty());
  EXPECT_FALSE(host->requiredFeatures().empty());
  EXPECT_EQ(host->objectFormat, mica::ObjectFormat::ElfRelocatable);
  for (const std::string &feature : host->features)
    EXPECT_TRUE(feature[0] == '+' || feature[0] == '-') << feature;
  EXPECT_TRUE(std::is_sorted(host->features.begin(), host->features.end(),
                             [](const std::string &a, const std::string &b) {
                               return a.substr(1) < b.substr(1);
                             }));
  // Resolving twice gives the same description (no hash-order effects).
  auto again = resolveTarget("host", "", error);
  ASSERT_TRUE(succeeded(again));
  EXPECT_EQ(host->featureString(), again->featureString());
  EXPECT_EQ(host->cpu, again->cpu);
}

// arm64 is the generic NEON baseline; additions are validated and merged.
TEST(TargetDescriptionTest, Arm64Baseline) {
  std::string error;
  auto arm64 = resolveTarget("arm64", "", error);
  ASSERT_TRUE(succeeded(arm64)) << error;
  EXPECT_EQ(arm64->triple, "aarch64-unknown-linux-gnu");
  EXPECT_EQ(arm64->cpu, "generic");
  EXPECT_EQ(arm64->featureString(), "+fp-armv8,+neon");
}

TEST(TargetDescriptionTest, Arm64Additions) {
  std::string error;
  // A bare name means "+name"; the result is sorted by name.
  auto arm64 = resolveTarget("arm64", "+i8mm, dotprod", error);
  ASSERT_TRUE(succeeded(arm64)) << error;
  EXPECT_EQ(arm64->featureString(), "+dotprod,+fp-armv8,+i8mm,+neon");
  EXPECT_TRUE(hasFeature(*arm64, "+dotprod"));
  // A later "-x" overrides the baseline.
  auto noNeon = resolveTarget("arm64", "-neon", error);
  ASSERT_TRUE(succeeded(noNeon)) << error;
  EXPECT_TRUE(hasFeature(*noNeon, "-neon"));
}

TEST(TargetDescriptionTest, Arm64RejectsUnknownFeature) {
  std::string error;
  auto arm64 = resolveTarget("arm64", "+dotprd", error);
  EXPECT_TRUE(failed(arm64));
  EXPECT_NE(error.find("unknown CPU feature '+dotprd' for target 'arm64'"),
            std::string::npos)
      << error;
  EXPECT_NE(error.find("did you mean '+dotprod'?"), std::string::npos) << error;
  // An x86 feature is not an AArch64 one.
  error.clear();
  EXPECT_TRUE(failed(resolveTarget("arm64", "+avx2", error)));
  EXPECT_NE(error.find("'+avx2'"), std::string::npos) << error;
}

TEST(TargetDescriptionTest, HostValidatesAdditions) {
  std::string error;
  EXPECT_TRUE(failed(resolveTarget("host", "+not-a-feature", error)));
  EXPECT_NE(error.find("unknown CPU feature '+not-a-feature' for target "
                       "'host'"),
            std::string::npos)
      << error;
}

// The skeletons are registered targets that fail through the interface as
// unsupported (exit 3), not as unknown names.
TEST(TargetDescriptionTest, SkeletonTargetsReportNotImplemented) {
  for (llvm::StringRef name : {"vulkan", "npu"}) {
    mica::CompileError error;
    EXPECT_TRUE(failed(resolveTarget(name, "", error)));
    EXPECT_EQ(error.kind, mica::ErrorKind::Unsupported);
    EXPECT_NE(error.message.find("is not implemented yet"), std::string::npos)
        << error.message;
    ASSERT_NE(mica::lookupTarget(name), nullptr);
  }
}

// A typo in a feature is the user's mistake, not a missing feature of Mica.
TEST(TargetDescriptionTest, BadFeatureIsUsageError) {
  mica::CompileError error;
  EXPECT_TRUE(failed(resolveTarget("arm64", "+dotprd", error)));
  EXPECT_EQ(error.kind, mica::ErrorKind::Usage);
}

TEST(TargetDescriptionTest, UnknownTargetListsKnownOnes) {
  std::string error;
  EXPECT_TRUE(failed(resolveTarget("riscv", "", error)));
  EXPECT_EQ(error, "unknown target 'riscv'; known targets: host, arm64, "
                   "vulkan, npu");
}

} // namespace
