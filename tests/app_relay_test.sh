#!/usr/bin/env bash
# Two instances of one driver binary under a wasm app (nodes/f100-relay-app.toml):
# the thin UART driver as console (USART1) and link (USART2); the app copies
# what USART2 receives to USART1. USART2 is fed from a file (gust run --input).
# usage: app_relay_test.sh path/to/gust project-root
set -u
gust=$1
root=$2
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
fail() { echo "FAIL $*"; exit 1; }
node=$root/nodes/f100-relay-app.toml
printf 'hello-link\nend-9Xq\n' >"$work/in.txt"
"$gust" run "$node" --out "$work/nodes" --input usart2="$work/in.txt" --expect end-9Xq --timeout 60 \
  >"$work/console.txt" 2>"$work/err.txt" || fail "run: $(cat "$work/err.txt") $(cat "$work/console.txt")"
grep -q '^gust-relay-app' "$work/console.txt" || fail "no banner on USART1: $(cat "$work/console.txt")"
grep -q '^hello-link' "$work/console.txt" || fail "USART2's first line did not reach USART1: $(cat "$work/console.txt")"
grep -q "links between instances (wired, audited):.*app -> link_uart_rx" "$work/err.txt" ||
  grep -q "app -> link_uart_rx" "$work/console.txt" || fail "the report names no link to link_uart_rx"
echo "ok   relay: USART2 -> app -> USART1, one driver binary as two instances"
