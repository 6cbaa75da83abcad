#!/bin/sh
# SPDX-License-Identifier: MIT
# bench/record.sh BUILD_DIR [-- PROGRAM ARGS...] - recording speed: the same
# program recorded by tpt's own Valgrind tool and by lackey (--lackey), side
# by side in one run, as wall time and the program's instructions per
# second of recording; and whether both traces count the same. The default
# program: gzip -1 of the tpt binary (about 40 M instructions here).
set -eu
B=${1:-build}
shift $(( $# > 0 ? 1 : 0 ))
[ "${1:-}" = "--" ] && shift
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
if [ $# -eq 0 ]; then
	set -- sh -c "gzip -1 -c '$B/tpt' >/dev/null"
fi
for how in tool lackey; do
	opt=""
	[ $how = lackey ] && opt=--lackey
	start=$(date +%s.%N)
	"$B/tpt" trace record $opt -o "$T/$how.tpt" -- "$@"
	end=$(date +%s.%N)
	instrs=$("$B/tpt" trace info "$T/$how.tpt" | awk '/^instructions/ {print $2}')
	"$B/tpt" trace info --processes "$T/$how.tpt" | tail -n +2 >"$T/$how.info"
	awk -v h="$how" -v n="$instrs" -v a="$start" -v b="$end" -v s="$(stat -c %s "$T/$how.tpt")" 'BEGIN {
		t = b - a; printf "%-7s %12d instructions %8.1f s %8.2f M instructions/s  trace %.1f MiB\n",
		h, n, t, n / t / 1e6, s / 1048576 }'
done
# The environment differs (the tool's VALGRIND_LIB), so counts may differ by a few hundred.
cmp -s "$T/tool.info" "$T/lackey.info" && echo "same counts per process" ||
	{ echo "counts per process (tool, then lackey):"; diff "$T/tool.info" "$T/lackey.info" || true; }
