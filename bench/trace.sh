#!/bin/sh
# SPDX-License-Identifier: MIT
# bench/trace.sh BUILD_DIR - trace reading throughput for each format: the
# same GUPS stream as tpt, ChampSim and ChampSim .xz, and a real program's
# lackey log. Records are the format's own: tpt events, ChampSim's 64-byte
# instruction records, lackey lines.
set -eu
B=${1:-build}
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
W=gups:size=1G,updates=500K,kentry=0,init=none
"$B/tpt" trace write --workload $W -o "$T/g.tpt"
"$B/tpt" trace write --workload $W -o "$T/g.champsim" --to champsim
"$B/tpt" trace write --workload $W -o "$T/g.champsim.xz" --to champsim
valgrind --tool=lackey --trace-mem=yes --log-file="$T/ls.lackey" ls -R /usr/share/doc >/dev/null 2>&1
for f in g.tpt g.champsim g.champsim.xz ls.lackey; do
	size=$(stat -c %s "$T/$f")
	case $f in
	*.champsim*) records=$(( $("$B/tpt" trace info "$T/$f" | awk '/^instructions/ {print $2}') )) ;;
	*.lackey) records=$(wc -l <"$T/$f") ;;
	*) records="" ;;
	esac
	start=$(date +%s.%N)
	events=$("$B/tpt" trace info "$T/$f" | awk '/^events/ {print $2}')
	end=$(date +%s.%N)
	[ -n "$records" ] || records=$events
	awk -v f="$f" -v n="$events" -v r="$records" -v s="$size" -v a="$start" -v b="$end" 'BEGIN {
		t = b - a; printf "%-16s %9.1f MiB %10d records %6.2f s %7.1f M records/s %7.1f M events/s\n",
		f, s / 1048576, r, t, r / t / 1e6, n / t / 1e6 }'
done
