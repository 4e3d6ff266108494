//===- TokenMergeRequest.cpp - Parsing `--token-merge` --------------------===//
#include "compiler/driver/TokenMergeRequest.h"

#include "llvm/ADT/SmallVector.h"

using namespace mica;

bool mica::parseTokenMerge(llvm::StringRef text, TokenMergeRequest &options,
                           std::string &error) {
  llvm::SmallVector<llvm::StringRef> items;
  text.split(items, ',');
  bool sawR = false;
  for (llvm::StringRef item : items) {
    auto [key, value] = item.trim().split('=');
    auto fail = [&](const std::string &why) {
      error = "--token-merge: " + why + " in '" + item.str() +
              "' (expected r=N[,start=L][,protect=K][,proportional=true|"
              "false] or flops=F)";
      return false;
    };
    if (value.empty())
      return fail("missing value");
    int64_t number = 0;
    if (key == "r" || key == "start" || key == "protect") {
      if (value.getAsInteger(10, number) || number < 0)
        return fail("expected a non-negative integer");
      (key == "r"       ? options.r
       : key == "start" ? options.start
                        : options.protect) = number;
      sawR |= key == "r";
    } else if (key == "proportional") {
      if (value != "true" && value != "false")
        return fail("expected true or false");
      options.proportional = value == "true";
    } else if (key == "flops") {
      double fraction = 0;
      if (value.getAsDouble(fraction) || !(fraction > 0 && fraction < 1))
        return fail("expected a fraction of the original FLOPs in (0, 1)");
      options.flops = fraction;
    } else {
      return fail("unknown key '" + key.str() + "'");
    }
  }
  if (sawR == (options.flops > 0)) {
    error = "--token-merge: give either r=N or flops=F";
    return false;
  }
  return true;
}

bool mica::parseTemporalMerge(llvm::StringRef text,
                              TemporalMergeRequest &request,
                              std::string &error) {
  llvm::SmallVector<llvm::StringRef> items;
  text.split(items, ',');
  for (llvm::StringRef item : items) {
    auto [key, value] = item.trim().split('=');
    auto fail = [&](const std::string &why) {
      error = "--temporal-merge: " + why + " in '" + item.str() +
              "' (expected frames=F[,blocks=A-B][,dim=D])";
      return false;
    };
    if (key == "frames") {
      if (value.getAsInteger(10, request.frames) || request.frames < 2 ||
          request.frames % 2)
        return fail("expected an even number of frames >= 2");
    } else if (key == "dim") {
      if (value.getAsInteger(10, request.dim) || request.dim < 0)
        return fail("expected a non-negative dim index");
    } else if (key == "blocks") {
      auto [first, last] = value.split('-');
      if (first.getAsInteger(10, request.first) ||
          last.getAsInteger(10, request.last) || request.first < 0 ||
          request.last < request.first)
        return fail("expected a block range A-B with 0 <= A <= B");
    } else {
      return fail("unknown key '" + key.str() + "'");
    }
  }
  if (!request.frames) {
    error = "--temporal-merge: frames=F is required";
    return false;
  }
  return true;
}
