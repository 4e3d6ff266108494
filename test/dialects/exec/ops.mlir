// RUN: mica-opt %s | mica-opt | FileCheck %s

// Segments and blocks round-trip.
// CHECK-LABEL: module
// CHECK: exec.segment @weights_0 size 4096
// CHECK: exec.block @block_0 target "arm64" segments [@weights_0]
module {
  exec.segment @weights_0 size 4096
  exec.block @block_0 target "arm64" segments [@weights_0]
}
