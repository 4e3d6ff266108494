//===- ObjectEmitterTest.cpp - emitObject through its C++ API -------------===//
//
// What the runtime team relies on: emitObject returns an ELF relocatable for
// the description's machine, defines the module's functions, is byte-for-byte
// deterministic, and reports (not crashes on) a module it cannot translate or
// a target it cannot emit.
//
//===----------------------------------------------------------------------===//
#include "targets/cpu/codegen/ObjectEmitter.h"
#include "targets/Target.h"
#include "targets/TargetDescription.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/IR/MLIRContext.h"
#include "mlir/Parser/Parser.h"

#include "llvm/Object/ELFObjectFile.h"
#include "llvm/Support/MemoryBuffer.h"

#include <gtest/gtest.h>

namespace {

constexpr const char *kAxpy = R"mlir(
  llvm.func @axpy(%a: f32, %x: !llvm.ptr, %y: !llvm.ptr, %n: i64) {
    %c0 = llvm.mlir.constant(0 : i64) : i64
    %c1 = llvm.mlir.constant(1 : i64) : i64
    llvm.br ^loop(%c0 : i64)
  ^loop(%i: i64):
    %done = llvm.icmp "sge" %i, %n : i64
    llvm.cond_br %done, ^exit, ^body
  ^body:
    %px = llvm.getelementptr %x[%i] : (!llvm.ptr, i64) -> !llvm.ptr, f32
    %py = llvm.getelementptr %y[%i] : (!llvm.ptr, i64) -> !llvm.ptr, f32
    %vx = llvm.load %px : !llvm.ptr -> f32
    %vy = llvm.load %py : !llvm.ptr -> f32
    %m = llvm.fmul %a, %vx : f32
    %s = llvm.fadd %m, %vy : f32
    llvm.store %s, %py : f32, !llvm.ptr
    %next = llvm.add %i, %c1 : i64
    llvm.br ^loop(%next : i64)
  ^exit:
    llvm.return
  }
)mlir";

class ObjectEmitterTest : public ::testing::Test {
protected:
  ObjectEmitterTest() {
    mlir::DialectRegistry registry;
    registry.insert<mlir::LLVM::LLVMDialect, mlir::func::FuncDialect>();
    mica::registerObjectEmitterTranslations(registry);
    context.appendDialectRegistry(registry);
    context.loadAllAvailableDialects();
  }

  mlir::OwningOpRef<mlir::ModuleOp> parse(llvm::StringRef source) {
    return mlir::parseSourceString<mlir::ModuleOp>(source, &context);
  }

  static mica::TargetDescription target(llvm::StringRef name) {
    std::string error;
    auto resolved = mica::resolveTarget(name, "", error);
    EXPECT_TRUE(succeeded(resolved)) << error;
    return *resolved;
  }

  mlir::MLIRContext context;
};

void expectRelocatable(const std::string &bytes, llvm::Triple::ArchType arch) {
  auto buffer =
      llvm::MemoryBuffer::getMemBuffer(bytes, "object",
                                       /*RequiresNullTerminator=*/false);
  auto object = llvm::object::ObjectFile::createELFObjectFile(*buffer);
  ASSERT_TRUE(static_cast<bool>(object)) << llvm::toString(object.takeError());
  auto *elf = llvm::dyn_cast<llvm::object::ELF64LEObjectFile>(object->get());
  ASSERT_NE(elf, nullptr) << "not ELF64 little endian";
  EXPECT_TRUE(elf->isRelocatableObject());
  EXPECT_EQ(elf->getArch(), arch);
  bool found = false;
  for (const llvm::object::SymbolRef &symbol : elf->symbols()) {
    auto name = symbol.getName();
    ASSERT_TRUE(static_cast<bool>(name));
    if (*name == "axpy") {
      auto section = symbol.getSection();
      ASSERT_TRUE(static_cast<bool>(section));
      found = *section != elf->section_end();
    }
  }
  EXPECT_TRUE(found) << "axpy is not defined in the object";
}

TEST_F(ObjectEmitterTest, EmitsElfRelocatableForBothTargets) {
  auto module = parse(kAxpy);
  ASSERT_TRUE(module);
  std::string error;
  auto arm64 = mica::emitObject(*module, target("arm64"), error);
  ASSERT_TRUE(succeeded(arm64)) << error;
  expectRelocatable(*arm64, llvm::Triple::aarch64);
  mica::TargetDescription host = target("host");
  auto hostObject = mica::emitObject(*module, host, error);
  ASSERT_TRUE(succeeded(hostObject)) << error;
  expectRelocatable(*hostObject, llvm::Triple(host.triple).getArch());
}

TEST_F(ObjectEmitterTest, IsDeterministic) {
  std::string error;
  auto first = parse(kAxpy);
  auto second = parse(kAxpy);
  ASSERT_TRUE(first && second);
  auto a = mica::emitObject(*first, target("arm64"), error);
  auto b = mica::emitObject(*second, target("arm64"), error);
  ASSERT_TRUE(succeeded(a) && succeeded(b)) << error;
  EXPECT_EQ(*a, *b);
  // Emitting does not change the input module: a second emission of the same
  // module is identical too.
  auto c = mica::emitObject(*first, target("arm64"), error);
  ASSERT_TRUE(succeeded(c)) << error;
  EXPECT_EQ(*a, *c);
}

TEST_F(ObjectEmitterTest, ReportsUntranslatableModule) {
  // func.func is not LLVM dialect: translation fails with a diagnostic.
  auto module = parse("func.func @f() { return }");
  ASSERT_TRUE(module);
  std::string error;
  auto object = mica::emitObject(*module, target("host"), error);
  EXPECT_TRUE(failed(object));
  EXPECT_NE(error.find("cannot translate the module to LLVM IR"),
            std::string::npos)
      << error;
}

TEST_F(ObjectEmitterTest, RejectsNonElfTarget) {
  auto module = parse(kAxpy);
  mica::TargetDescription spirv = target("arm64");
  spirv.name = "vulkan";
  spirv.objectFormat = mica::ObjectFormat::SpirV;
  std::string error;
  EXPECT_TRUE(failed(mica::emitObject(*module, spirv, error)));
  EXPECT_NE(error.find("not an ELF object"), std::string::npos) << error;
}

} // namespace
