//===- Passes.h - CPU code generation passes --------------------*- C++ -*-===//
#ifndef MICA_TARGETS_CPU_TRANSFORMS_PASSES_H
#define MICA_TARGETS_CPU_TRANSFORMS_PASSES_H

#include "mlir/Dialect/Affine/IR/AffineOps.h"
#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"
#include "mlir/Pass/Pass.h"

namespace mica {

#define GEN_PASS_DECL
#include "targets/cpu/transforms/Passes.h.inc"

#define GEN_PASS_REGISTRATION
#include "targets/cpu/transforms/Passes.h.inc"

} // namespace mica

#endif // MICA_TARGETS_CPU_TRANSFORMS_PASSES_H
