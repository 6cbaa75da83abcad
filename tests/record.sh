#!/bin/sh
# SPDX-License-Identifier: MIT
# record.sh - recording real programs (tpt trace record): tpt's own Valgrind
# tool gives the same trace as lackey, whole programs with their processes,
# failures, a region of interest, warm-up on any trace, damaged logs, and
# the progress line. Usage: record.sh TPT REP_STOS ROI TOOL_DIR
set -u
TPT=$1 REP_STOS=$2 ROI=$3 TOOL=$4
. "$(dirname "$0")/lib.sh"

if ! command -v valgrind >/dev/null; then
	bad "valgrind is missing (scripts/deps.sh installs it)"
	finish
	exit
fi
[ -x "$TOOL/tptrec-amd64-linux" ] && ok || bad "tpt's Valgrind tool was not built in $TOOL"

# The same trace, recorded by the tool and by lackey. A program's own
# instructions depend on its environment (the C library reads it), and the
# tool is found through VALGRIND_LIB: both runs get the same one, a
# directory holding Valgrind's files and the tool.
vglib=$(dirname "$(readlink -f "$TOOL/vgpreload_core-amd64-linux.so")")
mkdir "$T/vg"
for f in "$vglib"/* "$TOOL/tptrec-amd64-linux"; do ln -s "$f" "$T/vg/"; done
# A recording tpt refuses because it was held off the CPU (lackey reuses a
# log's name; on a busy machine the rename can come too late) says "record
# again": the test does, up to three times, as a user would.
record_again() {
	for try in 1 2 3; do
		VALGRIND_LIB="$T/vg" TPT_TOOL_DIR="$T/vg" "$TPT" trace record "$@" 2>"$T/rec.err" && return 0
		grep -q "record again" "$T/rec.err" || break
		echo "record.sh: try $try refused ($(cat "$T/rec.err")); recording again" >&2
	done
	cat "$T/rec.err" >&2
	return 1
}
same() {
	name=$1
	shift
	record_again -o "$T/$name.tool.tpt" -- "$@" &&
		record_again --lackey -o "$T/$name.lk.tpt" -- "$@" ||
		{ bad "recording $name"; return; }
	"$TPT" trace info --processes "$T/$name.tool.tpt" | tail -n +2 >"$T/$name.tool"
	"$TPT" trace info --processes "$T/$name.lk.tpt" | tail -n +2 >"$T/$name.lk"
	cmp -s "$T/$name.tool" "$T/$name.lk" && ok ||
		bad "$name: the tool and lackey differ: $(diff "$T/$name.tool" "$T/$name.lk" | head -n 6)"
}
same sh sh -c '/bin/true; /bin/echo x >/dev/null'
same rep "$REP_STOS" 4096

"$TPT" trace record -o "$T/true.tpt" -- /bin/true && ok || bad "trace record"
"$TPT" trace info "$T/true.tpt" | grep -q "^accesses *[1-9]" && ok || bad "recorded trace has no accesses"
# Whole programs: the shell's children, each with its parent, exec and exit.
"$TPT" trace record -o "$T/sh.tpt" -- sh -c '/bin/true; /bin/echo x >/dev/null' 2>"$T/err" &&
	"$TPT" trace info --processes "$T/sh.tpt" >"$T/sh.info" && ok || bad "recording sh -c"
[ ! -s "$T/err" ] && ok || bad "a recording printed on stderr (no terminal): $(cat "$T/err")"
grep -q "^processes *3$" "$T/sh.info" && grep -q "exec 3, fork 2, exit 3," "$T/sh.info" &&
	grep -Eq "^1 +0 +sh +1 .* yes$" "$T/sh.info" && grep -Eq "^2 +1 +true +1 .* yes$" "$T/sh.info" &&
	grep -Eq "^3 +1 +echo +1 .* yes$" "$T/sh.info" && ok || bad "sh -c 'cmd1; cmd2': $(cat "$T/sh.info")"
# More processes than the reader first makes room for (16): each log keeps
# its place while others are added.
"$TPT" trace record -o "$T/many.tpt" -- sh -c 'for i in 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17 18 19 20; do /bin/true; done' &&
	"$TPT" trace info "$T/many.tpt" >"$T/many.info" && grep -q "^processes *21$" "$T/many.info" &&
	grep -q "exec 21, fork 20, exit 21," "$T/many.info" && ok || bad "21 processes: $(cat "$T/many.info")"
"$TPT" trace record --no-children -o "$T/nc.tpt" -- sh -c '/bin/true; /bin/true' &&
	"$TPT" trace info "$T/nc.tpt" | grep -q "^processes *1$" && ok || bad "--no-children"
# A failed program is an error, unless --allow-failure.
"$TPT" trace record -o "$T/fail.tpt" -- sh -c 'exit 3' 2>"$T/err"
[ $? -eq 1 ] && [ ! -e "$T/fail.tpt" ] && [ "$(wc -l <"$T/err")" -eq 1 ] &&
	grep -q "sh exited with status 3" "$T/err" && ok || bad "a failed program: $(cat "$T/err")"
"$TPT" trace record --allow-failure -o "$T/fail.tpt" -- sh -c 'exit 3' 2>/dev/null &&
	[ -s "$T/fail.tpt" ] && ok || bad "--allow-failure"
# A recording stopped by a signal leaves no logs behind.
# (In a TMPDIR of its own: other tests record at the same time.)
mkdir "$T/rectmp"
TMPDIR="$T/rectmp" "$TPT" trace record -o "$T/sig.tpt" -- sleep 30 >/dev/null 2>&1 &
rp=$!
sleep 3
kill -TERM $rp
wait $rp
[ -z "$(ls -A "$T/rectmp")" ] && [ ! -e "$T/sig.tpt" ] && ok ||
	bad "a recording stopped by SIGTERM left $(ls -A "$T/rectmp")"
sleep 1
pgrep -f "tool=.*sleep 30" >/dev/null && bad "valgrind outlived the recorder" || ok
"$TPT" trace record -o "$T/none.tpt" -- "$T/no-such-program" 2>"$T/err"
[ $? -eq 1 ] && grep -q "could not run" "$T/err" && ok || bad "a program that does not exist"
# One rep stosb: one instruction, one store per 64-byte line (4096 more bytes: 64 more stores).
"$TPT" trace record -o "$T/rep1.tpt" -- "$REP_STOS" 4096 &&
	"$TPT" trace record -o "$T/rep2.tpt" -- "$REP_STOS" 8192 && ok || bad "recording rep_stos"
i1=$("$TPT" trace info "$T/rep1.tpt" | awk '/^instructions/ {print $2}')
i2=$("$TPT" trace info "$T/rep2.tpt" | awk '/^instructions/ {print $2}')
w1=$("$TPT" trace info "$T/rep1.tpt" | awk '/^accesses/ {print $5}' | tr -d '(')
w2=$("$TPT" trace info "$T/rep2.tpt" | awk '/^accesses/ {print $5}' | tr -d '(')
[ "$i1" = "$i2" ] && [ $((w2 - w1)) -eq 64 ] && ok ||
	bad "rep stosb of 4096 more bytes: instructions $i1 -> $i2, writes $w1 -> $w2"

# The region of interest: roi.c writes 64 pages, then in its region 16 new
# ones and the 64 again, then 32 more. Measured: the region's 16 faults
# alone, and the 32 pages after it are not in the trace.
json() { sed -n "s/^ *\"$2\": *\\([0-9]*\\).*/\\1/p" "$1" | head -n 1; }
"$TPT" trace record --roi -o "$T/roi.tpt" -- "$ROI" && ok || bad "recording with --roi"
"$TPT" trace record -o "$T/whole.tpt" -- "$ROI" && ok || bad "recording roi without --roi"
"$TPT" sim --scheme native --workload "trace:path=$T/roi.tpt" --json "$T/roi.json" >/dev/null &&
	"$TPT" sim --scheme native --workload "trace:path=$T/whole.tpt" --json "$T/whole.json" >/dev/null &&
	ok || bad "simulating the recordings of roi"
f=$(json "$T/roi.json" guest_faults) wr=$(json "$T/roi.json" writes) acc=$(json "$T/roi.json" accesses)
[ "$f" = 16 ] && [ "$wr" -ge 80 ] && [ "$acc" -lt 100 ] && ok ||
	bad "the region measured $f faults (16), $wr writes (80 and a few), $acc accesses"
f=$(json "$T/whole.json" guest_faults)
[ "$f" -ge 112 ] && ok || bad "the whole run measured $f faults (64 + 16 + 32 and the loader's)"
p_roi=$("$TPT" trace info "$T/roi.tpt" | awk '/^working set/ {print $3}')
p_all=$("$TPT" trace info "$T/whole.tpt" | awk '/^working set/ {print $3}')
[ $((p_all - p_roi)) -ge 32 ] && ok || bad "the trace went on after the region: $p_roi pages, $p_all whole"
one_line "never started its region of interest" 1 trace record --roi -o "$T/noroi.tpt" -- /bin/true
[ ! -e "$T/noroi.tpt" ] && ok || bad "a --roi recording without a region was written"
one_line "--roi needs tpt's own tool" 2 trace record --roi --lackey -o "$T/x.tpt" -- /bin/true

# Warm-up on any trace: measuring starts after its first N instructions.
a=$("$TPT" trace info "$T/whole.tpt" | awk '/^accesses/ {print $2}')
n=$("$TPT" trace info "$T/whole.tpt" | awk '/^instructions/ {print $2}')
"$TPT" sim --scheme native --workload "trace:path=$T/whole.tpt,warmup=1" --json "$T/w1.json" >/dev/null &&
	[ "$(json "$T/w1.json" accesses)" -eq $((a - 1)) ] && ok ||
	bad "warmup=1 measured $(json "$T/w1.json" accesses) of $a accesses (all but the first)"
one_line "warmup=$((n + 1)) is beyond the trace's $n instructions" 1 \
	sim --scheme native --workload "trace:path=$T/whole.tpt,warmup=$((n + 1))"

# A damaged log of the tool is named with its offset.
mkdir "$T/rec"
printf 'TPTLOG01\000\002ab\000\005' >"$T/rec/1.100.tb"
one_line "1.100.tb: the log ends inside a record" 2 trace info "$T/rec"
printf 'TPTLOG01\000\002ab\017\001' >"$T/rec/1.100.tb"
one_line "1.100.tb: a malformed record (tag 0xf)" 2 trace info "$T/rec"
printf 'TPTLOG99' >"$T/rec/1.100.tb"
one_line "1.100.tb: not a log of tpt's Valgrind tool" 2 trace info "$T/rec"

# Progress on a terminal (script(1) gives it one), none without.
if command -v script >/dev/null; then
	script -qec "\"$TPT\" trace record -o \"$T/p.tpt\" -- sleep 2" /dev/null >"$T/tty" 2>&1
	grep -q "tpt trace record: [0-9]* s, 1 program run, " "$T/tty" && ok ||
		bad "no progress line on a terminal: $(tr '\r' '\n' <"$T/tty" | tail -n 2)"
fi
finish
