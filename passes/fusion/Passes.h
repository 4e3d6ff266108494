//===- Passes.h - Fusion passes ---------------------------------*- C++ -*-===//
#ifndef MICA_PASSES_FUSION_PASSES_H
#define MICA_PASSES_FUSION_PASSES_H

#include "mlir/Dialect/Affine/IR/AffineOps.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/Pass/Pass.h"

namespace mica {

#define GEN_PASS_DECL
#include "passes/fusion/Passes.h.inc"

#define GEN_PASS_REGISTRATION
#include "passes/fusion/Passes.h.inc"

} // namespace mica

#endif // MICA_PASSES_FUSION_PASSES_H
