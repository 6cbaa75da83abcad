#!/bin/sh
# SPDX-License-Identifier: MIT
# bench/workloads.sh BUILD_DIR - every workload under every scheme at its
# default scale: each scheme's speed relative to native (native cycles /
# its cycles; above 1 is faster), and the seconds the comparison took.
set -eu
B=${1:-build}
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
printf '%-10s %7s %7s %7s %7s %9s %7s %8s %5s\n' workload native nested shadow agile tpt-naive \
	tpt-opt tpt-emul secs
for w in gups sysbench bfs pr cc xsbench canneal memcached churn kcbench; do
	start=$(date +%s)
	"$B/tpt" compare --workload $w --schemes native,nested,shadow,agile,tpt-naive,tpt-opt,tpt-emul \
		--json "$T/$w.json" >/dev/null
	secs=$(( $(date +%s) - start ))
	# Top-level "cycles" of each object (indented 4), native's first.
	awk -v w="$w" -v s="$secs" '/^    "cycles":/ { gsub(/,/, "", $2); c[n++] = $2 }
		END { printf "%-10s", w; for (i = 0; i < n; i++) printf " %7.3f", c[0] / c[i];
		      printf " %5d\n", s }' "$T/$w.json"
done
