#!/usr/bin/env bash
# The app in wasm (issue 11): nodes/f100-echo-app.toml, a C++ app (world
# gust:apps/echo) over the thin UART driver as `console`. Its report says the
# native side is the bridge and boot only; in QEMU the app's global
# constructor prints the banner once, run() says it is ready, and it echoes.
# usage: app_wasm_test.sh path/to/gust project-root [--fuse|--separate]
set -u
gust=$1
root=$2
mode=${3:-}  # --fuse or --separate: how gust build dissolves the node (default: the manifest's)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
fail() { echo "FAIL $*"; exit 1; }
node=$root/nodes/f100-echo-app.toml

text=$("$gust" build $mode "$node" --out "$work/nodes" 2>"$work/err.txt") || fail "build: $(cat "$work/err.txt")"
grep -q "TCB: [0-9]* B of bridge; native: bridge boot (and the runtime helpers)" <<<"$text" ||
  fail "the TCB line does not say bridge + boot: $text"
grep -q "links between instances (wired, audited):.* app -> console_uart_init" <<<"$text" || fail "no links: $text"
grep -q "audit: passed" <<<"$text" || fail "audit: $text"
json=$("$gust" build $mode "$node" --out "$work/nodes" --json 2>/dev/null) || fail "build --json"
python3 - "$json" <<'PY' || fail "report: $json"
import json, sys
r = json.loads(sys.argv[1])
kinds = {c["name"]: c["kind"] for c in r["components"]}
assert kinds["app"] == "wasm" and kinds["uart-thin@console"] == "wasm", kinds
assert "app" not in [k for n, k in kinds.items()], kinds  # no native app component
assert r["tcb"]["native"] == ["bridge", "boot"], r["tcb"]
app = [c for c in r["components"] if c["name"] == "app"][0]
assert app["text"] > 0 and app["stack"] > 0, app  # dissolved, and on the worst-case path
PY
echo "ok   report: TCB bridge + boot, app and console wasm"

"$gust" run $mode "$node" --no-build --out "$work/nodes" --send echo-7Qz --expect echo-7Qz --timeout 30 >"$work/run.txt" 2>&1 ||
  fail "run: $(cat "$work/run.txt")"
grep -q "gust-echo-app" "$work/run.txt" || fail "no banner: $(cat "$work/run.txt")"
[ "$(grep -c "gust-echo-app" "$work/run.txt")" -eq 1 ] || fail "the banner more than once: $(cat "$work/run.txt")"
grep -q "echo: ready" "$work/run.txt" || fail "run() did not start: $(cat "$work/run.txt")"
echo "ok   qemu: banner once (the app's constructor), ready, echo"
