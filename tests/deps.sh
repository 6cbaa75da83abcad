#!/bin/sh
# SPDX-License-Identifier: MIT
# deps.sh SRC - scripts/deps.sh against stand-ins for dpkg-query and apt-get
# (nothing is installed): each target's package set, and another apt
# holding the lock waited for and said once, or given up on with one line.
SRC=$1
. "$(dirname "$0")/lib.sh"
DEPS="$SRC/scripts/deps.sh"
if [ "$(id -u)" -ne 0 ]; then
	echo "skip: deps.sh installs only as root"
	exit 0
fi
mkdir -p "$T/bin"
# dpkg-query: every package missing. apt-get: records its arguments; holds
# the lock for the first $LOCKED calls (count in $T/n).
cat >"$T/bin/dpkg-query" <<'S'
#!/bin/sh
exit 1
S
cat >"$T/bin/apt-get" <<'S'
#!/bin/sh
n=$(cat "$STUB/n" 2>/dev/null || echo 0)
echo $((n + 1)) >"$STUB/n"
echo "$*" >>"$STUB/calls"
if [ "$n" -lt "$LOCKED" ]; then
	echo "E: Could not get lock /var/lib/dpkg/lock-frontend. It is held by process 4242 (apt-get)" >&2
	exit 100
fi
exit 0
S
chmod +x "$T/bin/dpkg-query" "$T/bin/apt-get"
run() { PATH="$T/bin:$PATH" STUB=$T TPT_APT_POLL=1 "$@"; }

# build: the build's packages, not the test suite's.
rm -f "$T/n" "$T/calls"
LOCKED=0 run sh "$DEPS" build 2>"$T/err" && ok || bad "deps.sh build failed: $(cat "$T/err")"
grep -q "install.* cmake" "$T/calls" && ! grep -q "chromium\|slurm-wlm" "$T/calls" && ok ||
	bad "deps.sh build installs: $(tail -n 1 "$T/calls")"
# check: the test suite's too.
rm -f "$T/n" "$T/calls"
LOCKED=0 run sh "$DEPS" check 2>"$T/err" && grep -q "install.*slurm-wlm" "$T/calls" && ok ||
	bad "deps.sh check installs: $(tail -n 1 "$T/calls")"
# A held lock: waited for, said once, then installed.
rm -f "$T/n" "$T/calls"
LOCKED=3 TPT_APT_WAIT=60 run sh "$DEPS" build 2>"$T/err" && ok || bad "deps.sh did not wait for the lock: $(cat "$T/err")"
[ "$(grep -c "holds the package lock; waiting" "$T/err")" -eq 1 ] && ok || bad "deps.sh said its wait $(grep -c waiting "$T/err") times"
grep -q "install" "$T/calls" && ok || bad "deps.sh never installed after the lock was let go"
# A lock never let go: one line, status 1.
rm -f "$T/n" "$T/calls"
LOCKED=1000 TPT_APT_WAIT=2 run sh "$DEPS" build 2>"$T/err"
[ $? -eq 1 ] && grep -q "still holds the package lock after 2 s" "$T/err" && ok ||
	bad "deps.sh with the lock held: $(cat "$T/err")"
# A set that does not exist.
run sh "$DEPS" frob 2>"$T/err"
[ $? -eq 2 ] && grep -q "no package set 'frob'" "$T/err" && ok || bad "deps.sh frob: $(cat "$T/err")"
finish
