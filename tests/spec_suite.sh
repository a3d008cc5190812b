#!/usr/bin/env bash
# The WebAssembly core spec suite through `gust spec`, from ../shared/wasm-spec.
# usage: spec_suite.sh path/to/gust project-root
set -u
gust=$1
spec=$2/../shared/wasm-spec
if [ ! -d "$spec" ]; then
  echo "SKIP: $spec is absent (it ships with the project's shared data, not with a clone)"
  exit 77
fi
exec "$gust" spec "$spec"/*.wast
