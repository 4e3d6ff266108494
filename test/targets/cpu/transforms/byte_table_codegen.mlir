// RUN: mica-opt %s --mica-cpu-elementwise-codegen="vector-width=16 byte-table=x86-vbmi" | FileCheck %s --check-prefix=X86
// RUN: mica-opt %s --mica-cpu-elementwise-codegen="vector-width=4 byte-table=arm-tbl" | FileCheck %s --check-prefix=ARM
// RUN: mica-opt %s --mica-cpu-elementwise-codegen="vector-width=16" | FileCheck %s --check-prefix=NONE
// RUN: not mica-opt %s --mica-cpu-elementwise-codegen="byte-table=sse" 2>&1 | FileCheck %s --check-prefix=BAD

// graph.table's lowering (a 256-byte constant read at x + 128) on 200
// bytes: on x86 64 bytes per step, two vpermi2b over the table's halves and
// a select by the index's top bit; on arm64 16 bytes per step, one tbl and
// three tbx over its quarters; without a lookup instruction, scalar loops.
// X86: arith.xori {{.*}} : vector<64xi8>
// X86-COUNT-2: llvm.call_intrinsic "llvm.x86.avx512.vpermi2var.qi.512"
// X86: arith.select {{.*}} : vector<64xi1>, vector<64xi8>
// X86: vector.store {{.*}} : memref<?xi8>, vector<64xi8>
// ARM: arith.xori {{.*}} : vector<16xi8>
// ARM: llvm.call_intrinsic "llvm.aarch64.neon.tbl4.v16i8"
// ARM-COUNT-3: llvm.call_intrinsic "llvm.aarch64.neon.tbx4.v16i8"
// ARM: vector.store {{.*}} : memref<?xi8>, vector<16xi8>
// NONE: linalg.generic
// NONE: memref.load
// BAD: unknown byte-table 'sse'
memref.global "private" constant @table : memref<256xi8> = dense<7>
func.func @lookup(%x: memref<200xi8>, %y: memref<200xi8>) {
  %t = memref.get_global @table : memref<256xi8>
  %c128 = arith.constant 128 : i32
  linalg.generic {indexing_maps = [affine_map<(i) -> (i)>, affine_map<(i) -> (i)>], iterator_types = ["parallel"]} ins(%x : memref<200xi8>) outs(%y : memref<200xi8>) {
  ^bb0(%in: i8, %out: i8):
    %w = arith.extsi %in : i8 to i32
    %i = arith.addi %w, %c128 : i32
    %idx = arith.index_cast %i : i32 to index
    %v = memref.load %t[%idx] : memref<256xi8>
    linalg.yield %v : i8
  }
  return
}
