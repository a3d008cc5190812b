#!/usr/bin/env bash
# Two instances of one driver binary under a wasm app (nodes/f100-relay-app.toml):
# the thin UART driver as console (USART1) and link (USART2); the app copies
# what USART2 receives to USART1. USART2 is fed from a file (gust run --input).
# usage: app_relay_test.sh path/to/gust project-root [--fuse|--separate]
set -u
gust=$1
root=$2
mode=${3:-}  # --fuse or --separate: how gust build dissolves the node (default: the manifest's)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
fail() { echo "FAIL $*"; exit 1; }
node=$root/nodes/f100-relay-app.toml
printf 'hello-link\nend-9Xq\n' >"$work/in.txt"
"$gust" run $mode "$node" --out "$work/nodes" --input usart2="$work/in.txt" --expect end-9Xq --timeout 60 \
  >"$work/console.txt" 2>"$work/err.txt" || fail "run: $(cat "$work/err.txt") $(cat "$work/console.txt")"
grep -q '^gust-relay-app' "$work/console.txt" || fail "no banner on USART1: $(cat "$work/console.txt")"
grep -q '^hello-link' "$work/console.txt" || fail "USART2's first line did not reach USART1: $(cat "$work/console.txt")"
json=$("$gust" build $mode "$node" --out "$work/nodes" --json 2>/dev/null) || fail "build --json"
python3 - "$json" <<'PY' || fail "report: $json"
import json, sys
r = json.loads(sys.argv[1])
names = [c["name"] for c in r["components"]]
assert "uart-thin@console" in names and "uart-thin@link" in names, names
assert "app -> link_uart_rx" in r["links"] and "app -> console_uart_tx_byte" in r["links"], r["links"]
assert r["tcb"]["native"] == ["bridge", "boot"], r["tcb"]
PY
echo "ok   relay: USART2 -> app -> USART1, one driver binary as two instances"
