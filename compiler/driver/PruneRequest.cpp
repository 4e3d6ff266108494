//===- PruneRequest.cpp - Parsing `--prune` -------------------------------===//
#include "compiler/driver/PruneRequest.h"

#include "passes/prune/Passes.h"

#include "llvm/ADT/SmallVector.h"

using namespace mica;

/// `round=N|auto` of --prune and --sortable-width; false on a bad value.
static bool parseRound(llvm::StringRef value, int64_t &round, bool &isAuto) {
  isAuto = value == "auto";
  return isAuto || (!value.getAsInteger(10, round) && round >= 1);
}

bool mica::parsePrune(llvm::StringRef text, PruneRequest &request,
                      std::string &error) {
  llvm::SmallVector<llvm::StringRef> items;
  text.split(items, ',');
  bool sawChannels = false, sawFlops = false;
  for (llvm::StringRef item : items) {
    auto [key, value] = item.trim().split('=');
    auto fail = [&](const std::string &why) {
      error = "--prune: " + why + " in '" + item.str() +
              "' (expected channels=F or flops=F, then [,score=l1|l2|data]"
              "[,round=N|auto], and/or sparse=N:M|R)";
      return false;
    };
    if (value.empty())
      return fail("missing value");
    if (key == "channels") {
      if (value.getAsDouble(request.channels) ||
          !(request.channels >= 0 && request.channels < 1))
        return fail("expected a fraction of the channels in [0, 1)");
      sawChannels = true;
    } else if (key == "flops") {
      if (value.getAsDouble(request.flops) ||
          !(request.flops > 0 && request.flops < 1))
        return fail("expected a fraction of the original FLOPs in (0, 1)");
      sawFlops = true;
    } else if (key == "sparse") {
      if (value.contains(':')) {
        if (failed(parseSparsityPattern(value)))
          return fail("expected an N:M pattern with 1 <= N < M <= 64");
        request.sparsePattern = value.str();
      } else if (value.getAsDouble(request.sparseRatio) ||
                 !(request.sparseRatio > 0 && request.sparseRatio < 1)) {
        return fail("expected N:M or a fraction of the weights in (0, 1)");
      }
    } else if (key == "score") {
      if (value != "l1" && value != "l2" && value != "data")
        return fail("expected l1, l2 or data");
      request.score = value.str();
      request.scoreGiven = true;
    } else if (key == "round") {
      if (!parseRound(value, request.round, request.roundAuto))
        return fail("expected a positive integer or auto");
    } else {
      return fail("unknown key '" + key.str() + "'");
    }
  }
  if (sawChannels && sawFlops) {
    error = "--prune: give either channels=F or flops=F, not both";
    return false;
  }
  if (!sawChannels && !sawFlops && !request.sparse()) {
    error = "--prune: give channels=F, flops=F or sparse=N:M|R";
    return false;
  }
  return true;
}

bool mica::parseSortableWidth(llvm::StringRef text,
                              SortableWidthRequest &request,
                              std::string &error) {
  request.enabled = true;
  llvm::SmallVector<llvm::StringRef> items;
  text.split(items, ',', -1, /*KeepEmpty=*/false);
  for (llvm::StringRef item : items) {
    auto [key, value] = item.trim().split('=');
    auto fail = [&](const std::string &why) {
      error = "--sortable-width: " + why + " in '" + item.str() +
              "' (expected [score=l1|l2][,round=N|auto])";
      return false;
    };
    if (key == "score") {
      if (value != "l1" && value != "l2")
        return fail("expected l1 or l2");
      request.score = value.str();
    } else if (key == "round") {
      if (!parseRound(value, request.round, request.roundAuto))
        return fail("expected a positive integer or auto");
    } else {
      return fail("unknown key '" + key.str() + "'");
    }
  }
  return true;
}

bool mica::parseRemoveBlocks(llvm::StringRef text, BlockRemovalRequest &request,
                             std::string &error) {
  double value = 0;
  if (text.getAsDouble(value) || !(value > 0) ||
      (value >= 1 && value != static_cast<int64_t>(value))) {
    error = "--remove-blocks: expected a number of blocks (1, 2, ...) or a "
            "fraction of them in (0, 1), got '" +
            text.str() + "'";
    return false;
  }
  request.count = value;
  return true;
}

bool mica::parseShareBlocks(llvm::StringRef text, BlockSharingRequest &request,
                            std::string &error) {
  llvm::SmallVector<llvm::StringRef> items;
  text.split(items, ',');
  for (size_t i = 0; i < items.size(); ++i) {
    llvm::StringRef item = items[i];
    auto fail = [&](const std::string &why) {
      error = "--share-blocks: " + why + " in '" + item.str() +
              "' (expected K[,mode=mean|first][,scales=true|false])";
      return false;
    };
    if (i == 0) {
      if (item.trim().getAsInteger(10, request.group) || request.group < 2)
        return fail("expected a group size K >= 2");
      continue;
    }
    auto [key, value] = item.trim().split('=');
    if (key == "mode") {
      if (value != "mean" && value != "first")
        return fail("expected mean or first");
      request.mode = value.str();
    } else if (key == "scales") {
      if (value != "true" && value != "false")
        return fail("expected true or false");
      request.scales = value == "true";
    } else {
      return fail("unknown key '" + key.str() + "'");
    }
  }
  return true;
}
