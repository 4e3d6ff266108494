// Writes the seed corpus of mica-model-fuzz: valid artifacts around the test
// kernels (host code, linked, foreign target, encoded constants, a model
// without anything, width groups).
//   mica-model-fuzz-seeds OUT_DIR
#include "ModelTestUtil.h"

#include <cstdio>

using namespace mica::test;

namespace {

// "affine" as a --sortable-width build: two width groups, one smaller than
// its round.
mica::artifact::Artifact widthGroups() {
  mica::artifact::Artifact a = makeAffine();
  a.widthGroups = {{16, 4, "add", "Add"}, {3, 4, "mul", "Mul"}};
  a.requiredFeatures.push_back(MICA_FEATURE_SORTABLE_WIDTH);
  return a;
}

} // namespace

int main(int argc, char **argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: %s OUT_DIR\n", argv[0]);
    return 2;
  }
  struct Seed {
    const char *name;
    mica::artifact::Artifact artifact;
  } seeds[] = {
      {"host.mica", makeAffine()},
      {"host-features.mica", makeAffine({kHostArch, {"+mica-made-up", "-x"}})},
      {"linked.mica", makeAffine({kHostArch, {}, true})},
      {"foreign.mica", makeAffine({kForeignArch, {}})},
      {"encoded.mica", makeEncodedAffine()},
      {"streamed.mica", makeChain(2, 256)},
      {"empty.mica", mica::artifact::Artifact()},
      {"width.mica", widthGroups()},
  };
  for (const Seed &seed : seeds) {
    Bytes bytes = mica::artifact::serializeArtifact(seed.artifact);
    std::string error = mica::artifact::validateArtifactBytes(bytes);
    if (!error.empty()) {
      std::fprintf(stderr, "%s: invalid seed: %s\n", seed.name, error.c_str());
      return 1;
    }
    std::string path = std::string(argv[1]) + "/" + seed.name;
    std::FILE *file = std::fopen(path.c_str(), "wb");
    if (!file ||
        std::fwrite(bytes.data(), 1, bytes.size(), file) != bytes.size() ||
        std::fclose(file) != 0) {
      std::fprintf(stderr, "cannot write %s\n", path.c_str());
      return 1;
    }
  }
  return 0;
}
