#!/usr/bin/env bash
# Sets up a fresh Debian 12 machine for gust and builds it: installs the
# Debian packages, configures with CMake, builds with two jobs.
# usage: ./setup.sh [--no-install]
set -euo pipefail
cd "$(dirname "$0")"

packages=(
  # host build
  g++ cmake ninja-build pkg-config
  # the wasm front end and the dissolver's LLVM, one shared libLLVM
  clang-19 lld-19 llvm-19-dev libclang-rt-19-dev
  # the freestanding C++ standard library for drivers: libc++'s headers for
  # wasm32 and the C headers beneath them (headers only; gust's runtime/
  # provides the few functions they call)
  libc++-19-dev-wasm32 libc++abi-19-dev-wasm32 wasi-libc
  zlib1g-dev libzstd-dev libffi-dev libxml2-dev libedit-dev libncurses-dev
  # the target toolchain and the emulator
  gcc-arm-none-eabi binutils-arm-none-eabi libnewlib-arm-none-eabi qemu-system-arm
  # gust run --gdb, and a trap's source line read from the halted core
  gdb-multiarch
  # wasm tools, the solver, the emulated core, and libraries
  wabt binaryen libz3-dev libgmp-dev libunicorn-dev libcapstone-dev
  libtomlplusplus-dev nlohmann-json3-dev libcli11-dev libgtest-dev googletest libyaml-cpp-dev
)

if [ "${1:-}" != "--no-install" ]; then
  sudo=""
  [ "$(id -u)" -eq 0 ] || sudo=sudo
  echo "setup: installing ${#packages[@]} Debian packages" >&2
  $sudo apt-get update -q
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -q --no-install-recommends "${packages[@]}"
fi

echo "setup: configuring and building gust in build/" >&2
cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo
cmake --build build -j2
