#!/usr/bin/env bash
# The gateway node (nodes/f100-gateway.toml) in QEMU, all of issue 11's
# behaviours: the banner; every line received on the link (USART2, fed with
# --input) printed on the console as `link: <line>`, a line longer than the
# app keeps cut at 64 bytes; every byte received on the console sent on the
# link unchanged (recorded with --output); `tick N` for N = 1, 2, 3 in order;
# and the green LED (PC9) toggled with each tick, seen in QEMU's log of the
# GPIO port it does not model (--device-log: BSRR and BRR writes of bit 9
# alternating, PC8 set once).
# usage: gateway_qemu_test.sh path/to/gust project-root
. "$(dirname "$0")/lib.sh" "$@"
node=$root/nodes/f100-gateway.toml
long=$(printf 'L%.0s' $(seq 1 70))
printf 'hello from the link\r\nsecond line\n%s\n' "$long" >"$work/link-in.txt"

"$gust" run "$node" --out "$work/nodes" --input "usart2=$work/link-in.txt" --output "usart2=$work/link-out.txt" \
  --send $'to the link\r\n' --device-log "$work/devices.log" --expect "tick 3" --timeout 90 \
  >"$work/console.txt" 2>"$work/run.txt" || fail "run: $(cat "$work/run.txt") console: $(cat "$work/console.txt")"
python3 - "$work" "$long" <<'PY' || fail "$(cat "$work/run.txt")"
import re, sys
work, long = sys.argv[1], sys.argv[2]
lines = [l.rstrip("\r") for l in open(work + "/console.txt", encoding="latin-1").read().split("\n")]
assert lines[0] == "gust-gateway", lines[:3]
assert any(re.fullmatch(r"flash: jedec( [0-9a-f]{2}){3}", l) for l in lines), lines
links = [l for l in lines if l.startswith("link: ")]
assert links == ["link: hello from the link", "link: second line", "link: " + long[:64]], links
ticks = [l for l in lines if l.startswith("tick ")]
assert ticks == ["tick 1", "tick 2", "tick 3"], ticks
sent = open(work + "/link-out.txt", "rb").read()
assert sent == b"to the link\r\n", sent
# GPIOC (0x40011000): BSRR at 0x010 sets, BRR at 0x014 clears.
pc9 = []
pc8 = 0
for l in open(work + "/devices.log"):
    m = re.match(r"GPIOC: unimplemented device write \(size 4, offset 0x(\w+), value 0x(\w+)\)", l)
    if not m:
        continue
    off, val = int(m.group(1), 16), int(m.group(2), 16)
    if off == 0x10 and val == 1 << 8:
        pc8 += 1
    if val == 1 << 9 and off in (0x10, 0x14):
        pc9.append("set" if off == 0x10 else "clear")
assert pc8 == 1, pc8
# tick 1 sets, tick 2 clears (tick 3's set may follow QEMU's stop).
assert len(pc9) >= 2 and all(w == ("set", "clear")[i % 2] for i, w in enumerate(pc9)), pc9
PY
echo "gateway in QEMU: ok"
