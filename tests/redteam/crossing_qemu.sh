#!/usr/bin/env bash
# A SysTick handler that traps, on QEMU's stm32vldiscovery
# (tests/redteam/crossing/handler-traps.toml): the app starts the timer,
# SysTick enters the driver's wasm handler through the bridge's gust_exc_15,
# the handler reaches `unreachable`, and the node's policy (reset) keeps the
# trap: the next boot prints "gust: trap 1 (unreachable) at 0xADDR before
# reset", ADDR inside tick_irq_handler_0, before the banner again. No lockup,
# no BKPT in boot's default handler.
# usage: crossing_qemu.sh path/to/gust project-root
set -u
gust=$1
root=$2
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
fail() { echo "FAIL $*"; exit 1; }
nm=${GUST_ARM_NM:-arm-none-eabi-nm}
node=$root/tests/redteam/crossing/handler-traps.toml
"$gust" run "$node" --expect "before reset" --timeout 30 --out "$work" >"$work/uart.txt" 2>&1 ||
  fail "no trap report: $(cat "$work/uart.txt")"
tr -d '\r' <"$work/uart.txt" >"$work/lines.txt"
grep -qx "go" "$work/lines.txt" || fail "the app never started the timer: $(cat "$work/lines.txt")"
report=$(grep -m1 -E '^gust: trap 1 \(unreachable\) at 0x[0-9A-F]{8} before reset$' "$work/lines.txt") ||
  fail "no report of trap 1: $(cat "$work/lines.txt")"
addr=$(sed -E 's/.* at (0x[0-9A-F]{8}) .*/\1/' <<<"$report")
elf=$work/crossing-handler-traps/crossing-handler-traps.elf
read -r start size <<<"$("$nm" -S "$elf" | awk '$4 == "tick_irq_handler_0" { print $1, $2 }')"
[ -n "$start" ] && ((addr >= 0x$start && addr < 0x$start + 0x$size)) ||
  fail "$addr is not in tick_irq_handler_0 ($start +$size)"
"$nm" "$elf" | grep -q ' T gust_exc_15$' || fail "the bridge does not own SysTick's vector"
echo "ok   $report (in tick_irq_handler_0)"
