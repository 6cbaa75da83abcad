#!/bin/sh
# SPDX-License-Identifier: MIT
# bench/run.sh BUILD_DIR [quick|paper] - simulation speed and peak memory.
#   quick (default): gups 4G under every scheme, sysbench seq under native
#   paper: adds gups with a 128 GiB table under nested (slow: minutes)
set -eu
B=${1:-build}
MODE=${2:-quick}
BENCH="$B/tpt-bench"
for s in native nested shadow tpt-naive tpt-opt; do
	"$BENCH" "$s" gups:size=4G,updates=10M
done
"$BENCH" native sysbench:block=1G,total=4G,mode=seq,op=write
"$BENCH" nested sysbench:block=1G,total=1G,mode=rnd,op=write
if [ "$MODE" = paper ]; then
	"$BENCH" nested gups:size=128G,updates=10M
fi
./bench/trace.sh "$B"
./bench/workloads.sh "$B"
./bench/power.sh "$B"
