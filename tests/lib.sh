# Sourced by the test scripts that stop at their first failure:
#   . "$(dirname "$0")/lib.sh" "$@"
# It sets gust (the gust binary) and root (the project) from the script's
# first two arguments, work (a scratch folder, removed when the script
# exits) and fail MESSAGE (prints FAIL MESSAGE and exits 1).
set -u
gust=$1
root=$2
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
fail() {
  echo "FAIL $*"
  exit 1
}
