// Input that is already in the LLVM dialect skips the lowering pipeline and
// is emitted as is; a definition is dso_local (a PC-relative call, no PLT
// relocation against it) while the external declaration is called through
// R_X86_64_PLT32 / R_AARCH64_CALL26 for the loader to bind.

// RUN: mica-codegen %s --target host -o %t.host.o
// RUN: llvm-readelf-22 -r -s %t.host.o | FileCheck %s --check-prefix=HOST
// RUN: mica-codegen %s --target arm64 -o %t.arm64.o
// RUN: llvm-readelf-22 -r -s %t.arm64.o | FileCheck %s --check-prefix=ARM64

// HOST: R_X86_64_PLT32 {{.*}} expf - 4
// HOST-NOT: R_X86_64_{{.*}} scale
// HOST-DAG: FUNC GLOBAL DEFAULT {{[0-9]+}} scale
// HOST-DAG: FUNC GLOBAL DEFAULT {{[0-9]+}} entry

// ARM64: R_AARCH64_CALL26 {{.*}} expf + 0
// ARM64-NOT: R_AARCH64_{{.*}} scale
// ARM64-DAG: FUNC GLOBAL DEFAULT {{[0-9]+}} scale
// ARM64-DAG: FUNC GLOBAL DEFAULT {{[0-9]+}} entry
module {
  llvm.func @expf(f32) -> f32
  llvm.func @scale(%x: f32) -> f32 attributes {no_inline} {
    %c = llvm.mlir.constant(3.0 : f32) : f32
    %y = llvm.fmul %x, %c : f32
    llvm.return %y : f32
  }
  llvm.func @entry(%x: f32) -> f32 {
    %e = llvm.call @expf(%x) : (f32) -> f32
    %s = llvm.call @scale(%e) : (f32) -> f32
    llvm.return %s : f32
  }
}
