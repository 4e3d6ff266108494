// RUN: mica-opt %s -split-input-file | mica-opt -split-input-file | FileCheck %s

// A plan round-trips: a segment with its bytes, an entry point with its
// memory plan and one step, the node table.
// CHECK-LABEL: module
// CHECK: exec.segment @constants size 64 data dense<0> : tensor<64xi8>
// CHECK: exec.entry_point "main" function @main arena 128 intermediates 192
// CHECK-SAME: input_shapes = [array<i64: 4>]
// CHECK: exec.step target "host" kernel "mica_main" segments [@constants]
// CHECK: exec.node_table names ["conv"] op_types ["Conv"]
module {
  exec.segment @constants size 64 data dense<0> : tensor<64xi8>
  func.func @main() {
    return
  }
  exec.entry_point "main" function @main arena 128 intermediates 192
      attributes {input_shapes = [array<i64: 4>],
                  input_max_shapes = [array<i64: 4>],
                  output_max_shapes = [array<i64: 4>],
                  output_elem_bytes = array<i64: 4>} {
    exec.step target "host" kernel "mica_main" segments [@constants]
  }
  exec.node_table names ["conv"] op_types ["Conv"]
}

// -----

// Two entry points share one segment; a segment may leave its bytes out.
// CHECK-LABEL: module
// CHECK: exec.segment @constants size 4096
// CHECK-NOT: data
// CHECK: exec.entry_point "prefill"
// CHECK: exec.entry_point "decode"
module {
  exec.segment @constants size 4096
  func.func @prefill() {
    return
  }
  func.func @decode() {
    return
  }
  exec.entry_point "prefill" function @prefill arena 0 intermediates 0
      attributes {input_shapes = [], input_max_shapes = [],
                  output_max_shapes = [], output_elem_bytes = array<i64>} {
    exec.step target "arm64" kernel "m_prefill" segments [@constants]
  }
  exec.entry_point "decode" function @decode arena 0 intermediates 0
      attributes {input_shapes = [], input_max_shapes = [],
                  output_max_shapes = [], output_elem_bytes = array<i64>} {
    exec.step target "arm64" kernel "m_decode" segments [@constants]
  }
}

// -----

// A width-bounded kernel reads a group's active count; its entry point
// lists the groups its function takes as trailing index arguments.
// CHECK-LABEL: func.func @counts
// CHECK: exec.active_count {group = 2 : i64} : index
// CHECK: exec.entry_point "main" function @main
// CHECK-SAME: active_groups = array<i64: 0, 2>
module {
  func.func @counts() -> index {
    %0 = exec.active_count {group = 2} : index
    return %0 : index
  }
  func.func @main(%g0: index, %g2: index) {
    return
  }
  exec.entry_point "main" function @main arena 0 intermediates 0
      attributes {active_groups = array<i64: 0, 2>, input_shapes = [],
                  input_max_shapes = [], output_max_shapes = [],
                  output_elem_bytes = array<i64>} {
    exec.step target "host" kernel "mica_main" segments []
  }
}
