#!/usr/bin/env bash
# gust audit over every legitimate image the project builds: each node of
# nodes/, the trap-policy nodes of tests/redteam/, and the images of the stack
# tests (tests/stack_measure_test.cpp: the driver shapes of
# tests/stack_drivers/uart_hostile.cpp, the odd-frame app of tests/stack_fixtures/,
# two drivers at two priority levels). Each must pass gust build, whose audit
# stage would refuse it, and then `gust audit` on its own: exit 0, "passed",
# no violation, every instance the build made.
# usage: audit_images.sh path/to/gust project-root
set -u
gust=$(realpath "$1")
root=$(realpath "$2")
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
passed=0
failed=0
ok() {
  echo "ok   $1"
  passed=$((passed + 1))
}
bad() {
  echo "FAIL $1"
  shift
  [ $# -gt 0 ] && echo "$*" | head -20
  failed=$((failed + 1))
}

# audited NAME MANIFEST INSTANCE...: builds MANIFEST into its own folder, then
# audits the image it made, which must hold code of each INSTANCE.
# audited NAME MANIFEST [--separate] INSTANCE...: built as the manifest says (or --separate), audited by
# gust build and again by gust audit on its own, and each instance found with functions. In a fused
# image (the app and its drivers in one object) an instance whose code was all inlined into the app
# has none of its own, so only the app's are required there; the --separate build checks every one.
audited() {
  local name=$1 manifest=$2 mode=
  shift 2
  if [ "${1:-}" = --separate ]; then
    mode=--separate
    shift
  fi
  local out="$work/out-$name" report
  # shellcheck disable=SC2086
  if ! report=$("$gust" build $mode "$manifest" --out "$out" 2>&1); then
    bad "$name: gust build refused it" "$report"
    return
  fi
  grep -qF "audit: passed" <<<"$report" || {
    bad "$name: the build report does not say the audit passed" "$report"
    return
  }
  local elf
  elf=$(sed -n 's/^  image: //p' <<<"$report")
  [ -f "$elf" ] || {
    bad "$name: no image at '$elf'" "$report"
    return
  }
  local audit status
  audit=$("$gust" audit "$elf" 2>&1)
  status=$?
  [ $status -eq 0 ] || {
    bad "$name: gust audit exits $status" "$audit"
    return
  }
  grep -qF "audit $elf: passed" <<<"$audit" || {
    bad "$name: gust audit does not say passed" "$audit"
    return
  }
  local fused=false
  grep -q "^node .*, fused:" <<<"$report" && fused=true
  for instance in "$@"; do
    $fused && [ "$instance" != app ] && continue
    grep -qE "^  instance $instance: [1-9][0-9]* functions" <<<"$audit" || {
      bad "$name: gust audit found no instance $instance" "$audit"
      return
    }
  done
  ok "$name"
}

# The instances a manifest makes, in order.
instances() { sed -n 's/^instance *= *"\([a-z0-9]*\)".*/\1/p' "$1"; }

for manifest in "$root"/nodes/*.toml "$root"/tests/redteam/policy-trap-*.toml; do
  # shellcheck disable=SC2046
  audited "$(basename "$manifest" .toml)" "$manifest" $(instances "$manifest")
  # A wasm app's node fuses by default (kFuseByDefault): its separate build too.
  if grep -q '^app_world' "$manifest"; then
    # shellcheck disable=SC2046
    audited "$(basename "$manifest" .toml).separate" "$manifest" --separate $(instances "$manifest")
  fi
done

# thin_node NAME APP EXTRA: the thin UART node with another app or extra lines.
thin_node() {
  cat >"$work/$1.toml" <<TOML
name = "$1"
chip = "stm32f100rb"
app = "$2"
banner = "gust-$1"
$3

[[driver]]
instance = "console"
source = "$root/drivers/uart-thin/uart.cpp"
peripheral = "usart1"
TOML
}

# hostile_node NAME SHAPE [BOUNDS]: tests/stack_drivers/uart_hostile.cpp with -DSTACK_SHAPE
# (the virtual shapes' region sized by gust: their vtables are data).
hostile_node() {
  local memory="memory = 16"
  case "$2" in V*) memory="" ;; esac
  cat >"$work/$1.toml" <<TOML
name = "$1"
chip = "stm32f100rb"
app = "$root/firmware/stm32f100/app_uart_echo.c"
banner = "gust-$1"
${3:+[stack_bounds]
$3}

[[driver]]
instance = "console"
source = "$root/tests/stack_drivers/uart_hostile.cpp"
peripheral = "usart1"
$memory
defines = ["STACK_$2"]
TOML
}

thin_node odd "$root/tests/stack_fixtures/app_odd_push.c" ""
audited odd "$work/odd.toml" console

thin_node nested "$root/firmware/stm32f100/app_uart_echo.c" "[priorities]
usart1 = 1
usart2 = 0"
cat >>"$work/nested.toml" <<TOML

[[driver]]
instance = "aux"
source = "$root/drivers/uart-thin/uart.cpp"
peripheral = "usart2"
TOML
# The app calls only console's exports: the linker drops aux's code, its
# interrupt line's handler being the bridge's.
audited nested "$work/nested.toml" console

for shape in BLX TABLE HELPER VIRTUAL VSIG; do
  lower=$(tr 'A-Z' 'a-z' <<<"$shape")
  hostile_node "$lower" "$shape"
  audited "$lower" "$work/$lower.toml" console
done
hostile_node helper-bound HELPER "__aeabi_uldivmod = 400"
audited helper-bound "$work/helper-bound.toml" console

# The recursive shapes no longer build (a driver's own function takes no
# [stack_bounds]; StackMeasure.RecursiveDriversAreRefusedBoundOrNot): nothing
# of theirs to audit.

echo "$passed passed, $failed failed"
[ $failed -eq 0 ]
