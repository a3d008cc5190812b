#!/usr/bin/env bash
# The SysTick timer driver in QEMU (nodes/f100-timer.toml): the SysTick
# vector entry (gust_exc_15) calls the dissolved handler tick_irq_handler_0,
# the stack oracle counts it, the build report lists the instance, and on
# QEMU's stm32vldiscovery the app prints `tick 1` ... `tick 5` in order from
# the handler's millisecond count, then `ticks: done` once a busy delay and
# the 500 ms add up.
# usage: timer_qemu_test.sh path/to/gust project-root
. "$(dirname "$0")/lib.sh" "$@"
objdump=${GUST_ARM_OBJDUMP:-arm-none-eabi-objdump}
node=$root/nodes/f100-timer.toml

"$gust" build "$node" --json --out "$work/nodes" >"$work/report.json" 2>"$work/build.txt" ||
  fail "build: $(cat "$work/build.txt")"
elf=$work/nodes/f100-timer/f100-timer.elf
"$objdump" -d --disassemble=gust_exc_15 "$elf" >"$work/exc15.txt"
grep -q '<tick_irq_handler_0>' "$work/exc15.txt" || fail "gust_exc_15 does not call tick_irq_handler_0: $(cat "$work/exc15.txt")"
python3 - "$work/report.json" <<'PY' || fail "report: $(cat "$work/report.json")"
import json, sys
r = json.load(open(sys.argv[1]))
names = {c["name"]: c for c in r["components"]}
assert "timer@tick" in names and names["timer@tick"]["kind"] == "wasm", names.keys()
assert r["tcb"]["native"] == ["bridge", "boot"], r["tcb"]
assert "tick_irq_handler_0" in json.dumps(r), "the stack oracle does not reach the SysTick handler"
PY

"$gust" run "$node" --no-build --out "$work/nodes" --expect "ticks: done" --timeout 60 >"$work/run.txt" 2>&1 ||
  fail "run: $(cat "$work/run.txt")"
grep -q '^gust-timer' "$work/run.txt" || fail "no banner: $(cat "$work/run.txt")"
got=$(grep -o '^tick [0-9]*' "$work/run.txt" | tr '\n' ',')
[ "$got" = "tick 1,tick 2,tick 3,tick 4,tick 5," ] || fail "ticks out of order or missing: $got"
grep -Eq '^ticks: (5[5-9][0-9]|[6-9][0-9]{2}|[0-9]{4,}) ms' "$work/run.txt" ||
  fail "the count does not add up to 550 ms: $(cat "$work/run.txt")"

echo "timer: ok"
