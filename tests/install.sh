#!/bin/sh
# SPDX-License-Identifier: MIT
# install.sh BUILD SRC - `make install` as a user with umask 077 would run
# it (its scripts/install.sh, into a scratch prefix): every directory made
# and every file installed is readable by every user, the binaries runnable.
BUILD=$1 SRC=$2
. "$(dirname "$0")/lib.sh"
(umask 077 && sh "$SRC/scripts/install.sh" "$BUILD" "$T/p" >"$T/log" 2>&1) && ok || bad "install: $(tail -n 3 "$T/log")"
n=$(find "$T/p" -mindepth 1 | wc -l)
[ "$n" -gt 20 ] && ok || bad "only $n paths installed"
closed=$(find "$T/p" -mindepth 1 \( -type d ! -perm -0555 \) -o \( -type f ! -perm -0444 \) | head -n 5)
[ -z "$closed" ] && ok || bad "not readable by every user: $closed"
for b in bin/tpt bin/tptctl sbin/tptd; do
	[ -x "$T/p/$b" ] && [ "$(stat -c %a "$T/p/$b")" = 755 ] && ok || bad "$b is not 755"
done
"$T/p/bin/tpt" --version | grep -q "^tpt " && ok || bad "the installed tpt does not run"
finish
