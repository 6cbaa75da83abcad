#!/bin/sh
# SPDX-License-Identifier: MIT
# dbt.sh - the README's binary-translator table: every workload (default
# parameters) and the /bin/true trace under SoftMMU and BTMMU, for an IA32
# and an x86-64 guest, as a Markdown table; with CONFIG, under that
# configuration (a tpt probe --tcg --calibrate fragment: the SoftMMU's
# costs measured here). Usage: bench/dbt.sh [TPT] [CONFIG]
TPT=${1:-build/tpt}
CONFIG=${2:-}
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
echo "| workload | guest | SoftMMU sTLB hit | memory-path instr/access SoftMMU / BTMMU | host instr/access SoftMMU / BTMMU | cycles/access SoftMMU / BTMMU | BTMMU speed-up |"
echo "|---|---|---|---|---|---|---|"
for w in gups sysbench bfs pr cc xsbench canneal memcached kcbench churn trace:path=tests/fixtures/true.tpt; do
	for g in ia32 x86_64; do
		if ! "$TPT" dbt --workload "$w" --guest $g ${CONFIG:+--config "$CONFIG"} >"$T/o" 2>"$T/e"; then
			echo "| $w | $g | refused: $(cut -c6-90 "$T/e") | | | | |"
			continue
		fi
		awk -v w="$w" -v g="$g" '
			$1 == "softmmu" { hit = $6; mi = $3; mm = $4; mc = $5 }
			$1 == "btmmu" { bi = $3; bm = $4; bc = $5 }
			/speed-up/ { s = $NF }
			END { printf "| %s | %s | %s | %s / %s | %s / %s | %s / %s | %s |\n", w, g, hit, mm, bm, mi, bi, mc, bc, s }' "$T/o"
	done
done
