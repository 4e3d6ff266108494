//===- mica.cpp - The mica command-line tool ------------------------------===//
//
// `mica COMMAND ...`: the subcommands and their contract are documented in
// docs/cli.md (exit codes, error-line format, JSON output).
//===----------------------------------------------------------------------===//
#include "CliSupport.h"
#include "Commands.h"

#include "compiler/registration/Registration.h"
#include "runtime/tools/runner/runner.h"

#include "mlir/Pass/PassManager.h"
#include "llvm/Support/CommandLine.h"
#include "llvm/Support/InitLLVM.h"
#include "llvm/Support/raw_ostream.h"

#include <cstring>

namespace cl = llvm::cl;
using namespace mica::cli;

static void printVersion(llvm::raw_ostream &os) {
  os << "mica " << kMicaVersion << " (MLIR/LLVM " << LLVM_VERSION_STRING
     << ", ONNX opsets 1-17)\n";
}

int main(int argc, char **argv) {
  // `run` and `inspect` are the runtime's (runtime/tools/runner, also built
  // as mica-run): they parse their own arguments and need no MLIR.
  if (argc >= 2 && std::strcmp(argv[1], "run") == 0)
    return mica_runner_run_main(argc - 1, argv + 1);
  if (argc >= 2 && std::strcmp(argv[1], "inspect") == 0)
    return mica_runner_inspect_main(argc - 1, argv + 1);
  llvm::InitLLVM init(argc, argv);
  mica::registerAllPasses();
  // --mlir-print-ir-after=PASS and friends, for pass developers (hidden from
  // --help like every option LLVM and MLIR register).
  mlir::registerPassManagerCLOptions();
  describeTargets();
  cl::SetVersionPrinter(printVersion);
  // Only Mica's own options appear in --help; the many options that LLVM and
  // MLIR register globally stay hidden.
  static cl::OptionCategory noOptions("mica options");
  cl::HideUnrelatedOptions(noOptions);
  cl::HideUnrelatedOptions(importCategory, importCommand);
  cl::HideUnrelatedOptions(compileCategory, compileCommand);

  if (argc < 2) {
    printError("no command given; run 'mica --help' for the commands");
    return kUsage;
  }
  std::string parseErrors;
  llvm::raw_string_ostream errs(parseErrors);
  if (!cl::ParseCommandLineOptions(
          argc, argv,
          "Mica: an ahead-of-time neural-network compiler for edge devices.\n\n"
          "  mica compile MODEL.onnx -o OUT     compile to a .mica artifact "
          "or a static library\n"
          "  mica import MODEL.onnx [options]   import and print the IR\n"
          "  mica run MODEL.mica [options]      run a compiled model\n"
          "  mica inspect MODEL.mica [--json]   describe a compiled model\n\n"
          "Run 'mica COMMAND --help' for a command's options. Exit codes: 0 "
          "ok, "
          "1 error, 2 usage, 3 unsupported model feature.\n",
          &errs)) {
    llvm::StringRef text(parseErrors);
    text = text.trim();
    // LLVM prefixes its messages with the program name; keep one prefix.
    if (text.consume_front(argv[0]))
      text = text.ltrim(": ");
    printError(text.str() + " (run 'mica --help')");
    return kUsage;
  }
  if (importCommand)
    return runImport();
  if (compileCommand)
    return runCompile();
  printError("unknown command '" + std::string(argv[1]) +
             "'; run 'mica --help' for the commands");
  return kUsage;
}
