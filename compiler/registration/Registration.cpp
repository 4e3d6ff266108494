//===- Registration.cpp - Register Mica's dialects and passes -------------===//
#include "compiler/registration/Registration.h"

#include "compiler/conversion/graph_to_linalg/Passes.h"
#include "compiler/conversion/onnx_to_graph/Passes.h"
#include "compiler/driver/Pipeline.h"
#include "dialects/exec/IR/ExecDialect.h"
#include "dialects/graph/IR/GraphDialect.h"
#include "dialects/onnx/IR/OnnxDialect.h"
#include "passes/fusion/Passes.h"
#include "passes/graph_opt/Passes.h"
#include "passes/partition/Passes.h"
#include "passes/prune/Passes.h"
#include "passes/quantize/Passes.h"
#include "passes/token_merge/Passes.h"
#include "targets/cpu/Pipeline.h"
#include "targets/cpu/kernel/Passes.h"
#include "targets/cpu/transforms/Passes.h"

#include "mlir/Conversion/Passes.h"
#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Arith/Transforms/Passes.h"
#include "mlir/Dialect/Bufferization/Pipelines/Passes.h"
#include "mlir/Dialect/Bufferization/Transforms/Passes.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/Linalg/Passes.h"
#include "mlir/Dialect/MemRef/Transforms/Passes.h"
#include "mlir/Dialect/Quant/IR/Quant.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/IR/DialectRegistry.h"
#include "mlir/Transforms/Passes.h"

void mica::registerAllDialects(mlir::DialectRegistry &registry) {
  registry.insert<mica::onnxir::OnnxDialect, mica::graph::GraphDialect,
                  mica::exec::ExecDialect, mlir::func::FuncDialect,
                  mlir::arith::ArithDialect, mlir::tensor::TensorDialect,
                  mlir::quant::QuantDialect>();
  // linalg, tensor, memref, bufferization, scf, math, llvm, ... and the
  // bufferization models that the lowering pipeline needs.
  mica::registerGraphToLLVMDialects(registry);
}

void mica::registerAllPasses() {
  static bool registered = false;
  if (registered)
    return;
  registered = true;
  mlir::registerTransformsPasses(); // canonicalize, cse, inline, ...
  mica::registerOnnxToGraphPasses();
  mica::registerGraphToLinalgPasses();
  mica::registerFusionPasses();
  mica::registerGraphOptPasses();
  mica::registerPartitionPasses();
  mica::registerPrunePasses();
  mica::registerQuantizePasses();
  mica::registerTokenMergePasses();
  mica::registerKernelPasses();
  mica::registerCpuTransformsPasses();
  mica::cpu::registerCpuPipelines();
  mica::registerCompilePipelines();
  // Upstream passes the lowering uses, for running its steps one by one.
  mlir::registerLinalgPasses();
  mlir::bufferization::registerBufferizationPasses();
  mlir::bufferization::registerBufferizationPipelines();
  mlir::registerConversionPasses();
  mlir::memref::registerMemRefPasses();
  mlir::arith::registerArithPasses();
}
