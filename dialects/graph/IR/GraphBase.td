//===- GraphBase.td - Mica graph dialect definition -------*- tablegen -*-===//
//
// The graph dialect holds Mica's normalised, semantic neural-network ops. The
// ONNX importer's output is converted into it, and compression passes
// (quantize, prune, token-merge, partition) run on it.
//
// This file holds the dialect, the type constraints shared by all ops and the
// op base classes. Every op that can compute its result types does so through
// one shape function (ShapeFunctions.h) that both the verifier and
// InferTypeOpInterface call.
//
//===----------------------------------------------------------------------===//
#ifndef MICA_GRAPH_BASE
#define MICA_GRAPH_BASE

include "mlir/IR/OpBase.td"
include "mlir/IR/AttrTypeBase.td"
include "mlir/Interfaces/SideEffectInterfaces.td"
include "mlir/Interfaces/InferTypeOpInterface.td"

def Graph_Dialect : Dialect {
  let name = "graph";
  let cppNamespace = "::mica::graph";
  let summary = "Mica's semantic neural-network ops";
  let description = [{
    Ops on builtin ranked tensors whose dimensions may be dynamic (`?`).
    Layouts are the ONNX ones (NCHW activations, OIHW weights) so that
    conversion from the `onnx` dialect is direct; layout changes are the
    business of target lowering. Element types are f16, bf16, f32, f64,
    signless integers i1..i64 and unsigned integers ui8..ui64. Quantised
    tensors are plain integer tensors (GraphQuantOps.td).

    Conventions shared by all ops:

    * Integer array attributes are `DenseI64ArrayAttr`, float scalars `F64Attr`.
    * Pads are ONNX style: `[x1_begin, x2_begin, ..., x1_end, x2_end, ...]`.
    * Negative axes count from the end, as in ONNX.
    * Result types are inferred by one shape function per op. A declared
      result type may be more or less precise than the inferred one (a static
      dimension where inference says `?` or the reverse), but a different
      rank, element type or static size is an error naming the dimension.
  }];
  let hasConstantMaterializer = 1;
  let useDefaultAttributePrinterParser = 1;
}

//===----------------------------------------------------------------------===//
// Type constraints
//===----------------------------------------------------------------------===//

def Graph_Float : AnyTypeOf<[F16, BF16, F32, F64]>;
def Graph_ElementType : AnyTypeOf<[
    F16, BF16, F32, F64,
    I1, I8, I16, I32, I64,
    UI8, UI16, UI32, UI64]>;

def Graph_Tensor : RankedTensorOf<[Graph_ElementType]>;
def Graph_FloatTensor : RankedTensorOf<[Graph_Float]>;
def Graph_BoolTensor : RankedTensorOf<[I1]>;
def Graph_IndexTensor : RankedTensorOf<[I32, I64]>;
def Graph_I64Tensor : RankedTensorOf<[I64]>;
def Graph_IntTensor : RankedTensorOf<[I8, I16, I32, UI8, UI16, UI32]>;

// A string attribute restricted to a fixed set of spellings (the ONNX ones),
// so that conversion copies ONNX strings unchanged.
class Graph_StrChoiceAttr<list<string> values>
    : ConfinedAttr<StrAttr, [AttrConstraint<
          Or<!foreach(v, values,
              CPred<"::llvm::cast<::mlir::StringAttr>($_self).getValue() == \""
                    # v # "\"">)>,
          "one of " # !interleave(values, ", ")>]>;

//===----------------------------------------------------------------------===//
// Op base classes
//===----------------------------------------------------------------------===//

class Graph_Op<string mnemonic, list<Trait> traits = []>
    : Op<Graph_Dialect, mnemonic, traits>;

// An op whose result types come from its shape function. Subclasses either
// set `inferTypesBody` (C++ returning LogicalResult, with `adaptor`,
// `emitError` and `types` in scope) or define
// `$cppClass::inferTypes(Adaptor, ErrorFn, SmallVectorImpl<Type> &)` in C++.
// The verifier calls the same function with `emitOpError` as the error sink
// and then compares declared and inferred types dimension by dimension.
class Graph_InferOp<string mnemonic, list<Trait> traits = []>
    : Graph_Op<mnemonic, traits # [Pure, InferTypeOpAdaptorWithIsCompatible]> {
  code inferTypesBody = "";
  code extraDecls = "";
  code extraDefs = "";
  let hasVerifier = 1;
  let extraClassDeclaration = [{
    /// The op's shape function applied to `adaptor`; errors go to `emitError`.
    static ::llvm::LogicalResult inferTypes(Adaptor adaptor,
        ::mica::graph::ErrorFn emitError,
        ::llvm::SmallVectorImpl<::mlir::Type> &types);
  }] # extraDecls;
  let extraClassDefinition = [{
    ::llvm::LogicalResult $cppClass::inferReturnTypes(::mlir::MLIRContext *,
        std::optional<::mlir::Location> location, Adaptor adaptor,
        ::llvm::SmallVectorImpl<::mlir::Type> &types) {
      auto emitError = [&] {
        return ::mica::graph::emitOptionalOpError(location, getOperationName());
      };
      return inferTypes(adaptor, emitError, types);
    }
    bool $cppClass::isCompatibleReturnTypes(::mlir::TypeRange lhs,
                                            ::mlir::TypeRange rhs) {
      return ::mica::graph::areCompatibleResultTypes(lhs, rhs);
    }
    ::llvm::LogicalResult $cppClass::verify() {
      return ::mica::graph::verifyWithShapeFunction(*this);
    }
  }] # !if(!empty(inferTypesBody), "", [{
    ::llvm::LogicalResult $cppClass::inferTypes(Adaptor adaptor,
        ::mica::graph::ErrorFn emitError,
        ::llvm::SmallVectorImpl<::mlir::Type> &types) {
  }] # inferTypesBody # [{
    }
  }]) # extraDefs;
}

#endif // MICA_GRAPH_BASE
