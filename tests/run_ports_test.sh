#!/usr/bin/env bash
# gust run --input/--output on QEMU: a node whose app echoes USART2 and shows
# what it receives on USART1 (tests/run_ports/). USART2 is fed from a file once
# the console has printed its banner; what USART2 sends back is recorded.
# Then the options' bad uses, each refused before anything is built.
# usage: run_ports_test.sh path/to/gust project-root
. "$(dirname "$0")/lib.sh" "$@"
node=$root/tests/run_ports/two-uarts.toml

printf 'first line\nsecond line\nend-7Qz\n' >"$work/in.txt"
"$gust" run "$node" --input usart2="$work/in.txt" --output usart2="$work/out.txt" --expect end-7Qz --timeout 60 \
  --out "$work/nodes" >"$work/console.txt" 2>"$work/err.txt" || fail "run: $(cat "$work/err.txt")"
grep -q '^two-uarts' "$work/console.txt" || fail "no banner on USART1: $(cat "$work/console.txt")"
grep -q 'second line' "$work/console.txt" || fail "USART2's input did not reach the app"
# The run stops once USART1 shows end-7Qz; USART2 echoed at least the lines before it.
head -c 23 "$work/out.txt" | cmp -s - <(printf 'first line\nsecond line\n') ||
  fail "USART2 did not echo its input: $(od -c "$work/out.txt" | head)"
grep -q 'usart2 transmitted' "$work/err.txt" || fail "no report of what USART2 transmitted"

# Without --expect the run lasts its timeout and exits 0, output written.
"$gust" run "$node" --no-build --out "$work/nodes" --input usart2="$work/in.txt" --output usart2="$work/out2.txt" \
  --timeout 4 >/dev/null 2>"$work/err2.txt" || fail "an ungated run failed: $(cat "$work/err2.txt")"
cmp -s "$work/in.txt" "$work/out2.txt" || fail "the ungated run's USART2 output differs from its input"

refused() {  # refused EXPECTED-MESSAGE ARGS...: exit 1, the message, no image built
  local want=$1
  shift
  rm -rf "$work/refused"
  if "$gust" run "$node" --out "$work/refused" "$@" >/dev/null 2>"$work/msg.txt"; then fail "accepted: $*"; fi
  grep -q -- "$want" "$work/msg.txt" || fail "$*: expected '$want', got: $(cat "$work/msg.txt")"
  [ ! -e "$work/refused" ] || fail "$*: built an image before refusing"
}
refused "usart1 is the terminal" --input usart1="$work/in.txt"
refused "no such USART 'usart4'" --output usart4="$work/x"
refused "expected usartN=FILE" --input usart2
refused "cannot read $work/missing" --input usart2="$work/missing"
refused "already has an output" --output usart2="$work/a" --output usart2="$work/b"
echo "run ports: ok"
