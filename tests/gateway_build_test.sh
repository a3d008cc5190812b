#!/usr/bin/env bash
# The gateway node (nodes/f100-gateway.toml) builds, passes the audit, fits
# and proves: every instance a wasm component of the report, the TCB bridge
# and boot only, the bridge setting up USART1's, USART2's and SPI1's pins
# and the SysTick vector calling the timer's handler; it boots in QEMU to
# its banner (its behaviours there: gateway_qemu_test.sh).
# usage: gateway_build_test.sh path/to/gust project-root [--fuse|--separate]
set -u
gust=$1
root=$2
mode=${3:-}  # --fuse or --separate: how gust build dissolves the node (default: the manifest's)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
fail() {
  echo "FAIL $*"
  exit 1
}
objdump=${GUST_ARM_OBJDUMP:-arm-none-eabi-objdump}
node=$root/nodes/f100-gateway.toml

"$gust" build $mode "$node" --prove --json --out "$work/nodes" >"$work/report.json" 2>"$work/build.txt" ||
  fail "build: $(cat "$work/build.txt")"
python3 - "$work/report.json" <<'PY' || fail "report: $(cat "$work/report.json")"
import json, sys
r = json.load(open(sys.argv[1]))
kinds = {c["name"]: c["kind"] for c in r["components"]}
for name in ["app", "uart-thin@console", "uart-thin@link", "timer@tick", "spi@flash", "gpio@leds"]:
    assert kinds.get(name) == "wasm", (name, kinds)
assert r["tcb"]["native"] == ["bridge", "boot"], r["tcb"]
# Each component's shares: flash is its code and data image, SRAM its data,
# bss and stack; they add up to the image's totals.
for c in r["components"]:
    assert c["flash"] == c["text"] + c["data"] and c["sram"] == c["data"] + c["bss"] + c["stack"], c
assert sum(c["sram"] for c in r["components"]) == r["sram_bytes"], (r["sram_bytes"], r["components"])
PY
text=$("$gust" build $mode "$node" --out "$work/nodes" 2>"$work/err.txt") || fail "build: $(cat "$work/err.txt")"
grep -q "audit: passed" <<<"$text" || fail "audit: $text"
elf=$work/nodes/f100-gateway/f100-gateway.elf
"$objdump" -d --disassemble=gust_exc_15 "$elf" | grep -q '<tick_irq_handler_0>' || fail "SysTick's vector entry"
grep -q 'gpio_pin_config(0x40010800u, 9, 0xbu)' "$work/nodes/f100-gateway/"*/bridge_node.c 2>/dev/null ||
  grep -rq 'gpio_pin_config(0x40010800u, 9, 0xbu)' "$work/nodes" || fail "no PA9 alternate-function set-up in the bridge"
grep -rq 'gpio_pin_config(0x40010800u, 5, 0xbu)' "$work/nodes" || fail "no PA5 (SCK) set-up in the bridge"
"$gust" run $mode "$node" --no-build --out "$work/nodes" --expect gust-gateway --timeout 30 >"$work/run.txt" 2>&1 ||
  fail "run: $(cat "$work/run.txt")"
echo "gateway: ok"
