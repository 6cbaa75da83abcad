#!/bin/sh
# SPDX-License-Identifier: MIT
# bench/jobs.sh [BUILD_DIR] [WORKLOAD] - wall time of tpt compare and tpt
# policy one run at a time (--jobs 1) against every CPU (--jobs N, the
# default), side by side in one go (this machine's speed drifts between
# runs), and a check that both give the same bytes.
set -eu
B=${1:-build}
W=${2:-gups:size=4G,updates=20M}
TPT=$B/tpt
N=$(getconf _NPROCESSORS_ONLN)
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
wall() { # NAME ARGS...: seconds of wall time
	name=$1
	shift
	s=$(date +%s.%N)
	"$TPT" "$@" --json "$out/$name.json" >/dev/null
	e=$(date +%s.%N)
	awk -v s="$s" -v e="$e" 'BEGIN {printf "%.1f", e - s}'
}
for cmd in compare policy; do
	if [ $cmd = compare ]; then src="--workload $W"; else src="--scenario vm-mix"; fi
	t1=$(wall "${cmd}1" $cmd $src --jobs 1)
	tn=$(wall "${cmd}n" $cmd $src --jobs "$N")
	same=$(cmp -s "$out/${cmd}1.json" "$out/${cmd}n.json" && echo "same bytes" || echo "DIFFERENT")
	printf '%-8s %-32s --jobs 1: %6s s  --jobs %s: %6s s  %sx  %s\n' $cmd "$src" "$t1" "$N" "$tn" \
		"$(awk -v a="$t1" -v b="$tn" 'BEGIN {printf "%.2f", a / b}')" "$same"
done
