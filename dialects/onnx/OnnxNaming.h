//===- OnnxNaming.h - How ONNX schemas map to onnx dialect names -*- C++
//-*-===//
//
// One rule, shared by the ODS generator (build time) and the importer (run
// time), so that the op the importer creates is the op the generator defined:
//
//  * every default-domain schema with since_version <= kMaxOpset is an op,
//    and so is every hand-kept schema (dialects/onnx/schemas);
//  * the newest such version of an op takes the plain name (`onnx.Conv`),
//    older versions carry their version (`onnx.Conv_v1`);
//  * ops of another domain than ai.onnx are prefixed by it
//    (`onnx.com.microsoft.QLinearAdd`, C++ class ComMicrosoftQLinearAddOp);
//  * ONNX attribute/operand names that would clash with the accessors ODS
//    generates are suffixed with `_` (the importer renames them the same way).
//
// Header-only and free of MLIR and libonnx so that both sides can include it.
//===----------------------------------------------------------------------===//
#ifndef MICA_DIALECTS_ONNX_ONNXNAMING_H
#define MICA_DIALECTS_ONNX_ONNXNAMING_H

#include <string>

namespace mica::onnxir {

/// The highest default-domain opset Mica imports.
constexpr int kMaxOpset = 17;

/// The op mnemonic (without the `onnx.` prefix) of an ONNX op version of
/// `domain` ("" for ai.onnx).
inline std::string opMnemonic(const std::string &opType, int sinceVersion,
                              int newestSinceVersion,
                              const std::string &domain = "") {
  std::string name = opType;
  if (sinceVersion != newestSinceVersion)
    name += "_v" + std::to_string(sinceVersion);
  return domain.empty() ? name : domain + "." + name;
}

/// The C++ class name of the op with `mnemonic`: the mnemonic with each
/// domain component capitalised and the dots dropped, then `Op`
/// (`Conv_v1Op`, `ComMicrosoftQLinearAddOp`).
inline std::string opClassName(const std::string &mnemonic) {
  std::string name;
  bool capitalise = true;
  for (char c : mnemonic) {
    if (c == '.') {
      capitalise = true;
      continue;
    }
    name += capitalise && c >= 'a' && c <= 'z' ? static_cast<char>(c - 32) : c;
    capitalise = false;
  }
  return name + "Op";
}

/// The name under which an ONNX operand or attribute appears in the dialect.
inline std::string odsName(const std::string &onnxName) {
  // Names that collide with members ODS generates on every op, or that are
  // C++ keywords.
  static const char *const kReserved[] = {
      "operands", "results",   "attributes", "location", "loc",    "operation",
      "region",   "regions",   "context",    "type",     "name",   "properties",
      "default",  "int",       "float",      "float16",  "bool",   "long",
      "short",    "double",    "auto",       "register", "const",  "operator",
      "template", "typename",  "new",        "delete",   "this",   "class",
      "struct",   "union",     "enum",       "switch",   "case",   "for",
      "while",    "do",        "if",         "else",     "return", "break",
      "continue", "namespace", "static",     "true",     "false",  "char"};
  for (const char *reserved : kReserved)
    if (onnxName == reserved)
      return onnxName + "_";
  return onnxName;
}

} // namespace mica::onnxir

#endif // MICA_DIALECTS_ONNX_ONNXNAMING_H
