#!/usr/bin/env bash
# Golden tests for `gust bind`: the headers checked in under include/gust/
# and firmware/stm32f100/ must be exactly what gust bind makes of the WIT.
# usage: bind_test.sh path/to/gust project-root [--update]
#   --update  rewrites the checked-in headers (for an intended change)
set -u
gust=$1
root=$2
update=${3:-}
passed=0
failed=0
for world in thin mid fat; do
  for side in guest host; do
    if [ "$side" = guest ]; then golden=$root/include/gust/driver-$world.h; else golden=$root/firmware/stm32f100/host-$world.h; fi
    if [ "$update" = --update ]; then
      "$gust" bind "$root/wit/gust-hal.wit" --world "driver-$world" --side "$side" -o "$golden" && echo "updated $golden"
      continue
    fi
    if diff -u "$golden" <("$gust" bind "$root/wit/gust-hal.wit" --world "driver-$world" --side "$side"); then
      echo "ok   driver-$world $side"
      passed=$((passed + 1))
    else
      echo "FAIL driver-$world $side differs from $golden (run tests/bind_test.sh build/gust . --update if intended)"
      failed=$((failed + 1))
    fi
  done
done
# The other thin-seam worlds: their guest headers (the bridge serves them
# with host-thin.h's mmio and irq).
for world in timer gpio spi; do
  golden=$root/include/gust/driver-$world.h
  if [ "$update" = --update ]; then
    "$gust" bind "$root/wit/gust-hal.wit" --world "driver-$world" --side guest -o "$golden" && echo "updated $golden"
    continue
  fi
  if diff -u "$golden" <("$gust" bind "$root/wit/gust-hal.wit" --world "driver-$world" --side guest); then
    echo "ok   driver-$world guest"
    passed=$((passed + 1))
  else
    echo "FAIL driver-$world guest differs from $golden (run tests/bind_test.sh build/gust . --update if intended)"
    failed=$((failed + 1))
  fi
done
# A driver world's guest side alone: driver-thin-lists has driver-thin's host side.
golden=$root/include/gust/driver-thin-lists.h
if [ "$update" = --update ]; then
  "$gust" bind "$root/wit/gust-hal.wit" --world driver-thin-lists --side guest -o "$golden" && echo "updated $golden"
elif diff -u "$golden" <("$gust" bind "$root/wit/gust-hal.wit" --world driver-thin-lists --side guest); then
  echo "ok   driver-thin-lists guest"
  passed=$((passed + 1))
else
  echo "FAIL driver-thin-lists guest differs from $golden (run tests/bind_test.sh build/gust . --update if intended)"
  failed=$((failed + 1))
fi
# The app worlds of wit/gust-apps.wit (named imports of gust:drivers interfaces;
# uart-lists' list<u8> functions get std::span overloads).
for world in echo relay ticks gateway ccsds-relay echo-lists; do
  golden=$root/include/gust/app-$world.h
  if [ "$update" = --update ]; then
    "$gust" bind "$root/wit/gust-apps.wit" --world "$world" --side guest -o "$golden" && echo "updated $golden"
    continue
  fi
  if diff -u "$golden" <("$gust" bind "$root/wit/gust-apps.wit" --world "$world" --side guest); then
    echo "ok   app $world guest"
    passed=$((passed + 1))
  else
    echo "FAIL app $world guest differs from $golden (run tests/bind_test.sh build/gust . --update if intended)"
    failed=$((failed + 1))
  fi
done
# A bad WIT file is reported at file:line:column, with exit 1.
bad=$(mktemp)
printf 'package a:b;\nworld w {\n  import nowhere\n}\n' >"$bad"
out=$("$gust" bind "$bad" --world w 2>&1)
if [ $? -eq 1 ] && grep -q "$bad:4:1: error: expected ';'" <<<"$out"; then
  echo "ok   bad-wit-located"; passed=$((passed + 1))
else
  echo "FAIL bad-wit-located: $out"; failed=$((failed + 1))
fi
rm -f "$bad"
[ "$update" = --update ] && exit 0
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
