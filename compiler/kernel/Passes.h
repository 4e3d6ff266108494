//===- Passes.h - Kernel ABI passes -----------------------------*- C++ -*-===//
#ifndef MICA_COMPILER_KERNEL_PASSES_H
#define MICA_COMPILER_KERNEL_PASSES_H

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/IR/BuiltinOps.h"
#include "mlir/Pass/Pass.h"

namespace mica {

#define GEN_PASS_DECL
#include "compiler/kernel/Passes.h.inc"

#define GEN_PASS_REGISTRATION
#include "compiler/kernel/Passes.h.inc"

} // namespace mica

#endif // MICA_COMPILER_KERNEL_PASSES_H
