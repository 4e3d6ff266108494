//===- Passes.h - Integer quantisation of the graph -------------*- C++ -*-===//
#ifndef MICA_PASSES_QUANTIZE_PASSES_H
#define MICA_PASSES_QUANTIZE_PASSES_H

#include "dialects/graph/IR/GraphDialect.h"

#include "mlir/IR/BuiltinOps.h"
#include "mlir/Pass/Pass.h"

namespace mica {

#define GEN_PASS_DECL
#include "passes/quantize/Passes.h.inc"

#define GEN_PASS_REGISTRATION
#include "passes/quantize/Passes.h.inc"

} // namespace mica

#endif // MICA_PASSES_QUANTIZE_PASSES_H
