// RUN: mica-opt %s --mica-cpu-elementwise-codegen="vector-width=8" --mica-bind-kernel-interface --mica-cpu-outline-parallel | FileCheck %s

// A kernel's outer loop over 256 rows of 512 elements (enough work to share)
// becomes a task: a function of the bound entry's arguments and a range,
// which rebuilds its buffers (views of the arena and of the inputs) and runs
// the rows [begin, end); the entry calls the runtime's parallel-for with the
// task's thunk and the row count.
// CHECK-LABEL: func.func @main(%{{.+}}: !llvm.ptr
// CHECK-NOT: scf.parallel
// CHECK: %[[FN:.+]] = llvm.mlir.addressof @main_task0_thunk : !llvm.ptr
// CHECK: call @mica_kernel_parallel_for(%{{.+}}, %[[FN]], %{{.+}}) : (!llvm.ptr, !llvm.ptr, i64) -> ()
// CHECK-LABEL: func.func private @main_task0(
// CHECK-SAME: %[[BEGIN:[a-z0-9]+]]: index, %[[END:[a-z0-9]+]]: index)
// CHECK: memref.view
// CHECK: scf.for %{{.+}} = %[[BEGIN]] to %[[END]]
// CHECK: vector.store
// CHECK: llvm.func @main_task0_thunk(!llvm.ptr, i64, i64) attributes {mica.task = @main_task0, mica.task_entry = @main}
// CHECK: func.func private @mica_kernel_parallel_for(!llvm.ptr, !llvm.ptr, i64)
func.func @main(%x: memref<256x512xf32>) -> memref<256x512xf32> {
  %tmp = memref.alloc() : memref<256x512xf32>
  linalg.generic {indexing_maps = [affine_map<(i, j) -> (i, j)>, affine_map<(i, j) -> (i, j)>],
                  iterator_types = ["parallel", "parallel"]}
      ins(%x : memref<256x512xf32>) outs(%tmp : memref<256x512xf32>) {
  ^bb0(%a: f32, %o: f32):
    %e = math.exp %a : f32
    linalg.yield %e : f32
  }
  return %tmp : memref<256x512xf32>
}
