#!/bin/sh
# SPDX-License-Identifier: MIT
# bench/fidelity.sh [BUILD_DIR] - each calibrated generator beside the real
# program it stands for: the program recorded here (tpt trace record, under
# Valgrind), trace and generator simulated under native, nested, shadow and
# tpt-opt, one row per figure with the difference. Recordings are kept in
# BUILD_DIR/fidelity and made again only when missing (each takes minutes:
# lackey runs at about 0.35 M instructions/s). The real run's minor faults
# (/usr/bin/time, no Valgrind) are printed beside the simulated ones. A
# trace holds the whole run (start-up, the memset of sysbench's block), so
# generators run with init=none: their first touches are counted too.
set -eu
B=${1:-build}
TPT=$B/tpt
D=$B/fidelity
mkdir -p "$D"
sh scripts/deps.sh build sysbench time
cc -O2 -o "$D/randomaccess" bench/programs/randomaccess.c
# A parallel build of two of the project's own files (make -j2: make, and
# per file the gcc driver, cc1 and as), rebuilt every time (-B).
mkdir -p "$D/pb"
printf 'all: zipf.o pwc.o\nzipf.o: %s/src/workload/zipf.c\n\tgcc -O2 -I%s/include -c $< -o $@\npwc.o: %s/src/mmu/pwc.c\n\tgcc -O2 -I%s/include -c $< -o $@\n' \
	"$PWD" "$PWD" "$PWD" "$PWD" >"$D/pb/Makefile"
SB="sysbench memory --threads=1 --time=0 --events=0 --memory-oper=write"
# name | the real program | the generator at the same size
pairs="gups|$D/randomaccess 20 4194304|gups:size=8M,updates=4194304,init=none
kcbench|gcc -O2 -Iinclude -c src/base/cost.c -o $D/cost.o|kcbench:jobs=1,tasks=1,mlp=4,cache=cold
sysbench-rnd|$SB --memory-block-size=64M --memory-total-size=64M --memory-access-mode=rnd run|sysbench:block=64M,total=64M,mode=rnd,init=none
sysbench-seq|$SB --memory-block-size=8M --memory-total-size=256M --memory-access-mode=seq run|sysbench:block=8M,total=256M,mode=seq,init=none
kcbench-j2|make -s -B -j2 -C $D/pb|kcbench:jobs=2,tasks=2,cc1=183M,mlp=4,cache=cold"

# figures NAME SPEC: one line of figures for a workload
figures() {
	"$TPT" compare --workload "$2" --schemes native,nested,shadow,tpt-opt --jobs 2 >"$D/$1.cmp"
	"$TPT" sim --workload "$2" --scheme native >"$D/$1.native"
	awk -v cmp="$D/$1.cmp" '
	/^instructions / {ins = $2}
	/^accesses / {acc = $2}
	/^guest page faults/ {flt = $4}
	/^TLB MPKI/ {mpki = $3}
	END {
		while ((getline l < cmp) > 0) {
			split(l, f, /  */)
			if (f[1] == "nested") {refs = f[3]; walk = f[5]; nx = f[6]; nc = f[7]}
			if (f[1] == "native") nat = f[7]
			if (f[1] == "shadow") {sx = f[6]; sc = f[7]}
			if (f[1] == "tpt-opt") tc = f[7]
		}
		sub("%", "", walk)
		printf "%.3f %.1f %.3f %s %s %.1f %.1f %.3f %.3f %.3f\n", acc / ins, flt / ins * 1e6, mpki,
		       refs, walk, nx / ins * 1e6, sx / ins * 1e6, nc / nat, sc / nc, tc / nat
	}' "$D/$1.native"
}

printf '%-13s %-24s %10s %10s %8s\n' pair figure real generator diff
echo "$pairs" | while IFS='|' read -r name cmd spec; do
	if [ ! -s "$D/$name.tpt" ]; then
		# shellcheck disable=SC2086
		"$TPT" trace record -o "$D/$name.tpt" -- $cmd >/dev/null
	fi
	# shellcheck disable=SC2086
	real_flt=$(/usr/bin/time -f %R $cmd 2>&1 >/dev/null | tail -1)
	r=$(figures "$name-trace" "trace:path=$D/$name.tpt")
	g=$(figures "$name-gen" "$spec")
	echo "$r" "$g" | awk -v n="$name" -v flt="$real_flt" '{
		split("accesses/instr faults/Minstr STLB-MPKI refs/walk(nested) walk%(nested) exits/Minstr(nested) exits/Minstr(shadow) nested/native shadow/nested tpt-opt/native", lab, " ")
		for (i = 1; i <= 10; i++) {
			d = $i != 0 ? sprintf("%+.0f%%", ($(i + 10) - $i) / $i * 100) : "-"
			printf "%-13s %-24s %10s %10s %8s\n", n, lab[i], $i, $(i + 10), d
		}
		printf "%-13s %-24s %10s %10s %8s\n", n, "real minor faults", flt, "", ""
	}'
done
