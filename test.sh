#!/usr/bin/env bash
# Runs gust's whole test suite (after ./setup.sh): builds what changed, then
# ctest on two cores. Tests that need ../shared/ skip with a message when it
# is absent.
set -euo pipefail
cd "$(dirname "$0")"
cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build build -j2
ctest --test-dir build -j2 --output-on-failure --timeout 1200
