#!/bin/sh
# SPDX-License-Identifier: MIT
# bench/sample.sh BUILD_DIR [WORKLOAD...] - sampled simulation against exact:
# every workload (by default the eight paper workloads at sizes an exact run
# affords here, each 40 M to 450 M measured accesses) under nested, shadow
# and tpt-opt at 4K/4K and 4K/2M, once exactly and once with --sample, side
# by side in one run. A row per run: both estimated cycles, the error, the
# sampled 95 % interval and whether the exact value is inside it, then the
# speed-up over nested both ways. The summary: the largest errors, the share
# of rows whose exact value is inside the interval, and the CPU time of both.
# Options: SAMPLE_CONFIG=FILE passes --config to both (to try [sample] keys).
set -eu
B=${1:-build}
shift $(( $# > 0 ? 1 : 0 ))
if [ $# -eq 0 ]; then
	set -- "gups:size=4G,updates=10M" "xsbench:gridpoints=20000,lookups=200K" \
		"canneal:elements=8M,moves=1M" "pr:scale=22,graph=implicit,window=100M" \
		"bfs:scale=22,graph=implicit,window=100M" "cc:scale=22,graph=implicit,window=100M" \
		"memcached:keys=10M,init=page,ops=200K" "kcbench:jobs=2,tasks=2"
fi
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
cfg=""
[ -n "${SAMPLE_CONFIG:-}" ] && cfg="--config $SAMPLE_CONFIG"
# CPU seconds of this shell's finished children (user + system), from times
# (run in this shell: in a command substitution it would see none).
cpu() {
	times >"$T/times"
	awk 'NR == 2 { t = 0; for (i = 1; i <= 2; i++) { split($i, a, /[ms]/); t += a[1] * 60 + a[2] }
		printf "%.2f", t }' "$T/times" >"$T/cpu"
}
printf "%-40s %-5s %-8s %14s %14s %7s %7s %3s %8s %8s %7s\n" workload pages scheme \
	"exact cycles" "sampled" "error" "95% +-" "in" "speed-up" "sampled" "error"
cpu_exact=0 cpu_sampled=0
for w in "$@"; do
	for pages in 4K/4K 4K/2M; do
		g=${pages%/*} h=${pages#*/}
		cpu
		c0=$(cat "$T/cpu")
		# shellcheck disable=SC2086
		"$B/tpt" compare $cfg --workload "$w" --guest-page "$g" --host-page "$h" \
			--schemes nested,shadow,tpt-opt --jobs 1 >"$T/exact"
		cpu
		c1=$(cat "$T/cpu")
		# shellcheck disable=SC2086
		"$B/tpt" compare $cfg --workload "$w" --guest-page "$g" --host-page "$h" \
			--schemes nested,shadow,tpt-opt --jobs 1 --sample >"$T/sampled"
		cpu
		c2=$(cat "$T/cpu")
		cpu_exact=$(echo "$cpu_exact $c0 $c1" | awk '{ print $1 + $3 - $2 }')
		cpu_sampled=$(echo "$cpu_sampled $c1 $c2" | awk '{ print $1 + $3 - $2 }')
		# The compare table's rows: scheme, ..., est. cycles ($7), vs nested ($9), +- ($10).
		awk -v w="$w" -v p="$pages" '
			FNR == 1 { f++ }
			f == 1 && $1 ~ /^(nested|shadow|tpt-opt)$/ { c[$1] = $7; s[$1] = $9 }
			f == 2 && $1 ~ /^(nested|shadow|tpt-opt)$/ {
				e = ($7 - c[$1]) / c[$1]; ci = $10; sub(/%/, "", ci)
				in_ = (ci != "n/a" && (e < 0 ? -e : e) * 100 <= ci + 0) ? "yes" : "no"
				se = s[$1]; ss = $9; sub(/x/, "", se); sub(/x/, "", ss)
				printf "%-40s %-5s %-8s %14.0f %14.0f %6.2f%% %6s%% %3s %7.3fx %7.3fx %6.2f%%\n",
					w, p, $1, c[$1], $7, 100 * e, ci, in_, se, ss, 100 * (ss - se) / se
			}' "$T/exact" "$T/sampled" | tee -a "$T/rows"
	done
done
awk -v ce="$cpu_exact" -v cs="$cpu_sampled" '
	{ n++; e = $6; sub(/%/, "", e); e = e + 0; e = e < 0 ? -e : e; if (e > me) me = e
	  s = $11; sub(/%/, "", s); s = s + 0; s = s < 0 ? -s : s; if (s > ms) ms = s
	  if (e <= 2) close2++
	  if ($8 == "yes") inside++ }
	END { printf "\n%d rows: cycles within %.2f %% (%d rows within 2 %%), speed-ups within %.2f %%, exact inside the interval in %d (%.0f %%)\n",
		n, me, close2, ms, inside, 100 * inside / n
	      printf "CPU time: exact %.1f s, sampled %.1f s (%.1fx)\n", ce, cs, ce / cs }' "$T/rows"

# Fast-forward's own rate: GUPS over 4 GiB under nested paging, one window
# of 1,000 accesses in a period longer than the run, against the same run
# with no updates (the set-up and the warm-up's faults), and exactly.
printf '[sample]\nsample_warmup = 0\nsample_window = 1000\nsample_period = 1T\n' >"$T/ff.ini"
ffrate() {
	cpu
	a=$(cat "$T/cpu")
	# shellcheck disable=SC2086
	"$B/tpt" sim --scheme nested --workload "gups:size=4G,updates=$1" $2 >/dev/null
	cpu
	echo "$a $(cat "$T/cpu")" | awk '{ print $2 - $1 }' >"$T/rate"
}
ffrate 1K "--sample --config $T/ff.ini"
base=$(cat "$T/rate")
ffrate 20M "--sample --config $T/ff.ini"
ff=$(cat "$T/rate")
ffrate 20M ""
ex=$(cat "$T/rate")
echo "$base $ff $ex" | awk '{ printf "GUPS 4 GiB, 80 M accesses under nested: fast-forward %.0f M accesses/s, exact %.1f M/s (CPU time less the set-up\x27s %.2f s)\n",
	80 / ($2 - $1), 80 / ($3 - $1), $1 }'
