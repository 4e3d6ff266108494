# Cross compiling for 64-bit ARM Linux with Debian's GNU cross toolchain
# (packages gcc-aarch64-linux-gnu g++-aarch64-linux-gnu libc6-dev-arm64-cross,
# installed by scripts/setup.sh). Programs built with it run on this x86-64
# machine under user-mode qemu (qemu-user): link them statically, or give qemu
# the sysroot with -L /usr/aarch64-linux-gnu.
#
#   cmake -S runtime -B build-arm64 \
#     -DCMAKE_TOOLCHAIN_FILE=cmake/toolchains/aarch64-linux-gnu.cmake
set(CMAKE_SYSTEM_NAME Linux)
set(CMAKE_SYSTEM_PROCESSOR aarch64)

set(MICA_CROSS_PREFIX aarch64-linux-gnu-)
set(CMAKE_C_COMPILER ${MICA_CROSS_PREFIX}gcc)
set(CMAKE_CXX_COMPILER ${MICA_CROSS_PREFIX}g++)

# Headers and libraries come from the cross sysroot only (never the host's
# /usr/include); programs (flatc, qemu) from the host.
set(CMAKE_FIND_ROOT_PATH /usr/aarch64-linux-gnu)
set(CMAKE_FIND_ROOT_PATH_MODE_PROGRAM NEVER)
set(CMAKE_FIND_ROOT_PATH_MODE_LIBRARY ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_INCLUDE ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_PACKAGE ONLY)

# How CMake (try_run, add_test) runs the programs it builds.
set(CMAKE_CROSSCOMPILING_EMULATOR qemu-aarch64 -cpu max
  -L /usr/aarch64-linux-gnu)
