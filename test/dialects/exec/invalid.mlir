// RUN: mica-opt %s -split-input-file -verify-diagnostics

// A segment cannot have a negative size.
// expected-error @+1 {{'exec.segment' op size must be non-negative, got -1}}
exec.segment @bad size -1

// -----

// A segment's bytes are exactly `size` i8 values.
// expected-error @+1 {{data must be a tensor<64xi8>}}
exec.segment @constants size 64 data dense<0> : tensor<32xi8>

// -----

// The bound function must exist.
// expected-error @+1 {{function 'missing' is not a function of this module}}
exec.entry_point "main" function @missing arena 0 intermediates 0
    attributes {input_shapes = [], input_max_shapes = [],
                output_max_shapes = [], output_elem_bytes = array<i64>} {
  exec.step target "host" kernel "mica_main" segments []
}

// -----

func.func @main() {
  return
}
// A static input dimension and its bound must agree.
// expected-error @+1 {{input 0: bound 8 of dimension 0 does not fit its size}}
exec.entry_point "main" function @main arena 0 intermediates 0
    attributes {input_shapes = [array<i64: 4>], input_max_shapes = [array<i64: 8>],
                output_max_shapes = [], output_elem_bytes = array<i64>} {
  exec.step target "host" kernel "mica_main" segments []
}

// -----

func.func @main() {
  return
}
exec.entry_point "main" function @main arena 0 intermediates 0
    attributes {input_shapes = [], input_max_shapes = [],
                output_max_shapes = [], output_elem_bytes = array<i64>} {
  // A step reads segments, not other symbols.
  // expected-error @+1 {{segment @main is not an exec.segment}}
  exec.step target "host" kernel "mica_main" segments [@main]
}

// -----

// Every node has an op type.
// expected-error @+1 {{has 2 names but 1 op types}}
exec.node_table names ["a", "b"] op_types ["Conv"]

// -----

// Width groups are indices into the model's group table.
// expected-error @+1 {{'exec.active_count' op attribute 'group' failed to satisfy constraint}}
%0 = exec.active_count {group = -1} : index

// -----

// An entry point's active groups are ascending and distinct (the order of
// its function's count arguments).
func.func @main(%a: index, %b: index) {
  return
}
// expected-error @+1 {{'exec.entry_point' op active groups must be distinct, non-negative and ascending}}
exec.entry_point "main" function @main arena 0 intermediates 0
    attributes {active_groups = array<i64: 2, 0>, input_shapes = [],
                input_max_shapes = [], output_max_shapes = [],
                output_elem_bytes = array<i64>} {
  exec.step target "host" kernel "mica_main" segments []
}
