//===- HandKeptSchemas.h - ONNX schemas libonnx does not have ---*- C++ -*-===//
//
// The onnx dialect mirrors libonnx's operator schemas (dialects/onnx/gen).
// Operators that Debian's libonnx has no schema for -- ONNX Runtime's
// com.microsoft ops that quantisation tools write, later newer ai.onnx
// opsets -- are kept here by hand, written from their published
// documentation, as libonnx OpSchema objects: the same type libonnx's own
// schemas have, so the dialect generator, the importer's node resolution
// and ONNX shape inference treat both alike. docs/onnx-schemas.md says how
// to add one.
//
// Built with -fexceptions (libonnx throws); nothing here touches MLIR, so
// the build-time generator links it too.
//===----------------------------------------------------------------------===//
#ifndef MICA_DIALECTS_ONNX_SCHEMAS_HANDKEPTSCHEMAS_H
#define MICA_DIALECTS_ONNX_SCHEMAS_HANDKEPTSCHEMAS_H

#include "onnx/defs/schema.h"

#include <map>
#include <string>
#include <vector>

namespace mica::onnxir {

/// Every hand-kept schema, finalised, ordered by domain, name and version.
const std::vector<onnx::OpSchema> &handKeptSchemas();

/// The domains other than ai.onnx that hand-kept schemas define, each with
/// the newest opset version defined for it.
const std::map<std::string, int> &handKeptDomains();

/// libonnx's registry with the hand-kept schemas added: a lookup returns the
/// newest version not above `maxInclusiveVersion` from either. Pass it
/// wherever libonnx takes an ISchemaRegistry (shape inference).
class SchemaRegistry final : public onnx::ISchemaRegistry {
public:
  const onnx::OpSchema *
  GetSchema(const std::string &opType, const int maxInclusiveVersion,
            const std::string &domain = "") const override;

  static const SchemaRegistry &instance();
};

namespace schemas {
// One function per file under schemas/DOMAIN/, appending its schemas.
void addComMicrosoftQuantization(std::vector<onnx::OpSchema> &schemas);
} // namespace schemas

} // namespace mica::onnxir

#endif // MICA_DIALECTS_ONNX_SCHEMAS_HANDKEPTSCHEMAS_H
