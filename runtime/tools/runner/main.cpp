//===- main.cpp - mica-run: `mica run` and `mica inspect` without the compiler
//
// The runtime-only tool (libc and the runtime, statically linkable), built for
// the host and cross-built for arm64 (bin/mica-run-arm64, run under qemu).
//===----------------------------------------------------------------------===//
#include "runtime/tools/runner/runner.h"

#include <cstdio>
#include <cstring>

static const char kUsage[] =
    "usage: mica-run run MODEL.mica [options]     run a compiled model\n"
    "       mica-run inspect MODEL.mica [--json]  describe a compiled model\n"
    "Run 'mica-run COMMAND --help' for a command's options. Exit codes: 0 ok,\n"
    "1 error, 2 usage.\n";

int main(int argc, char **argv) {
  if (argc >= 2 && std::strcmp(argv[1], "run") == 0)
    return mica_runner_run_main(argc - 1, argv + 1);
  if (argc >= 2 && std::strcmp(argv[1], "inspect") == 0)
    return mica_runner_inspect_main(argc - 1, argv + 1);
  if (argc >= 2 && (std::strcmp(argv[1], "--help") == 0 ||
                    std::strcmp(argv[1], "-h") == 0)) {
    std::fputs(kUsage, stdout);
    return 0;
  }
  std::fprintf(stderr, "mica-run: error: %s (run 'mica-run --help')\n",
               argc < 2 ? "no command given"
                        : "unknown command; the commands are run and inspect");
  return 2;
}
