#!/usr/bin/env bash
# A failed build leaves the image built before in place, byte for byte: the
# thin node is built from a copy of its driver, then the copy is broken (a
# compile error; a driver over the SRAM budget) and gust build and gust run
# fail with exit 1, every file of the node's folder unchanged by sha256, no
# scratch folder left.
# usage: build_keep_test.sh path/to/gust project-root
. "$(dirname "$0")/lib.sh" "$@"
mkdir "$work/node"
cp "$root/drivers/uart-thin/uart.cpp" "$root/drivers/uart-thin/usart.h" "$work/node/"
cat >"$work/node/keep.toml" <<TOML
name = "keep"
chip = "stm32f100rb"
app = "$root/firmware/stm32f100/app_uart_echo.c"
on_trap = "halt"

[[driver]]
instance = "console"
source = "uart.cpp"
seam = "thin"
peripheral = "usart1"
TOML
"$gust" build "$work/node/keep.toml" --out "$work/out" >"$work/good.txt" 2>&1 || fail "the good build: $(cat "$work/good.txt")"
sums() { (cd "$work/out" && find . -type f | sort | xargs sha256sum); }
sums >"$work/before.txt"
grep -q 'keep/keep.elf' "$work/before.txt" && grep -q 'keep/keep.bin' "$work/before.txt" &&
  grep -q 'keep/keep.map' "$work/before.txt" || fail "the good build has no elf, bin and map: $(cat "$work/before.txt")"

# broken NAME WANT: gust build and gust run on the broken copy exit 1 saying
# WANT, and leave the node's folder as the good build left it.
broken() {
  local name=$1 want=$2 status
  "$gust" build "$work/node/keep.toml" --out "$work/out" >"$work/$name.txt" 2>&1
  status=$?
  [ "$status" = 1 ] || fail "$name: gust build exit $status, not 1: $(cat "$work/$name.txt")"
  grep -q -- "$want" "$work/$name.txt" || fail "$name: no '$want' in: $(cat "$work/$name.txt")"
  sums | cmp -s - "$work/before.txt" || fail "$name: gust build changed the image: $(sums | diff - "$work/before.txt")"
  "$gust" run "$work/node/keep.toml" --out "$work/out" --expect 'never' --timeout 5 >/dev/null 2>"$work/$name-run.txt"
  status=$?
  [ "$status" = 1 ] || fail "$name: gust run exit $status, not 1: $(cat "$work/$name-run.txt")"
  grep -q "the image built before is still at $work/out/keep/keep.elf" "$work/$name-run.txt" ||
    fail "$name: gust run does not say the old image is in place: $(cat "$work/$name-run.txt")"
  sums | cmp -s - "$work/before.txt" || fail "$name: gust run changed the image"
  echo "ok   $name: exit 1, image unchanged ($(grep -c . "$work/before.txt") files by sha256)"
}
cp "$work/node/uart.cpp" "$work/good.cpp"
echo 'this_is_not_declared x;' >>"$work/node/uart.cpp"
broken compile-error "this_is_not_declared"
cp "$work/good.cpp" "$work/node/uart.cpp"
sed -i -e 's/^using namespace usart;$/using namespace usart;\nstatic volatile uint8_t hog[9000];/' \
  -e 's/^\( *\)gust_hal_mmio__write32(DR, byte);$/\1hog[byte] = byte;\n&/' "$work/node/uart.cpp"
grep -q 'hog\[byte\]' "$work/node/uart.cpp" || fail "over-budget: the driver copy was not changed"
broken over-budget "image over budget: SRAM"
ls -A "$work/out" | grep -q partial && fail "a scratch folder was left: $(ls -A "$work/out")"
echo "build keeps the good image: ok"
