#!/usr/bin/env bash
# Golden tests for `gust trace`: each folder under tests/trace/ is a small
# artifact set, broken in one way or another, with its command line in `args`
# and what gust must say in `expected` (the exit status, then every line of
# output). The tests that --tests and --run see come from a ctest project of
# known tests (tests/trace/ctest-fixture), configured and run once here.
# usage: trace_test.sh path/to/gust project-root [--update]
#   --update  rewrites each case's `expected` (for an intended change)
set -u
gust=$1
root=$2
update=${3:-}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
passed=0
failed=0

# Two fixture builds: one run once by ctest, for its last results, and one
# that the --run cases run (so that they do not change the other's results).
for f in fixture runfixture; do
  cmake -S "$root/tests/trace/ctest-fixture" -B "$work/$f" >"$work/cmake.log" 2>&1 ||
    { echo "FAIL cannot configure the ctest fixture:"; cat "$work/cmake.log"; exit 1; }
done
ctest --test-dir "$work/fixture" >/dev/null 2>&1

cd "$root" || exit 1
for dir in tests/trace/*/; do
  dir=${dir%/}
  name=${dir#tests/trace/}
  [ -f "$dir/args" ] || continue
  # @DIR@ is the case's folder, @FIXTURE@ and @RUNFIXTURE@ the fixture builds.
  args=$(sed -e "s|@DIR@|$dir|g" -e "s|@FIXTURE@|$work/fixture|g" -e "s|@RUNFIXTURE@|$work/runfixture|g" "$dir/args")
  # shellcheck disable=SC2086  # args is a word list on purpose
  out=$("$gust" trace $args 2>&1)
  status=$?
  actual=$(printf 'exit %s\n%s\n' "$status" "$out" | sed -e "s|$work/fixture|@FIXTURE@|g" -e "s|$work/runfixture|@RUNFIXTURE@|g")
  if [ "$update" = --update ]; then
    printf '%s\n' "$actual" >"$dir/expected"
    echo "updated $dir/expected"
    continue
  fi
  if diff -u "$dir/expected" <(printf '%s\n' "$actual") >"$work/diff"; then
    echo "ok   $name"
    passed=$((passed + 1))
  else
    echo "FAIL $name (tests/trace_test.sh build/gust . --update if intended):"
    cat "$work/diff"
    failed=$((failed + 1))
  fi
done
[ "$update" = --update ] && exit 0

# --html writes one self-contained page, its text escaped; a page that cannot
# be written leaves nothing behind and exits 1.
if "$gust" trace matrix tests/trace/matrix --schema trace/schema.yaml --tests "$work/fixture" --html "$work/m.html" &&
  grep -q '^<!DOCTYPE html>' "$work/m.html" && grep -q 'fixture.a+b(c)</code> passed' "$work/m.html" &&
  grep -q 'Bytes &amp; &lt;frames&gt;' "$work/m.html" && ! grep -q '<link\|<script\|src=' "$work/m.html"; then
  echo "ok   matrix-html"
  passed=$((passed + 1))
else
  echo "FAIL matrix-html"
  failed=$((failed + 1))
fi
if ! "$gust" trace matrix tests/trace/matrix --schema trace/schema.yaml --html "$work/none/m.html" 2>/dev/null &&
  [ ! -e "$work/none" ]; then
  echo "ok   matrix-html-unwritable"
  passed=$((passed + 1))
else
  echo "FAIL matrix-html-unwritable"
  failed=$((failed + 1))
fi

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
