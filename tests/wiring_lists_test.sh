#!/usr/bin/env bash
# list<u8> across instances (issue 11 item 4): nodes/f100-echo-lists.toml's
# app writes its banner with one uart-write and echoes blocks read with
# uart-read, each list copied between the app's region and the console's by
# the wiring's adapter in the bridge. In QEMU: the banner once, and the echo.
# Hostile apps (tests/wiring/app-list-*.wat, on_trap = "reset"): a range past
# the app's region traps 4 (out of bounds memory access) in the adapter
# before a byte of it moves, a list longer than the transfer buffer traps 13.
# usage: wiring_lists_test.sh path/to/gust project-root [--fuse|--separate]
set -u
gust=$1
root=$2
mode=${3:-}  # --fuse or --separate: how gust build dissolves the node (default: the manifest's)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
fail() { echo "FAIL $*"; exit 1; }
nm=${GUST_ARM_NM:-arm-none-eabi-nm}

node=$root/nodes/f100-echo-lists.toml
text=$("$gust" build $mode "$node" --out "$work/nodes" 2>"$work/err.txt") || fail "build: $(cat "$work/err.txt")"
grep -q "links between instances (wired, audited):.* app -> gust_wire_console_uart_write" <<<"$text" ||
  fail "uart-write is not wired through its adapter: $text"
grep -q "app -> gust_wire_console_uart_read" <<<"$text" || fail "uart-read is not wired through its adapter: $text"
grep -q "app -> console_uart_init" <<<"$text" || fail "a scalar call goes through an adapter: $text"
grep -q "audit: passed" <<<"$text" || fail "audit: $text"
elf=$work/nodes/f100-echo-lists/f100-echo-lists.elf
# The adapters are bridge code; the app reaches console only through them.
"$nm" "$elf" | grep -q ' T gust_wire_console_uart_write$' || fail "no adapter in the image"
echo "ok   build: uart-write and uart-read wired through adapters, audit passed"

"$gust" run $mode "$node" --no-build --out "$work/nodes" --send lists-9Kp --expect lists-9Kp --timeout 30 >"$work/run.txt" 2>&1 ||
  fail "run: $(cat "$work/run.txt")"
[ "$(grep -c "gust-echo-lists" "$work/run.txt")" -eq 1 ] || fail "the banner not once: $(cat "$work/run.txt")"
grep -q "echo: ready" "$work/run.txt" || fail "run() did not start: $(cat "$work/run.txt")"
echo "ok   qemu: banner (one uart-write), ready, echo through uart-read and uart-write"

# hostile CASE CODE MEANING FIRST: the app's in-range line FIRST is out, then
# the next boot reports trap CODE inside the adapter, and nothing else came out.
hostile() {
  local case=$1 code=$2 meaning=$3 first=$4
  local n=$root/tests/wiring/list-$case.toml
  "$gust" run $mode "$n" --expect "before reset" --timeout 30 --out "$work/$case" >"$work/$case.txt" 2>&1 ||
    fail "$case: no trap report: $(cat "$work/$case.txt")"
  tr -d '\r' <"$work/$case.txt" >"$work/$case.lines"
  grep -qx "$first" "$work/$case.lines" || fail "$case: the in-range write did not come out: $(cat "$work/$case.lines")"
  local report
  report=$(grep -m1 -E "^gust: trap $code \($meaning\) at 0x[0-9A-F]{8} before reset$" "$work/$case.lines") ||
    fail "$case: no report of trap $code: $(cat "$work/$case.lines")"
  # Between the banner and the report, only the in-range line.
  local between
  between=$(awk -v f="$first" 'found && /^gust: trap/ {exit} found {print} $0 == f {found=1}' "$work/$case.lines")
  [ -z "$between" ] || fail "$case: bytes came out after the in-range line: $between"
  local addr start size
  addr=$(sed -E 's/.* at (0x[0-9A-F]{8}) .*/\1/' <<<"$report")
  read -r start size <<<"$("$nm" -S "$work/$case/wire-list-$case/wire-list-$case.elf" |
    awk '$4 == "gust_wire_console_uart_write" { print $1, $2 }')"
  [ -n "$start" ] && ((addr >= 0x$start && addr < 0x$start + 0x$size)) ||
    fail "$case: $addr is not in gust_wire_console_uart_write ($start +$size)"
  echo "ok   $case: $report (in the adapter)"
}
hostile hostile 4 "out of bounds memory access" "hostile: in range"
hostile long 13 "list longer than the wiring's transfer buffer" "long: in range"
