//===- NodeLocationTest.cpp - ONNX node locations and error lines ---------===//
#include "compiler/diagnostics/NodeLocation.h"

#include "mlir/IR/Diagnostics.h"
#include "mlir/IR/MLIRContext.h"

#include <gtest/gtest.h>

using namespace mlir;

namespace {

TEST(NodeLocationTest, RoundTripsNodeNameOpAndFile) {
  MLIRContext context;
  Location loc = mica::makeNodeLoc(&context, "m.onnx", "conv1", "", "Conv");
  mica::NodeLocInfo info = mica::getNodeLocInfo(loc);
  EXPECT_EQ(info.file, "m.onnx");
  EXPECT_EQ(info.node, "conv1");
  EXPECT_EQ(info.domainAndOp, "ai.onnx::Conv");
}

TEST(NodeLocationTest, KeepsCustomDomains) {
  MLIRContext context;
  Location loc =
      mica::makeNodeLoc(&context, "m.onnx", "x1", "com.example", "Bar");
  EXPECT_EQ(mica::getNodeLocInfo(loc).domainAndOp, "com.example::Bar");
}

TEST(NodeLocationTest, FindsTheFirstNodeInsideAFusedLocation) {
  MLIRContext context;
  Location a = mica::makeNodeLoc(&context, "m.onnx", "a", "", "Conv");
  Location b = mica::makeNodeLoc(&context, "m.onnx", "b", "", "Relu");
  mica::NodeLocInfo info =
      mica::getNodeLocInfo(FusedLoc::get(&context, {a, b}));
  EXPECT_EQ(info.node, "a");
  EXPECT_EQ(info.domainAndOp, "ai.onnx::Conv");
}

TEST(NodeLocationTest, FormatsTheOneLineErrorContract) {
  MLIRContext context;
  Location loc = mica::makeNodeLoc(&context, "m.onnx", "conv1", "", "Conv");
  Diagnostic diag(loc, DiagnosticSeverity::Error);
  diag << "bad\nthing";
  EXPECT_EQ(mica::formatDiagnostic(diag, "fallback.onnx"),
            "mica: error: m.onnx: node 'conv1' (ai.onnx::Conv): bad thing");
}

TEST(NodeLocationTest, EscapesControlCharactersAndLineSeparators) {
  MLIRContext context;
  Location loc = mica::makeNodeLoc(&context, "m.onnx",
                                   "a\x1c\x01"
                                   "b",
                                   "", "Conv");
  Diagnostic diag(loc, DiagnosticSeverity::Error);
  diag << "x\xe2\x80\xa8y";
  EXPECT_EQ(mica::formatDiagnostic(diag, "f.onnx"),
            "mica: error: m.onnx: node 'a\\x1c\\x01b' (ai.onnx::Conv): x y");
}

TEST(NodeLocationTest, LeavesOutTheNodeWhenThereIsNone) {
  MLIRContext context;
  Diagnostic diag(UnknownLoc::get(&context), DiagnosticSeverity::Warning);
  diag << "note this";
  EXPECT_EQ(mica::formatDiagnostic(diag, "f.onnx"),
            "mica: warning: f.onnx: note this");
}

} // namespace
