#!/bin/sh
# SPDX-License-Identifier: MIT
# bench/compare.sh OLD_TPT_BENCH NEW_TPT_BENCH - two builds side by side.
# Wall-clock speed on this machine drifts up to 2x between runs, so this
# counts the instructions each build executes (Valgrind's cachegrind, no
# cache simulation) on the same small runs: a deterministic measure of the
# work per access, good to a fraction of a per cent. Prints one line per
# configuration: instructions old, new, and the change.
set -eu
OLD=$1
NEW=$2
count() {
	valgrind --tool=cachegrind --cache-sim=no --cachegrind-out-file=/dev/null "$@" 2>&1 |
		awk '/I *refs:/ {gsub(",", "", $NF); print $NF}'
}
for cfg in "native gups:size=256M,updates=200K" "nested gups:size=256M,updates=200K" \
	"shadow gups:size=256M,updates=200K" "tpt-opt gups:size=256M,updates=200K" \
	"native sysbench:block=64M,total=256M,mode=seq" "nested kcbench:tasks=2,cc1=40M"; do
	# shellcheck disable=SC2086
	a=$(count "$OLD" $cfg)
	# shellcheck disable=SC2086
	b=$(count "$NEW" $cfg)
	awk -v c="$cfg" -v a="$a" -v b="$b" \
		'BEGIN {printf "%-50s %14.0f %14.0f %+7.2f%%\n", c, a, b, 100 * (b - a) / a}'
done
