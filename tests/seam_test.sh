#!/usr/bin/env bash
# The seam check from the command line: every tests/redteam/seam-*.wat breaks
# the contract of its world one way (or several), and is refused both by
# `gust dissolve --world` and by `gust build` of a node whose driver it is.
# Each file carries its expectations in comments, beside the module:
#   ;; world: driver-thin        the world it claims to fit
#   ;; violations: N            how many the report must count
#   ;; expect: TEXT             a line the report must contain (exact text)
# usage: seam_test.sh path/to/gust project-root [FILE.wat...]
set -u
gust=$1
root=$(cd "$2" && pwd)
shift 2
files=("$@")
[ ${#files[@]} -eq 0 ] && files=("$root"/tests/redteam/seam-*.wat)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
passed=0
failed=0
ok() { echo "ok   $1"; passed=$((passed + 1)); }
fail() { echo "FAIL $1"; [ -n "${2:-}" ] && head -20 <<<"$2"; failed=$((failed + 1)); }

# has OUTPUT FILE: every `;; expect:` line of FILE is in OUTPUT, and the
# violation count is the file's.
has() {
  local out=$1 file=$2 n line
  n=$(sed -n 's/^;; violations: //p' "$file")
  [ -n "$n" ] || { echo "(no ';; violations:' line in $file)"; return 1; }
  local plural=s
  [ "$n" -eq 1 ] && plural=
  grep -qF -- ": $n seam violation$plural" <<<"$out" || { echo "(not $n violations)"; return 1; }
  [ "$(grep -c '^  ' <<<"$out")" -eq "$n" ] || { echo "(not $n report lines)"; return 1; }
  while IFS= read -r line; do
    grep -qF -- "$line" <<<"$out" || { echo "(lacks: $line)"; return 1; }
  done < <(sed -n 's/^;; expect: //p' "$file")
}

# The baseline: a driver that keeps the contract passes, the other worlds refuse it.
wat2wasm "$root/tests/seam_ok_thin.wat" -o "$work/ok.wasm"
out=$("$gust" dissolve "$work/ok.wasm" --world driver-thin -o "$work/ok.o" 2>&1)
[ $? -eq 0 ] && [ -s "$work/ok.o" ] && ok "baseline fits driver-thin" || fail "baseline fits driver-thin" "$out"
out=$("$gust" dissolve "$work/ok.wasm" --world driver-mid -o "$work/mid.o" 2>&1)
if [ $? -eq 1 ] && grep -qF 'import 0 "gust:hal/mmio" "read32": interface mmio is not granted to world driver-mid' <<<"$out" &&
  grep -qF ': 3 seam violations' <<<"$out" && [ ! -e "$work/mid.o" ]; then
  ok "baseline refused by driver-mid"
else
  fail "baseline refused by driver-mid" "$out"
fi
out=$("$gust" dissolve "$work/ok.wasm" --world driver-x -o "$work/x.o" 2>&1)
[ $? -eq 1 ] && grep -qF "gust-hal.wit: error: no world 'driver-x' in package gust:hal (it has driver-thin, driver-thin-lists, driver-mid, driver-fat, driver-gpio, driver-timer, driver-spi, driver-ccsds-rx)" <<<"$out" &&
  ok "unknown world" || fail "unknown world" "$out"
out=$("$gust" dissolve "$work/ok.wasm" --wit "$root/wit/gust-hal.wit" -o "$work/x.o" 2>&1)
[ $? -eq 2 ] && ok "--wit needs --world" || fail "--wit needs --world" "$out"
printf 'package a:b;\ninterface i {\n  f: func() -> result<u32, u8>;\n}\nworld w {\n  import i;\n}\n' >"$work/two.wit"
printf '(module (import "a:b/i" "f" (func (result i32))))' >"$work/two.wat"
wat2wasm "$work/two.wat" -o "$work/two.wasm"
out=$("$gust" dissolve "$work/two.wasm" --world w --wit "$work/two.wit" -o "$work/two.o" 2>&1)
[ $? -eq 1 ] && grep -qF "two.wit:3:1: error: unsupported: function 'f': result type result<u32, u8> flattens to more than one core value" <<<"$out" &&
  ok "a WIT result of two core values is refused" || fail "a WIT result of two core values is refused" "$out"

# The node: the echo app and one driver instance whose source is the module.
node() {  # node WAT SEAM -> writes $work/nodes/seam-redteam.toml
  mkdir -p "$work/nodes"
  cat >"$work/nodes/seam-redteam.toml" <<TOML
name = "seam-redteam"
chip = "stm32f100rb"
app = "$root/firmware/stm32f100/app_uart_echo.c"

[[driver]]
instance = "console"
source = "$1"
seam = "$2"
peripheral = "usart1"
TOML
}

# A hand-written module that keeps the contract builds into an image.
node "$root/tests/seam_ok_thin.wat" thin
out=$("$gust" build "$work/nodes/seam-redteam.toml" --out "$work/ok" 2>&1)
[ $? -eq 0 ] && [ -s "$work/ok/seam-redteam/seam-redteam.elf" ] && ok "baseline builds (a .wat source)" ||
  fail "baseline builds (a .wat source)" "$out"

for file in "${files[@]}"; do
  name=$(basename "$file" .wat)
  world=$(sed -n 's/^;; world: //p' "$file")
  if ! wat2wasm "$file" -o "$work/$name.wasm" 2>"$work/wat.err"; then
    fail "$name: wat2wasm" "$(cat "$work/wat.err")"
    continue
  fi
  out=$("$gust" dissolve "$work/$name.wasm" --world "$world" -o "$work/$name.o" 2>&1)
  status=$?
  if [ $status -ne 1 ]; then
    fail "$name: dissolve --world $world: exit $status, wanted 1" "$out"
  elif why=$(has "$out" "$file") && grep -qF "$work/$name.wasm: error: the module does not fit world $world" <<<"$out" &&
    [ ! -e "$work/$name.o" ]; then
    ok "$name: dissolve --world $world"
  else
    fail "$name: dissolve --world $world $why" "$out"
  fi

  node "$file" "${world#driver-}"
  out=$("$gust" build "$work/nodes/seam-redteam.toml" --out "$work/out" 2>&1)
  status=$?
  if [ $status -ne 1 ]; then
    fail "$name: build: exit $status, wanted 1" "$out"
  elif why=$(has "$out" "$file") &&
    grep -qF "$work/nodes/seam-redteam.toml: error: driver instance 'console' ($file): the module does not fit world $world" <<<"$out" &&
    [ -z "$(ls -A "$work/out" 2>/dev/null)" ]; then
    ok "$name: build"
  else
    fail "$name: build $why" "$out"
  fi
done
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
