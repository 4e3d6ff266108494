//===- OnnxBase.td - The onnx dialect ---------------------*- tablegen -*-===//
//
// A faithful image of ONNX: one op per operator schema version, generated at
// build time from libonnx and the hand-kept schemas (dialects/onnx/gen,
// dialects/onnx/schemas). The importer produces it;
// normalisation converts what Mica understands into the graph dialect, and
// the rest is lowered directly later.
//
//===----------------------------------------------------------------------===//
#ifndef MICA_ONNX_BASE
#define MICA_ONNX_BASE

include "mlir/IR/OpBase.td"
include "mlir/IR/AttrTypeBase.td"
include "mlir/Interfaces/SideEffectInterfaces.td"

def Onnx_Dialect : Dialect {
  let name = "onnx";
  // `mica::onnxir` rather than `mica::onnx`: libonnx's protobuf classes live
  // in `::onnx`, and the importer uses both.
  let cppNamespace = "::mica::onnxir";
  let summary = "ONNX operators, one op per schema version (generated)";
  let description = [{
    Every default-domain ONNX operator schema up to opset 17 is an op, and
    so is every hand-kept schema of what libonnx lacks (dialects/onnx/schemas:
    ONNX Runtime's com.microsoft quantised ops). The newest version of an
    operator has the plain name (`onnx.Conv`), older versions carry theirs
    (`onnx.Conv_v1`); ops of another domain carry it
    (`onnx.com.microsoft.QLinearAdd`). Optional operands and results are
    always present: an absent one has type `none` (see `onnx.NoValue`).
    Attributes keep their ONNX names; graph attributes (If/Loop/Scan bodies)
    are regions terminated by `onnx.Yield`. Locations carry the ONNX node name
    and op type.
  }];
  let useDefaultTypePrinterParser = 1;
}

//===----------------------------------------------------------------------===//
// Types ONNX has and builtin MLIR lacks
//===----------------------------------------------------------------------===//

class ONNX_Type<string name, string typeMnemonic> : TypeDef<Onnx_Dialect, name> {
  let mnemonic = typeMnemonic;
}

def ONNX_StringType : ONNX_Type<"String", "string"> {
  let summary = "ONNX string element type";
}

def ONNX_SeqType : ONNX_Type<"Seq", "seq"> {
  let summary = "ONNX sequence of tensors";
  let parameters = (ins "::mlir::Type":$elementType);
  let assemblyFormat = "`<` $elementType `>`";
}

def ONNX_OptType : ONNX_Type<"Opt", "opt"> {
  let summary = "ONNX optional value";
  let parameters = (ins "::mlir::Type":$elementType);
  let assemblyFormat = "`<` $elementType `>`";
}

//===----------------------------------------------------------------------===//
// Op base
//===----------------------------------------------------------------------===//

// Ops holding ONNX subgraphs as regions. Their bodies may use values of the
// enclosing graph, as ONNX subgraphs may.
def ONNX_SubgraphOp : TraitList<[RecursiveMemoryEffects]>;

class ONNX_Op<string mnemonic, string onnxName, int sinceVersion,
              list<Trait> traits = [], string onnxDomain = "">
    : Op<Onnx_Dialect, mnemonic, traits> {
  let extraClassDeclaration = [{
    /// The ONNX operator this op mirrors, its domain ("" for ai.onnx) and
    /// the opset of that domain that introduced it.
    static constexpr ::llvm::StringLiteral getOnnxName() {
      return ::llvm::StringLiteral("}] # onnxName # [{");
    }
    static constexpr ::llvm::StringLiteral getOnnxDomain() {
      return ::llvm::StringLiteral("}] # onnxDomain # [{");
    }
    static constexpr int getOnnxSinceVersion() { return }] # sinceVersion # [{; }
  }];
}

#endif // MICA_ONNX_BASE
