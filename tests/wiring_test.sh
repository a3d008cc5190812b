#!/usr/bin/env bash
# Checked wiring (issue 11): gust build resolves every import of the wasm app
# to an export of an instance of the right interface, with exactly the WIT's
# type, and refuses a miswired manifest (tests/wiring/) with a message naming
# the module, the import and the reason, leaving no output behind. A
# well-wired node keeps only the instances something imports, and its image
# passes gust audit on its own (the app's calls into console are the wired
# ones it records).
# usage: wiring_test.sh path/to/gust project-root
set -u
gust=$1
root=$2
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
dir=$root/tests/wiring
passed=0
failed=0
ok() { echo "ok   $1"; passed=$((passed + 1)); }
bad() { echo "FAIL $1"; shift; [ $# -gt 0 ] && echo "$*" | head -20; failed=$((failed + 1)); }

# refused CASE MESSAGE...: gust build exits 1, stderr holds each MESSAGE, and
# the output folder holds nothing (no image, no scratch folder).
refused() {
  local case=$1
  shift
  local out="$work/out-$case" msg status
  msg=$("$gust" build "$dir/$case.toml" --out "$out" 2>&1 >/dev/null)
  status=$?
  [ "$status" -eq 1 ] || { bad "$case: exit $status, not 1" "$msg"; return; }
  for want in "$@"; do
    grep -qF -- "$want" <<<"$msg" || { bad "$case: no '$want' in the message" "$msg"; return; }
  done
  if [ -e "$out" ] && [ -n "$(ls -A "$out")" ]; then
    bad "$case: left output behind: $(ls -A "$out")"
    return
  fi
  ok "$case refused: $(grep -m1 -o 'error: .*' <<<"$msg" | cut -c1-150)"
}

refused no-instance "the app (" "import 1 \"link\" \"uart-rx\"" "unresolved: the node has no instance 'link'" \
  "(its instances: console)"
refused wrong-interface "import 0 \"console\" \"uart-init\"" "instance 'console' is of the wrong interface" \
  "exports gust:drivers/spi, not gust:drivers/uart"
refused window-twice "driver instance 'link'" "usart1 is already granted to instance 'console'"
refused no-peripheral "driver instance 'console'" "chip stm32f100rb has no peripheral 'usart9'" "(it has " "usart1"
refused ill-typed "the app (" "import 0 \"console\" \"uart-tx-byte\": wrong type" "expected (func (param i32))" \
  "found (func (param i64))"
# Only list<u8> crosses between instances (copied by the wiring's adapter,
# tests/wiring_lists_test.sh); a list of another type is refused by its lowering.
refused list-argument "the app (" "function 'blob-write': parameter 'data' of type list<u32> does not cross the seam"
# An interface imported without an instance name that two instances serve;
# the app reaching for a seam capability, declared in its world or not.
refused ambiguous "import 0 \"gust:drivers/uart\" \"uart-tx-byte\"" \
  "ambiguous: gust:drivers/uart is exported by instances console, link" "name one in the world"
refused hal-app "world hal-app imports gust:hal/mmio" "seam capabilities are granted to driver instances, not to the app"
refused hal-undeclared "import 0 \"gust:hal/mmio\" \"write32\"" "is not an interface of gust:apps (world echo grants console)"

# A well-wired node: link is granted but nothing imports it.
out="$work/out-unused"
if report=$("$gust" build "$dir/unused-instance.toml" --out "$out" --json 2>"$work/err.txt"); then
  grep -qF "instance 'link': nothing imports it; left out of the image" "$work/err.txt" &&
    ok "unused-instance: the build says link is left out" || bad "unused-instance: no word of link" "$(cat "$work/err.txt")"
  python3 - "$report" <<'PY' 2>"$work/py.txt" && ok "unused-instance: report (components, links, TCB)" || bad "unused-instance: report" "$(cat "$work/py.txt")"
import json, sys
r = json.loads(sys.argv[1])
names = [c["name"] for c in r["components"]]
assert not any("link" in n for n in names), names
kinds = {c["name"]: c["kind"] for c in r["components"]}
assert kinds.get("app") == "wasm", kinds
assert "uart-thin@console" in kinds, kinds
assert sorted(r["links"]) == ["app -> console_uart_init", "app -> console_uart_tx_byte"], r["links"]
assert r["tcb"]["native"] == ["bridge", "boot"], r["tcb"]
assert all("_gust_hal_" in i or i == "gust_trap" for i in r["tcb"]["imports"]), r["tcb"]  # links are not bridge imports
PY
  elf=$(python3 -c 'import json,sys; print(json.loads(sys.argv[1])["elf"])' "$report")
  if arm-none-eabi-nm "$elf" | grep -q ' link_'; then bad "unused-instance: link_ symbols in the image"; else ok "unused-instance: no link_ symbol in the image"; fi
  if audit=$("$gust" audit "$elf" 2>&1); then ok "unused-instance: gust audit passes on its own"; else bad "unused-instance: gust audit" "$audit"; fi
  # The same image without the recorded wiring: the app's calls into console are refused. Fused (the
  # default) console's uart_init is inlined into the app, whose calls into console's bridge are refused;
  # built --separate, its call of console_uart_init is.
  arm-none-eabi-objcopy --remove-section=.gust_links "$elf" "$work/unwired.elf"
  audit=$("$gust" audit "$work/unwired.elf" 2>&1)
  if [ $? -eq 1 ] && grep -q "instance app, .*direct-call: calls .*(console_gust_hal_" <<<"$audit"; then
    ok "unused-instance: fused, without the wiring, the audit refuses the app's calls into console's bridge"
  else
    bad "unused-instance: audit without the wiring (fused)" "$audit"
  fi
  sep=$("$gust" build --separate "$dir/unused-instance.toml" --out "$work/separate" --json 2>"$work/err.txt") ||
    bad "unused-instance: --separate build" "$(cat "$work/err.txt")"
  sep_elf=$(python3 -c 'import json,sys; print(json.loads(sys.argv[1])["elf"])' "$sep")
  arm-none-eabi-objcopy --remove-section=.gust_links "$sep_elf" "$work/unwired-separate.elf"
  audit=$("$gust" audit "$work/unwired-separate.elf" 2>&1)
  if [ $? -eq 1 ] && grep -q "direct-call" <<<"$audit" && grep -q "console_uart_init" <<<"$audit"; then
    ok "unused-instance: separate, without the wiring, the audit refuses the app's calls"
  else
    bad "unused-instance: audit without the wiring (separate)" "$audit"
  fi
else
  bad "unused-instance: refused" "$(cat "$work/err.txt")"
fi
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
