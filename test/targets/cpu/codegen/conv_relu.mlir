// Conv + bias + relu from the graph dialect to ELF relocatable objects for
// both CPU targets: ELF64 REL for the right machine, the entry function
// defined in .text, no unwind tables, and calls out only to the C library.
// On arm64 the conv is scalar fused multiply-adds (the loop the current
// pipeline emits reduces over input channels and taps, and Mica does not
// reassociate to vectorise a reduction); the relu loop is NEON on full
// 4 x f32 vectors.

// RUN: mica-codegen %s --target host -o %t.host.o
// RUN: llvm-readelf-22 -h -S -s %t.host.o | FileCheck %s --check-prefixes=ELF,HOST
// RUN: mica-codegen %s --target arm64 -o %t.arm64.o
// RUN: llvm-readelf-22 -h -S -s %t.arm64.o | FileCheck %s --check-prefixes=ELF,ARM64
// RUN: llvm-objdump-22 -d %t.arm64.o | FileCheck %s --check-prefix=ARM64-ASM

// ELF: Class: ELF64
// ELF: Type: REL (Relocatable file)
// HOST: Machine: Advanced Micro Devices X86-64
// ARM64: Machine: AArch64
// ELF-NOT: .eh_frame
// ELF: .text PROGBITS
// ELF-NOT: .eh_frame
// ELF: Symbol table '.symtab'
// ELF-DAG: FUNC GLOBAL DEFAULT {{[0-9]+}} conv_relu
// ELF-DAG: NOTYPE GLOBAL DEFAULT UND malloc

// ARM64-ASM-LABEL: <conv_relu>:
// ARM64-ASM: fmadd s{{[0-9]+}}, s{{[0-9]+}}, s{{[0-9]+}}, s{{[0-9]+}}
// ARM64-ASM: fcmle v{{[0-9]+}}.4s, v{{[0-9]+}}.4s, #0.0
func.func @conv_relu(%x: tensor<1x8x16x16xf32>, %w: tensor<16x8x3x3xf32>, %b: tensor<16xf32>) -> tensor<1x16x16x16xf32> {
  %0 = graph.conv %x, %w, %b {dilations = array<i64: 1, 1>, pads = array<i64: 1, 1, 1, 1>, strides = array<i64: 1, 1>} : (tensor<1x8x16x16xf32>, tensor<16x8x3x3xf32>, tensor<16xf32>) -> tensor<1x16x16x16xf32>
  %1 = graph.relu %0 : tensor<1x16x16x16xf32>
  return %1 : tensor<1x16x16x16xf32>
}
