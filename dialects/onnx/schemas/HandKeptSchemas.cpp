//===- HandKeptSchemas.cpp - The hand-kept schema registry ----------------===//
#include "dialects/onnx/schemas/HandKeptSchemas.h"

#include <algorithm>
#include <tuple>

using namespace mica::onnxir;
using ONNX_NAMESPACE::OpSchema;

namespace {

std::vector<OpSchema> build() {
  std::vector<OpSchema> all;
  schemas::addComMicrosoftQuantization(all);
  for (OpSchema &schema : all)
    schema.Finalize();
  std::stable_sort(
      all.begin(), all.end(), [](const OpSchema &a, const OpSchema &b) {
        return std::make_tuple(a.domain(), a.Name(), a.SinceVersion()) <
               std::make_tuple(b.domain(), b.Name(), b.SinceVersion());
      });
  return all;
}

} // namespace

const std::vector<OpSchema> &mica::onnxir::handKeptSchemas() {
  static const std::vector<OpSchema> schemas = build();
  return schemas;
}

const std::map<std::string, int> &mica::onnxir::handKeptDomains() {
  static const std::map<std::string, int> domains = [] {
    std::map<std::string, int> out;
    for (const OpSchema &schema : handKeptSchemas())
      if (!schema.domain().empty()) {
        int &newest = out[schema.domain()];
        newest = std::max(newest, static_cast<int>(schema.SinceVersion()));
      }
    return out;
  }();
  return domains;
}

const OpSchema *SchemaRegistry::GetSchema(const std::string &opType,
                                          const int maxInclusiveVersion,
                                          const std::string &domain) const {
  const OpSchema *best = ONNX_NAMESPACE::OpSchemaRegistry::Schema(
      opType, maxInclusiveVersion, domain);
  for (const OpSchema &schema : handKeptSchemas())
    if (schema.Name() == opType && schema.domain() == domain &&
        schema.SinceVersion() <= maxInclusiveVersion &&
        (!best || schema.SinceVersion() >= best->SinceVersion()))
      best = &schema;
  return best;
}

const SchemaRegistry &SchemaRegistry::instance() {
  static const SchemaRegistry registry;
  return registry;
}
