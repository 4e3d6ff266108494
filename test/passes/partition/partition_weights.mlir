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

// A scalar loaded after the first kernel and read by the third kernel
// ties the load, the second and the third kernels into one unit: no cut
// between them (the first and the last cut stay legal).
// RUN: mica-opt %S/Inputs/loaded_scalar.mlir --mica-partition-weights=budget=319 | FileCheck %s --check-prefix=TIED
// TIED-LABEL: func.func @main_s0(
// TIED: linalg.add
// TIED-NEXT: return
// TIED-LABEL: func.func @main_s1(
// TIED: %[[S:.+]] = memref.load
// TIED-NEXT: linalg.add
// TIED-NEXT: linalg.fill ins(%[[S]] : f32)
// TIED-NEXT: return
// TIED-LABEL: func.func @main_s2(
// TIED: linalg.add
// TIED-NEXT: return

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
