#!/usr/bin/env bash
# Issue 15 on QEMU's stm32vldiscovery, with gdb-multiarch:
#   gdb:  gust run --gdb PORT starts QEMU halted and prints the command to
#         attach; gdb-multiarch in batch mode stops at a breakpoint on a line
#         of drivers/uart-thin/uart.cpp, and the backtrace runs from the
#         driver's function to the app's main, with source names and lines.
#   trap: gust run on a node whose driver writes past its register window
#         when sent '!' (tests/redteam/policy-hostile-uart.cpp) exits 3 with
#         "gust: trap 10 (...) in console.FUNCTION at FILE:LINE", the line of
#         the write.
#   lockup: gust run on tests/debug/fault.toml, whose app masks faults and
#         executes an undefined instruction when sent 'l', exits 3 at once
#         with "gust: lockup (...) at pc 0x... in lock_up at fault-app.c:LINE".
#   fault: the same node sent 'b' reads an unmapped address (a bus fault,
#         escalated to a HardFault): exit 3 with "gust: fault (HardFault,
#         exception 3) at pc 0x... in read_unmapped at fault-app.c:LINE".
#   early: QEMU killed 3 s into a run (GUST_QEMU, a wrapper under timeout):
#         gust run exits 3 and says QEMU exited before the text appeared.
# usage: debug_qemu_test.sh path/to/gust project-root gdb|trap|lockup|fault|early
set -u
gust=$1
root=$2
mode=$3
gdb=${GUST_GDB:-gdb-multiarch}
work=$(mktemp -d)
run_pid=
cleanup() {
  [ -n "$run_pid" ] && kill "$run_pid" 2>/dev/null && wait "$run_pid" 2>/dev/null
  rm -rf "$work"
}
trap cleanup EXIT
fail() {
  echo "FAIL $*"
  exit 1
}
command -v "$gdb" >/dev/null || {
  echo "SKIP: no $gdb (setup.sh installs gdb-multiarch)"
  exit 77
}

if [ "$mode" = trap ]; then
  src=$root/tests/redteam/policy-hostile-uart.cpp
  line=$(grep -n 'gust_hal_mmio__write32(0x400, 0);' "$src" | cut -d: -f1)
  [ -n "$line" ] || fail "trap: no write past the window in $src"
  "$gust" run "$root/tests/redteam/policy-trap-halt.toml" --send '!' --expect 'never printed' --timeout 60 \
    --out "$work" >"$work/uart.txt" 2>"$work/run.txt"
  status=$?
  [ "$status" = 3 ] || fail "trap: exit $status, not 3: $(cat "$work/run.txt")"
  report=$(grep -E '^gust: trap ' "$work/run.txt") || fail "trap: no report line: $(cat "$work/run.txt")"
  [[ "$report" =~ ^gust:\ trap\ 10\ \(mmio\ offset\ outside\ the\ granted\ window\)\ in\ console\.([A-Za-z_:]+)\ at\ (.*):([0-9]+)$ ]] ||
    fail "trap: report not in the form expected: $report"
  fn=${BASH_REMATCH[1]} file=${BASH_REMATCH[2]} at=${BASH_REMATCH[3]}
  [ "$fn" = uart_rx ] || fail "trap: function $fn, not uart_rx: $report"
  [[ "$file" == *tests/redteam/policy-hostile-uart.cpp ]] || fail "trap: file $file: $report"
  [ "$at" = "$line" ] || fail "trap: line $at, not $line (the write past the window): $report"
  grep -q 'policy-hostile: writing outside the window' "$work/uart.txt" || fail "trap: the driver never said it would"
  echo "ok   trap: $report"
  exit 0
fi

if [ "$mode" = lockup ]; then
  src=$root/tests/debug/fault-app.c
  line=$(grep -n 'fault-app: the lockup' "$src" | cut -d: -f1)
  start=$(date +%s)
  "$gust" run "$root/tests/debug/fault.toml" --send l --expect 'never printed' --timeout 60 --out "$work" \
    >"$work/uart.txt" 2>"$work/run.txt"
  status=$?
  took=$(($(date +%s) - start))
  [ "$status" = 3 ] || fail "lockup: exit $status, not 3: $(cat "$work/run.txt")"
  grep -q 'fault-app: locking up' "$work/uart.txt" || fail "lockup: the app never said it would"
  report=$(grep -E '^gust: lockup ' "$work/run.txt") || fail "lockup: no report line: $(cat "$work/run.txt")"
  [[ "$report" =~ ^gust:\ lockup\ \(.+\)\ at\ pc\ 0x[0-9a-f]{8}\ in\ lock_up\ at\ (.*):([0-9]+)$ ]] ||
    fail "lockup: report not in the form expected: $report"
  [[ "${BASH_REMATCH[1]}" == *tests/debug/fault-app.c ]] || fail "lockup: file ${BASH_REMATCH[1]}: $report"
  [ "${BASH_REMATCH[2]}" = "$line" ] || fail "lockup: line ${BASH_REMATCH[2]}, not $line: $report"
  # The build and the run take seconds; the 60 s timeout is not waited out.
  [ "$took" -lt 50 ] || fail "lockup: gust run took $took s, as if it waited for its timeout"
  echo "ok   lockup: $report"
  exit 0
fi

if [ "$mode" = fault ]; then
  command -v gdb-multiarch >/dev/null || { echo "SKIP: no gdb-multiarch (the watch that reads a fault's stacked pc)"; exit 77; }
  src=$root/tests/debug/fault-app.c
  line=$(grep -n 'fault-app: the bus fault' "$src" | cut -d: -f1)
  "$gust" run "$root/tests/debug/fault.toml" --send b --expect 'never printed' --timeout 60 --out "$work" \
    >"$work/uart.txt" 2>"$work/run.txt"
  status=$?
  [ "$status" = 3 ] || fail "fault: exit $status, not 3: $(cat "$work/run.txt")"
  grep -q 'fault-app: reading nowhere' "$work/uart.txt" || fail "fault: the app never said it would"
  report=$(grep -E '^gust: fault ' "$work/run.txt") || fail "fault: no report line: $(cat "$work/run.txt")"
  [[ "$report" =~ ^gust:\ fault\ \(HardFault,\ exception\ 3\)\ at\ pc\ 0x[0-9a-f]{8}\ in\ read_unmapped\ at\ (.*):([0-9]+)$ ]] ||
    fail "fault: report not in the form expected: $report"
  [[ "${BASH_REMATCH[1]}" == *tests/debug/fault-app.c ]] || fail "fault: file ${BASH_REMATCH[1]}: $report"
  [ "${BASH_REMATCH[2]}" = "$line" ] || fail "fault: line ${BASH_REMATCH[2]}, not $line: $report"
  ! grep -q 'qemu: fatal' "$work/run.txt" || fail "fault: QEMU's lockup dump shown after the report"
  echo "ok   fault: $report"
  exit 0
fi

if [ "$mode" = early ]; then
  qemu=$(command -v "${GUST_QEMU:-qemu-system-arm}") || { echo "SKIP: no qemu-system-arm"; exit 77; }
  printf '#!/bin/sh\nexec timeout -s KILL 3 %s "$@"\n' "$qemu" >"$work/qemu-3s"
  chmod +x "$work/qemu-3s"
  GUST_QEMU=$work/qemu-3s "$gust" run "$root/nodes/f100-uart-thin.toml" --expect 'never printed' --timeout 60 \
    --out "$work" >"$work/uart.txt" 2>"$work/run.txt"
  status=$?
  [ "$status" = 3 ] || fail "early: exit $status, not 3: $(cat "$work/run.txt")"
  grep -qE '^gust: QEMU exited after [0-9.]+ s \((status 137|killed by a signal)\), before "never printed" appeared' "$work/run.txt" ||
    fail "early: no report of QEMU's early exit: $(cat "$work/run.txt")"
  echo "ok   early: $(grep -E '^gust: QEMU exited' "$work/run.txt")"
  exit 0
fi

[ "$mode" = gdb ] || fail "mode must be gdb, trap, lockup or early"
"$gust" build "$root/nodes/f100-uart-thin.toml" --out "$work" >"$work/build.txt" 2>&1 ||
  fail "gdb: build: $(cat "$work/build.txt")"
elf=$work/f100-uart-thin/f100-uart-thin.elf
port=$((20000 + $$ % 20000))
"$gust" run "$root/nodes/f100-uart-thin.toml" --no-build --out "$work" --gdb "$port" --timeout 90 \
  >"$work/uart.txt" 2>"$work/run.txt" </dev/null &
run_pid=$!
for _ in $(seq 100); do
  grep -q "target remote localhost:$port" "$work/run.txt" && break
  sleep 0.1
done
grep -q "gdb-multiarch $elf -ex 'target remote localhost:$port'" "$work/run.txt" ||
  fail "gdb: gust run --gdb printed no attach command: $(cat "$work/run.txt")"
src=$root/drivers/uart-thin/uart.cpp
line=$(grep -n 'gust_hal_mmio__write32(DR, byte);' "$src" | cut -d: -f1)
timeout 60 "$gdb" -q -nx -batch "$elf" -ex "target remote localhost:$port" -ex "set filename-display absolute" -ex "break uart.cpp:$line" \
  -ex continue -ex bt -ex kill >"$work/gdb.txt" 2>&1
grep -qE "^Breakpoint 1, uart_tx_byte \(.*\) at .*drivers/uart-thin/uart.cpp:$line$" "$work/gdb.txt" ||
  fail "gdb: the breakpoint on uart.cpp:$line was not hit in uart_tx_byte: $(cat "$work/gdb.txt")"
grep -qE "^#0  uart_tx_byte \(.*\) at .*drivers/uart-thin/uart.cpp:$line$" "$work/gdb.txt" ||
  fail "gdb: no frame #0 in uart_tx_byte at uart.cpp:$line: $(cat "$work/gdb.txt")"
grep -qE "^#[1-9] +(0x[0-9a-f]+ in )?main \(\) at .*firmware/stm32f100/app_uart_echo.c:[0-9]+$" "$work/gdb.txt" ||
  fail "gdb: the backtrace does not reach the app's main: $(cat "$work/gdb.txt")"
echo "ok   gdb: $(grep -E '^#' "$work/gdb.txt" | tr '\n' ' ')"
