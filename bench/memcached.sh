#!/bin/sh
# SPDX-License-Identifier: MIT
# bench/memcached.sh [BUILD_DIR [SECONDS]] - what a memcached request does,
# measured on Debian's memcached 1.6 (one worker thread) driven by
# memcaslap (one thread, 4 connections, its default 9:1 gets to sets) for
# SECONDS (default 10), against which the memcached generator is
# calibrated (src/workload/memcached.c, docs/fidelity.md):
#   1. recorded by tpt's Valgrind tool with the background threads off
#      (LRU maintainer and crawler, hash expansion, slab mover), then an
#      idle server recorded as long: per request, the worker's
#      instructions, accesses and kernel entries (the idle run's taken
#      off), and the distinct 4 KiB pages of each request-sized window of
#      accesses (tpt trace info --window), and of two requests' windows;
#   2. natively with its defaults (background threads on): each thread's
#      CPU time (schedstat: exact, user and kernel together; stat: user
#      time in clock ticks), so the background threads' share is measured
#      where Valgrind does not slow the worker down.
# Needs memcached and memcaslap (Debian: memcached, libmemcached-tools;
# make bench-memcached installs them and runs this). Ports 22122 to 22124 on loopback.
set -eu
B=${1:-build}
S=${2:-10}
for p in memcached memcaslap; do
	command -v $p >/dev/null || { echo "memcached.sh: $p is not installed (make bench-memcached installs it)" >&2; exit 2; }
done
T=$(mktemp -d)
pids=""
trap 'for p in $pids; do kill "$p" 2>/dev/null || true; done; rm -rf "$T"' EXIT
quiet="-o no_lru_crawler,no_lru_maintainer,no_hashexpand,slab_automove=0"

# The Valgrind process that runs memcached on port $1 (not tpt's own).
server() {
	i=0
	while [ $i -lt 100 ]; do
		p=$(pgrep -f "valgrind.*memcached .*-p $1" || true)
		[ -n "$p" ] && { echo "$p"; return 0; }
		sleep 0.1
		i=$((i + 1))
	done
	echo "memcached.sh: memcached did not start on port $1" >&2
	exit 1
}

# record PORT OUT [LOAD]: memcached recorded for S seconds, loaded or idle.
record() {
	"$B/tpt" trace record -o "$2" -- memcached -u root -t 1 -p "$1" -U 0 -c 19988 -m 1024 $quiet \
		>"$T/rec-$1.log" 2>&1 &
	rec=$!
	pids="$pids $rec"
	vg=$(server "$1")
	sleep 3 # start-up under Valgrind
	if [ "${3:-}" = load ]; then
		memcaslap -s "127.0.0.1:$1" -T 1 -c 4 -t "${S}s" >"$T/slap.log" 2>&1 ||
			{ echo "memcached.sh: memcaslap failed: $(tail -n 2 "$T/slap.log")" >&2; exit 1; }
	else
		sleep "$S"
	fi
	kill -TERM "$vg"
	wait "$rec" || { echo "memcached.sh: recording failed: $(cat "$T/rec-$1.log")" >&2; exit 1; }
}
record 22122 "$T/load.tpt" load
ops=$(awk '/^Run time:/ {for (i = 1; i <= NF; i++) if ($i == "Ops:") print $(i + 1)}' "$T/slap.log" | tail -n 1)
record 22123 "$T/idle.tpt"
field() { awk -v k="$2" '$1 == k {print $2}' "$1"; }
"$B/tpt" trace info "$T/load.tpt" >"$T/load.info"
"$B/tpt" trace info "$T/idle.tpt" >"$T/idle.info"
syscalls() { sed -n 's/.*syscall \([0-9]*\),.*/\1/p' "$1"; }
apr=$(awk -v a="$(field "$T/load.info" accesses)" -v b="$(field "$T/idle.info" accesses)" -v n="$ops" \
	'BEGIN {printf "%.0f", (a - b) / n}')
awk -v n="$ops" -v i1="$(field "$T/load.info" instructions)" -v i0="$(field "$T/idle.info" instructions)" \
	-v a1="$(field "$T/load.info" accesses)" -v a0="$(field "$T/idle.info" accesses)" \
	-v k1="$(syscalls "$T/load.info")" -v k0="$(syscalls "$T/idle.info")" 'BEGIN {
	printf "recorded, background threads off: %d requests in %d s\n", n, '"$S"'
	printf "  per request: %.0f instructions, %.1f accesses (%.3f an instruction), %.2f kernel entries (%.0f per million instructions)\n",
		(i1 - i0) / n, (a1 - a0) / n, (a1 - a0) / (i1 - i0), (k1 - k0) / n, 1e6 * (k1 - k0) / (i1 - i0) }'
for w in 1 2; do
	"$B/tpt" trace info "$T/load.tpt" --window $((w * apr)) |
		awk -v w=$w '/^window/ {gsub(/[,)]/, ""); printf "  distinct 4K pages in %d request(s) of accesses (%s): %s a window (least %s, most %s)\n",
			w, $2, $9, $13, $15}'
done

# Natively, the defaults: background threads on.
memcached -u root -t 1 -p 22124 -U 0 -c 4096 -m 1024 &
mc=$!
pids="$pids $mc"
sleep 1
memcaslap -s 127.0.0.1:22124 -T 1 -c 4 -t "${S}s" >"$T/slapn.log" 2>&1
nops=$(awk '/^Run time:/ {for (i = 1; i <= NF; i++) if ($i == "Ops:") print $(i + 1)}' "$T/slapn.log" | tail -n 1)
echo "natively, defaults: $nops requests in $S s; per thread, CPU time (ms) and user time (ms, ticks):"
for t in /proc/$mc/task/*; do
	printf '%s %s %s\n' "$(cat "$t/comm")" "$(cut -d' ' -f1 "$t/schedstat")" "$(cut -d' ' -f14 "$t/stat")"
done | awk -v hz="$(getconf CLK_TCK)" '{ cpu[$1] = $2 / 1e6; usr[$1] = $3 * 1000 / hz; order[++n] = $1 }
	END { for (i = 1; i <= n; i++) { t = order[i]; printf "  %-16s %9.1f %9.1f\n", t, cpu[t], usr[t]
		if (t != "mc-worker" && t != "memcached") { bc += cpu[t]; bu += usr[t] } }
		if (cpu["mc-worker"] > 0 && usr["mc-worker"] > 0)
			printf "  background threads against the worker: %.1f %% of its CPU time, %.1f %% of its user time\n",
				100 * bc / cpu["mc-worker"], 100 * bu / usr["mc-worker"] }'
