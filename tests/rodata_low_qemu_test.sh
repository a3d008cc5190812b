#!/usr/bin/env bash
# The low read-only layout in an image (tests/rodata_low/): gust build
# links the driver with its 1 KiB table at the bottom of the memory, the
# audit accepts the image as built (no fall-back to read-only data in SRAM),
# the table is in flash (the instance's SRAM data is under 64 B), and on
# QEMU's stm32vldiscovery the echo returns what it is sent, every byte
# through the table.
# usage: rodata_low_qemu_test.sh path/to/gust project-root
. "$(dirname "$0")/lib.sh" "$@"
node=$root/tests/rodata_low/node.toml
"$gust" build "$node" --json --out "$work/nodes" >"$work/report.json" 2>"$work/build.txt" ||
  fail "build: $(cat "$work/build.txt")"
grep -q "kept in SRAM" "$work/build.txt" && fail "the audit fell back to read-only data in SRAM: $(cat "$work/build.txt")"
python3 - "$work/report.json" <<'PY' || fail "report: $(cat "$work/report.json")"
import json, sys
r = json.load(open(sys.argv[1]))
c = [c for c in r["components"] if c["kind"] == "wasm"]
assert len(c) == 1, c
assert c[0]["data"] + c[0]["bss"] < 64, c[0]
assert c[0]["text"] >= 1024, c[0]
PY
"$gust" run "$node" --no-build --out "$work/nodes" --send "low-layout-echo" --expect "low-layout-echo" --timeout 30 \
  >"$work/run.txt" 2>&1 || fail "run: $(cat "$work/run.txt")"
grep -q '^gust-rodata-low' "$work/run.txt" || fail "no banner: $(cat "$work/run.txt")"
echo "PASS rodata_low_qemu_test"
