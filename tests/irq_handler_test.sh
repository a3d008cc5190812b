#!/usr/bin/env bash
# The receive interrupt handler in wasm (tests/irq_handler/): a node whose
# USART2 driver exports irq_handler_0 gets a vector entry that calls it (the
# console's USART1 keeps the latch); the stack oracle counts the handler; on
# QEMU, bytes fed to USART2 come out of the ring on the console; a driver
# exporting a handler for a line it was not granted is refused, no image built.
# usage: irq_handler_test.sh path/to/gust project-root
. "$(dirname "$0")/lib.sh" "$@"
objdump=${GUST_ARM_OBJDUMP:-arm-none-eabi-objdump}
node=$root/tests/irq_handler/irq-echo.toml

"$gust" build "$node" --json --out "$work/nodes" >"$work/report.json" 2>"$work/build.txt" ||
  fail "build: $(cat "$work/build.txt")"
elf=$work/nodes/irq-echo/irq-echo.elf
"$objdump" -d --disassemble=gust_isr_38 "$elf" >"$work/isr38.txt"
grep -q '<rx_irq_handler_0>' "$work/isr38.txt" || fail "gust_isr_38 does not call rx_irq_handler_0: $(cat "$work/isr38.txt")"
grep -qi 'e000e180' "$work/isr38.txt" && fail "gust_isr_38 still masks the line (the latch path)"
"$objdump" -d --disassemble=gust_isr_37 "$elf" >"$work/isr37.txt"
grep -q 'irq_handler' "$work/isr37.txt" && fail "USART1's entry calls a wasm handler the console driver does not export"
grep -q '"rx_irq_handler_0' "$work/report.json" ||
  fail "the worst-case stack path does not count rx_irq_handler_0: $(grep -A12 stack_path "$work/report.json")"

printf 'through the handler and the ring\nend-9Kx\n' >"$work/in.txt"
"$gust" run "$node" --no-build --out "$work/nodes" --input usart2="$work/in.txt" --expect end-9Kx --timeout 60 \
  >"$work/console.txt" 2>"$work/err.txt" || fail "run: $(cat "$work/err.txt")"
grep -q '^irq-echo' "$work/console.txt" || fail "no banner: $(cat "$work/console.txt")"
grep -q 'through the handler and the ring' "$work/console.txt" ||
  fail "USART2's bytes did not reach the console: $(od -c "$work/console.txt" | head)"

if "$gust" build "$root/tests/irq_handler/hostile.toml" --out "$work/hostile" >/dev/null 2>"$work/hostile.txt"; then
  fail "a handler for an ungranted line was accepted"
fi
grep -q 'irq_handler_1' "$work/hostile.txt" || fail "the refusal does not name the export: $(cat "$work/hostile.txt")"
grep -q 'grants it 1 interrupt line' "$work/hostile.txt" || fail "the refusal does not say why: $(cat "$work/hostile.txt")"
grep -q 'hostile.toml' "$work/hostile.txt" || fail "the refusal does not name the manifest: $(cat "$work/hostile.txt")"
[ ! -e "$work/hostile/irq-hostile/irq-hostile.elf" ] || fail "an image was built for the hostile node"
echo "irq handler: ok"
