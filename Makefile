# Mica's entry points. `make demo` and `make test` set up and build first, so
# each works on a fresh Debian 12 machine as its only command.
BUILD_DIR ?= build
JOBS ?= $(shell nproc)
CMAKE_FLAGS ?=

.PHONY: setup configure build demo test zoo bench bench-halide clean

setup:
	@bash scripts/setup.sh

$(BUILD_DIR)/build.ninja:
	@cmake -S . -B $(BUILD_DIR) -G Ninja \
	  -DCMAKE_BUILD_TYPE=Release \
	  -DCMAKE_C_COMPILER=clang-22 -DCMAKE_CXX_COMPILER=clang++-22 \
	  -DCMAKE_EXE_LINKER_FLAGS=-fuse-ld=lld-22 -DCMAKE_SHARED_LINKER_FLAGS=-fuse-ld=lld-22 \
	  $(CMAKE_FLAGS) >/dev/null

configure: setup $(BUILD_DIR)/build.ninja

build: configure
	@ninja -C $(BUILD_DIR) -j $(JOBS) --quiet

# The model zoo: small models generated with Debian's torch (fixed seeds), with
# inputs and reference outputs, into $(BUILD_DIR)/zoo. Never committed.
zoo: setup
	@/usr/bin/python3 test/zoo/build_zoo.py --out $(BUILD_DIR)/zoo

demo: build
	@bash examples/run_demo.sh $(BUILD_DIR)

test: build zoo
	@bash scripts/run_tests.sh $(BUILD_DIR)

# Mica against ONNX Runtime on the zoo (bench/README.md): latency ratios,
# GFLOP/s against the measured peak, compile time, sizes, RSS. Takes minutes;
# a measurement, not a test. BENCH_FLAGS e.g. "--threads 1 --rounds 3".
BENCH_FLAGS ?=
# The int8 rows (bench/bench_int8.py): Mica int8 / Mica fp32 / ORT int8.
BENCH_INT8_FLAGS ?=
# Token merging's rows and fused attention (bench/bench_token_merge.py): latency against FLOPs, fused against unfused attention.
BENCH_TOME_FLAGS ?=
# Channel pruning's rows (bench/bench_prune.py): latency and size against FLOPs.
BENCH_PRUNE_FLAGS ?=
# Streamed weights (bench/bench_stream.py): --memory-budget against all-resident, latency and peak RSS.
BENCH_STREAM_FLAGS ?=
bench: build zoo
	@cd bench && { [ -d node_modules/onnxruntime-node ] || npm install --ignore-scripts --no-audit --no-fund --silent; }
	@/usr/bin/python3 bench/bench.py --mica $(BUILD_DIR)/bin --zoo $(BUILD_DIR)/zoo --out $(BUILD_DIR)/bench $(BENCH_FLAGS)
	@/usr/bin/python3 bench/bench_int8.py --mica $(BUILD_DIR)/bin --zoo $(BUILD_DIR)/zoo --out $(BUILD_DIR)/bench $(BENCH_INT8_FLAGS)
	@/usr/bin/python3 bench/bench_token_merge.py --mica $(BUILD_DIR)/bin --zoo $(BUILD_DIR)/zoo --out $(BUILD_DIR)/bench $(BENCH_TOME_FLAGS)
	@/usr/bin/python3 bench/bench_prune.py --mica $(BUILD_DIR)/bin --zoo $(BUILD_DIR)/zoo --out $(BUILD_DIR)/bench $(BENCH_PRUNE_FLAGS)
	@/usr/bin/python3 bench/bench_stream.py --mica $(BUILD_DIR)/bin --out $(BUILD_DIR)/bench $(BENCH_STREAM_FLAGS)

# Halide's generated matmul against Mica's on the zoo's hot shapes
# (bench/halide/README.md): installs Debian's Halide 14 if missing.
bench-halide: build
	@bash bench/halide/run.sh $(BUILD_DIR)

clean:
	rm -rf $(BUILD_DIR)
