#!/usr/bin/env bash
# Installs every Debian 12 package that Mica's build, tests and demo need.
# Idempotent and quiet: when everything is already installed it prints nothing and
# touches no package list.
set -euo pipefail

PACKAGES=(
  # toolchain and build
  llvm-22-dev libmlir-22-dev mlir-22-tools llvm-22-tools clang-22 lld-22 liblld-22-dev
  libclang-rt-22-dev clang-format-22 cmake ninja-build ccache make
  # arm64: cross C toolchain and libc for the static runtime, qemu to run it
  gcc-aarch64-linux-gnu g++-aarch64-linux-gnu libc6-dev-arm64-cross qemu-user
  # ONNX import and the backend test suite
  libonnx-dev libonnx-testdata libprotobuf-dev protobuf-compiler
  # artifact schema
  libflatbuffers-dev flatbuffers-compiler
  # tests and the model zoo
  libgtest-dev python3 python3-onnx python3-numpy python3-torch python3-torchvision
  python3-pil python3-sklearn
  libopenblas0-pthread
)

missing=()
for p in "${PACKAGES[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done
[ ${#missing[@]} -eq 0 ] && exit 0

SUDO=""
if [ "$(id -u)" != 0 ]; then SUDO="sudo"; fi
echo "mica setup: installing ${#missing[@]} Debian packages: ${missing[*]}" >&2
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
