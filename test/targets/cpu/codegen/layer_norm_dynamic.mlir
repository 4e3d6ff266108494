// layer_norm over a dynamic sequence length: the normalisation loop (no
// reduction, so no reassociation needed) is NEON `fmla` on full 4 x f32
// vectors on arm64; the statistics stay scalar; sqrt is the instruction, not
// a libm call. Both objects are ELF64 relocatable with `layer_norm` defined.

// RUN: mica-codegen %s --target arm64 -o %t.arm64.o
// RUN: llvm-readelf-22 -h -s %t.arm64.o | FileCheck %s --check-prefixes=ELF,ELF-ARM64
// RUN: llvm-objdump-22 -d %t.arm64.o | FileCheck %s --check-prefix=ARM64
// RUN: mica-codegen %s --target host -o %t.host.o
// RUN: llvm-readelf-22 -h -s %t.host.o | FileCheck %s --check-prefixes=ELF,ELF-HOST
// RUN: llvm-objdump-22 -d %t.host.o | FileCheck %s --check-prefix=HOST

// ELF: Class: ELF64
// ELF: Type: REL (Relocatable file)
// ELF-ARM64: Machine: AArch64
// ELF-HOST: Machine: Advanced Micro Devices X86-64
// ELF: FUNC GLOBAL DEFAULT {{[0-9]+}} layer_norm
// ELF-NOT: sqrtf

// ARM64-LABEL: <layer_norm>:
// ARM64: fsqrt s{{[0-9]+}}, s{{[0-9]+}}
// ARM64: fmla v{{[0-9]+}}.4s, v{{[0-9]+}}.4s, v{{[0-9]+}}.4s

// HOST-LABEL: <layer_norm>:
// HOST: sqrtss
func.func @layer_norm(%x: tensor<1x?x64xf32>, %s: tensor<64xf32>, %b: tensor<64xf32>) -> tensor<1x?x64xf32> {
  %0 = graph.layer_norm %x, %s, %b {axis = -1 : i64, epsilon = 1.0e-5 : f64} : (tensor<1x?x64xf32>, tensor<64xf32>, tensor<64xf32>) -> tensor<1x?x64xf32>
  return %0 : tensor<1x?x64xf32>
}
