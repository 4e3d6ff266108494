//===- ExecDialect.h - Mica execution dialect -------------------*- C++ -*-===//
#ifndef MICA_DIALECTS_EXEC_IR_EXECDIALECT_H
#define MICA_DIALECTS_EXEC_IR_EXECDIALECT_H

#include "mlir/Bytecode/BytecodeOpInterface.h"
#include "mlir/IR/BuiltinAttributes.h"
#include "mlir/IR/Dialect.h"
#include "mlir/IR/OpDefinition.h"
#include "mlir/IR/SymbolTable.h"
#include "mlir/Interfaces/SideEffectInterfaces.h"

#include "dialects/exec/IR/ExecDialect.h.inc"

namespace mica::exec {
/// Argument attribute of an entry function (set by the driver, read by a
/// target's kernel-interface pass): the upper bound of every dimension of
/// that input, as a DenseI64ArrayAttr; what the memory plan is sized for.
constexpr llvm::StringLiteral kMaxShapeAttr = "exec.max_shape";

/// Module attribute: the runtime features (MICA_FEATURE_* of
/// artifact_format.h) the generated code needs, as an array of strings; the
/// artifact lists them in Model.required_features.
constexpr llvm::StringLiteral kRequiredFeaturesAttr = "exec.required_features";

/// Module attribute of a --sortable-width build (mica-sort-channels): its
/// channel groups, an array of {node: string, op: string, channels: i64,
/// round: i64} dictionaries (mica-annotate-width adds bounded: bool and
/// reason: string), group g at position g, the index of its count in
/// mica_kernel_ctx.active_counts; the artifact's Model.width_groups.
constexpr llvm::StringLiteral kWidthGroupsAttr = "exec.width_groups";

/// Module attribute of a --memory-budget build (mica-partition-weights):
/// the plan, for the compile report's `memory_budget` section. A
/// dictionary: budget, arena, outputs, resident, buffer, streamed (bytes,
/// i64), fits_resident (bool), and blocks, an array of {step, kernel,
/// bytes, first_node, last_node} for the streamed steps.
constexpr llvm::StringLiteral kMemoryBudgetAttr = "exec.memory_budget";
} // namespace mica::exec

#define GET_OP_CLASSES
#include "dialects/exec/IR/ExecOps.h.inc"

#endif // MICA_DIALECTS_EXEC_IR_EXECDIALECT_H
