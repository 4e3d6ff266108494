//===- ExecBase.td - Mica execution dialect definition ----*- tablegen -*-===//
//
// The `exec` dialect describes how a compiled model executes: which blocks of
// ops run where, which weight segments they touch, and the load/compute
// schedule that streams weights under a memory budget. The compile-and-run
// work fills it in; today it holds the ops that name those concepts so that
// passes and tests can refer to them.
//
//===----------------------------------------------------------------------===//
#ifndef MICA_EXEC_BASE
#define MICA_EXEC_BASE

include "mlir/IR/OpBase.td"

def Exec_Dialect : Dialect {
  let name = "exec";
  let cppNamespace = "::mica::exec";
  let summary = "Blocks, weight segments and the load/compute schedule of a compiled model";
  let description = [{
    A compiled model is a list of blocks (groups of graph ops compiled for one
    target), the weight segments they read, and a schedule that orders loads
    and computations. The memory-budget partitioner produces this form.
  }];
}

class Exec_Op<string mnemonic, list<Trait> traits = []>
    : Op<Exec_Dialect, mnemonic, traits>;

#endif // MICA_EXEC_BASE
