//===- PlanToArtifactTest.cpp - buildArtifact from exec ops ---------------===//
//
// How buildArtifact reads a --memory-budget plan: `streamed` exec.segments
// become Streamed segments (table order kept), each step's Step.streamed is
// the streamed segment among its `segments`, Step.nodes comes from the
// step's `mica.nodes`, Node.step from the step that lists the node, and the
// artifact requires "streamed_weights".
//
//===----------------------------------------------------------------------===//
#include "compiler/artifact/PlanToArtifact.h"

#include "dialects/exec/IR/ExecDialect.h"
#include "mica/artifact_format.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/MLIRContext.h"
#include "mlir/Parser/Parser.h"

#include <gtest/gtest.h>

using namespace mica;

namespace {

// One resident segment, two streamed blocks; steps 0 and 1 each read one
// block (and the resident segment), step 2 reads none.
constexpr const char *kStreamedPlan = R"mlir(
module {
  exec.segment @constants size 4 data dense<1> : tensor<4xi8>
  exec.segment @block_0 streamed size 8 data dense<2> : tensor<8xi8>
  exec.segment @block_1 streamed size 8 data dense<3> : tensor<8xi8>
  func.func @main() {
    return
  }
  func.func @main_s1() {
    return
  }
  func.func @main_s2() {
    return
  }
  exec.entry_point "main" function @main arena 64 intermediates 64
      attributes {input_shapes = [], input_max_shapes = [],
                  output_max_shapes = [array<i64: 4>],
                  output_elem_bytes = array<i64: 4>} {
    exec.step target "host" kernel "mica_main"
        segments [@constants, @block_0] {mica.nodes = array<i32: 0, 1>}
    exec.step target "host" kernel "mica_main_s1" function @main_s1
        segments [@block_1, @constants] {mica.nodes = array<i32: 2>}
    exec.step target "host" kernel "mica_main_s2" function @main_s2
        segments [] {mica.nodes = array<i32: 3>}
  }
  exec.node_table names ["a", "b", "c", "d"]
      op_types ["MatMul", "Add", "MatMul", "Relu"]
}
)mlir";

struct Built {
  llvm::FailureOr<artifact::Artifact> artifact;
  CompileError error;
};

Built build(const char *source) {
  mlir::MLIRContext context;
  context.loadDialect<exec::ExecDialect, mlir::func::FuncDialect>();
  mlir::OwningOpRef<mlir::ModuleOp> module =
      mlir::parseSourceString<mlir::ModuleOp>(source, &context);
  EXPECT_TRUE(module);
  if (!module)
    return {mlir::failure(), {}};
  artifact::EntryPoint signature;
  signature.outputs.push_back({"y", 1, {4}, {4}, {}});
  TargetCode code;
  code.target = {"host", "x86_64-unknown-linux-gnu", "x86_64", "generic", {}};
  code.bytes = {0x7f, 'E', 'L', 'F'};
  Built built;
  built.artifact = buildArtifact(*module, {signature}, {code}, built.error);
  return built;
}

// Streamed segments keep their table places; the code segment follows.
TEST(PlanToArtifactTest, StreamedSegmentsKeepTableOrder) {
  Built built = build(kStreamedPlan);
  ASSERT_TRUE(succeeded(built.artifact)) << built.error.message;
  const artifact::Artifact &art = *built.artifact;
  ASSERT_EQ(art.segments.size(), 4u);
  EXPECT_EQ(art.segments[0].kind, artifact::SegmentKind::Constants);
  EXPECT_EQ(art.segments[1].kind, artifact::SegmentKind::Streamed);
  EXPECT_EQ(art.segments[2].kind, artifact::SegmentKind::Streamed);
  EXPECT_EQ(art.segments[3].kind, artifact::SegmentKind::Code);
  EXPECT_EQ(art.segments[1].bytes, std::vector<uint8_t>(8, 2));
  EXPECT_EQ(art.segments[1].encoding, artifact::SegmentEncoding::Raw);
  EXPECT_NE(std::find(art.requiredFeatures.begin(), art.requiredFeatures.end(),
                      MICA_FEATURE_STREAMED_WEIGHTS),
            art.requiredFeatures.end());
}

// Step.streamed is the streamed segment among the step's segments, wherever
// it sits in the list; Step.nodes and Node.step follow mica.nodes.
TEST(PlanToArtifactTest, StepsNameTheirStreamedSegmentAndNodes) {
  Built built = build(kStreamedPlan);
  ASSERT_TRUE(succeeded(built.artifact)) << built.error.message;
  const artifact::Artifact &art = *built.artifact;
  ASSERT_EQ(art.entryPoints.size(), 1u);
  const std::vector<artifact::Step> &steps = art.entryPoints[0].steps;
  ASSERT_EQ(steps.size(), 3u);
  EXPECT_EQ(steps[0].streamed, 1);
  EXPECT_EQ(steps[1].streamed, 2);
  EXPECT_EQ(steps[2].streamed, -1);
  EXPECT_EQ(steps[1].symbol, "mica_main_s1");
  EXPECT_EQ(steps[0].nodes, (std::vector<uint32_t>{0, 1}));
  EXPECT_EQ(steps[1].nodes, (std::vector<uint32_t>{2}));
  EXPECT_EQ(steps[2].nodes, (std::vector<uint32_t>{3}));
  ASSERT_EQ(art.nodes.size(), 4u);
  for (auto [node, step] :
       {std::pair<int, uint32_t>{0, 0}, {1, 0}, {2, 1}, {3, 2}})
    EXPECT_EQ(art.nodes[node].step, step) << "node " << node;
}

// Without streamed segments or mica.nodes: Constants only, every step lists
// every node, nothing more is required (the artifact of before issue 16).
TEST(PlanToArtifactTest, PlainPlanIsUnchanged) {
  Built built = build(R"mlir(
module {
  exec.segment @constants size 4 data dense<1> : tensor<4xi8>
  func.func @main() {
    return
  }
  exec.entry_point "main" function @main arena 64 intermediates 64
      attributes {input_shapes = [], input_max_shapes = [],
                  output_max_shapes = [array<i64: 4>],
                  output_elem_bytes = array<i64: 4>} {
    exec.step target "host" kernel "mica_main" segments [@constants]
  }
  exec.node_table names ["a", "b"] op_types ["MatMul", "Add"]
}
)mlir");
  ASSERT_TRUE(succeeded(built.artifact)) << built.error.message;
  const artifact::Artifact &art = *built.artifact;
  EXPECT_EQ(art.segments[0].kind, artifact::SegmentKind::Constants);
  EXPECT_EQ(art.entryPoints[0].steps[0].streamed, -1);
  EXPECT_EQ(art.entryPoints[0].steps[0].nodes, (std::vector<uint32_t>{0, 1}));
  EXPECT_TRUE(art.requiredFeatures.empty());
}

// A mica.nodes index past the node table is an internal error, not a
// corrupt artifact.
TEST(PlanToArtifactTest, RejectsNodeIndexOutsideTable) {
  std::string source = kStreamedPlan;
  source.replace(source.find("array<i32: 3>"), 13, "array<i32: 9>");
  Built built = build(source.c_str());
  ASSERT_TRUE(failed(built.artifact));
  EXPECT_NE(built.error.message.find("mica.nodes"), std::string::npos)
      << built.error.message;
}

} // namespace
