# SPDX-License-Identifier: MIT
# lib.sh - what the shell tests share: a scratch directory $T removed at
# exit, and pass/fail counting. Source it, call ok/bad, end with `finish`;
# one_line checks a refusal of $TPT.
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

# one_line WANT RC CMD...: tpt CMD exits RC with one line on stderr holding WANT.
one_line() {
	want=$1 code=$2
	shift 2
	"$TPT" "$@" >"$T/out" 2>"$T/err"
	rc=$?
	if [ "$rc" -ne "$code" ]; then bad "'$*' exited $rc, want $code: $(head -n 2 "$T/err")"; return; fi
	[ "$(wc -l <"$T/err")" -eq 1 ] || { bad "'$*' printed $(wc -l <"$T/err") error lines"; return; }
	grep -q -- "$want" "$T/err" && ok || bad "'$*' error lacks '$want': $(cat "$T/err")"
}
