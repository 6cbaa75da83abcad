#!/bin/sh
# SPDX-License-Identifier: MIT
# golden.sh - the simulator's numbers, byte for byte. Runs a fixed set of
# commands and compares each output with tests/golden/NAME.out; a
# restructuring must leave every one of them unchanged.
#
#   golden.sh PATH/TO/tpt            check (the test suite runs this)
#   golden.sh PATH/TO/tpt --update   rewrite the goldens
#
# Rewrite them only in a commit of its own that says why the numbers moved.
set -u
TPT=$1
MODE=${2:-check}
SRC=$(cd "$(dirname "$0")/.." && pwd)
G=$SRC/tests/golden
. "$SRC/tests/lib.sh"
cd "$SRC" || exit 2

# JSON without its "provenance" objects (and the comma before each).
unprovenance() {
	awk '
	skip { if ($0 ~ "^" ind "}") skip = 0; next }
	/^ *"provenance": \{$/ {
		ind = $0; sub(/".*/, "", ind); skip = 1
		if (have) { sub(/,$/, "", prev); print prev; have = 0 }
		next
	}
	{ if (have) print prev; prev = $0; have = 1 }
	END { if (have) print prev }'
}

# NAME COMMAND...: runs the command from the source directory (scenario
# paths stay relative, so the output does not depend on where it is).
run() {
	out=$1
	shift
	if ! "$TPT" "$@" >"$T/$out.raw" 2>"$T/$out.err"; then
		bad "$out: tpt $* failed: $(head -n 1 "$T/$out.err")"
		return
	fi
	# The numbers, without the provenance (which names the build and host).
	unprovenance <"$T/$out.raw" >"$T/$out.out"
	if [ "$MODE" = --update ]; then
		cp "$T/$out.out" "$G/$out.out"
		ok
	elif cmp -s "$T/$out.out" "$G/$out.out"; then
		ok
	else
		bad "$out: output differs from tests/golden/$out.out (tpt $*)"
		diff "$G/$out.out" "$T/$out.out" | head -n 10
	fi
}

# The schemes compared, named: a scheme added later adds goldens of its own
# instead of moving every compare golden.
S="--schemes native,nested,shadow,agile,tpt-naive,tpt-opt,tpt-emul"
for wl in gups:gups:size=64M,updates=50K kcbench:kcbench:tasks=3,cc1=4M \
	churn:churn:rounds=20 scenario:; do
	name=${wl%%:*}
	spec=${wl#*:}
	if [ "$name" = scenario ]; then
		src="--scenario tests/golden/scenario.ini"
	else
		src="--workload $spec"
	fi
	for host in 4K 2M; do
		for lv in 4 5; do
			run "$name-$host-l$lv" compare $S $src --host-page $host --levels $lv --json -
			run "$name-$host-l$lv-nowc" compare $S $src --host-page $host --levels $lv \
				--no-walk-caches --json -
		done
	done
done
run gups-migrate compare $S --workload gups:size=64M,updates=50K --config tests/golden/migrate.ini \
	--json -
run scenario-migrate compare $S --scenario tests/golden/scenario.ini --config tests/golden/migrate.ini \
	--json -
run gups-table compare $S --workload gups:size=64M,updates=50K
# The upper bound: native with free misses (the walks the difference).
run ideal compare --schemes native,ideal --workload gups:size=64M,updates=50K --json -
run scenario-table compare $S --scenario tests/golden/scenario.ini --host-page 2M
run scenario-sim sim --scheme tpt-opt --scenario tests/golden/scenario.ini
run policy policy --scenario tests/golden/policy.ini --json -
run policy-table policy --scenario tests/golden/policy.ini
run dbt-gups dbt --workload gups:size=16M,updates=20K --scheme all --json -
run dbt-kcbench dbt --workload kcbench:tasks=3,cc1=4M --scheme all --json -
run dbt-table dbt --workload gups:size=16M,updates=20K --scheme all
finish
