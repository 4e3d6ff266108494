// mica-partition-weights on hand-written bound functions (Inputs/): three
// kernels reading 64 bytes of weights each, arena 64 and outputs 64 bytes.

// A budget under W + A + O = 320: each kernel becomes a step whose weights
// stream in a segment of their own; views of the segment argument move to
// the new offsets, arena and output views are cloned where used.
// RUN: mica-opt %S/Inputs/three_kernels.mlir --mica-partition-weights=budget=319 | FileCheck %s --check-prefix=CUT
// CUT: exec.segment @constants size 0
// CUT: exec.segment @stream_0 streamed size 64
// CUT: exec.segment @stream_1 streamed size 64
// CUT: exec.segment @stream_2 streamed size 64
// CUT-LABEL: func.func @main_s0(
// CUT: %[[W:.+]] = memref.view %arg1[%c0{{.*}}][] : memref<?xi8> to memref<16xf32>
// CUT: %[[A:.+]] = memref.view %arg2
// CUT: linalg.add ins(%arg3, %[[W]] : {{.*}}) outs(%[[A]] : memref<16xf32>)
// CUT-NEXT: return
// CUT-LABEL: func.func @main_s1(
// CUT: %[[W1:.+]] = memref.view %arg1[%c0{{.*}}][]
// CUT: %[[A1:.+]] = memref.view %arg2
// CUT: linalg.add ins(%[[A1]], %[[W1]] : {{.*}}) outs(%[[A1]] : memref<16xf32>)
// CUT-LABEL: func.func @main_s2(
// CUT: memref.view %arg4
// CUT: exec.entry_point "main" function @main_s0
// CUT-NEXT: exec.step target "host" kernel "mica_main_s0" function @main_s0 segments [@stream_0]
// CUT-NEXT: exec.step target "host" kernel "mica_main_s1" function @main_s1 segments [@stream_1]
// CUT-NEXT: exec.step target "host" kernel "mica_main_s2" function @main_s2 segments [@stream_2]
// The second block holds the bytes the second kernel read (offset 64).
// CUT: mica_stream_segment_1: "0x01000000404142

// A generous budget changes nothing but the recorded plan.
// RUN: mica-opt %S/Inputs/three_kernels.mlir --mica-partition-weights=budget=320 | FileCheck %s --check-prefix=FITS
// FITS: exec.memory_budget = {{{.*}}fits_resident = true
// FITS: exec.segment @constants size 192
// FITS: func.func @main(
// FITS: exec.step target "host" kernel "mica_main" segments [@constants]

// A scalar loaded after the first kernel (f32) and read, through an
// arith.addf (rematerializable: cloned where used), two kernels later does
// not tie them: the cuts stay legal. The step loading it stores it right
// after the load into a slot after the planned arena (64 bytes), the step
// reading it loads it first; the arena grows to 128 (64-byte aligned),
// which the budget counts: four kernels of 64 bytes (W = 256, A = 64,
// O = 64) stream at 128 + 64 + 2 x 64 = 320.
// RUN: mica-opt %S/Inputs/loaded_scalar.mlir --mica-partition-weights=budget=320 | FileCheck %s --check-prefix=SCALAR
// SCALAR: exec.memory_budget = {arena = 128 : i64
// SCALAR-LABEL: func.func @main_s0(
// SCALAR: linalg.add
// SCALAR-NEXT: %[[S:.+]] = memref.load %{{.*}}[%c0] : memref<16xf32>
// SCALAR-NEXT: %[[AT:.+]] = arith.constant 64 : index
// SCALAR-NEXT: %[[SLOT:.+]] = memref.view %arg2[%[[AT]]][] : memref<?xi8> to memref<f32>
// SCALAR-NEXT: memref.store %[[S]], %[[SLOT]][] : memref<f32>
// SCALAR-NEXT: return
// SCALAR-LABEL: func.func @main_s1(
// SCALAR-NEXT: %[[AT1:.+]] = arith.constant 64 : index
// SCALAR-NEXT: %[[SLOT1:.+]] = memref.view %arg2[%[[AT1]]][] : memref<?xi8> to memref<f32>
// SCALAR-NEXT: %[[L:.+]] = memref.load %[[SLOT1]][] : memref<f32>
// SCALAR: %[[T:.+]] = arith.addf %[[L]], %[[L]] : f32
// SCALAR-NEXT: linalg.add
// SCALAR-NEXT: linalg.fill ins(%[[T]] : f32)
// SCALAR-NEXT: return
// SCALAR-LABEL: func.func @main_s2(
// SCALAR-NOT: memref.load
// SCALAR: return
// SCALAR: exec.entry_point "main" function @main_s0 arena 128 intermediates 64
// SCALAR-NEXT: exec.step target "host" kernel "mica_main_s0" function @main_s0 segments [@stream_0]
// SCALAR-NEXT: exec.step target "host" kernel "mica_main_s1" function @main_s1 segments [@stream_1]
// SCALAR-NEXT: exec.step target "host" kernel "mica_main_s2" function @main_s2 segments [@stream_2]
// SCALAR-NEXT: exec.step target "host" kernel "mica_main_s3" function @main_s3 segments [@stream_3]
// The stated minimum counts the grown arena.
// RUN: not mica-opt %S/Inputs/loaded_scalar.mlir --mica-partition-weights=budget=319 2>&1 | FileCheck %s --check-prefix=SCALAR-SHORT
// SCALAR-SHORT: the arena 128 bytes and outputs 64 bytes: at least 320 bytes (320 bytes)
// Without a cut nothing is spilled: the arena stays 64.
// RUN: mica-opt %S/Inputs/loaded_scalar.mlir --mica-partition-weights=budget=384 | FileCheck %s --check-prefix=SCALAR-FITS
// SCALAR-FITS: exec.memory_budget = {arena = 64 : i64{{.*}}fits_resident = true
// SCALAR-FITS-NOT: memref.store
// SCALAR-FITS: exec.entry_point "main" function @main arena 64

// Two kernels of one node read the same 64 bytes (at 192) besides their
// own: a cut between them would stream those bytes twice, so they form
// one unit of 192 bytes (and one block). W = 448, A = 128, O = 128: the
// minimum is 128 + 128 + 2 x 192 = 640, streaming 448 bytes per run (W).
// RUN: mica-opt %S/Inputs/shared_weight.mlir --mica-partition-weights=budget=640 | FileCheck %s --check-prefix=SHARED
// SHARED: exec.memory_budget = {{{.*}}buffer = 192 : i64{{.*}}streamed = 448 : i64
// SHARED: exec.segment @stream_0 streamed size 128
// SHARED-NEXT: exec.segment @stream_1 streamed size 192
// SHARED-NEXT: exec.segment @stream_2 streamed size 128
// SHARED-LABEL: func.func @main_s1(
// SHARED: linalg.add
// SHARED-NEXT: linalg.add
// SHARED-NEXT: return
// SHARED: exec.step target "host" kernel "mica_main_s2" function @main_s2 segments [@stream_2]
// RUN: not mica-opt %S/Inputs/shared_weight.mlir --mica-partition-weights=budget=639 2>&1 | FileCheck %s --check-prefix=SHARED-SHORT
// SHARED-SHORT: node 'n1' reads 192 bytes of weights in one kernel; {{.*}}: at least 640 bytes (640 bytes)

// Weights count once however many kernels read them: W + A + O exactly
// (448 + 128 + 128) fits resident.
// RUN: mica-opt %S/Inputs/shared_weight.mlir --mica-partition-weights=budget=704 | FileCheck %s --check-prefix=SHARED-FITS
// SHARED-FITS: fits_resident = true
// SHARED-FITS: exec.segment @constants size 448

// One unit of 256 bytes and three of 64 (W = 448, W + A + O = 576): with a
// buffer of 64 the large one stays resident (forced), the others stream.
// RUN: mica-opt %S/Inputs/forced_resident.mlir --mica-partition-weights=budget=575 | FileCheck %s --check-prefix=FORCED
// FORCED: resident = 256 : i64
// FORCED: exec.segment @constants size 256
// FORCED: exec.step target "host" kernel "mica_main_s0" function @main_s0 segments [@constants]
// FORCED-NEXT: exec.step target "host" kernel "mica_main_s1" function @main_s1 segments [@stream_0]
// FORCED-NEXT: exec.step target "host" kernel "mica_main_s2" function @main_s2 segments [@stream_1]
// FORCED-NEXT: exec.step target "host" kernel "mica_main_s3" function @main_s3 segments [@stream_2]

// Under the minimum: the error names the node whose weights set the buffer
// and the least budget, which compiles.
// RUN: not mica-opt %S/Inputs/three_kernels.mlir --mica-partition-weights=budget=255 2>&1 | FileCheck %s --check-prefix=SHORT
// SHORT: --memory-budget 255 bytes cannot be met: node 'n0' reads 64 bytes of weights in one kernel; streaming needs two buffers of 64 bytes, the arena 64 bytes and outputs 64 bytes: at least 256 bytes (256 bytes)
// RUN: mica-opt %S/Inputs/three_kernels.mlir --mica-partition-weights=budget=256 | FileCheck %s --check-prefix=MIN
// MIN: exec.step target "host" kernel "mica_main_s2"
