//===- Passes.h - Kernel ABI passes -----------------------------*- C++ -*-===//
#ifndef MICA_TARGETS_CPU_KERNEL_PASSES_H
#define MICA_TARGETS_CPU_KERNEL_PASSES_H

#include "dialects/exec/IR/ExecDialect.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/IR/BuiltinOps.h"
#include "mlir/Pass/Pass.h"

namespace mica {

#define GEN_PASS_DECL
#include "targets/cpu/kernel/Passes.h.inc"

#define GEN_PASS_REGISTRATION
#include "targets/cpu/kernel/Passes.h.inc"

} // namespace mica

#endif // MICA_TARGETS_CPU_KERNEL_PASSES_H
