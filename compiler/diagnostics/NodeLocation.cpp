//===- NodeLocation.cpp - ONNX node identity in MLIR locations ------------===//
#include "compiler/diagnostics/NodeLocation.h"

#include "mlir/IR/BuiltinAttributes.h"
#include "mlir/IR/MLIRContext.h"
#include "llvm/Support/FormatVariadic.h"

using namespace mlir;

Location mica::makeNodeLoc(MLIRContext *context, StringRef file,
                           StringRef nodeName, StringRef domain,
                           StringRef opType) {
  std::string tag = (domain.empty() ? std::string("ai.onnx") : domain.str()) +
                    "::" + opType.str();
  Location fileLoc = FileLineColLoc::get(context, file, 0, 0);
  Location opLoc =
      FusedLoc::get(context, {fileLoc}, StringAttr::get(context, tag));
  return NameLoc::get(StringAttr::get(context, nodeName), opLoc);
}

static constexpr llvm::StringLiteral kInitializerTag = "initializer";

Location mica::makeInitializerLoc(MLIRContext *context, StringRef file,
                                  StringRef name) {
  Location fileLoc = FileLineColLoc::get(context, file, 0, 0);
  Location tagged = FusedLoc::get(context, {fileLoc},
                                  StringAttr::get(context, kInitializerTag));
  return NameLoc::get(StringAttr::get(context, name), tagged);
}

mica::NodeLocInfo mica::getNodeLocInfo(Location loc) {
  NodeLocInfo info;
  // Walk the location tree; the first of each kind wins, so a rewrite that
  // fuses several node locations reports the first node.
  loc->walk([&](Location sub) {
    if (auto name = dyn_cast<NameLoc>(sub)) {
      if (info.node.empty())
        info.node = name.getName().str();
    } else if (auto fused = dyn_cast<FusedLoc>(sub)) {
      if (auto tag = dyn_cast_or_null<StringAttr>(fused.getMetadata()))
        if (info.domainAndOp.empty() && !info.isInitializer) {
          if (tag.getValue() == kInitializerTag)
            info.isInitializer = true;
          else
            info.domainAndOp = tag.str();
        }
    } else if (auto file = dyn_cast<FileLineColLoc>(sub)) {
      if (info.file.empty())
        info.file = file.getFilename().str();
    }
    return WalkResult::advance();
  });
  return info;
}

std::string mica::formatDiagnostic(const Diagnostic &diag,
                                   StringRef fallbackFile) {
  NodeLocInfo info = getNodeLocInfo(diag.getLocation());
  std::string out = "mica: ";
  switch (diag.getSeverity()) {
  case DiagnosticSeverity::Error:
    out += "error: ";
    break;
  case DiagnosticSeverity::Warning:
    out += "warning: ";
    break;
  case DiagnosticSeverity::Note:
    out += "note: ";
    break;
  case DiagnosticSeverity::Remark:
    out += "remark: ";
    break;
  }
  out += info.file.empty() ? fallbackFile.str() : info.file;
  out += ": ";
  if (!info.node.empty() && info.isInitializer) {
    out += "initializer '" + info.node + "': ";
  } else if (!info.node.empty()) {
    out += "node '" + info.node + "'";
    if (!info.domainAndOp.empty())
      out += " (" + info.domainAndOp + ")";
    out += ": ";
  }
  out += diag.str();
  // One line per diagnostic: scripts split stderr on line breaks, so control
  // characters (from the message or from names in a corrupted model) become
  // `\xNN` escapes and newlines spaces.
  // Unicode line separators (NEL, LS, PS) split lines too.
  for (llvm::StringRef separator : {"\xc2\x85", "\xe2\x80\xa8", "\xe2\x80\xa9"})
    for (size_t pos; (pos = out.find(separator.str())) != std::string::npos;)
      out.replace(pos, separator.size(), " ");
  std::string line;
  for (char c : out) {
    auto byte = static_cast<unsigned char>(c);
    if (c == '\n' || c == '\r' || c == '\t')
      line += ' ';
    else if (byte < 0x20 || byte == 0x7f)
      line += llvm::formatv("\\x{0:x-2}", static_cast<unsigned>(byte)).str();
    else
      line += c;
  }
  return line;
}
