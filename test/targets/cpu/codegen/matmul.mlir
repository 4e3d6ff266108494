// A matmul with a dynamic row count: the object defines `matmul`, and its
// inner product is an AArch64 fused multiply-add on arm64 (scalar: the k loop
// is a reduction, which is not vectorised without reassociation; NEON fmla
// on `v.4s` needs the vectorisation along the parallel dims that is later
// work) and an FMA3 instruction on an x86-64 host that has FMA.
// With --fp-contract=false the multiply and the add stay separate roundings.

// RUN: mica-codegen %s --target arm64 -o %t.arm64.o
// RUN: llvm-readelf-22 -h -s %t.arm64.o | FileCheck %s --check-prefix=ELF
// RUN: llvm-objdump-22 -d %t.arm64.o | FileCheck %s --check-prefix=ARM64
// RUN: mica-codegen %s --target arm64 --fp-contract=false -o %t.nofma.o
// RUN: llvm-objdump-22 -d %t.nofma.o | FileCheck %s --check-prefix=NOFMA
// RUN: mica-codegen %s --target host -o %t.host.o
// RUN: llvm-readelf-22 -h -s %t.host.o | FileCheck %s --check-prefix=HOST

// ELF: Class: ELF64
// ELF: Type: REL (Relocatable file)
// ELF: Machine: AArch64
// ELF: FUNC GLOBAL DEFAULT {{[0-9]+}} matmul

// ARM64-LABEL: <matmul>:
// ARM64: fmadd s{{[0-9]+}}, s{{[0-9]+}}, s{{[0-9]+}}, s{{[0-9]+}}
// ARM64: ret

// NOFMA-LABEL: <matmul>:
// NOFMA-NOT: fmadd
// NOFMA: fmul s{{[0-9]+}}
// NOFMA-NOT: fmadd
// NOFMA: fadd s{{[0-9]+}}
// NOFMA-NOT: fmadd
// NOFMA: ret

// HOST: Class: ELF64
// HOST: Type: REL (Relocatable file)
// HOST: Machine: Advanced Micro Devices X86-64
// HOST: FUNC GLOBAL DEFAULT {{[0-9]+}} matmul
func.func @matmul(%a: tensor<?x64xf32>, %b: tensor<64x32xf32>) -> tensor<?x32xf32> {
  %0 = graph.matmul %a, %b : (tensor<?x64xf32>, tensor<64x32xf32>) -> tensor<?x32xf32>
  return %0 : tensor<?x32xf32>
}
