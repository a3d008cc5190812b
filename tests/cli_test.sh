#!/usr/bin/env bash
# The command line as a script sees it: exit codes, located error messages,
# and no half-written output after a failure.
# usage: cli_test.sh path/to/gust project-root
set -u
gust=$1
root=$2
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
passed=0
failed=0

check() {  # check NAME EXPECTED_STATUS PATTERN -- command...
  local name=$1 want=$2 pattern=$3
  shift 4
  local out status
  out=$("$@" 2>&1)
  status=$?
  if [ "$status" -ne "$want" ]; then
    echo "FAIL $name: exit $status, wanted $want"; echo "$out" | head -20; failed=$((failed + 1)); return
  fi
  if [ -n "$pattern" ] && ! grep -qE -- "$pattern" <<<"$out"; then
    echo "FAIL $name: output lacks /$pattern/"; echo "$out" | head -20; failed=$((failed + 1)); return
  fi
  echo "ok   $name"
  passed=$((passed + 1))
}

check help 0 "dissolve" -- "$gust" --help
check dissolve-help 0 "--prefix" -- "$gust" dissolve --help
check build-help 0 "--json" -- "$gust" build --help
check run-help 0 "--expect" -- "$gust" run --help
check no-subcommand 2 "" -- "$gust"
check missing-input 2 "" -- "$gust" dissolve "$work/none.wasm" -o "$work/none.o"

printf '\0asm\1\0\0\0\1\5\1\140' >"$work/short.wasm"
check malformed-wasm 1 "00000008: error: malformed: unexpected end" -- "$gust" dissolve "$work/short.wasm" -o "$work/short.o"
[ ! -e "$work/short.o" ] && [ ! -e "$work/short.o.partial" ] && echo "ok   malformed-leaves-nothing" && passed=$((passed + 1)) ||
  { echo "FAIL malformed-leaves-nothing"; failed=$((failed + 1)); }

# A SIMD instruction: v128.const is opcode 0xfd 0x0c.
printf '\0asm\1\0\0\0\1\4\1\140\0\0\3\2\1\0\12\26\1\24\0\375\14\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\32\13' >"$work/simd.wasm"
check simd-unsupported 1 "unsupported: func 0: .*SIMD" -- "$gust" dissolve "$work/simd.wasm" -o "$work/simd.o"

cat >"$work/bad.toml" <<'TOML'
name = "bad"
chip = "stm32f100rb"
app = 42
TOML
check manifest-type 1 "bad.toml:3:7: error: 'app' must be a string" -- "$gust" build "$work/bad.toml" --out "$work/out"
printf 'name = "x"\nchip = [\n' >"$work/syntax.toml"
check manifest-syntax 1 "syntax.toml:[0-9]+:[0-9]+: error" -- "$gust" build "$work/syntax.toml" --out "$work/out"

# Over budget: the fat seam with two 4 KiB rings on an 8 KiB part.
mkdir -p "$work/nodes"
# A region whose size is not a multiple of 4 is refused where it is given.
sed -e 's/^name = .*/name = "odd-memory"/' -e 's/^memory = .*/memory = 10/' -e "s|\\.\\./|$root/|g" \
  "$root/nodes/f100-uart-fat.toml" >"$work/nodes/odd-memory.toml"
check manifest-memory-not-words 1 "odd-memory.toml:[0-9]+:[0-9]+: error: memory = 10 is not a multiple of 4 bytes \(try 12\)" -- \
  "$gust" build "$work/nodes/odd-memory.toml" --out "$work/out"
check dissolve-memory-not-words 1 "--memory-bytes 1001 is not a multiple of 4" -- \
  "$gust" dissolve "$work/short.wasm" -o "$work/x.o" --memory-bytes 1001
sed -e 's/^name = .*/name = "too-big"/' -e 's/^tx_ring = .*/tx_ring = 4096/' -e 's/^rx_ring = .*/rx_ring = 4096/' \
  -e "s|\\.\\./|$root/|g" "$root/nodes/f100-uart-fat.toml" >"$work/nodes/too-big.toml"
check over-budget 1 "image over budget: SRAM [0-9]+ B of 8192 B, over by [0-9]+ B" -- "$gust" build "$work/nodes/too-big.toml" --out "$work/out"
check over-budget-names-bridge 1 "bridge \(trusted\): [0-9]+ B \(data 0, bss 8[0-9][0-9][0-9]" -- "$gust" build "$work/nodes/too-big.toml" --out "$work/out"
[ ! -e "$work/out/too-big" ] && ! ls "$work/out" 2>/dev/null | grep -q partial && echo "ok   over-budget-leaves-no-image" &&
  passed=$((passed + 1)) || { echo "FAIL over-budget-leaves-no-image"; failed=$((failed + 1)); }

check build-json 0 '"sram_budget": 8192' -- "$gust" build "$root/nodes/f100-uart-thin.toml" --json --out "$work/out"
check build-json-stack 0 '"stack_bytes": [1-9][0-9]*' -- "$gust" build "$root/nodes/f100-uart-thin.toml" --json --out "$work/out"

# gust spec on a small file of its own: failures are counted and exit 1.
cat >"$work/mini.wast" <<'W'
(module (func (export "add") (param i32 i32) (result i32) (i32.add (local.get 0) (local.get 1))))
(assert_return (invoke "add" (i32.const 2) (i32.const 3)) (i32.const 5))
(assert_return (invoke "add" (i32.const 2) (i32.const 3)) (i32.const 6))
(assert_trap (invoke "add" (i32.const 1) (i32.const 1)) "unreachable")
W
check spec-counts 1 "^2 passed, 2 failed, 0 skipped" -- "$gust" spec "$work/mini.wast" --skips /dev/null
check spec-json 1 '"failed": 2' -- "$gust" spec "$work/mini.wast" --skips /dev/null --json

# Recursion is unbounded unless the manifest bounds it.
cat >"$work/recursive_app.c" <<'C'
#include <stdbool.h>
#include <stdint.h>
void console_uart_init(uint32_t, uint32_t);
void console_uart_tx_byte(uint8_t);
int depth(int n) { if (n <= 1) return n; console_uart_tx_byte('x'); return depth(n - 1) + depth(n - 2); }
int main(void) { console_uart_init(8000000, 115200); return depth(3); }
C
sed -e 's/^name = .*/name = "recursive"/' -e "s|^app = .*|app = \"$work/recursive_app.c\"|" -e "s|\\.\\./|$root/|g" \
  "$root/nodes/f100-uart-thin.toml" >"$work/nodes/recursive.toml"
check recursion-unbounded 1 "recursion through depth" -- "$gust" build "$work/nodes/recursive.toml" --out "$work/out"
printf '\n[stack_bounds]\ndepth = 96\n' >>"$work/nodes/recursive.toml"
check recursion-bounded 0 '"stack_bytes": [0-9]+' -- "$gust" build "$work/nodes/recursive.toml" --json --out "$work/out"

# An indirect call may reach every function whose address the image holds:
# here the only one is tick, which calls through the pointer again.
cat >"$work/indirect_app.c" <<'C'
#include <stdint.h>
void console_uart_init(uint32_t, uint32_t);
void console_uart_tx_byte(uint8_t);
void tick(void);
void (*volatile hook)(void) = tick;
void tick(void) { console_uart_tx_byte('x'); hook(); }
int main(void) { console_uart_init(8000000, 115200); hook(); return 0; }
C
sed -e 's/^name = .*/name = "indirect"/' -e "s|^app = .*|app = \"$work/indirect_app.c\"|" -e "s|\\.\\./|$root/|g" \
  "$root/nodes/f100-uart-thin.toml" >"$work/nodes/indirect.toml"
check indirect-unbounded 1 "recursion through tick" -- "$gust" build "$work/nodes/indirect.toml" --out "$work/out"

# --prove gates the build: a mutant that skips the TXE wait gets no image.
sed -e 's/^name = .*/name = "mutant"/' -e "s|\\.\\./|$root/|g" \
  -e 's/^peripheral = "usart1"/peripheral = "usart1"\ndefines = ["GUST_MUTANT_NO_TXE_WAIT"]/' \
  "$root/nodes/f100-uart-thin.toml" >"$work/nodes/mutant.toml"
check prove-gate 1 "does not pass its proofs" -- "$gust" build "$work/nodes/mutant.toml" --prove --out "$work/out"
[ ! -e "$work/out/mutant" ] && echo "ok   prove-gate-leaves-no-image" && passed=$((passed + 1)) ||
  { echo "FAIL prove-gate-leaves-no-image"; failed=$((failed + 1)); }
check mutant-builds-without-prove 0 "mutant" -- "$gust" build "$work/nodes/mutant.toml" --out "$work/out"
# A failed build leaves the last good image in place, byte for byte, and no scratch folder.
good=$(cd "$work/out/mutant" && find . -type f | sort | xargs sha256sum)
check prove-gate-again 1 "does not pass its proofs" -- "$gust" build "$work/nodes/mutant.toml" --prove --out "$work/out"
now=$(cd "$work/out/mutant" 2>/dev/null && find . -type f | sort | xargs sha256sum)
if [ -n "$good" ] && [ "$good" = "$now" ] && ! ls -A "$work/out" | grep -q "partial-\|previous-"; then
  echo "ok   failed-build-keeps-the-last-good-image"
  passed=$((passed + 1))
else
  echo "FAIL failed-build-keeps-the-last-good-image: $(ls -A "$work/out")"
  failed=$((failed + 1))
fi
check prove-passes 0 '"status": "VERIFICATION SUCCESSFUL"' -- "$gust" build "$root/nodes/f100-uart-thin.toml" --prove --json --out "$work/out"

# gust prove without a node states what it assumed; options give the facts.
wat2wasm "$root/tests/prove/honest.wat" -o "$work/honest.wasm"
check prove-assumes 0 "mmio window: 1024 bytes.*assumed: no node gave it; --window" -- \
  "$gust" prove "$work/honest.wasm" --harness pinned_offset
check prove-given 0 "mmio window: 256 bytes.*\(command line\)" -- \
  "$gust" prove "$work/honest.wasm" --harness pinned_offset --window 256 --lines 1 --memory-bytes 0
check prove-window-not-a-power-of-two 1 "not a power of two" -- "$gust" prove "$work/honest.wasm" --window 100
check prove-failed 1 "VERIFICATION FAILED.*|reads past the end of the trace" -- \
  "$gust" prove "$work/honest.wasm" --harness trace_past_the_end
check prove-unknown 1 "INCONCLUSIVE" -- "$gust" prove "$work/honest.wasm" --harness factor --solver-timeout 1
check prove-json 0 '"status": "VERIFICATION SUCCESSFUL"' -- "$gust" prove "$work/honest.wasm" --harness pinned_offset --json

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
