#!/usr/bin/env bash
# The trap policies on QEMU's stm32vldiscovery, with a hostile driver
# (tests/redteam/policy-hostile-uart.cpp) that writes past its register window
# when it receives '!'.
#   reset: the next boot prints "gust: trap 10 (...) at 0xADDR before reset"
#          before the banner, and ADDR lies in the bridge function that trapped.
#   halt:  the node stops: USART1's line (NVIC 37) is enabled before the trap
#          and disabled after it (read through the QEMU monitor), the core sits
#          in gust_trap_halt, and the echo no longer answers.
# usage: policy_trap_qemu.sh path/to/gust project-root reset|halt
set -u
gust=$1
root=$2
mode=$3
work=$(mktemp -d)
qemu_pid=
cleanup() {
  [ -n "$qemu_pid" ] && kill "$qemu_pid" 2>/dev/null
  rm -rf "$work"
}
trap cleanup EXIT
fail() {
  echo "FAIL $*"
  exit 1
}
nm=${GUST_ARM_NM:-arm-none-eabi-nm}

# The address and size of a symbol in an image: "ADDR SIZE" in hex.
symbol_range() { "$nm" -S "$1" | awk -v s="$2" '$4 == s { print $1, $2 }'; }
inside() {  # inside ADDR ELF SYMBOL: ADDR in [start, start + size)
  read -r start size <<<"$(symbol_range "$2" "$3")"
  [ -n "$start" ] && (($1 >= 0x$start && $1 < 0x$start + 0x$size))
}

if [ "$mode" = reset ]; then
  node=$root/tests/redteam/policy-trap-reset.toml
  # After '!' the banner can only come from the boot after the reset.
  "$gust" run "$node" --send '!' --expect policy-trap-reset --timeout 30 --out "$work" >"$work/uart.txt" ||
    fail "reset: no second banner after the trap"
  tr -d '\r' <"$work/uart.txt" >"$work/lines.txt"
  grep -q '^policy-hostile: writing outside the window$' "$work/lines.txt" || fail "reset: the driver never trapped"
  report=$(grep -E '^gust: trap 10 \(mmio offset outside the granted window\) at 0x[0-9A-F]{8} before reset$' \
    "$work/lines.txt") || fail "reset: no report line; got: $(cat "$work/lines.txt")"
  # Order: the driver's line, the report, then the banner of the new boot.
  [ "$(sed -n '2p;3p;4p' "$work/lines.txt" | cut -c1-17 | tr '\n' '|')" = "policy-hostile: w|gust: trap 10 (mm|policy-trap-reset|" ] ||
    fail "reset: lines out of order: $(cat "$work/lines.txt")"
  addr=$(sed -E 's/.* at (0x[0-9A-F]{8}) .*/\1/' <<<"$report")
  elf=$work/policy-trap-reset/policy-trap-reset.elf
  inside "$addr" "$elf" console_gust_hal_mmio__write32 ||
    fail "reset: $addr is not in console_gust_hal_mmio__write32 ($(symbol_range "$elf" console_gust_hal_mmio__write32))"
  echo "ok   reset: $report"
  exit 0
fi

[ "$mode" = halt ] || fail "mode must be reset or halt"
"$gust" build "$root/tests/redteam/policy-trap-halt.toml" --out "$work" >"$work/build.txt" 2>&1 ||
  fail "halt: build: $(cat "$work/build.txt")"
elf=$work/policy-trap-halt/policy-trap-halt.elf
# USART1 and the monitor on FIFO pairs (NAME.in, NAME.out), so this script
# can talk to both.
mkfifo "$work/uart.in" "$work/uart.out" "$work/mon.in" "$work/mon.out"
"${GUST_QEMU:-qemu-system-arm}" -M stm32vldiscovery -display none -serial "pipe:$work/uart" \
  -monitor "pipe:$work/mon" -kernel "$elf" &
qemu_pid=$!
exec 3<>"$work/uart.out" 4<>"$work/uart.in" 5<>"$work/mon.out" 6<>"$work/mon.in"

uart_line() {  # uart_line TEXT: wait (10 s at most) for a USART1 line holding TEXT
  local line
  while IFS= read -t 10 -r line <&3; do [[ $line == *"$1"* ]] && return 0; done
  return 1
}
monitor() {  # monitor COMMAND PATTERN: the first monitor output line matching PATTERN
  local line
  echo "$1" >&6
  while IFS= read -t 10 -r line <&5; do
    line=${line//$'\r'/}
    if [[ $line =~ $2 ]]; then
      echo "${BASH_REMATCH[1]}"
      return 0
    fi
  done
  return 1
}
iser1() { monitor "xp /1wx 0xE000E104" 'e000e104: (0x[0-9a-f]{8})'; }

uart_line policy-trap-halt || fail "halt: no banner"
before=$(iser1) || fail "halt: the monitor did not answer"
(((before >> 5) & 1)) || fail "halt: NVIC line 37 is not enabled before the trap (ISER1 $before)"
printf '!' >&4
uart_line "policy-hostile: writing outside the window" || fail "halt: the driver never trapped"
sleep 0.5
after=$(iser1) || fail "halt: the monitor did not answer after the trap"
(((after >> 5) & 1)) && fail "halt: NVIC line 37 is still enabled after the trap (ISER1 $after)"
pc=0x$(monitor "info registers" 'R15=([0-9a-f]{8})') || fail "halt: no registers"
inside "$pc" "$elf" gust_trap_halt || fail "halt: pc $pc is not in gust_trap_halt"
printf 'echo?' >&4
if IFS= read -t 2 -r -n 1 got <&3; then fail "halt: the node still answers ('$got')"; fi
echo "ok   halt: ISER1 $before -> $after, pc $pc in gust_trap_halt, no echo"
