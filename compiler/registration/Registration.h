//===- Registration.h - Register Mica's dialects and passes -----*- C++ -*-===//
//
// One place that knows every dialect and pass Mica uses, so that `mica`,
// `mica-opt`, the tests and the Python package see the same set.
//
//===----------------------------------------------------------------------===//
#ifndef MICA_COMPILER_REGISTRATION_REGISTRATION_H
#define MICA_COMPILER_REGISTRATION_REGISTRATION_H

namespace mlir {
class DialectRegistry;
} // namespace mlir

namespace mica {
/// Adds Mica's dialects and the upstream dialects its IR uses.
void registerAllDialects(mlir::DialectRegistry &registry);
/// Registers Mica's passes (and the upstream passes mica-opt offers) with the
/// global pass registry. Safe to call more than once.
void registerAllPasses();
} // namespace mica

#endif // MICA_COMPILER_REGISTRATION_REGISTRATION_H
