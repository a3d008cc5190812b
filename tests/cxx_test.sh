#!/usr/bin/env bash
# C++ in drivers (issue 16): the example drivers and the test drivers of
# tests/cxx/ build with gust's own flags, nothing sized by hand, and echo on
# QEMU; the global constructor runs once; and each refusal names its cause
# at the source (clang's file:line, the manifest's file:line, what to write).
# usage: cxx_test.sh path/to/gust project-root
set -u
gust=$1
root=$(cd "$2" && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
passed=0
failed=0
ok() { echo "ok   $1"; passed=$((passed + 1)); }
fail() { echo "FAIL $1"; [ -n "${2:-}" ] && head -30 <<<"$2"; failed=$((failed + 1)); }
have_qemu=1
command -v qemu-system-arm >/dev/null || have_qemu=0

# node NAME SOURCE [DRIVER-LINES] [NODE-LINES]: a thin-seam echo node in $work.
node() {
  cat >"$work/$1.toml" <<EOT
name = "$1"
chip = "stm32f100rb"
app = "$root/firmware/stm32f100/app_uart_echo.c"
banner = "gust-$1"
${4:-}

[[driver]]
instance = "console"
source = "$2"
peripheral = "usart1"
${3:-}
EOT
  echo "$work/$1.toml"
}

# The examples, and the drivers that need the standard library's headers and
# the runtime helpers: built, nothing sized or bounded by hand, echoing.
for m in "$root"/drivers/examples/*/node.toml "$root"/tests/cxx/helpers.toml "$(node cxx-headers "$root/tests/cxx/headers.cpp")"; do
  what=${m#"$root"/}
  if grep -Eq '^(wasm_stack|memory)|^\[stack_bounds\]' "$m"; then
    fail "$what sizes something by hand"
    continue
  fi
  out=$("$gust" build "$m" --out "$work/out" 2>&1) || { fail "$what builds" "$out"; continue; }
  grep -q "shadow stack" <<<"$out" || { fail "$what reports its shadow stack" "$out"; continue; }
  ok "$what builds ($(grep -o '[a-z-]*@console *wasm *[0-9]*' <<<"$out" | awk '{print $3}') B of driver)"
  if [ $have_qemu -eq 1 ]; then
    out=$("$gust" run "$m" --out "$work/out" --send "hello" --expect "hello" --timeout 30 2>&1) &&
      ok "$what echoes on QEMU" || fail "$what echoes on QEMU" "$out"
  fi
done

# The global object's constructor ran once, at boot, before the app.
if [ $have_qemu -eq 1 ]; then
  out=$("$gust" run "$root/drivers/examples/global/node.toml" --out "$work/out" --send "??" --expect "ctors=1 sr=0x" \
    --timeout 30 2>&1) && ! grep -q "ctors=[02-9]" <<<"$out" && ok "the global constructor ran once" ||
    fail "the global constructor ran once" "$out"
else
  echo "skip QEMU gates: qemu-system-arm is not installed"
fi
bridge=$("$gust" build "$root/drivers/examples/global/node.toml" --out "$work/out" >/dev/null 2>&1 &&
  cat "$work/out/example-global/bridge_node.c")
grep -q "console__initialize();" <<<"$bridge" && ok "boot calls the instance's _initialize" ||
  fail "boot calls the instance's _initialize" "$bridge"
"$gust" build "$root/nodes/f100-uart-thin.toml" --out "$work/out" >/dev/null 2>&1
grep -q "_initialize" "$work/out/f100-uart-thin/bridge_node.c" && fail "a driver without constructors has no _initialize call" ||
  ok "a driver without constructors has no _initialize call"

# refused NAME MANIFEST TEXT...: exit 1, each TEXT in the message, no path
# of the build's scratch folder, and no image left behind.
refused() {
  local name=$1 m=$2
  shift 2
  local out status
  out=$("$gust" build "$m" --out "$work/refused" 2>&1)
  status=$?
  [ $status -eq 1 ] || { fail "$name: exit 1 (got $status)" "$out"; return; }
  for t in "$@"; do grep -qF -- "$t" <<<"$out" || { fail "$name: says '$t'" "$out"; return; }; done
  grep -q "partial-" <<<"$out" && { fail "$name: names no scratch path" "$out"; return; }
  [ -z "$(ls -A "$work/refused" 2>/dev/null)" ] || { fail "$name: leaves nothing behind" "$(ls -R "$work/refused")"; return; }
  ok "$name"
}

refused "a clang error is shown at the driver's file:line" "$(node bad-syntax "$root/tests/cxx/bad_syntax.cpp")" \
  "tests/cxx/bad_syntax.cpp:4:" "this_is_not_declared"
refused "new without a heap says what to do" "$(node needs-heap "$root/tests/cxx/needs_heap.cpp")" \
  "operator new" "drivers have no heap" "tests/cxx/needs_heap.cpp"
refused "recursion on the shadow stack asks for wasm_stack" "$(node recursive "$root/tests/cxx/recursive.cpp")" \
  "unbounded" "recursion" "wasm_stack = BYTES"
refused "a wasm_stack below the computed depth is refused" \
  "$(node small-stack "$root/tests/cxx/headers.cpp" "wasm_stack = 16")" "wasm_stack = 16 is below" "32 bytes"
refused "a memory below data + bss + stack is refused" \
  "$(node small-memory "$root/drivers/examples/ring/uart.cpp" "memory = 8")" "memory = 8 is smaller" "raise it to 32"
refused "exceptions are refused where the manifest asks for them" \
  "$(node exceptions "$root/drivers/uart-thin/uart.cpp" 'cxxflags = ["-fexceptions"]')" \
  "exceptions.toml:11:" "exceptions, which drivers do not have"
refused "a flag that changes the target is refused" \
  "$(node target "$root/drivers/uart-thin/uart.cpp" 'cxxflags = ["--target=x86_64-linux"]')" "target.toml:11:" \
  "changes what gust builds"
refused "an include folder that is not there is refused" \
  "$(node no-include "$root/drivers/uart-thin/uart.cpp" 'include_dirs = ["no-such-folder"]')" "no-include.toml:11:" \
  "not found"
refused "a misspelt export and an unknown import are named before linking" \
  "$(node misspelt "$root/tests/cxx/misspelt.cpp")" "export \"uart_tx_byte\": missing" "\"write16\": interface mmio has no function"
refused "flags.cpp needs the node's include folder and defines" \
  "$(node flags-missing "$root/tests/cxx/flags.cpp" 'defines = ["GUST_TEST_DRIVER_DEFINE=3"]')" "flags_config.h"

# The node's include_dirs and defines, and the driver's defines and cxxflags,
# reach the compile.
m=$(node flags "$root/tests/cxx/flags.cpp" 'defines = ["GUST_TEST_DRIVER_DEFINE=3"]
cxxflags = ["-Wall", "-Werror"]' "include_dirs = [\"$root/tests/cxx/flags\"]
defines = [\"GUST_TEST_NODE_DEFINE\"]")
out=$("$gust" build "$m" --out "$work/out" 2>&1) && ok "node and driver build flags reach the compile" ||
  fail "node and driver build flags reach the compile" "$out"

echo "$passed passed, $failed failed"
[ $failed -eq 0 ]
