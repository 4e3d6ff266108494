//===- mica-opt.cpp - Run Mica's passes on MLIR files ---------------------===//
//
// The `mlir-opt` of Mica: parses IR in any of Mica's dialects, runs the passes
// named on the command line and prints the result. Used by the lit tests and by
// researchers writing passes.
//
//===----------------------------------------------------------------------===//
#include "compiler/registration/Registration.h"

#include "mlir/IR/DialectRegistry.h"
#include "mlir/Tools/mlir-opt/MlirOptMain.h"

int main(int argc, char **argv) {
  mlir::DialectRegistry registry;
  mica::registerAllDialects(registry);
  mica::registerAllPasses();
  return mlir::asMainReturnCode(
      mlir::MlirOptMain(argc, argv, "Mica optimizer driver\n", registry));
}
