// RUN: mica-opt %s --mica-cpu-contraction-codegen="vector-width=8 registers=16" --canonicalize --cse --mica-bind-kernel-interface --mica-cpu-outline-parallel | FileCheck %s
// RUN: mica-opt %s --mica-cpu-contraction-codegen="vector-width=8 registers=16" --canonicalize --cse --mica-bind-kernel-interface --mica-cpu-outline-parallel --expand-strided-metadata --lower-affine --convert-scf-to-cf --arith-expand --convert-vector-to-llvm --convert-arith-to-llvm --convert-cf-to-llvm --finalize-memref-to-llvm --convert-index-to-llvm --convert-func-to-llvm --reconcile-unrealized-casts --mica-emit-kernel-entry | FileCheck %s --check-prefix=ENTRY

// Two width-bounded dense layers (--sortable-width): the exec.active_count
// ops of both kernels become one index argument per group (3 and 0, shared
// by the kernels, ascending), listed in the entry point's active_groups; the
// module requires the runtime's "sortable_width" feature. The kernels' loops
// stay parallel tasks: the tasks take the entry's arguments, counts
// included (the second kernel's task bounds its reduction by group 3).
// CHECK: module attributes {exec.required_features = ["sortable_width"]}
// CHECK-LABEL: func.func @main
// CHECK-SAME: %{{.+}}: memref<2xi64>, %[[G0:.+]]: index, %[[G3:.+]]: index)
// CHECK-NOT: exec.active_count
// CHECK: call @mica_kernel_parallel_for
// CHECK: arith.minui %[[G0]], %c32
// CHECK: call @mica_kernel_parallel_for
// CHECK: exec.entry_point "main"
// CHECK-SAME: active_groups = array<i64: 0, 3>
// CHECK-LABEL: func.func private @main_task0
// CHECK-SAME: %{{.+}}: memref<2xi64>, %{{.+}}: index, %{{.+}}: index, %{{.+}}: index, %{{.+}}: index)
// CHECK-LABEL: func.func private @main_task1
// CHECK-SAME: %{{.+}}: memref<2xi64>, %{{.+}}: index, %[[T3:.+]]: index, %{{.+}}: index, %{{.+}}: index)
// CHECK: %[[K:.+]] = arith.minui %[[T3]], %c64
// CHECK: scf.for %{{.+}} = %{{.+}} to %[[K]] step

// The exported kernel and each task's thunk load ctx->active_counts
// (field 7) and pass its elements 0 and 3 as the last two arguments.
// ENTRY-LABEL: llvm.func internal @main_task1_thunk
// ENTRY: llvm.getelementptr %arg0[7]
// ENTRY: llvm.call @main_task1(
// ENTRY-LABEL: llvm.func @mica_main(
// ENTRY: %[[COUNTS_AT:.+]] = llvm.getelementptr %arg0[7] : (!llvm.ptr) -> !llvm.ptr, !llvm.ptr
// ENTRY: %[[COUNTS:.+]] = llvm.load %[[COUNTS_AT]] : !llvm.ptr -> !llvm.ptr
// ENTRY: %[[A0:.+]] = llvm.getelementptr %[[COUNTS]][0] : (!llvm.ptr) -> !llvm.ptr, i64
// ENTRY: %[[C0:.+]] = llvm.load %[[A0]] : !llvm.ptr -> i64
// ENTRY: %[[A3:.+]] = llvm.getelementptr %[[COUNTS]][3] : (!llvm.ptr) -> !llvm.ptr, i64
// ENTRY: %[[C3:.+]] = llvm.load %[[A3]] : !llvm.ptr -> i64
// ENTRY: llvm.call @main({{.*}}, %[[C0]], %[[C3]])
memref.global "private" constant @w1 : memref<64x64xf32> = dense<1.0>
memref.global "private" constant @w2 : memref<32x64xf32> = dense<2.0>
func.func @main(%x: memref<64x64xf32> {exec.max_shape = array<i64: 64, 64>}) -> memref<64x32xf32> {
  %zero = arith.constant 0.0 : f32
  %w1 = memref.get_global @w1 : memref<64x64xf32>
  %w2 = memref.get_global @w2 : memref<32x64xf32>
  %h = memref.alloc() : memref<64x64xf32>
  linalg.fill ins(%zero : f32) outs(%h : memref<64x64xf32>)
  linalg.generic {indexing_maps = [affine_map<(m, n, k) -> (m, k)>, affine_map<(m, n, k) -> (n, k)>, affine_map<(m, n, k) -> (m, n)>],
                  iterator_types = ["parallel", "parallel", "reduction"]}
      ins(%x, %w1 : memref<64x64xf32>, memref<64x64xf32>) outs(%h : memref<64x64xf32>)
      attrs = {mica.width = [array<i64: 1, 3, 1>]} {
  ^bb0(%a: f32, %b: f32, %acc: f32):
    %p = arith.mulf %a, %b : f32
    %s = arith.addf %acc, %p : f32
    linalg.yield %s : f32
  }
  %y = memref.alloc() : memref<64x32xf32>
  linalg.fill ins(%zero : f32) outs(%y : memref<64x32xf32>)
  linalg.generic {indexing_maps = [affine_map<(m, n, k) -> (m, k)>, affine_map<(m, n, k) -> (n, k)>, affine_map<(m, n, k) -> (m, n)>],
                  iterator_types = ["parallel", "parallel", "reduction"]}
      ins(%h, %w2 : memref<64x64xf32>, memref<32x64xf32>) outs(%y : memref<64x32xf32>)
      attrs = {mica.width = [array<i64: 1, 0, 1>, array<i64: 2, 3, 1>]} {
  ^bb0(%a: f32, %b: f32, %acc: f32):
    %p = arith.mulf %a, %b : f32
    %s = arith.addf %acc, %p : f32
    linalg.yield %s : f32
  }
  return %y : memref<64x32xf32>
}
