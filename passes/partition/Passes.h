//===- Passes.h - Partition passes ------------------------------*- C++ -*-===//
#ifndef MICA_PASSES_PARTITION_PASSES_H
#define MICA_PASSES_PARTITION_PASSES_H

#include "dialects/exec/IR/ExecDialect.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Pass/Pass.h"

namespace mica {

#define GEN_PASS_DECL
#include "passes/partition/Passes.h.inc"

#define GEN_PASS_REGISTRATION
#include "passes/partition/Passes.h.inc"

} // namespace mica

#endif // MICA_PASSES_PARTITION_PASSES_H
