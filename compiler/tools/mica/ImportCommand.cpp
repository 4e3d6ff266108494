//===- ImportCommand.cpp - `mica import` ----------------------------------===//
//
//   mica import model.onnx [--input-shape NAME=DIMS]... [--to onnx|graph]
//               [-o FILE] [--json] [--print-locations] [--elide-constants]
//
// Imports an ONNX model and prints it in the onnx dialect or, after
// normalisation, in the graph dialect.
//===----------------------------------------------------------------------===//
#include "CliSupport.h"
#include "Commands.h"

#include "compiler/driver/Pipeline.h"
#include "compiler/onnx/Importer.h"
#include "compiler/registration/Registration.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/MLIRContext.h"
#include "mlir/IR/OperationSupport.h"
#include "mlir/Pass/PassManager.h"
#include "llvm/ADT/StringMap.h"
#include "llvm/Support/JSON.h"
#include "llvm/Support/raw_ostream.h"

#include <map>

using namespace mlir;
using namespace mica;
namespace cl = llvm::cl;

cl::SubCommand mica::cli::importCommand(
    "import", "Import an ONNX model into Mica's dialects and print the IR");

cl::OptionCategory mica::cli::importCategory("mica import options");

namespace {

cl::opt<std::string> inputFile(cl::Positional, cl::desc("<model.onnx>"),
                               cl::sub(cli::importCommand), cl::Required,
                               cl::cat(cli::importCategory));
cl::list<std::string> inputShapes(
    "input-shape",
    cl::desc("Fix the shape of a model input, NAME=DIMS with DIMS like "
             "1x3x224x224; ? keeps a dimension symbolic. Repeatable. "
             "Default: the shapes the model declares"),
    cl::value_desc("name=dims"), cl::sub(cli::importCommand),
    cl::cat(cli::importCategory));
enum class OutputDialect { Onnx, Graph };
cl::opt<OutputDialect> toDialect(
    "to", cl::desc("Dialect of the printed IR (default: graph)"),
    cl::values(clEnumValN(OutputDialect::Onnx, "onnx",
                          "the faithful onnx dialect, as imported"),
               clEnumValN(OutputDialect::Graph, "graph",
                          "Mica's graph dialect after normalisation; ops "
                          "without a graph equivalent stay in onnx")),
    cl::init(OutputDialect::Graph), cl::sub(cli::importCommand),
    cl::cat(cli::importCategory));
cl::opt<std::string> outputFile("o",
                                cl::desc("Write the IR to FILE (default: - "
                                         "for stdout)"),
                                cl::value_desc("file"), cl::init("-"),
                                cl::sub(cli::importCommand),
                                cl::cat(cli::importCategory));
cl::opt<bool> jsonOutput(
    "json",
    cl::desc("Print a JSON summary (signature, op counts) on stdout instead "
             "of the IR; the IR still goes to -o FILE when one is given"),
    cl::sub(cli::importCommand), cl::cat(cli::importCategory));
cl::opt<bool> printLocations(
    "print-locations",
    cl::desc("Print each op's location (ONNX node name and op type)"),
    cl::sub(cli::importCommand), cl::cat(cli::importCategory));
cl::opt<bool> elideConstants(
    "elide-constants",
    cl::desc("Print large constants as dense_resource<__elided__> (the output "
             "can then not be parsed back)"),
    cl::sub(cli::importCommand), cl::cat(cli::importCategory));
cl::opt<bool> progressFlag(
    "progress",
    cl::desc("Print progress lines on stderr even when it is not a terminal"),
    cl::sub(cli::importCommand), cl::cat(cli::importCategory));

std::string numpyName(Type elem) {
  if (elem.isF32())
    return "float32";
  if (elem.isF64())
    return "float64";
  if (elem.isF16())
    return "float16";
  if (elem.isBF16())
    return "bfloat16";
  if (elem.isInteger(1))
    return "bool";
  if (auto i = dyn_cast<IntegerType>(elem))
    return (i.isUnsigned() ? "uint" : "int") + std::to_string(i.getWidth());
  if (auto c = dyn_cast<ComplexType>(elem))
    return c.getElementType().isF32() ? "complex64" : "complex128";
  std::string s;
  llvm::raw_string_ostream os(s);
  elem.print(os);
  return s;
}

llvm::json::Object describeValue(StringRef name, Type type) {
  llvm::json::Object o{{"name", name}};
  if (auto shaped = dyn_cast<ShapedType>(type)) {
    o["dtype"] = numpyName(shaped.getElementType());
    if (shaped.hasRank()) {
      llvm::json::Array dims;
      for (int64_t d : shaped.getShape())
        dims.push_back(ShapedType::isDynamic(d) ? llvm::json::Value("?")
                                                : llvm::json::Value(d));
      o["shape"] = std::move(dims);
    } else {
      o["shape"] = nullptr;
    }
  }
  return o;
}

llvm::json::Value summarize(ModuleOp module) {
  llvm::json::Array inputs, outputs;
  std::map<std::string, int64_t> ops;
  int64_t leftInOnnx = 0;
  module.walk([&](Operation *op) {
    if (auto func = dyn_cast<func::FuncOp>(op)) {
      for (unsigned i = 0; i < func.getNumArguments(); ++i) {
        auto name = func.getArgAttrOfType<StringAttr>(i, "onnx.name");
        inputs.push_back(describeValue(name ? name.getValue() : "",
                                       func.getArgument(i).getType()));
      }
      for (unsigned i = 0; i < func.getNumResults(); ++i) {
        auto name = func.getResultAttrOfType<StringAttr>(i, "onnx.name");
        outputs.push_back(describeValue(name ? name.getValue() : "",
                                        func.getResultTypes()[i]));
      }
      return;
    }
    if (isa<ModuleOp, func::ReturnOp>(op))
      return;
    ++ops[op->getName().getStringRef().str()];
    if (op->getName().getDialectNamespace() == "onnx" &&
        op->getName().getStringRef() != "onnx.NoValue")
      ++leftInOnnx;
  });
  llvm::json::Object opCounts;
  for (auto &[name, count] : ops)
    opCounts[name] = count;
  return llvm::json::Object{
      {"schema_version", cli::kJsonSchemaVersion},
      {"model", inputFile.getValue()},
      {"dialect", toDialect == OutputDialect::Onnx ? "onnx" : "graph"},
      {"inputs", std::move(inputs)},
      {"outputs", std::move(outputs)},
      {"ops", std::move(opCounts)},
      {"onnx_ops_left", leftInOnnx}};
}

} // namespace

int mica::cli::runImport() {
  setProgressForced(progressFlag);
  ImportOptions options;
  for (const std::string &text : inputShapes) {
    InputShape shape;
    std::string error;
    if (!parseInputShape(text, shape, error)) {
      printError(error);
      return kUsage;
    }
    options.load.inputShapes.push_back(std::move(shape));
  }

  DialectRegistry registry;
  registerAllDialects(registry);
  MLIRContext context(registry);
  context.loadAllAvailableDialects();
  DiagnosticPrinter diagnostics(context, inputFile);

  OwningOpRef<ModuleOp> owned;
  if (toDialect == OutputDialect::Graph) {
    CompileError error;
    FailureOr<OwningOpRef<ModuleOp>> normalized =
        importAndNormalize(context, inputFile, options.load, error,
                           [](llvm::StringRef stage) { progress(stage); });
    if (failed(normalized))
      return error.kind == ErrorKind::Unsupported ? kUnsupported : kError;
    owned = std::move(*normalized);
  } else {
    progress("importing " + inputFile);
    ImportResult imported = importOnnxModel(context, inputFile, options);
    if (!imported.module)
      return imported.unsupported ? kUnsupported : kError;
    owned = std::move(imported.module);
  }
  ModuleOp module = *owned;

  OpPrintingFlags flags;
  if (printLocations)
    flags.enableDebugInfo(/*enable=*/true, /*prettyForm=*/false);
  if (elideConstants)
    flags.elideLargeElementsAttrs(16);
  std::string error;
  if (!jsonOutput || outputFile != "-") {
    if (!writeOutput(
            outputFile,
            [&](llvm::raw_ostream &os) {
              module->print(os, flags);
              os << "\n";
            },
            error)) {
      printError(error);
      return kError;
    }
  }
  if (jsonOutput)
    llvm::outs() << llvm::formatv("{0:2}", summarize(module)) << "\n";
  return kOk;
}
