//===- ExecBase.td - Mica execution dialect definition ----*- tablegen -*-===//
//
// The `exec` dialect describes how a compiled model executes: its entry
// points, the steps that run each one on a target, the constants segments
// they read and the static memory plan. A target's kernel-interface passes
// write it; compiler/artifact turns it into the artifact. The memory-budget
// work adds the load/compute schedule that streams weights.
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
    A compiled model is a set of entry points, each a list of steps (kernels
    compiled for one target), the constants segments they read, and the
    static memory plan of each entry point. The kernel-interface passes of a
    target write these ops; the artifact is built from them alone.
  }];
}

class Exec_Op<string mnemonic, list<Trait> traits = []>
    : Op<Exec_Dialect, mnemonic, traits>;

#endif // MICA_EXEC_BASE
