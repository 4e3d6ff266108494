//===- OnnxOdsGen.cpp - Generate the onnx dialect's ODS from libonnx ------===//
//
// Build-time tool. Walks libonnx's operator schema registry and writes one ODS
// op definition per default-domain schema version up to kMaxOpset, so the
// `onnx` dialect is a faithful mirror of the ONNX standard rather than a
// hand-maintained subset; then does the same for the hand-kept schemas of
// what libonnx lacks (dialects/onnx/schemas, docs/onnx-schemas.md). Usage:
//
//   mica-onnx-odsgen OUT.td
//
// The output is written only when its content changes, so rebuilding is cheap.
// libonnx may throw; this file is built with -fexceptions and main() catches
// everything.
//===----------------------------------------------------------------------===//
#include "dialects/onnx/OnnxNaming.h"
#include "dialects/onnx/schemas/HandKeptSchemas.h"

#include "onnx/defs/schema.h"

#include <algorithm>
#include <fstream>
#include <iostream>
#include <map>
#include <set>
#include <sstream>
#include <tuple>

using mica::onnxir::kMaxOpset;
using mica::onnxir::odsName;
using mica::onnxir::opClassName;
using mica::onnxir::opMnemonic;
using ONNX_NAMESPACE::AttributeProto;
using ONNX_NAMESPACE::OpSchema;

namespace {

// ODS type constraint for one ONNX type string such as "tensor(float)".
// Returns an empty string for types the dialect models as AnyType (seq, map,
// optional, sparse tensors).
std::string elementConstraint(const std::string &dataType) {
  static const std::map<std::string, std::string> kTypes = {
      {"float16", "F16"},
      {"bfloat16", "BF16"},
      {"float", "F32"},
      {"double", "F64"},
      {"int8", "I8"},
      {"int16", "I16"},
      {"int32", "I32"},
      {"int64", "I64"},
      {"uint8", "UI8"},
      {"uint16", "UI16"},
      {"uint32", "UI32"},
      {"uint64", "UI64"},
      {"bool", "I1"},
      {"string", "ONNX_StringType"},
      {"complex64", "Complex<F32>"},
      {"complex128", "Complex<F64>"}};
  auto it = kTypes.find(dataType);
  return it == kTypes.end() ? "" : it->second;
}

struct TypeSet {
  std::vector<std::string> elements; // tensor element constraints
  bool seq = false;                  // seq(...) allowed
  bool opt = false;                  // optional(...) allowed
  bool other = false;                // map/sparse/unknown: AnyType
};

void addTypeString(TypeSet &set, const std::string &typeStr) {
  if (typeStr.rfind("tensor(", 0) == 0) {
    std::string inner = typeStr.substr(7, typeStr.size() - 8);
    std::string c = elementConstraint(inner);
    if (c.empty())
      set.other = true;
    else if (std::find(set.elements.begin(), set.elements.end(), c) ==
             set.elements.end())
      set.elements.push_back(c);
  } else if (typeStr.rfind("seq(", 0) == 0) {
    set.seq = true;
  } else if (typeStr.rfind("optional(", 0) == 0) {
    set.opt = true;
  } else {
    set.other = true;
  }
}

// Where a schema's type constraint is stricter than the models exporters
// actually write, and than what runtimes accept: (op, since_version) pairs
// whose constraints are widened to every tensor element type.
bool acceptsAnyTensor(const OpSchema &schema) {
  static const std::pair<const char *, int> kOverrides[] = {
      // PyTorch's opset-6 exporter emits int64 Constant-1 nodes (shapes).
      {"Constant", 1},
  };
  for (const auto &[name, version] : kOverrides)
    if (schema.Name() == name && schema.SinceVersion() == version)
      return true;
  return false;
}

// The ODS constraint for a formal parameter (input or output).
std::string paramConstraint(const OpSchema &schema,
                            const OpSchema::FormalParameter &param) {
  TypeSet set;
  bool found = false;
  if (acceptsAnyTensor(schema))
    for (const char *t :
         {"float16", "bfloat16", "float", "double", "int8", "int16", "int32",
          "int64", "uint8", "uint16", "uint32", "uint64", "bool", "string",
          "complex64", "complex128"})
      addTypeString(set, std::string("tensor(") + t + ")");
  for (const auto &tc : schema.typeConstraintParams()) {
    if (tc.type_param_str != param.GetTypeStr())
      continue;
    for (const auto &t : tc.allowed_type_strs)
      addTypeString(set, t);
    found = true;
  }
  if (!found && set.elements.empty())
    addTypeString(set, param.GetTypeStr());

  std::vector<std::string> alternatives;
  if (set.other)
    return param.GetOption() == OpSchema::Optional ? "AnyType" : "AnyType";
  if (!set.elements.empty()) {
    std::string list;
    for (size_t i = 0; i < set.elements.size(); ++i)
      list += (i ? ", " : "") + set.elements[i];
    alternatives.push_back("TensorOf<[" + list + "]>");
  }
  if (set.seq)
    alternatives.push_back("ONNX_SeqType");
  if (set.opt)
    alternatives.push_back("ONNX_OptType");
  // Optional operands are always present; an absent one is a `none` value.
  if (param.GetOption() == OpSchema::Optional)
    alternatives.push_back("NoneType");
  if (alternatives.size() == 1)
    return alternatives.front();
  std::string joined;
  for (size_t i = 0; i < alternatives.size(); ++i)
    joined += (i ? ", " : "") + alternatives[i];
  return "AnyTypeOf<[" + joined + "]>";
}

std::string cppFloatLiteral(float value) {
  std::ostringstream os;
  os.precision(9);
  os << value;
  std::string s = os.str();
  if (s.find_first_of(".eEn") == std::string::npos)
    s += ".0";
  return s;
}

std::string escapeCppString(const std::string &s) {
  std::string out;
  for (char c : s) {
    if (c == '"' || c == '\\')
      out += '\\';
    out += c;
  }
  return out;
}

// The ODS attribute for an ONNX attribute, or "" for GRAPH (a region).
std::string attrConstraint(const OpSchema::Attribute &attr) {
  std::string base;
  switch (attr.type) {
  case AttributeProto::FLOAT:
    base = "F32Attr";
    break;
  case AttributeProto::INT:
    base = "I64Attr";
    break;
  case AttributeProto::STRING:
    base = "StrAttr";
    break;
  case AttributeProto::TENSOR:
    base = "ElementsAttr";
    break;
  case AttributeProto::SPARSE_TENSOR:
    base = "AnyAttr";
    break;
  case AttributeProto::TYPE_PROTO:
    base = "TypeAttr";
    break;
  case AttributeProto::FLOATS:
    base = "F32ArrayAttr";
    break;
  case AttributeProto::INTS:
    base = "I64ArrayAttr";
    break;
  case AttributeProto::STRINGS:
    base = "StrArrayAttr";
    break;
  case AttributeProto::TENSORS:
    base = "TypedArrayAttrBase<ElementsAttr, \"tensor list\">";
    break;
  case AttributeProto::TYPE_PROTOS:
    base = "TypeArrayAttr";
    break;
  case AttributeProto::GRAPH:
  case AttributeProto::GRAPHS:
    return "";
  default:
    base = "AnyAttr";
    break;
  }
  if (attr.required)
    return base;
  const AttributeProto &def = attr.default_value;
  bool hasDefault = def.has_name() || def.has_type();
  if (hasDefault) {
    if (attr.type == AttributeProto::INT && def.has_i())
      return "DefaultValuedAttr<" + base + ", \"" + std::to_string(def.i()) +
             "\">";
    if (attr.type == AttributeProto::FLOAT && def.has_f())
      return "DefaultValuedAttr<" + base + ", \"" + cppFloatLiteral(def.f()) +
             "\">";
    if (attr.type == AttributeProto::STRING && def.has_s())
      return "DefaultValuedStrAttr<" + base + ", \"" +
             escapeCppString(def.s()) + "\">";
  }
  return "OptionalAttr<" + base + ">";
}

// Operand and result names become C++ identifiers; old schemas spell some
// oddly (Split-1's `outputs...`).
std::string paramName(const std::string &onnxName) {
  std::string n;
  for (char c : onnxName)
    if (isalnum(static_cast<unsigned char>(c)) || c == '_')
      n += c;
  if (n.empty() || isdigit(static_cast<unsigned char>(n[0])))
    n = "v" + n;
  return odsName(n);
}

// Doc strings go inside `[{ ... }]`; make sure they cannot close it early.
std::string sanitizeDoc(std::string doc) {
  size_t pos;
  while ((pos = doc.find("}]")) != std::string::npos)
    doc.replace(pos, 2, "} ]");
  while ((pos = doc.find("[{")) != std::string::npos)
    doc.replace(pos, 2, "[ {");
  return doc;
}

std::string summaryOf(const OpSchema &schema) {
  if (!schema.domain().empty())
    return schema.domain() + " " + schema.Name() + ", opset " +
           std::to_string(schema.SinceVersion()) + " (hand-kept schema)";
  return "ONNX " + schema.Name() + ", opset " +
         std::to_string(schema.SinceVersion());
}

void emitOp(std::ostream &os, const OpSchema &schema, int newest) {
  const std::string mnemonic =
      opMnemonic(schema.Name(), schema.SinceVersion(), newest, schema.domain());
  const std::string defName = "ONNX_" + opClassName(mnemonic);
  std::set<std::string> used;
  auto tryClaim = [&](const std::string &n) {
    std::string key = n;
    key[0] = static_cast<char>(toupper(key[0]));
    return used.insert(key).second;
  };
  // Attributes are matched by name by the importer, so a clash there would
  // need a renaming rule shared with it; none exists in the standard today.
  auto claim = [&](const std::string &n) {
    if (!tryClaim(n))
      throw std::runtime_error("name clash on '" + n + "' in " + mnemonic);
  };

  std::vector<std::string> regions;
  std::vector<std::string> args;
  size_t numInputs = 0;
  for (const auto &[name, attr] : schema.attributes()) {
    std::string n = odsName(name);
    claim(n);
    std::string c = attrConstraint(attr);
    if (c.empty())
      regions.push_back("AnyRegion:$" + n);
    else
      args.push_back(c + ":$" + n);
  }
  // Operands are matched by position, so one that shares its name with an
  // attribute (Split-1's `split`) is renamed; attributes keep their names.
  for (const auto &in : schema.inputs()) {
    std::string c = paramConstraint(schema, in);
    if (in.GetOption() == OpSchema::Variadic)
      c = "Variadic<" + c + ">";
    std::string n = paramName(in.GetName());
    while (!tryClaim(n))
      n += "_in";
    args.insert(args.begin() + numInputs++, c + ":$" + n);
  }
  std::vector<std::string> results;
  for (const auto &out : schema.outputs()) {
    std::string c = paramConstraint(schema, out);
    if (out.GetOption() == OpSchema::Variadic)
      c = "Variadic<" + c + ">";
    // Results are matched by position, so a result that shares its name
    // with an operand (BatchNormalization-1's `mean`) is simply renamed.
    std::string n = paramName(out.GetName());
    while (!tryClaim(n))
      n += "_out";
    results.push_back(c + ":$" + n);
  }

  os << "def " << defName << " : ONNX_Op<\"" << mnemonic << "\", \""
     << schema.Name() << "\", " << schema.SinceVersion() << ", ["
     << (regions.empty() ? "" : "ONNX_SubgraphOp") << "]"
     << (schema.domain().empty() ? "" : ", \"" + schema.domain() + "\"")
     << "> {\n";
  os << "  let summary = \"" << summaryOf(schema) << "\";\n";
  const char *doc = schema.doc();
  std::string description = doc ? sanitizeDoc(doc) : std::string();
  if (schema.deprecated())
    description = "Deprecated in ONNX.\n\n" + description;
  os << "  let description = [{\n" << description << "\n  }];\n";
  os << "  let arguments = (ins";
  for (size_t i = 0; i < args.size(); ++i)
    os << (i ? ",\n    " : "\n    ") << args[i];
  os << ");\n";
  os << "  let results = (outs";
  for (size_t i = 0; i < results.size(); ++i)
    os << (i ? ",\n    " : "\n    ") << results[i];
  os << ");\n";
  if (!regions.empty()) {
    os << "  let regions = (region";
    for (size_t i = 0; i < regions.size(); ++i)
      os << (i ? ", " : " ") << regions[i];
    os << ");\n";
  }
  os << "}\n\n";
}

std::string generate() {
  std::vector<OpSchema> all =
      ONNX_NAMESPACE::OpSchemaRegistry::get_all_schemas_with_history();
  const std::vector<OpSchema> &handKept = mica::onnxir::handKeptSchemas();
  // Ops are keyed by (domain, name); the default domain stops at kMaxOpset,
  // as the importer does.
  using Key = std::pair<std::string, std::string>;
  std::vector<const OpSchema *> selected;
  std::map<Key, int> newest;
  std::set<std::tuple<std::string, std::string, int>> seen;
  std::set<Key> standardOps;
  auto select = [&](const OpSchema &s) {
    if (s.domain().empty() && s.SinceVersion() > kMaxOpset)
      return false;
    if (!seen.insert({s.domain(), s.Name(), s.SinceVersion()}).second)
      throw std::runtime_error("hand-kept schema " + s.Name() + "-" +
                               std::to_string(s.SinceVersion()) +
                               " duplicates one of libonnx's");
    selected.push_back(&s);
    int &n = newest[{s.domain(), s.Name()}];
    n = std::max(n, static_cast<int>(s.SinceVersion()));
    return true;
  };
  for (const OpSchema &s : all)
    if (s.domain().empty() && select(s))
      standardOps.insert({s.domain(), s.Name()});
  size_t standard = selected.size();
  for (const OpSchema &s : handKept)
    select(s);
  std::sort(selected.begin(), selected.end(),
            [](const OpSchema *a, const OpSchema *b) {
              return std::make_tuple(a->domain(), a->Name(),
                                     a->SinceVersion()) <
                     std::make_tuple(b->domain(), b->Name(), b->SinceVersion());
            });
  std::ostringstream os;
  os << "// Generated by mica-onnx-odsgen from libonnx's operator schemas\n"
     << "// and the hand-kept ones of dialects/onnx/schemas.\n"
     << "// Do not edit: change dialects/onnx/gen/OnnxOdsGen.cpp or the\n"
     << "// hand-kept schemas instead.\n"
     << "// " << standard << " op versions of " << standardOps.size()
     << " ops, opsets 1.." << kMaxOpset << "; " << selected.size() - standard
     << " hand-kept op versions.\n\n"
     << "#ifndef MICA_ONNX_GENERATED_OPS\n#define MICA_ONNX_GENERATED_OPS\n\n"
     << "include \"dialects/onnx/IR/OnnxOps.td\"\n\n";
  for (const OpSchema *s : selected)
    emitOp(os, *s, newest[{s->domain(), s->Name()}]);
  os << "#endif // MICA_ONNX_GENERATED_OPS\n";
  return os.str();
}

} // namespace

int main(int argc, char **argv) {
  if (argc != 2) {
    std::cerr << "usage: mica-onnx-odsgen OUT.td\n";
    return 2;
  }
  try {
    std::string text = generate();
    std::ifstream existing(argv[1], std::ios::binary);
    std::stringstream old;
    old << existing.rdbuf();
    if (existing && old.str() == text)
      return 0;
    std::ofstream out(argv[1], std::ios::binary | std::ios::trunc);
    out << text;
    if (!out) {
      std::cerr << "mica-onnx-odsgen: cannot write " << argv[1] << "\n";
      return 1;
    }
    return 0;
  } catch (const std::exception &e) {
    std::cerr << "mica-onnx-odsgen: " << e.what() << "\n";
  } catch (...) {
    std::cerr << "mica-onnx-odsgen: unknown error\n";
  }
  return 1;
}
