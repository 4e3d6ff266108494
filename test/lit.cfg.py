# -*- Python -*-
# lit configuration for Mica's tests. Each test is a file under test/ whose
# RUN lines call mica, mica-opt, FileCheck or Debian's python3.
import os

import lit.formats
from lit.llvm import llvm_config

config.name = "Mica"
config.test_format = lit.formats.ShTest(not llvm_config.use_lit_shell)
config.suffixes = [".mlir", ".test", ".py"]
config.excludes = ["lit.cfg.py", "lit.site.cfg.py", "lit.local.cfg", "CMakeLists.txt", "Inputs", "unit", "__pycache__"]
config.test_source_root = os.path.dirname(__file__)
config.test_exec_root = os.path.join(config.mica_obj_root, "test")

config.substitutions.append(("%PATH%", config.environment["PATH"]))
config.substitutions.append(("%python", config.python_executable))
config.substitutions.append(("%mica_src", config.mica_src_root))
config.substitutions.append(("%mica_build", config.mica_obj_root))
config.substitutions.append(("%test_tools", os.path.join(config.mica_src_root, "test", "tools")))
# The ONNX backend test suite shipped by Debian's libonnx-testdata.
config.substitutions.append(("%onnx_backend_data", "/usr/include/onnx/backend/test/data"))
config.substitutions.append(("%zoo", os.path.join(config.mica_obj_root, "zoo")))
# Where scripts/run_tests.sh fetches the real-model corpus (test/corpus).
config.substitutions.append(("%corpus_cache", os.environ.get(
    "MICA_CORPUS_CACHE",
    os.path.join(os.environ.get("XDG_CACHE_HOME", os.path.expanduser("~/.cache")), "mica", "corpus"))))
# The runtime libraries (host build, and the arm64 cross build) for tests
# that link programs against them.
config.substitutions.append(("%runtime_libs", " ".join(
    os.path.join(config.mica_obj_root, "runtime", d, "libmica_runtime%s.a" % s)
    for d, s in (("model", ""), ("loader", "_loader")))))
config.substitutions.append(("%arm64_runtime_libs", " ".join(
    os.path.join(config.mica_obj_root, "runtime", "arm64", "build", "runtime", d,
                 "libmica_runtime%s.a" % s)
    for d, s in (("model", ""), ("loader", "_loader")))))

llvm_config.with_system_environment(["HOME", "TMPDIR", "MICA_CORPUS_CACHE", "XDG_CACHE_HOME", "OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE"])
llvm_config.use_default_substitutions()
llvm_config.with_environment("PATH", config.llvm_tools_dir, append_path=True)
llvm_config.with_environment("PATH", config.mica_tools_dir, append_path=True)
# Python helpers that tests import (model builders for the importer tests).
llvm_config.with_environment("PYTHONPATH", os.path.join(config.mica_src_root, "test", "tools"), append_path=True)

# ONNX Runtime from npm (`make bench-setup`), for tests that compare with it.
import shutil
if shutil.which("node") and os.path.isdir(os.path.join(
        config.mica_src_root, "bench", "node_modules", "onnxruntime-node")):
    config.available_features.add("onnxruntime")

tool_dirs = [config.mica_tools_dir, config.llvm_tools_dir]
llvm_config.add_tool_substitutions(["mica", "mica-opt", "mica-codegen"], tool_dirs)
