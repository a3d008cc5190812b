#!/usr/bin/env bash
# `gust build --prove` of the relay node (nodes/f100-relay.toml): every
# instance's harnesses on the modules that ship (console: the thin UART's 3;
# rx: the ring's 3 and the framer's 3; clock: the timer driver's 3)
# succeed, and the image is built. --unwind 300: the framer's candidate loops
# run up to the bytes pushed (the build gives one bound to all harnesses).
# usage: relay_prove_test.sh path/to/gust project-root
. "$(dirname "$0")/lib.sh" "$@"
"$gust" build "$root/nodes/f100-relay.toml" --prove --unwind 300 --out "$work/nodes" >"$work/out.txt" 2>&1 ||
  fail "build --prove: $(tail -40 "$work/out.txt")"
ok=$(grep -c ': VERIFICATION SUCCESSFUL' "$work/out.txt")
other=$(grep -E '^      gust_proof_' "$work/out.txt" | grep -vc ': VERIFICATION SUCCESSFUL')
[ "$ok" -eq 12 ] && [ "$other" -eq 0 ] || fail "$ok harnesses succeeded, $other did not, of 12: $(grep gust_proof_ "$work/out.txt")"
for h in ring_fifo_interleaved ring_full_drops_never_overwrites ring_handler_drains_dr framer_good_only_with_its_crc \
  framer_never_traps_on_any_bytes framer_resumes_after_a_rejected_header timer_expired_across_the_wrap \
  timer_handler_counts_one_and_never_traps timer_init_period_is_one_ms; do
  grep -q "gust_proof_$h: VERIFICATION SUCCESSFUL" "$work/out.txt" || fail "no successful verdict for $h"
done
[ -f "$work/nodes/f100-relay/f100-relay.elf" ] || fail "no image after the proofs passed"
echo "ok   relay: gust build --prove, 12 harnesses successful"
