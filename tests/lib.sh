# lib.sh - what the shell tests share: a scratch directory $T removed at
# exit, and pass/fail counting. Source it, call ok/bad, end with `finish`.
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
pass=0
fail=0
ok() { pass=$((pass + 1)); }
bad() { fail=$((fail + 1)); echo "FAIL: $*"; }
finish() {
	echo "$pass passed, $fail failed"
	[ "$fail" -eq 0 ]
}
