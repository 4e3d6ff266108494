//===- PlanToArtifact.cpp - exec ops + target code -> artifact ------------===//
#include "compiler/artifact/PlanToArtifact.h"

#include "compiler/support/Version.h"

#include "dialects/exec/IR/ExecDialect.h"
#include "mica/artifact_format.h"

#include "mlir/IR/DialectResourceBlobManager.h"
#include "llvm/ADT/StringMap.h"

using namespace mlir;
using namespace mica;

namespace {

/// The bytes an exec.segment holds, or failure when it has none.
LogicalResult segmentBytes(exec::SegmentOp op, std::vector<uint8_t> &out) {
  std::optional<ElementsAttr> data = op.getData();
  if (!data)
    return failure();
  if (auto resource = dyn_cast<DenseResourceElementsAttr>(*data)) {
    AsmResourceBlob *blob = resource.getRawHandle().getBlob();
    if (!blob)
      return failure();
    out.assign(blob->getData().begin(), blob->getData().end());
    return success();
  }
  if (auto dense = dyn_cast<DenseElementsAttr>(*data)) {
    for (APInt value : dense.getValues<APInt>())
      out.push_back(static_cast<uint8_t>(value.getZExtValue()));
    return success();
  }
  return failure();
}

/// The module's `exec.width_groups` (exec::kWidthGroupsAttr: one dictionary
/// per group, `node`, `op`, `channels`, `round`; the group's index is its
/// position) into `out`; nothing when the attribute is absent.
LogicalResult readWidthGroups(ModuleOp module,
                              std::vector<artifact::WidthGroup> &out,
                              std::string &problem) {
  Attribute attr = module->getAttr(exec::kWidthGroupsAttr);
  if (!attr)
    return success();
  auto groups = dyn_cast<ArrayAttr>(attr);
  if (!groups) {
    problem = "is not an array";
    return failure();
  }
  for (auto [index, element] : llvm::enumerate(groups)) {
    auto dict = dyn_cast<DictionaryAttr>(element);
    auto node = dict ? dict.getAs<StringAttr>("node") : nullptr;
    auto op = dict ? dict.getAs<StringAttr>("op") : nullptr;
    auto channels = dict ? dict.getAs<IntegerAttr>("channels") : nullptr;
    auto round = dict ? dict.getAs<IntegerAttr>("round") : nullptr;
    if (!node || !op || !channels || !round || channels.getInt() < 1 ||
        round.getInt() < 1 || channels.getInt() > UINT32_MAX ||
        round.getInt() > UINT32_MAX) {
      problem = "group " + std::to_string(index) +
                " is not {node, op, channels >= 1, round >= 1}";
      return failure();
    }
    out.push_back({static_cast<uint32_t>(channels.getInt()),
                   static_cast<uint32_t>(round.getInt()), node.str(),
                   op.str()});
  }
  return success();
}

/// The discardable attribute (a DenseI32ArrayAttr of node-table indices)
/// that says which nodes a step computes when an entry point has several
/// steps (--memory-budget); absent, a step computes every node.
constexpr llvm::StringLiteral kStepNodesAttr = "mica.nodes";

/// The nodes `step` computes into `out`: its kStepNodesAttr, else
/// `allNodes`. Fails when the attribute is not an array of indices into the
/// node table.
LogicalResult stepNodes(exec::StepOp step, ArrayRef<uint32_t> allNodes,
                        std::vector<uint32_t> &out) {
  Attribute attr = step->getAttr(kStepNodesAttr);
  if (!attr) {
    out.assign(allNodes.begin(), allNodes.end());
    return success();
  }
  auto nodes = dyn_cast<DenseI32ArrayAttr>(attr);
  if (!nodes)
    return failure();
  for (int32_t node : nodes.asArrayRef()) {
    if (node < 0 || static_cast<size_t>(node) >= allNodes.size())
      return failure();
    out.push_back(static_cast<uint32_t>(node));
  }
  return success();
}

} // namespace

FailureOr<artifact::Artifact>
mica::buildArtifact(ModuleOp module, ArrayRef<artifact::EntryPoint> signatures,
                    ArrayRef<TargetCode> code, CompileError &error) {
  auto fail = [&](const Twine &message) {
    error = {ErrorKind::Internal, ("internal error: " + message).str()};
    return failure();
  };
  artifact::Artifact art;
  art.producer =
      std::string("mica " MICA_VERSION " (MLIR ") + LLVM_VERSION_STRING + ")";

  // Constants segments first (resident and streamed, in module order), then
  // one code segment per target.
  llvm::StringMap<uint32_t> segmentIndex;
  bool anyStreamed = false;
  for (auto segment : module.getOps<exec::SegmentOp>()) {
    artifact::Segment out;
    out.kind = segment.getStreamed() ? artifact::SegmentKind::Streamed
                                     : artifact::SegmentKind::Constants;
    anyStreamed |= segment.getStreamed();
    if (failed(segmentBytes(segment, out.bytes)) ||
        out.bytes.size() != static_cast<size_t>(segment.getSize()))
      return fail("exec.segment @" + segment.getSymName() +
                  " holds no bytes of its size");
    segmentIndex[segment.getSymName()] = art.segments.size();
    art.segments.push_back(std::move(out));
  }
  llvm::StringMap<uint32_t> targetIndex, codeSegment;
  for (const TargetCode &target : code) {
    targetIndex[target.target.name] = art.targets.size();
    codeSegment[target.target.name] = art.segments.size();
    artifact::Segment out;
    out.kind = artifact::SegmentKind::Code;
    out.target = art.targets.size();
    out.bytes = target.bytes;
    art.segments.push_back(std::move(out));
    art.targets.push_back(target.target);
  }

  // The node table: hooks and profiles index it.
  auto tables = llvm::to_vector(module.getOps<exec::NodeTableOp>());
  if (tables.size() > 1)
    return fail("more than one exec.node_table");
  std::vector<uint32_t> allNodes;
  if (!tables.empty())
    for (auto [name, opType] :
         llvm::zip(tables[0].getNames(), tables[0].getOpTypes())) {
      allNodes.push_back(art.nodes.size());
      art.nodes.push_back(
          {cast<StringAttr>(name).str(), cast<StringAttr>(opType).str(), 0, 0});
    }

  std::vector<bool> placed(art.nodes.size(), false);
  for (auto entry : module.getOps<exec::EntryPointOp>()) {
    const artifact::EntryPoint *signature =
        llvm::find_if(signatures, [&](const artifact::EntryPoint &s) {
          return s.name == entry.getName();
        });
    if (signature == signatures.end())
      return fail("no signature for entry point '" + entry.getName() + "'");
    if (llvm::any_of(art.entryPoints, [&](const artifact::EntryPoint &e) {
          return e.name == entry.getName();
        }))
      return fail("two entry points named '" + entry.getName() + "'");
    artifact::EntryPoint out = *signature;
    if (out.outputs.size() != entry.getOutputMaxShapes().size() ||
        out.inputs.size() != entry.getInputMaxShapes().size())
      return fail("entry point '" + entry.getName() +
                  "': the plan and the signature disagree on its arity");
    for (auto [spec, attr] :
         llvm::zip(out.outputs, entry.getOutputMaxShapes())) {
      ArrayRef<int64_t> bound = cast<DenseI64ArrayAttr>(attr).asArrayRef();
      spec.maxShape.assign(bound.begin(), bound.end());
    }
    out.arenaSize = entry.getArenaSize();
    out.intermediatesSize = entry.getIntermediatesSize();
    for (exec::StepOp step : entry.getStepOps()) {
      auto target = targetIndex.find(step.getTarget());
      if (target == targetIndex.end())
        return fail("step of '" + entry.getName() + "' on target '" +
                    step.getTarget() + "', which has no code");
      artifact::Step outStep;
      outStep.target = target->second;
      outStep.codeSegment = codeSegment.lookup(step.getTarget());
      outStep.symbol = step.getKernel().str();
      if (failed(stepNodes(step, allNodes, outStep.nodes)))
        return fail("step " + Twine(out.steps.size()) + " of '" +
                    entry.getName() + "': " + kStepNodesAttr +
                    " is not a list of node-table indices");
      for (Attribute ref : step.getSegments()) {
        auto found = segmentIndex.find(cast<FlatSymbolRefAttr>(ref).getValue());
        if (found == segmentIndex.end())
          return fail("step of '" + entry.getName() + "' reads segment " +
                      cast<FlatSymbolRefAttr>(ref).getValue() +
                      ", which is not an exec.segment");
        if (art.segments[found->second].kind != artifact::SegmentKind::Streamed)
          continue;
        if (outStep.streamed >= 0)
          return fail("step of '" + entry.getName() +
                      "' reads two streamed segments");
        outStep.streamed = static_cast<int32_t>(found->second);
      }
      // A node belongs to the first step that lists it, in the first entry
      // point that lists it (hooks and profiles report it there).
      for (uint32_t node : outStep.nodes)
        if (!placed[node]) {
          placed[node] = true;
          art.nodes[node].step = out.steps.size();
          art.nodes[node].entryPoint = art.entryPoints.size();
        }
      out.steps.push_back(std::move(outStep));
    }
    art.entryPoints.push_back(std::move(out));
  }
  if (art.entryPoints.empty())
    return fail("the module has no exec.entry_point");
  if (art.entryPoints.size() > 1)
    art.requiredFeatures.push_back(MICA_FEATURE_ENTRY_POINTS);
  if (anyStreamed)
    art.requiredFeatures.push_back(MICA_FEATURE_STREAMED_WEIGHTS);
  if (auto features =
          module->getAttrOfType<ArrayAttr>(exec::kRequiredFeaturesAttr))
    for (Attribute feature : features)
      if (auto name = dyn_cast<StringAttr>(feature))
        if (!llvm::is_contained(art.requiredFeatures, name.str()))
          art.requiredFeatures.push_back(name.str());
  std::string problem;
  if (failed(readWidthGroups(module, art.widthGroups, problem)))
    return fail(Twine("the module's ") + exec::kWidthGroupsAttr + " " +
                problem);
  return art;
}
