//===- CompileCommand.cpp - `mica compile` --------------------------------===//
//
//   mica compile model.onnx [--target host|arm64] [--input-shape N=DIMS]...
//                [--max-shape N=DIMS]... [--freeze-input N=FILE]...
//                [--cpu-features +a,+b] [--emit mica|static-lib]
//                [--entry NAME:INPUT=DIMS,...]... [--name PREFIX]
//                [--report FILE.json] [--quantize w8a8 --calibration DIR
//                [--calib-method minmax|percentile|mse]
//                [--calib-percentile P] [--calib-samples N]
//                [--keep-float NODE_OR_OP,...]] [--memory-budget SIZE]
//                [lowering options] -o OUT
//
// A thin shell over mica::compile (compiler/driver/Compile.h).
//===----------------------------------------------------------------------===//
#include "CliSupport.h"
#include "Commands.h"

#include "compiler/driver/Compile.h"
#include "compiler/registration/Registration.h"
#include "targets/Target.h"

#include "mlir/IR/MLIRContext.h"
#include "llvm/Support/Format.h"
#include "llvm/Support/FormatVariadic.h"
#include "llvm/Support/JSON.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/raw_ostream.h"

using namespace mlir;
using namespace mica;
namespace cl = llvm::cl;

cl::SubCommand mica::cli::compileCommand(
    "compile",
    "Compile an ONNX model into a .mica artifact or a static library");
cl::OptionCategory mica::cli::compileCategory("mica compile options");

namespace {

cl::opt<std::string> inputFile(cl::Positional, cl::desc("<model.onnx>"),
                               cl::sub(cli::compileCommand), cl::Required,
                               cl::cat(cli::compileCategory));
cl::opt<std::string> outputFile(
    "o",
    cl::desc("Output: the .mica file, or for --emit static-lib the archive "
             "(libNAME.a; the C header is written beside it as NAME.h)"),
    cl::value_desc("file"), cl::Required, cl::sub(cli::compileCommand),
    cl::cat(cli::compileCategory));
/// Described by describeTargets() from the registry.
cl::opt<std::string> targetName("target", cl::init("host"),
                                cl::sub(cli::compileCommand),
                                cl::cat(cli::compileCategory));
cl::opt<std::string> cpuFeatures(
    "cpu-features",
    cl::desc("Extra CPU features, e.g. +dotprod,+i8mm for arm64; the runtime "
             "refuses the artifact on a CPU without them"),
    cl::value_desc("features"), cl::sub(cli::compileCommand),
    cl::cat(cli::compileCategory));
cl::list<std::string> inputShapes(
    "input-shape",
    cl::desc("Fix the shape of an input, NAME=DIMS like 1x3x224x224; ? keeps "
             "a dimension symbolic (then give --max-shape). Repeatable"),
    cl::value_desc("name=dims"), cl::sub(cli::compileCommand),
    cl::cat(cli::compileCategory));
cl::list<std::string> maxShapes(
    "max-shape",
    cl::desc("Upper bound of an input's symbolic dimensions, NAME=DIMS: the "
             "memory plan is sized for it and the runtime refuses larger "
             "inputs. Repeatable"),
    cl::value_desc("name=dims"), cl::sub(cli::compileCommand),
    cl::cat(cli::compileCategory));
cl::list<std::string> frozenInputs(
    "freeze-input",
    cl::desc("Bake an input's value in as a constant, NAME=FILE (.npy or "
             "TensorProto .pb): the input disappears from the signature and "
             "shapes it decides become static. Repeatable"),
    cl::value_desc("name=file"), cl::sub(cli::compileCommand),
    cl::cat(cli::compileCategory));
enum class Emit { Mica, StaticLib };
cl::opt<Emit> emitKind(
    "emit", cl::desc("What to write (default: mica)"),
    cl::values(clEnumValN(Emit::Mica, "mica",
                          "a .mica artifact for `mica run` / the runtime"),
               clEnumValN(Emit::StaticLib, "static-lib",
                          "an archive with NAME-prefixed symbols plus a C "
                          "header, to link into an app")),
    cl::init(Emit::Mica), cl::sub(cli::compileCommand),
    cl::cat(cli::compileCategory));
cl::opt<std::string>
    prefix("name",
           cl::desc("Prefix of the exported symbols (a C identifier; default: "
                    "mica): the kernel is NAME_main, the static library's data "
                    "NAME_artifact"),
           cl::init("mica"), cl::sub(cli::compileCommand),
           cl::cat(cli::compileCategory));
cl::opt<std::string> reportFile(
    "report",
    cl::desc("Also write the compile report (JSON: signature, memory plan, "
             "sizes, stage times) to FILE"),
    cl::value_desc("file"), cl::sub(cli::compileCommand),
    cl::cat(cli::compileCategory));
cl::list<std::string> entries(
    "entry",
    cl::desc("Compile the model at these input shapes as an entry point "
             "NAME of the artifact, NAME:INPUT=DIMS[,INPUT=DIMS...] (on top "
             "of --input-shape). Repeatable: the entry points share one copy "
             "of the weights; `mica run --entry NAME` picks one. Without "
             "--entry the artifact has one entry point, main"),
    cl::value_desc("name:input=dims,..."), cl::sub(cli::compileCommand),
    cl::cat(cli::compileCategory));
cl::opt<std::string> quantizeMode(
    "quantize",
    cl::desc("Quantise the model: w8a8 (int8 weights per output channel, "
             "int8 activations per tensor, integer-only between the first "
             "quantize and the last dequantize; needs --calibration). "
             "docs/quantization.md"),
    cl::value_desc("w8a8"), cl::sub(cli::compileCommand),
    cl::cat(cli::compileCategory));
cl::opt<std::string> calibrationDir(
    "calibration",
    cl::desc("Folder of calibration samples for --quantize and --prune "
             "(whose score it makes data-driven): .npy or "
             "TensorProto .pb files (one sample, or a batch along dim 0, "
             "each) for a one-input model; one subfolder per sample with "
             "NAME.npy per input otherwise. Any batch size, independent of "
             "the compiled shapes"),
    cl::value_desc("dir"), cl::sub(cli::compileCommand),
    cl::cat(cli::compileCategory));
cl::opt<std::string> calibMethod(
    "calib-method",
    cl::desc("How a tensor's range is chosen from the calibration values: "
             "minmax (the observed minimum and maximum; default), percentile "
             "(each end clips half of the values beyond --calib-percentile) "
             "or mse (the clipping range of least int8 squared error)"),
    cl::value_desc("minmax|percentile|mse"), cl::init("minmax"),
    cl::sub(cli::compileCommand), cl::cat(cli::compileCategory));
cl::opt<double> calibPercentile(
    "calib-percentile",
    cl::desc("With --calib-method percentile: the share of the values, in "
             "(0, 100], that a range keeps (default 99.99)"),
    cl::value_desc("p"), cl::init(99.99), cl::sub(cli::compileCommand),
    cl::cat(cli::compileCategory));
cl::opt<int64_t> calibSamples(
    "calib-samples",
    cl::desc("Use only the first N calibration files or folders, in name "
             "order (default: all)"),
    cl::value_desc("n"), cl::init(0), cl::sub(cli::compileCommand),
    cl::cat(cli::compileCategory));
cl::list<std::string> keepFloat(
    "keep-float",
    cl::desc("With --quantize: ONNX node names or op types (Conv, Gemm, "
             "MatMul) that stay float, comma-separated or repeated"),
    cl::value_desc("node-or-op,..."), cl::CommaSeparated,
    cl::sub(cli::compileCommand), cl::cat(cli::compileCategory));
cl::opt<std::string> pruneFlag(
    "prune",
    cl::desc("Structured channel pruning at compile time: channels=F "
             "removes at most the fraction F of each group of channels that "
             "must go together (a layer's output channels with everything "
             "they reach: batch norms, depthwise convs, residual adds, the "
             "next layer's inputs; an attention layer's heads), the lowest "
             "scored; or flops=F: the fraction "
             "that brings the multiply-adds to F of the original. "
             "[,score=l1|l2|data mean |w| or w^2 of the producing weights, or "
             "with --calibration DIR (then the default) the channel's "
             "standard deviation times the reading weights, its mean "
             "moved into their biases] "
             "[,round=N channels kept per group a multiple of N (1); auto: the "
             "target's vector lanes (16 AVX-512, 8 AVX2, 4 NEON) for groups of "
             "at least 8 vectors, 1 below]. "
             "sparse=N:M (alone or added) zeroes all but the N best of every "
             "M consecutive weights along each layer's inputs; sparse=R the "
             "fraction R of each layer's weights (best: largest |w|, with "
             "--calibration |w| times the input's RMS); stored compressed, "
             "computed dense. docs/pruning.md"),
    cl::value_desc(
        "channels=F|flops=F[,score=..][,round=N|auto][,sparse=N:M|R]"),
    cl::sub(cli::compileCommand), cl::cat(cli::compileCategory));
cl::opt<std::string> removeBlocksFlag(
    "remove-blocks",
    cl::desc("Remove the N residual blocks (or the fraction F of them) that "
             "change their input least on the --calibration data (1 - "
             "cosine of a block's input and output, ShortGPT's block "
             "influence). A block is an identity-skip residual unit (a "
             "ResNet basic block), or a transformer layer's attention and "
             "MLP units together. Needs --calibration. docs/pruning.md"),
    cl::value_desc("N|F"), cl::sub(cli::compileCommand),
    cl::cat(cli::compileCategory));
cl::opt<std::string> sortableWidthFlag(
    "sortable-width",
    cl::desc("Order every channel group (as --prune finds them: a layer's "
             "output channels with everything they reach, an attention "
             "layer's heads) by importance, an exact reordering, so that "
             "`mica run --width W` (or mica_context_set_width) runs the "
             "first channels of each group, those --prune channels=1-W "
             "keeps, from this one artifact: kernels of convolutions "
             "(groups = 1), fully-connected layers and products with "
             "constant weights stop at the active channels; the rest "
             "computes at full width. [score=l1|l2] as for --prune; "
             "[round=N|auto] widths keep a multiple of N channels per group "
             "(auto, the default: as --prune round=auto). Float models "
             "only; turns Winograd off. docs/pruning.md"),
    cl::value_desc("[score=l1|l2][,round=N|auto]"), cl::ValueOptional,
    cl::sub(cli::compileCommand), cl::cat(cli::compileCategory));
cl::opt<std::string> shareBlocksFlag(
    "share-blocks",
    cl::desc("Groups of K adjacent residual blocks with the same layers "
             "share one copy of their weight matrices: the group's mean "
             "(mode=mean, default) or the first block's (mode=first); each "
             "block keeps per-output-channel scales fitted to the shared "
             "copy (scales=true, default) and its own biases and norms. "
             "docs/pruning.md"),
    cl::value_desc("K[,mode=mean|first][,scales=true|false]"),
    cl::sub(cli::compileCommand), cl::cat(cli::compileCategory));
cl::opt<std::string> tokenMerge(
    "token-merge",
    cl::desc("Merge similar tokens of a vision transformer after each "
             "block's attention (ToMe), at compile time with static shapes: "
             "r=N tokens per block [,start=L first block (0)] [,protect=K "
             "leading tokens never merged, e.g. a class token (1)] "
             "[,proportional=true|false log(size) added to attention logits "
             "(true)]; or flops=F: the r that brings the multiply-adds to F "
             "of the original. Needs static input shapes. "
             "docs/token-merging.md"),
    cl::value_desc("r=N,...|flops=F"), cl::sub(cli::compileCommand),
    cl::cat(cli::compileCategory));
cl::opt<std::string> temporalMerge(
    "temporal-merge",
    cl::desc("Temporal token merging (TDTM) for spatial-temporal video "
             "transformers: frames=F (the input dim of F elements is the "
             "frame axis, traced through the graph) [,blocks=A-B attention "
             "blocks, counted from 0 over every attention in graph order "
             "(default: all)] [,dim=D the frame axis's index in the input, "
             "when several dims have F elements]: consecutive frame pairs "
             "are averaged before "
             "those blocks' attention and the result repeated to both "
             "frames after it. docs/token-merging.md"),
    cl::value_desc("frames=F[,blocks=A-B][,dim=D]"),
    cl::sub(cli::compileCommand), cl::cat(cli::compileCategory));
cl::opt<bool> keepUnmerged(
    "keep-unmerged",
    cl::desc("With --temporal-merge: also compile each entry point without "
             "merging, as NAME_unmerged (main_unmerged), sharing the "
             "weights; pick it with `mica run --entry`"),
    cl::sub(cli::compileCommand), cl::cat(cli::compileCategory));
cl::opt<std::string> memoryBudgetFlag(
    "memory-budget",
    cl::desc("Run within SIZE bytes of weights, arena and outputs (suffix B, "
             "KiB, MiB or GiB; a plain number is bytes): weights that do not "
             "fit stay in the file and stream into two buffers during each "
             "run, block by block, with the same results. Code is outside "
             "the budget. One entry point only. The report's memory_budget "
             "section gives the plan. docs/cli.md"),
    cl::value_desc("size"), cl::sub(cli::compileCommand),
    cl::cat(cli::compileCategory));
// The lowering's options, declared once in their pass family's .def file.
#define MICA_OPTION(TYPE, FIELD, FLAG, DEFAULT, HELP)                          \
  cl::opt<TYPE> FIELD##Flag(FLAG, cl::desc(HELP), cl::init(DEFAULT),           \
                            cl::sub(cli::compileCommand),                      \
                            cl::cat(cli::compileCategory));
#include "passes/graph_opt/Options.def"
#include "targets/cpu/Options.def"
#undef MICA_OPTION
cl::opt<bool> progressFlag(
    "progress",
    cl::desc("Print progress lines on stderr even when it is not a terminal"),
    cl::sub(cli::compileCommand), cl::cat(cli::compileCategory));

bool isIdentifier(llvm::StringRef s) {
  if (s.empty() || std::isdigit(static_cast<unsigned char>(s[0])))
    return false;
  return llvm::all_of(s, [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || c == '_';
  });
}

bool parseNameEqualsFile(llvm::StringRef text, FrozenInput &out,
                         std::string &error) {
  auto [name, path] = text.split('=');
  if (name.empty() || path.empty()) {
    error = "--freeze-input expects NAME=FILE, got '" + text.str() + "'";
    return false;
  }
  out.name = name.str();
  out.path = path.str();
  return true;
}

/// `NAME:INPUT=DIMS[,INPUT=DIMS...]` (a lone `NAME` compiles the model at
/// the common shapes).
bool parseEntry(llvm::StringRef text, EntrySpec &out, std::string &error) {
  auto [name, shapes] = text.split(':');
  out.name = name.str();
  if (!isIdentifier(name)) {
    error =
        "--entry: entry point name '" + name.str() + "' is not a C identifier";
    return false;
  }
  if (shapes.empty())
    return true;
  llvm::SmallVector<llvm::StringRef> parts;
  shapes.split(parts, ',');
  for (llvm::StringRef part : parts) {
    InputShape shape;
    if (!cli::parseInputShape(part, shape, error)) {
      error = "--entry " + text.str() + ": " + error;
      return false;
    }
    out.inputShapes.push_back(std::move(shape));
  }
  return true;
}

/// `SIZE` with an optional unit (B, KiB, MiB, GiB; K, M, G too), possibly
/// fractional ("1.5MiB"); rounds down to whole bytes.
bool parseByteSize(llvm::StringRef text, int64_t &out, std::string &error) {
  llvm::StringRef number = text.trim();
  size_t end = number.find_first_not_of("0123456789.");
  llvm::StringRef unit = end == llvm::StringRef::npos
                             ? llvm::StringRef()
                             : number.substr(end).trim();
  number = number.take_front(end);
  double scale = 0;
  if (unit.empty() || unit.equals_insensitive("b"))
    scale = 1;
  else if (unit.equals_insensitive("kib") || unit.equals_insensitive("k"))
    scale = 1 << 10;
  else if (unit.equals_insensitive("mib") || unit.equals_insensitive("m"))
    scale = 1 << 20;
  else if (unit.equals_insensitive("gib") || unit.equals_insensitive("g"))
    scale = 1 << 30;
  double value = 0;
  if (!scale || number.empty() || number.getAsDouble(value) ||
      !(value * scale >= 1) || value * scale > 9.0e18) {
    error = "--memory-budget expects a positive size like 64MiB (units B, "
            "KiB, MiB, GiB), got '" +
            text.str() + "'";
    return false;
  }
  out = static_cast<int64_t>(value * scale);
  return true;
}

/// The CLI's exit code for a failure of the compiler library.
int exitCode(ErrorKind kind) {
  return kind == ErrorKind::Unsupported ? cli::kUnsupported : cli::kError;
}

} // namespace

void mica::cli::describeTargets() {
  registerAllTargets();
  static std::string text = [] {
    std::string out = "Target (default: host):";
    for (llvm::StringRef name : getTargetNames())
      out += " " + name.str() + " (" + lookupTarget(name)->getSummary().str() +
             ");";
    out.back() = '.';
    return out;
  }();
  targetName.setDescription(text);
}

int mica::cli::runCompile() {
  setProgressForced(progressFlag);
  CompileOptions options;
  options.modelPath = inputFile;
  options.target = targetName;
  options.cpuFeatures = cpuFeatures;
  options.lowering.symbolPrefix = prefix;
#define MICA_OPTION(TYPE, FIELD, FLAG, DEFAULT, HELP)                          \
  options.lowering.FIELD = FIELD##Flag;
#include "passes/graph_opt/Options.def"
#include "targets/cpu/Options.def"
#undef MICA_OPTION
  if (!isIdentifier(prefix)) {
    printError("--name must be a C identifier, got '" + prefix + "'");
    return kUsage;
  }
  std::string error;
  for (const std::string &text : inputShapes) {
    InputShape shape;
    if (!parseInputShape(text, shape, error)) {
      printError(error);
      return kUsage;
    }
    options.inputShapes.push_back(std::move(shape));
  }
  for (const std::string &text : maxShapes) {
    InputShape shape;
    if (!parseInputShape(text, shape, error)) {
      printError("--max-shape: " + error);
      return kUsage;
    }
    options.maxShapes.push_back(std::move(shape));
  }
  for (const std::string &text : frozenInputs) {
    FrozenInput frozen;
    if (!parseNameEqualsFile(text, frozen, error)) {
      printError(error);
      return kUsage;
    }
    options.frozenInputs.push_back(std::move(frozen));
  }
  for (const std::string &text : entries) {
    EntrySpec entry;
    if (!parseEntry(text, entry, error)) {
      printError(error);
      return kUsage;
    }
    options.entries.push_back(std::move(entry));
  }
  if (!quantizeMode.empty() && quantizeMode != "w8a8") {
    printError("--quantize: unknown scheme '" + quantizeMode +
               "'; the scheme is w8a8");
    return kUsage;
  }
  if (!quantizeMode.empty() && calibrationDir.empty()) {
    printError("--quantize w8a8 needs calibration data: --calibration DIR");
    return kUsage;
  }
  if (quantizeMode.empty() && pruneFlag.empty() && removeBlocksFlag.empty() &&
      !calibrationDir.empty()) {
    printError("--calibration is only used with --quantize, --prune or "
               "--remove-blocks");
    return kUsage;
  }
  if (calibMethod != "minmax" && calibMethod != "percentile" &&
      calibMethod != "mse") {
    printError("--calib-method: unknown method '" + calibMethod +
               "'; the methods are minmax, percentile and mse");
    return kUsage;
  }
  if (calibPercentile.getNumOccurrences() && calibMethod != "percentile") {
    printError("--calib-percentile is only used with --calib-method "
               "percentile");
    return kUsage;
  }
  if (!(calibPercentile > 0 && calibPercentile <= 100)) {
    printError(
        "--calib-percentile must be in (0, 100], got " +
        llvm::formatv("{0}", llvm::format("%g", calibPercentile.getValue()))
            .str());
    return kUsage;
  }
  if (calibSamples < 0) {
    printError("--calib-samples must not be negative");
    return kUsage;
  }
  if (!pruneFlag.empty() && !parsePrune(pruneFlag, options.prune, error)) {
    printError(error);
    return kUsage;
  }
  if (sortableWidthFlag.getNumOccurrences() &&
      !parseSortableWidth(sortableWidthFlag, options.sortableWidth, error)) {
    printError(error);
    return kUsage;
  }
  if (!removeBlocksFlag.empty()) {
    if (!parseRemoveBlocks(removeBlocksFlag, options.removeBlocks, error)) {
      printError(error);
      return kUsage;
    }
    if (calibrationDir.empty()) {
      printError("--remove-blocks needs calibration data: --calibration DIR");
      return kUsage;
    }
  }
  if (!shareBlocksFlag.empty() &&
      !parseShareBlocks(shareBlocksFlag, options.shareBlocks, error)) {
    printError(error);
    return kUsage;
  }
  // Calibration data makes the data-driven score the default.
  if (!options.prune.scoreGiven && !calibrationDir.empty())
    options.prune.score = "data";
  if (options.prune.score == "data" && calibrationDir.empty()) {
    printError("--prune score=data needs calibration data: --calibration DIR");
    return kUsage;
  }
  if (memoryBudgetFlag.getNumOccurrences()) {
    if (!parseByteSize(memoryBudgetFlag, options.lowering.memoryBudget,
                       error)) {
      printError(error);
      return kUsage;
    }
  }
  if (!tokenMerge.empty()) {
    if (!parseTokenMerge(tokenMerge, options.tokenMerge, error)) {
      printError(error);
      return kUsage;
    }
  }
  if (!temporalMerge.empty() &&
      !parseTemporalMerge(temporalMerge, options.temporalMerge, error)) {
    printError(error);
    return kUsage;
  }
  if (keepUnmerged && !options.temporalMerge.enabled()) {
    printError("--keep-unmerged is only used with --temporal-merge");
    return kUsage;
  }
  options.temporalMerge.keepUnmerged = keepUnmerged;
  options.quantize.mode = quantizeMode;
  options.quantize.calibrationDir = calibrationDir;
  options.quantize.method = calibMethod;
  options.quantize.percentile = calibPercentile;
  options.quantize.samples = calibSamples;
  options.quantize.keepFloat.assign(keepFloat.begin(), keepFloat.end());
  options.progress = [](llvm::StringRef stage) { progress(stage); };

  DialectRegistry registry;
  registerAllDialects(registry);
  MLIRContext context(registry);
  context.loadAllAvailableDialects();
  DiagnosticPrinter diagnostics(context, inputFile);

  CompileResult result = compile(context, options);
  if (!result.ok)
    return exitCode(result.error.kind);

  if (emitKind == Emit::StaticLib) {
    CompileError packError;
    FailureOr<StaticLibrary> library =
        packageStaticLibrary(result, options, packError);
    if (failed(library)) {
      printError(packError.message);
      return exitCode(packError.kind);
    }
    llvm::SmallString<256> headerPath(outputFile.getValue());
    llvm::sys::path::remove_filename(headerPath);
    llvm::sys::path::append(headerPath, prefix + ".h");
    if (!writeOutput(
            outputFile, [&](llvm::raw_ostream &os) { os << library->archive; },
            error) ||
        !writeOutput(
            headerPath.str(),
            [&](llvm::raw_ostream &os) { os << library->header; }, error)) {
      printError(error);
      return kError;
    }
  } else if (!writeOutput(
                 outputFile,
                 [&](llvm::raw_ostream &os) {
                   os.write(reinterpret_cast<const char *>(result.bytes.data()),
                            result.bytes.size());
                 },
                 error)) {
    printError(error);
    return kError;
  }

  if (!reportFile.empty()) {
    llvm::Expected<llvm::json::Value> report =
        llvm::json::parse(result.artifact.reportJson);
    if (!report) {
      llvm::consumeError(report.takeError());
      printError("internal error: the compile report is not JSON");
      return kError;
    }
    llvm::json::Object times;
    for (auto &[stage, ms] : result.stageMillis)
      times[stage] = std::round(ms * 10) / 10;
    report->getAsObject()->insert({"stage_ms", std::move(times)});
    report->getAsObject()->insert(
        {"artifact_bytes", static_cast<int64_t>(result.bytes.size())});
    if (!writeOutput(
            reportFile,
            [&](llvm::raw_ostream &os) {
              os << llvm::formatv("{0:2}", *report) << "\n";
            },
            error)) {
      printError(error);
      return kError;
    }
  }
  return kOk;
}
