#!/usr/bin/env bash
# Red team: manifest and chip text is data. Each finding of issue 9 item 6
# and the instance-name rule of item 4, as `gust` sees them from the shell:
# a refusal is exit 1 with file:line:column and leaves no image; what is
# accepted builds, and a hostile banner prints verbatim on QEMU.
# usage: policy-manifest.sh path/to/gust project-root
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

# A node in $work/NAME.toml: the thin UART with extra top-level lines ($2) and
# driver lines ($3, default: instance = "console").
node() {
  local name=$1 top=$2 driver=${3:-'instance = "console"'}
  cat >"$work/$name.toml" <<TOML
name = "$name"
chip = "stm32f100rb"
app = "$root/firmware/stm32f100/app_uart_echo.c"
$top

[[driver]]
source = "$root/drivers/uart-thin/uart.cpp"
peripheral = "usart1"
$driver
TOML
}

refused() {  # refused NAME PATTERN: gust build exits 1 naming PATTERN, leaving no image
  local name=$1 pattern=$2 out status
  out=$("$gust" build "$work/$name.toml" --out "$work/out" 2>&1)
  status=$?
  if [ $status -ne 1 ]; then
    bad "$name: exit $status, wanted 1" "$out"
  elif ! grep -qE -- "$pattern" <<<"$out"; then
    bad "$name: output lacks /$pattern/" "$out"
  elif [ -e "$work/out/$name" ] || ls -a "$work/out" 2>/dev/null | grep -q partial; then
    bad "$name: left an image or a scratch folder behind"
  else
    ok "$name"
  fi
}

# The finding: `gust build f100-uart-thin.toml` inside nodes/ aborted on an
# uncaught filesystem error.
out=$(cd "$root/nodes" && "$gust" build f100-uart-thin.toml --out "$work/bare" 2>&1)
if [ $? -eq 0 ] && [ -f "$work/bare/f100-uart-thin/f100-uart-thin.elf" ]; then ok bare-file-name-builds; else bad bare-file-name-builds "$out"; fi

# A comma in the output folder stays in the path (gcc's -Wl splits at commas).
out=$("$gust" build "$root/nodes/f100-uart-thin.toml" --out "$work/a,b" 2>&1)
if [ $? -eq 0 ] && [ -f "$work/a,b/f100-uart-thin/f100-uart-thin.map" ]; then ok comma-in-out-path; else bad comma-in-out-path "$out"; fi

# Instance names: [a-z][a-z0-9]*, at most 32, not a C keyword, not gust*.
node inst-int "" 'instance = "int"'
refused inst-int "inst-int.toml:9:12: error: instance name 'int' is a C keyword"
node inst-nested "" 'instance = "console_x"'
refused inst-nested "inst-nested.toml:9:12: error: instance name 'console_x' may hold a-z and 0-9 only"
node inst-upper "" 'instance = "Gust"'
refused inst-upper "inst-upper.toml:9:12: error: instance name 'Gust' must start with a lower-case letter"
node inst-gust "" 'instance = "gustx"'
refused inst-gust "inst-gust.toml:9:12: error: instance name 'gustx' must not start with 'gust'"
node inst-path "" 'instance = "../x"'
refused inst-path "inst-path.toml:9:12: error: instance name '../x'"
node inst-long "" "instance = \"$(printf 'a%.0s' {1..33})\""
refused inst-long "inst-long.toml:9:12: error: instance name 'a+' must be 1 to 32 characters"

# Two instances whose names nest as strings (con, console) cannot nest as
# symbol prefixes: each dissolved object imports only its own bridge
# functions (and gust_trap).
# The app starts both, so neither instance is dropped whole.
sed -e 's/^int main(void) {/void con_uart_init(uint32_t pclk_hz, uint32_t baud);\n&\n  con_uart_init(PCLK2_HZ, BAUD);/' \
  "$root/firmware/stm32f100/app_uart_echo.c" >"$work/two.c"
cat >"$work/nested.toml" <<TOML
name = "nested"
chip = "stm32f100rb"
app = "two.c"
[[driver]]
instance = "con"
source = "$root/drivers/uart-thin/uart.cpp"
peripheral = "usart2"
[[driver]]
instance = "console"
source = "$root/drivers/uart-thin/uart.cpp"
peripheral = "usart1"
TOML
out=$("$gust" build "$work/nested.toml" --out "$work/out" 2>&1)
if [ $? -ne 0 ]; then
  bad nested-prefixes-build "$out"
else
  nm=${GUST_ARM_NM:-arm-none-eabi-nm}
  strays=$(for i in con console; do
    "$nm" -u "$work/out/nested/$i.o" | awk '{print $2}' | grep -vE "^(${i}_gust_hal_|gust_trap$)" | sed "s/^/$i: /"
  done)
  imports=$("$nm" -u "$work/out/nested/con.o" | wc -l)
  if [ -n "$strays" ] || [ "$imports" -lt 1 ]; then bad nested-prefixes-own-imports "$strays"; else ok nested-prefixes-own-imports; fi
fi

# Names that become files: the node's folder, the chip's file.
node empty-name ""
sed -i 's/^name = .*/name = ""/' "$work/empty-name.toml"
refused empty-name 'empty-name.toml:1:8: error: node name must be 1 to 64 characters'
node chip-path ""
sed -i 's|^chip = .*|chip = "../../../etc/passwd"|' "$work/chip-path.toml"
refused chip-path "chip-path.toml:2:8: error: chip '../../../etc/passwd' \(the file chips/<chip>.toml\)"
node peripheral-comment ""
sed -i 's|^peripheral = .*|peripheral = "usart1 */ int x; /*"|' "$work/peripheral-comment.toml"
refused peripheral-comment "peripheral-comment.toml:8:14: error: peripheral 'usart1 \*/ int x; /\*' may hold"
node define-newline "" 'instance = "console"
defines = ["X=1\n#include \"/etc/passwd\""]'
refused define-newline "define-newline.toml:10:12: error: define may hold printable ASCII only"
node app-asm ""
cp "$root/firmware/stm32f100/app_uart_echo.c" "$work/app.s"
sed -i "s|^app = .*|app = \"app.s\"|" "$work/app-asm.toml"
refused app-asm "app-asm.toml:3:7: error: 'app' must name a .c or .cpp or .cc or .cxx or .wat or .wasm file"
node source-dir "" 'instance = "console"'
sed -i "s|^source = .*|source = \"$root/drivers\"|" "$work/source-dir.toml"
refused source-dir "source-dir.toml:7:10: error: source .* not found \(or not a regular file\)"
node banner-nul 'banner = "a\u0000b"'
refused banner-nul "banner-nul.toml:4:10: error: banner must be at most 256 bytes, none of them NUL"
node no-console 'on_trap = "reset"' 'instance = "console"'
sed -i 's/^peripheral = .*/peripheral = "spi1"/' "$work/no-console.toml"
refused no-console "no-console.toml:4:11: error: on_trap = \"reset\" reports the trap at the next boot, on a console"

# A chip description is data too: its peripheral names reach C comments.
mkdir -p "$work/proj/chips" "$work/proj/nodes"
ln -s "$root/firmware" "$work/proj/firmware"
ln -s "$root/include" "$work/proj/include"
sed 's|^\[peripherals.usart1\]|[peripherals."usart1 */ int x; /*"]|' "$root/chips/stm32f100rb.toml" >"$work/proj/chips/evil.toml"
line=$(grep -n '^\[peripherals."usart1' "$work/proj/chips/evil.toml" | cut -d: -f1)
node evil-chip ""
sed 's/^chip = .*/chip = "evil"/' "$work/evil-chip.toml" >"$work/proj/nodes/evil-chip.toml"
out=$("$gust" build "$work/proj/nodes/evil-chip.toml" --out "$work/out" 2>&1)
if [ $? -eq 1 ] && grep -qE "evil.toml:$line:[0-9]+: error: peripheral name 'usart1 \*/ int x; /\*' may hold" <<<"$out"; then
  ok chip-peripheral-name
else
  bad chip-peripheral-name "$out"
fi

# Objects are named by role: an app called boot.c and an instance called
# bridge build (they used to overwrite boot.o and bridge.o).
cp "$root/firmware/stm32f100/app_uart_echo.c" "$work/boot.c"
sed -e 's/console_uart/bridge_uart/g' "$work/boot.c" >"$work/boot.c.tmp" && mv "$work/boot.c.tmp" "$work/boot.c"
node role-names "" 'instance = "bridge"'
sed -i "s|^app = .*|app = \"boot.c\"|" "$work/role-names.toml"
out=$("$gust" build "$work/role-names.toml" --out "$work/out" 2>&1)
if [ $? -eq 0 ]; then ok role-named-objects; else bad role-named-objects "$out"; fi

# The finding: the banner was pasted into C unescaped. Quotes, a comment end,
# a backslash, trigraphs, a newline and UTF-8 print verbatim on QEMU.
node banner-nasty 'banner = "say \"hi\" */ back\\slash ??= ??/ caf\u00e9\nline two ends here"'
printf 'say "hi" */ back\\slash ??= ??/ caf\xc3\xa9\nline two ends here' >"$work/want.txt"
"$gust" run "$work/banner-nasty.toml" --expect "line two ends here" --timeout 30 --out "$work/out" >"$work/uart.txt" 2>"$work/run.txt"
if [ $? -eq 0 ] && cmp -s -n "$(stat -c %s "$work/want.txt")" "$work/want.txt" "$work/uart.txt"; then
  ok banner-prints-verbatim
else
  bad banner-prints-verbatim "$(od -c "$work/uart.txt" | head) $(tail -5 "$work/run.txt")"
fi

echo "$passed passed, $failed failed"
[ $failed -eq 0 ]
