#!/bin/sh
# SPDX-License-Identifier: MIT
# cli.sh - the command-line contract: JSON keys, byte-identical reruns,
# one-line errors with exit status 2, and no output file clobbered by a
# failed run. Usage: cli.sh PATH/TO/tpt
set -u
TPT=$1
. "$(dirname "$0")/lib.sh"

W="gups:size=64M,updates=20K"

# Same inputs and seed: the same JSON, byte for byte.
"$TPT" compare --workload $W --json "$T/a.json" >/dev/null 2>&1 || bad "compare failed"
"$TPT" compare --workload $W --json "$T/b.json" >/dev/null 2>&1 || bad "compare failed"
cmp -s "$T/a.json" "$T/b.json" && ok || bad "compare JSON differs between identical runs"
"$TPT" compare --workload $W --seed 2 --json "$T/c.json" >/dev/null 2>&1
cmp -s "$T/a.json" "$T/c.json" && bad "a different seed gave the same JSON" || ok

# Every required key, in sim and in each object of compare (a scheme each,
# as tpt schemes lists them).
NSCHEMES=$("$TPT" schemes | tail -n +2 | grep -c '^[a-z]')
"$TPT" sim --scheme tpt-opt --workload $W --json - >"$T/sim.json" 2>/dev/null || bad "sim --json - failed"
for k in scheme workload guest_page host_page levels instructions accesses tlb_misses walks \
	walk_refs rmp_refs refs_per_walk walk_cycles cycles vm_exits faulted_walks \
	faulted_walk_refs cost_base cost_data_stall cost_walk_stall cost_exits cost_faults \
	cost_pvops cost_construction cost_policy; do
	grep -q "^  \"$k\":" "$T/sim.json" && ok || bad "sim JSON lacks $k"
	n=$(grep -c "^    \"$k\":" "$T/a.json")
	[ "$n" -eq "$NSCHEMES" ] && ok || bad "compare JSON has $k $n times at the top of its objects, want $NSCHEMES (a scheme each)"
done
# tpt counters lists each counter once, and the JSON carries every one.
"$TPT" counters >"$T/counters.txt" && ok || bad "tpt counters failed"
n=0
for k in $(cut -d' ' -f1 "$T/counters.txt"); do
	n=$((n + 1))
	grep -q "^  \"$k\":" "$T/sim.json" || bad "sim JSON lacks counter $k"
done
[ "$n" -gt 50 ] && [ "$(cut -d' ' -f1 "$T/counters.txt" | sort -u | wc -l)" -eq "$n" ] && ok ||
	bad "tpt counters: $n rows, or a key listed twice"
grep -q '"processes": \[' "$T/sim.json" && grep -q '^      "name": "gups"' "$T/sim.json" && ok ||
	bad "sim JSON lacks its processes"
grep -q '"scheme": "tpt-opt"' "$T/sim.json" && ok || bad "sim JSON scheme"
head -c1 "$T/a.json" | grep -q '\[' && ok || bad "compare JSON is not an array"

# The human table names every scheme and the speedup columns.
"$TPT" compare --workload $W --schemes nested,tpt-opt >"$T/table.txt" 2>/dev/null
grep -q "vs nested" "$T/table.txt" && grep -q "^tpt-opt" "$T/table.txt" && ok || bad "compare table"

# A scenario: per-process results, TPT only where armed.
printf '[scenario]\nslice = 1M\n[fast]\nworkload = gups:size=16M,updates=20K\ntpt = yes\n[slow]\nworkload = churn:rounds=5\ntpt = no\n' >"$T/two.ini"
"$TPT" sim --scheme tpt-opt --scenario "$T/two.ini" --json - >"$T/two.json" 2>/dev/null || bad "scenario sim failed"
grep -q '"name": "fast"' "$T/two.json" && grep -q '"name": "slow"' "$T/two.json" && ok || bad "scenario processes"
grep -q '"mode": "tpt-opt"' "$T/two.json" && grep -q '"mode": "nested"' "$T/two.json" && ok ||
	bad "scenario: TPT only for the armed program"
"$TPT" compare --scenario "$T/two.ini" --schemes nested,tpt-opt >"$T/two.txt" 2>/dev/null
grep -q "fast" "$T/two.txt" && grep -q '\*' "$T/two.txt" && ok || bad "scenario compare table"
"$TPT" sim --scheme native --workload churn:rounds=3 --thp always >/dev/null 2>&1 && ok || bad "--thp always"

# Bad input: one clear line on stderr, exit status 2.
expect_error() {
	want="$1"
	shift
	"$TPT" "$@" >"$T/out" 2>"$T/err"
	rc=$?
	lines=$(wc -l <"$T/err")
	if [ "$rc" -ne 2 ]; then bad "'$*' exited $rc, want 2"; return; fi
	if [ "$lines" -ne 1 ]; then bad "'$*' printed $lines error lines"; return; fi
	grep -q -- "$want" "$T/err" && ok || bad "'$*' error lacks '$want': $(cat "$T/err")"
}

# Traces: write, info, convert, simulate (record.sh records real programs).
"$TPT" trace write --workload gups:size=8M,updates=5K -o "$T/g.tpt" && ok || bad "trace write"
"$TPT" trace info "$T/g.tpt" | grep -q "^accesses *22049  (10000 reads, 12049 writes)" && ok || bad "trace info counts (2049 warm-up writes, then 5000 updates of 2 reads, 2 writes)"
# --window: one access is one page; the warm-up's 2049 writes, one a page,
# are the first window's 2049 pages; a window longer than the trace is none.
"$TPT" trace info "$T/g.tpt" --window 1 | grep -q "^window *1 accesses: 22049 windows, distinct 4K pages 1.00 a window (least 1, most 1)" &&
	"$TPT" trace info "$T/g.tpt" --window 2049 | grep -q "^window .*: 10 windows, .*most 2049)" &&
	"$TPT" trace info "$T/g.tpt" --window 30000 | grep -q "no whole window (22049 accesses)" && ok || bad "trace info --window"
expect_error "is not a count of accesses above 0" trace info "$T/g.tpt" --window 0
"$TPT" trace convert "$T/g.tpt" "$T/g.champsim.xz" --to champsim 2>"$T/conv.err" && ok || bad "trace convert to champsim"
grep -q "note: 4 OS events dropped" "$T/conv.err" && ok || bad "convert names the OS events ChampSim drops (exec, two mmaps, mark)"
"$TPT" trace info "$T/g.champsim.xz" | grep -q "(champsim)" && ok || bad "champsim detected"
"$TPT" sim --scheme nested --workload gups:size=8M,updates=5K --json "$T/gen.json" >/dev/null 2>&1
"$TPT" sim --scheme nested --workload "trace:path=$T/g.tpt" --json "$T/tr.json" >/dev/null 2>&1
sed '/"provenance"/,$d' "$T/gen.json" | grep -v '"workload"' | grep -v '_mem"' >"$T/gen.cmp"
sed '/"provenance"/,$d' "$T/tr.json" | grep -v '"workload"' | grep -v '_mem"' >"$T/tr.cmp"
cmp -s "$T/gen.cmp" "$T/tr.cmp" && ok || bad "a traced generator does not simulate as the generator"
cp "$T/g.tpt" "$T/keep.tpt"
"$TPT" trace convert "$T/keep.tpt" "$T/keep.tpt" 2>/dev/null
[ $? -eq 2 ] && cmp -s "$T/g.tpt" "$T/keep.tpt" && ok || bad "convert onto its input"
printf 'I  0400,3\n L zz,8\n' >"$T/bad.lackey"
"$TPT" trace convert "$T/bad.lackey" "$T/out.tpt" 2>"$T/err"
[ $? -eq 2 ] && grep -q "byte" "$T/err" && [ ! -e "$T/out.tpt" ] && ok || bad "a bad trace left output, no offset or not exit 2"
ls "$T"/out.tpt.tmp* >/dev/null 2>&1 && bad "temporary trace left behind" || ok

# Bad input: one clear line on stderr, exit status 2 (expect_error, above).
expect_error "unknown scheme 'warp'" sim --scheme warp --workload gups
expect_error "not one of never|always|madvise" sim --scheme native --workload gups --thp sometimes
printf '[hv]\ndvmt_layout = ds\ndvmt_where = both\n' >"$T/dsboth.ini"
expect_error "dvmt_layout = ds with dvmt_where = both is not modelled" sim --scheme dvmt --workload gups:size=64M,updates=1K --config "$T/dsboth.ini"
# DVMT's applications opt in: in a scenario, the programs it arms (tpt =
# yes) register ranges (a walk there: own map and check, 2 references);
# the others walk two-dimensionally through the hypervisor's map. A
# scenario that arms none has none registering (a single workload runs
# armed, as under TPT).
printf '[hv]\ndvmt_where = both\n' >"$T/both.ini"
for armed in yes no; do
	printf '[scenario]\nslice = 1M\n[a]\nworkload = gups:size=64M,updates=100K\n' >"$T/dv.ini"
	[ $armed = yes ] && printf 'tpt = yes\n' >>"$T/dv.ini"
	printf '[b]\nworkload = gups:size=64M,updates=100K\n' >>"$T/dv.ini"
	"$TPT" sim --scheme dvmt --scenario "$T/dv.ini" --config "$T/both.ini" --json "$T/dv.json" >/dev/null &&
		awk -v armed=$armed '/"name": "a"/ { p = "a" } /"name": "b"/ { p = "b" }
			/"refs_per_walk":/ && p { gsub(/,/, "", $2); r[p] = $2 + 0; p = "" }
			END { exit !(r["b"] > 3 && (armed == "yes" ? r["a"] > 1.9 && r["a"] < 2.2 : r["a"] > 3)) }' "$T/dv.json" &&
		ok || bad "dvmt both, programs armed: $armed"
done
expect_error "unknown workload 'nope'" sim --scheme native --workload nope
expect_error "unknown key 'colour'" sim --scheme native --workload gups:colour=1
expect_error "not a size" sim --scheme native --workload gups:size=4Q
expect_error "smaller than one 1G guest page" sim --scheme nested --workload gups:size=256M --guest-page 1G
expect_error "not 4 or 5" sim --scheme native --workload gups --levels 3
expect_error "not 4K, 2M or 1G" sim --scheme native --workload gups --host-page 8K
expect_error "unknown option" sim --scheme native --workload gups --frobnicate
expect_error "needs --scheme" sim --workload gups
expect_error "unknown scheme 'bogus'" compare --schemes nested,bogus
expect_error "cannot open config file" sim --scheme native --workload gups --config "$T/missing.ini"
printf '[tlb]\nstlb_ways = 8\n' >"$T/bad.ini"
expect_error "power-of-two" sim --scheme native --workload gups --config "$T/bad.ini"
expect_error "unknown command" frobnicate
expect_error "cannot open scenario" sim --scheme native --scenario nosuchscenario
expect_error "unknown trace format" trace info "$T/g.tpt" --format pcap
expect_error "unknown subcommand" trace frobnicate
expect_error "cannot open trace" trace info "$T/none.tpt"
expect_error "cannot open trace" sim --scheme native --workload "trace:path=$T/none.tpt"
expect_error "not both" sim --scheme native --scenario vm-mix --workload gups
printf '[a]\nworkload = gups:size=3Q\n' >"$T/bad-scn.ini"
expect_error "not a size" compare --scenario "$T/bad-scn.ini"

expect_error "is not auto or threshold" sim --scheme tpt-opt --workload gups --policy oracle
expect_error "needs --policy" sim --scheme tpt-opt --workload gups --timeline "$T/tl.csv"
expect_error "needs a TPT scheme" sim --scheme nested --workload gups --policy auto
expect_error "takes no --policy" compare --policy auto

# The automatic policy: a sample per interval in the timeline, TPT switched on for GUPS.
"$TPT" sim --scheme tpt-opt --workload gups:size=64M,updates=1M --policy auto --timeline "$T/tl.csv" \
	>"$T/auto.txt" 2>/dev/null && ok || bad "sim --policy auto"
grep -v '^#' "$T/tl.csv" | head -n 1 | grep -q "^pid,name,sample,instructions,cycles,mpki," && ok || bad "timeline header"
head -n 3 "$T/tl.csv" | grep -q "^# tpt [0-9.]* (commit .*), seed 1, on " &&
	grep -q "^# command: tpt sim --scheme tpt-opt " "$T/tl.csv" &&
	grep -q "^# configuration: the defaults of this release, except: none" "$T/tl.csv" && ok ||
	bad "the timeline does not open with its provenance"
grep -q ",nested,enable," "$T/tl.csv" && ok || bad "timeline shows the enable"
[ "$(grep -c ',enable,' "$T/tl.csv")" -eq 1 ] && ok || bad "one enable, no flipping"
grep -q "^  policy  *[1-9]" "$T/auto.txt" && ok || bad "profiling cost reported"

# tpt policy: every policy on one scenario, JSON with the documented keys.
printf '[scenario]\nslice = 1M\n[hot]\nworkload = gups:size=64M,updates=1M\n[cold]\nworkload = sysbench:block=1M,total=64M,mode=seq\n' >"$T/pol.ini"
"$TPT" policy --scenario "$T/pol.ini" --json "$T/pol.json" >"$T/pol.txt" 2>/dev/null && ok || bad "tpt policy"
for k in policy cycles speedup_vs_never oracle_gain_share profiling_overhead_share construction_cycles \
	decisions losing_decisions worst_process_slowdown_vs_never processes; do
	grep -q "\"$k\":" "$T/pol.json" && ok || bad "tpt policy JSON lacks $k"
done
[ "$(grep -c '^    "policy":' "$T/pol.json")" -eq 6 ] && ok || bad "six policies"
grep -q "^oracle .*100.0%" "$T/pol.txt" && ok || bad "the oracle captures its own gain"
grep -q "^never .* 1.000x" "$T/pol.txt" && ok || bad "never is the reference"
expect_error "needs a TPT scheme" policy --scenario "$T/pol.ini" --scheme nested
# Other schemes as baselines: a row each, after the policies, naming its
# scheme; tpt-opt with TPT never enabled is nested paging, to the cycle.
"$TPT" policy --scenario "$T/pol.ini" --schemes nested,shsp --json "$T/base.json" >"$T/base.txt" 2>/dev/null &&
	ok || bad "tpt policy --schemes"
[ "$(grep -c '^    "policy":' "$T/base.json")" -eq 8 ] && ok || bad "six policies and two baselines"
grep -q '^    "scheme": "shsp",' "$T/base.json" && ok || bad "a baseline row names its scheme"
never=$(awk '$1 == "never" { print $2 }' "$T/base.txt")
nested=$(awk '$1 == "nested" { print $2 }' "$T/base.txt")
[ -n "$never" ] && [ "$never" = "$nested" ] && ok || bad "nested's row ($nested) is not never's ($never)"
grep -q "^shsp .*x" "$T/base.txt" && ok || bad "shsp's row in the text"
expect_error "baselines are schemes without TPT" policy --scenario "$T/pol.ini" --schemes nested,tpt-naive
expect_error "names nested twice" policy --scenario "$T/pol.ini" --schemes nested,nested
expect_error "unknown scheme 'nope'" policy --scenario "$T/pol.ini" --schemes nope
expect_error "no --policy" policy --policy auto
"$TPT" policy --scenario nosuch >/dev/null 2>&1; [ $? -eq 2 ] && ok || bad "unknown scenario"

# A failed run leaves an existing output file as it was.
echo keep >"$T/keep.json"
"$TPT" sim --scheme native --workload gups:size=4Q --json "$T/keep.json" >/dev/null 2>&1
[ "$(cat "$T/keep.json")" = keep ] && ok || bad "failed run overwrote its --json file"
ls "$T"/keep.json.tmp* >/dev/null 2>&1 && bad "temporary file left behind" || ok

# tpt config prints what configs/default.ini holds; help and listings work.
"$TPT" config | grep -q "^stlb_entries = 1536" && ok || bad "tpt config"
# Output files: nothing the user has is lost (outfile.h).
O="$T/outs"
mkdir "$O"
printf '[cost]\nbase_cpi = 1\n' >"$O/my.ini"
cp "$O/my.ini" "$O/my.bak"
expect_error "is this run's input" sim --scheme native --workload $W --config "$O/my.ini" --json "$O/my.ini"
cmp -s "$O/my.ini" "$O/my.bak" && ok || bad "--json onto the run's --config changed it"
expect_error "two outputs of this run are the same file" sim --scheme tpt-opt --policy auto \
	--workload $W --timeline "$O/x" --json "$O/x"
expect_error "no directory $O/nodir" sim --scheme native --workload $W --json "$O/nodir/x.json"
"$TPT" sim --scheme native --workload $W --json /dev/null >/dev/null 2>&1 && [ -c /dev/null ] && ok ||
	bad "--json /dev/null did not write in place"
echo old >"$O/keep.json"
chmod 600 "$O/keep.json"
ln -s keep.json "$O/link.json"
"$TPT" sim --scheme native --workload $W --json "$O/link.json" >/dev/null 2>&1 && ok || bad "--json through a link"
[ -L "$O/link.json" ] && [ "$(stat -c %a "$O/keep.json")" = 600 ] && grep -q '"scheme"' "$O/keep.json" && ok ||
	bad "a symlinked output was replaced, or its target lost its mode"
mkfifo "$O/fifo"
cat "$O/fifo" >"$O/fifo.out" &
"$TPT" sim --scheme native --workload $W --json "$O/fifo" >/dev/null 2>&1
wait
[ -p "$O/fifo" ] && grep -q '"scheme"' "$O/fifo.out" && ok || bad "a FIFO output was replaced or not written"
"$TPT" config >/dev/full 2>"$T/err"
[ $? -eq 1 ] && grep -q "cannot write standard output" "$T/err" && [ "$(wc -l <"$T/err")" -eq 1 ] && ok ||
	bad "a write error on stdout went unnoticed"
"$TPT" sim --scheme native --workload $W --json - >/dev/full 2>/dev/null
[ $? -eq 1 ] && ok || bad "sim --json - to a full device exits 0"
"$TPT" trace write --workload $W -o "$O/g.tpt" 2>/dev/null
cp "$O/g.tpt" "$O/g.bak"
expect_error "is this run's input" trace write --workload "trace:path=$O/g.tpt" -o "$O/g.tpt"
cmp -s "$O/g.tpt" "$O/g.bak" && ok || bad "trace write onto its own input changed it"
printf '[a]\nworkload = trace:path=%s\n' "$O/g.tpt" >"$O/tr.ini"
expect_error "is this run's input" compare --scenario "$O/tr.ini" --json "$O/g.tpt"
cmp -s "$O/g.tpt" "$O/g.bak" && ok || bad "--json onto a scenario's trace changed it"
"$TPT" sim --scheme tpt-opt --policy auto --workload gups:size=1G,updates=50M --timeline "$O/tl.csv" \
	>/dev/null 2>&1 &
pid=$!
sleep 1
kill -TERM $pid
{ wait $pid; } 2>/dev/null
[ -z "$(ls -A "$O" | grep '^\.')" ] && ok || bad "a temporary survived SIGTERM: $(ls -A "$O")"

# tpt counters names a model's list: sim (the default), dbt or power; each
# key once, and the model's JSON carries every one.
expect_error "counters: no model 'extra' (sim, dbt or power)" counters extra
expect_error "counters: unexpected argument 'x'" counters sim x
"$TPT" counters sim | cmp -s - "$T/counters.txt" && ok || bad "tpt counters sim is not tpt counters"
"$TPT" dbt --workload gups:size=1M,updates=2K --scheme softmmu --json "$T/dbt.json" >/dev/null &&
	"$TPT" power --workload lame --scheme trap --json "$T/power.json" >/dev/null && ok || bad "dbt or power failed"
for m in dbt power; do
	"$TPT" counters $m >"$T/c-$m.txt" && ok || bad "tpt counters $m failed"
	n=0
	for k in $(cut -d' ' -f1 "$T/c-$m.txt"); do
		n=$((n + 1))
		grep -q "\"$k\":" "$T/$m.json" || bad "$m JSON lacks counter $k"
	done
	[ "$n" -gt 10 ] && [ "$(cut -d' ' -f1 "$T/c-$m.txt" | sort -u | wc -l)" -eq "$n" ] && ok ||
		bad "tpt counters $m: $n rows, or a key listed twice"
done

# tpt power: the embedded Power model; bad input is one line and status 2.
expect_error "unknown workload 'boot'" power --workload boot
expect_error "unknown scheme 'fast'" power --scheme fast
expect_error "unknown option '--frob'" power --frob
expect_error "power: --seed is given twice" power --seed 1 --seed 2
expect_error "--timeline follows one workload under one scheme" power --timeline text
expect_error "trap does not resize" power --workload lame --scheme trap --timeline text
expect_error "--timeline is text or csv, not 'svg'" power --workload lame --scheme bt+pr --timeline svg
expect_error "cannot open paper's figures" power --workload lame --paper "$T/none.csv"
printf 'a,b\n' >"$T/paper.csv"
expect_error "not tpt's paper-figure header" power --workload lame --paper "$T/paper.csv"
printf 'workload,scheme,value,priv_exits,tlb_misses,access_violations\nlame,trap,x,1,2,3\n' >"$T/paper.csv"
expect_error "paper.csv:2: a figure is not a number from 0 to 1e+15" power --workload lame --paper "$T/paper.csv"
printf '[hv]\nguest_tlb1 = 15\n' >"$T/pw.ini"
expect_error "no TLB1 entry is left for the kernel" power --workload lame --config "$T/pw.ini"
printf '[hv]\nshortest = 8K\n' >"$T/pw.ini"
expect_error "shortest: 8K is out of range" power --workload lame --config "$T/pw.ini"
printf '[kernel]\nlowmem = 2M\n' >"$T/pw.ini"
expect_error "do not fit its 256 MiB page" power --workload lame --config "$T/pw.ini"
printf '[hv]\nstolen_heat = 20\n' >"$T/pw.ini"
expect_error "stolen_heat 20 times the stolen space's share of the data is more than all of it" power --workload lame --config "$T/pw.ini"
printf '[hv]\nstolen_gap = 1M\n' >"$T/pw.ini"
expect_error "stolen_gap must be whole pages that leave the stolen space within the kernel's data" power --workload lame --config "$T/pw.ini"
"$TPT" power --defaults >"$T/pw.ini" && "$TPT" power --workload lame --scheme trap --config "$T/pw.ini" |
	grep -q "^trap  *60312 " && ok || bad "power --defaults does not load back as --config"
expect_error "is this run's input" power --workload lame --config "$T/pw.ini" --json "$T/pw.ini"
[ "$("$TPT" power --workload list | wc -l)" -eq 22 ] && ok || bad "power --workload list: not 22 workloads"
# Every scheme's run has the keys the issue names; the same seed, the same bytes.
"$TPT" power --workload lame --json "$T/pw1.json" >/dev/null && "$TPT" power --workload lame --json - >"$T/pw2.json" &&
	python3 -c 'import json,sys
d=json.load(open(sys.argv[1])); r=d["runs"]
assert len(r) == 8 and d["parameters"]["cost.exit_ns"] == "1973", d["parameters"]
for x in r:
    for k in ("priv_exits", "tlb_misses", "access_violations", "seconds"): assert k in x, (x["scheme"], k)
assert r[0]["scheme"] == "trap" and r[0]["priv_exits"] == 60312' "$T/pw1.json" &&
	cmp -s "$T/pw1.json" "$T/pw2.json" && ok || bad "power --json: keys, or two runs differ"
"$TPT" power --workload lame --scheme bt+pr --timeline csv >"$T/tl.csv" &&
	head -n 1 "$T/tl.csv" | grep -qx "t,entry,ea,size,rights" && grep -q ",traced$" "$T/tl.csv" && ok ||
	bad "power --timeline csv"
"$TPT" power --workload lame --scheme static-tlb --paper "$(dirname "$0")/../data/power/paper.csv" |
	grep -Eq "^static-tlb .* 637 +2052 +3124 +0.51 " && ok || bad "power --paper: the paper's figures beside the model's"

# tpt dbt: SoftMMU against BTMMU; the direct scheme refuses what it cannot run.
expect_error "unknown guest 'arm'" dbt --guest arm
expect_error "unknown scheme 'magic'" dbt --scheme magic
expect_error "unknown option '--frob'" dbt --frob
# Configuration and scenario inputs: regular text files with bounded lines, or refused at once.
expect_error "/dev/zero is not a regular file" sim --scheme native --workload $W --config /dev/zero
expect_error "is not a regular file" sim --scheme native --workload $W --config "$T"
mkfifo "$T/cfg.fifo"
expect_error "is not a regular file" sim --scheme native --workload $W --config "$T/cfg.fifo"
{ echo '[cost]'; printf '; %0200d base_cpi = 50\n' 0; } >"$T/long.ini"
expect_error "long.ini:2: a line longer than 190 characters" sim --scheme native --workload $W \
	--config "$T/long.ini"
printf '[cost]\n\000base_cpi = 2\n' >"$T/nul.ini"
expect_error "holds a NUL byte" sim --scheme native --workload $W --config "$T/nul.ini"
expect_error "scenario /dev/zero is not a regular file" sim --scheme native --scenario /dev/zero
# A repeated option, --schemes to sim, and two outputs on standard output are refused.
expect_error "--scheme is given twice" sim --scheme native --scheme nested --workload $W
expect_error "not --schemes" sim --scheme native --schemes nested --workload $W
expect_error "would share standard output" sim --scheme tpt-opt --policy auto --workload $W \
	--timeline - --json -
"$TPT" sim --scheme tpt-opt --policy auto --workload gups:size=64M,updates=200K --timeline - \
	>"$T/tl.csv" 2>/dev/null && grep -v '^#' "$T/tl.csv" | head -n 1 | grep -q "^pid,name,sample" &&
	! grep -q "estimated cycles" "$T/tl.csv" && ok || bad "--timeline - is not the CSV alone on stdout"
# An option missing its value is named as such, in every command.
expect_error "--seed needs a value" dbt --seed
expect_error "--seed needs a value" sim --seed
expect_error "--workload needs a value" trace write --workload
# Every command listed by tpt help answers --help (and tpt help COMMAND) with
# its synopsis and its options, status 0.
for c in $("$TPT" help | sed -n 's/^  tpt \([a-z][a-z-]*\).*/\1/p'); do
	"$TPT" "$c" --help >"$T/h1" 2>"$T/h2" && [ ! -s "$T/h2" ] && head -n 1 "$T/h1" | grep -q "^usage: tpt $c" &&
		"$TPT" help "$c" | cmp -s - "$T/h1" && ok || bad "tpt $c --help: $(head -n 2 "$T/h1" "$T/h2")"
done
"$TPT" trace record --help | grep -q -- "--no-children" && ok || bad "tpt trace record --help lacks its options"
"$TPT" sim -h | grep -q -- "--guest-page" && ok || bad "tpt sim -h lacks its options"
expect_error "help: unknown command 'frob'" help frob
# trace, study and rerun parse with option tables, as the other commands do:
# an option given twice is refused, -o counts as --output, and an option
# goes only with the verb that takes it.
expect_error "trace: --output is given twice" trace write --workload gups -o "$T/x1.tpt" --output "$T/x2.tpt"
expect_error "trace: --seed is given twice" trace write --workload gups --seed 1 --seed 2 -o "$T/x1.tpt"
expect_error "study: run takes no --submit" study run studies/smoke-small.ini --submit
expect_error "study: --dir is given twice" study report studies/smoke-small.ini --dir a --dir b
expect_error "study: plan takes no --submit" study plan studies/smoke-small.ini --submit
# plan says what each run and the study need of memory, at --jobs at once.
"$TPT" study plan "$(dirname "$0")/../studies/smoke-small.ini" --jobs 2 >"$T/plan" &&
	[ "$(grep -c '^[0-9a-f]\{16\} tpt compare .* --jobs 1$' "$T/plan")" -eq 4 ] &&
	grep -q "^# memory, from the workloads' sizes: 256 MiB for the largest run, 512 MiB with 2 at once" "$T/plan" &&
	grep -q "^# time, from the workloads' lengths at nested GUPS's [0-9.]* M events/s measured now (most runs go faster): [0-9]* s for the largest run, [0-9]* s for the study with 2 at once$" "$T/plan" &&
	ok || bad "study plan's memory and time: $(tail -n 3 "$T/plan")"
# a trace's length is unknown: the plan says it does not estimate
printf '[study]\ncommand = compare\nworkload = trace:path=%s\npages = 4K/4K\n' "$T/tr.tpt" >"$T/tr.ini"
"$TPT" trace write --workload gups:size=1M,updates=100 -o "$T/tr.tpt" 2>/dev/null &&
	"$TPT" study plan "$T/tr.ini" | grep -q '^# time: not estimated (its workloads cannot tell their length, as traces)$' &&
	ok || bad "study plan of a trace: $("$TPT" study plan "$T/tr.ini" 2>&1 | tail -n 2)"
# --sample: sim says how it sampled and how sure it is, in text and JSON;
# compare and policy add the interval's column; bad [sample] keys are refused.
"$TPT" sim --sample --scheme nested --workload gups:size=256M,updates=1M --json "$T/smp.json" >"$T/smp" &&
	grep -q "^sampled: [0-9]* windows; accesses [0-9]* in detail, [0-9]* warming, [0-9]* fast-forwarded$" "$T/smp" &&
	grep -q "^  est. cycles +-[0-9.]*%  walk stall +-[0-9.]*%  data stall +-[0-9.]*%$" "$T/smp" &&
	grep -q '"accesses_fast_forwarded": [1-9]' "$T/smp.json" && grep -q '"estimated_counters": \[' "$T/smp.json" &&
	ok || bad "sim --sample: $(tail -n 4 "$T/smp")"
"$TPT" compare --sample --schemes nested,tpt-opt --workload gups:size=256M,updates=1M >"$T/smpc" &&
	grep -q "95% +-$" "$T/smpc" && grep -Eq "^tpt-opt .* [0-9.]+%$" "$T/smpc" &&
	ok || bad "compare --sample: $(cat "$T/smpc")"
"$TPT" policy --sample --workload gups:size=256M,updates=1M --jobs 2 >"$T/smpp" &&
	grep -Eq "^auto .* [0-9.]+%$" "$T/smpp" && grep -q "^sampled (never's run): " "$T/smpp" &&
	ok || bad "policy --sample: $(cat "$T/smpp")"
# shsp decides from walk cycles: sampled, it judges each window, so
# compare --sample runs every scheme, shsp among them.
"$TPT" compare --sample --workload gups:size=64M,updates=1K >"$T/smpall" 2>&1 &&
	grep -q "^nested " "$T/smpall" && grep -q "^shsp " "$T/smpall" && ok ||
	bad "compare --sample, every scheme: $(cat "$T/smpall")"
printf '[sample]\nsample_window = 760K\n' >"$T/smp.ini"
expect_error "sample_warmup + sample_window (1010000) exceed sample_period (1000000)" sim --sample --config "$T/smp.ini" --scheme nested --workload gups
printf '[sample]\nsample_prewarm = 800K\n' >"$T/smp.ini"
expect_error "sample_warmup + sample_window + sample_prewarm (1100000) exceed sample_period (1000000)" sim --sample --config "$T/smp.ini" --scheme nested --workload gups
expect_error "study: unexpected argument 'extra'" study plan studies/smoke-small.ini extra
expect_error "study: unknown option '--frob'" study plan studies/smoke-small.ini --frob
expect_error "rerun: --json is given twice" rerun "$T/none.json" --json a --json b
expect_error "16 KiB pages" dbt --scheme direct --workload gups:size=16M,updates=64K
printf '[dbt]\nhost_page = 4K\n' >"$T/dbt4k.ini"
expect_error "does not fit the host's 40-bit user space" dbt --config "$T/dbt4k.ini" --scheme direct \
	--guest x86_64 --workload gups:size=16M,updates=64K
expect_error "3 GiB a 32-bit guest" dbt --guest ia32 --workload gups:size=3G,updates=1K
"$TPT" dbt --workload gups:size=16M,updates=64K --scheme btmmu --json - >"$T/dbt.json" 2>/dev/null && ok ||
	bad "tpt dbt --json -"
for k in host_instructions cycles guest_accesses stlb_hit_rate walks exceptions; do
	grep -q "\"$k\":" "$T/dbt.json" && ok || bad "tpt dbt JSON lacks $k"
done
"$TPT" dbt --config "$T/dbt4k.ini" --guest ia32 --workload gups:size=16M,updates=64K >"$T/dbt.txt" 2>&1 && ok ||
	bad "tpt dbt (all schemes)"
grep -q "^direct " "$T/dbt.txt" && grep -q "BTMMU speed-up over SoftMMU: [0-9.]*x" "$T/dbt.txt" && ok ||
	bad "tpt dbt table: $(cat "$T/dbt.txt")"
"$TPT" dbt --workload trace:path="$(dirname "$0")/fixtures/true.tpt" --guest ia32 --scheme softmmu >/dev/null 2>&1 && ok ||
	bad "tpt dbt on a trace"

# Ranges cost what is mapped: a munmap over the whole user space, and
# ranges that wrap or leave every user address space are refused as corrupt.
L="$T/range.lackey"
{
	echo 'SYSCALL[9,1](9) sys_mmap ( 0x0, 65536, 3, 34, 4294967295, 0 ) --> [pre-success] Success(0x4000000) '
	echo ' S 04000000,8'
	echo ' L 04001000,8'
	echo 'SYSCALL[9,1](11) sys_munmap ( 0x1000, 140737488351232 ) --> [pre-success] Success(0x0) '
	echo ' S 04000000,8'
	echo 'SYSCALL[9,1](10) sys_mprotect ( 0x4000000, 140737421234176, 1 ) --> [pre-success] Success(0x0) '
	echo ' L 04000000,8'
} >"$L"
for g in ia32 x86_64; do
	timeout 60 "$TPT" dbt --workload "trace:path=$L" --guest $g --scheme btmmu >/dev/null 2>&1 && ok ||
		bad "dbt --guest $g on a munmap of the whole user space (exit $?)"
done
timeout 60 "$TPT" sim --scheme shadow --workload "trace:path=$L" >/dev/null 2>&1
[ $? -eq 1 ] && ok || bad "sim: an access after munmap of everything is not a clean run failure"
sed 's/140737488351232/18446744073709551615/' "$L" >"$T/wrap.lackey"
expect_error "wrap.lackey: line 4: a successful call on a range beyond the user address space" \
	dbt --workload "trace:path=$T/wrap.lackey"
expect_error "beyond the user address space" trace info "$T/wrap.lackey"
# Trace formats: detected by content, refused when none fits; CRLF lackey and pipes read.
sed 's/$/\r/' "$L" >"$T/crlf.lackey"
"$TPT" trace info "$T/crlf.lackey" | grep -q "^accesses *4 " && ok || bad "a CRLF lackey trace"
{ printf 'TPTTRACF'; tail -c +9 "$T/g.tpt"; } >"$T/magic.bin"
expect_error "its magic is damaged" trace info "$T/magic.bin"
head -c 6400 /dev/urandom >"$T/noise.bin"
printf '\001\002\003\004\005\006\007\010\377\377' | dd of="$T/noise.bin" conv=notrunc 2>/dev/null
expect_error "not a tpt, lackey or ChampSim trace" sim --scheme native --workload "trace:path=$T/noise.bin"
expect_error "not a ChampSim record (branch flags 255 and 255" trace info --format champsim "$T/noise.bin"
cat "$T/g.tpt" | "$TPT" trace info /dev/stdin | grep -q "^accesses *22049 " && ok || bad "trace info from a pipe"
cat "$T/g.tpt" | xz | "$TPT" trace convert /dev/stdin "$T/piped.tpt" 2>/dev/null && ok || bad "trace convert from an xz pipe"
cmp -s "$T/g.tpt" "$T/piped.tpt" && ok || bad "a piped trace converted back differs"
cat "$T/g.tpt" | "$TPT" sim --scheme native --workload trace:path=/dev/stdin >/dev/null 2>"$T/err"
[ $? -eq 2 ] && grep -q "is not a regular file: a simulation reads its trace more than once" "$T/err" && ok ||
	bad "a piped trace to sim: $(cat "$T/err")"
# The output's name picks the format written; a tpt trace is never named .xz.
"$TPT" trace write --workload gups:size=8M,updates=1K -o "$T/n.champsim.xz" 2>/dev/null &&
	"$TPT" trace info "$T/n.champsim.xz" | grep -q "(champsim)" && head -c 6 "$T/n.champsim.xz" | grep -q "7zXZ" &&
	ok || bad "-o x.champsim.xz did not write xz ChampSim"
# ChampSim .xz comes in 8 MiB blocks (decoded in parallel), and reads back
# the same records as the plain file.
"$TPT" trace write --workload gups:size=8M,updates=4K -o "$T/b.champsim.xz" 2>/dev/null &&
	"$TPT" trace write --workload gups:size=8M,updates=4K -o "$T/b.champsim" 2>/dev/null &&
	[ "$(xz --robot --list "$T/b.champsim.xz" | awk '$1 == "file" {print $3}')" -gt 1 ] &&
	xz -dc "$T/b.champsim.xz" | cmp -s - "$T/b.champsim" &&
	[ "$("$TPT" trace info "$T/b.champsim.xz" | grep -v '^trace')" = "$("$TPT" trace info "$T/b.champsim" | grep -v '^trace')" ] &&
	ok || bad "ChampSim .xz in blocks"
"$TPT" trace write --workload gups:size=8M,updates=1K -o "$T/n.champsim" 2>/dev/null &&
	"$TPT" trace info "$T/n.champsim" | grep -q "(champsim)" && ok || bad "-o x.champsim"
expect_error "a tpt trace is compressed with zstd, not xz" trace write --workload gups:size=8M,updates=1K \
	-o "$T/n.tpt.xz" --to tpt
expect_error "unknown key 'kentry'" sim --scheme native --workload "trace:path=$T/g.tpt,kentry=1"
# Sizes: a header claiming more than any address space, and more memory than this machine has.
{ head -c 16 "$T/g.tpt"; printf '\377\377\377\377\377\377\377\377'; tail -c +25 "$T/g.tpt"; } >"$T/huge.tpt"
expect_error "the header's footprint of 18446744073709551615 bytes" sim --scheme native \
	--workload "trace:path=$T/huge.tpt"
# More memory than this machine has is the machine's limit, not bad input: status 1.
one_line "needs about .* of this machine's memory" 1 sim --scheme nested --workload gups:size=4T
one_line "bfs: its own structures need about" 1 sim --scheme native --workload bfs:scale=28,degree=1024
# A scenario program with more than 255 processes runs as it does alone.
K="kcbench:tasks=100,cc1=1M,cache=cold"
printf '[a]\nworkload = %s\n[b]\nworkload = gups:size=16M,updates=1K\n' "$K" >"$T/many.ini"
"$TPT" sim --scheme nested --scenario "$T/many.ini" >"$T/many.txt" 2>&1 && ok || bad "scenario with 300 processes: $(tail -1 "$T/many.txt")"
grep -q "^ *301 a " "$T/many.txt" && ok || bad "scenario lost processes of program a"

# Every result says where it came from, and tpt rerun makes it again, byte for byte.
printf '[hv]\nmigrate_every = 5000\n[cost]\nbase_cpi = 1.25\n' >"$T/prov.ini"
"$TPT" sim --scheme tpt-opt --workload $W --seed 7 --config "$T/prov.ini" --json "$T/prov.json" >/dev/null 2>&1 &&
	ok || bad "sim --json for provenance"
for k in tool version commit command seed config host cpu kernel; do
	grep -q "\"$k\":" "$T/prov.json" && ok || bad "provenance lacks $k"
done
n=$("$TPT" config | grep -c '^[a-z_0-9]* = ')
m=$(sed -n '/"config": {/,/^    },*$/p' "$T/prov.json" | grep -c '^        "[a-z_0-9]*": "')
[ "$n" -gt 50 ] && [ "$m" -eq "$n" ] && ok || bad "provenance holds $m configuration values, tpt config has $n"
grep -q '"migrate_every": "5000"' "$T/prov.json" && grep -q '"seed": 7' "$T/prov.json" && ok ||
	bad "provenance lacks the run's configuration or seed"
mv "$T/prov.ini" "$T/prov.gone"
"$TPT" rerun "$T/prov.json" --json "$T/again.json" >/dev/null 2>&1 && cmp -s "$T/prov.json" "$T/again.json" && ok ||
	bad "tpt rerun did not reproduce the result byte for byte (its --config file gone)"
"$TPT" compare --workload $W --schemes nested,agile --json "$T/cmp1.json" >/dev/null 2>&1
"$TPT" rerun "$T/cmp1.json" --json - 2>/dev/null | cmp -s - "$T/cmp1.json" && ok || bad "tpt rerun of compare"
expect_error "is this run's input" rerun "$T/prov.json" --json "$T/prov.json"
echo '{"scheme": "native"}' >"$T/noprov.json"
expect_error "carries no provenance" rerun "$T/noprov.json"
expect_error "usage: tpt rerun" rerun

# Runs at once (--jobs): the same bytes as one after another, one error line.
"$TPT" compare --workload $W --jobs 1 --json "$T/j1.json" >"$T/j1.txt" 2>/dev/null &&
	"$TPT" compare --workload $W --jobs 3 --json "$T/j3.json" >"$T/j3.txt" 2>/dev/null &&
	cmp -s "$T/j1.json" "$T/j3.json" && cmp -s "$T/j1.txt" "$T/j3.txt" && ok ||
	bad "compare --jobs 3 differs from --jobs 1"
"$TPT" policy --scenario "$T/pol.ini" --jobs 1 --json "$T/p1.json" >/dev/null 2>&1 &&
	"$TPT" policy --scenario "$T/pol.ini" --jobs 2 --json "$T/p2.json" >/dev/null 2>&1 &&
	cmp -s "$T/p1.json" "$T/p2.json" && ok || bad "policy --jobs 2 differs from --jobs 1"
# A trace is read again by each run's process: the same bytes at any --jobs,
# and a broken one the same one line.
for f in g.tpt g.champsim.xz; do
	"$TPT" compare --workload "trace:path=$T/$f" --schemes native,nested,tpt-opt --jobs 1 \
		--json "$T/t1.json" >/dev/null 2>&1 &&
		"$TPT" compare --workload "trace:path=$T/$f" --schemes native,nested,tpt-opt --jobs 2 \
			--json "$T/t2.json" >/dev/null 2>&1 &&
		cmp -s "$T/t1.json" "$T/t2.json" && ok || bad "compare of $f: --jobs 2 differs from --jobs 1"
done
head -c 30000 "$T/g.champsim.xz" >"$T/cut.xz"
one_line "corrupt or truncated xz data" 2 compare --workload "trace:path=$T/cut.xz" --jobs 2
# Two runs at once, in the background: $pid the tpt, $kids its two run
# processes once both have started (empty where /proc does not list them).
start_two() {
	"$TPT" compare --workload gups:size=1G,updates=20M --schemes native,nested --jobs 2 \
		>"$T/out" 2>"$T/err" &
	pid=$!
	kids=
	for i in $(seq 100); do
		kids=$(cat /proc/$pid/task/$pid/children 2>/dev/null)
		[ "$(echo $kids | wc -w)" -eq 2 ] && return
		sleep 0.1
	done
	kids=
}
# Runs whose processes are killed: one line naming the first in order and
# the signal, exit 1.
start_two
if [ -n "$kids" ]; then
	kill -9 $kids
	wait $pid
	rc=$?
	[ $rc -eq 1 ] && [ "$(wc -l <"$T/err")" -eq 1 ] && grep -q "^tpt: native: .*killed by signal 9" "$T/err" &&
		[ ! -s "$T/out" ] && ok || bad "killed runs: exit $rc, $(cat "$T/err")"
else
	kill $pid
	wait $pid
	echo "SKIP: /proc/PID/task/PID/children is not there: killed runs are not tested"
fi
# A tpt killed takes its runs with it.
start_two
kill -9 $pid
wait $pid 2>/dev/null
left=$kids
for i in $(seq 50); do
	left=
	for k in $kids; do
		[ -e /proc/$k ] && [ "$(cut -d' ' -f3 /proc/$k/stat 2>/dev/null)" != Z ] && left="$left $k"
	done
	[ -z "$left" ] && break
	sleep 0.1
done
if [ -z "$kids" ]; then
	echo "SKIP: /proc/PID/task/PID/children is not there: runs of a killed tpt are not tested"
else
	[ -z "$left" ] && ok || { bad "runs left behind by a killed tpt:$left"; kill -9 $left 2>/dev/null; }
fi
# ... and a run so stopped removes its timeline's temporary first.
mkdir "$T/tl"
"$TPT" policy --workload gups:size=1G,updates=2M --timeline "$T/tl/t.csv" --jobs 2 >/dev/null 2>"$T/tl.err" &
pid=$!
# The auto run opens its timeline after never's and always's runs, whose
# time is this machine's: wait while tpt runs (up to ten minutes).
for i in $(seq 6000); do
	[ -n "$(ls -A "$T/tl")" ] && break
	kill -0 $pid 2>/dev/null || break
	sleep 0.1
done
if [ -n "$(ls -A "$T/tl")" ]; then
	kill -9 $pid
	wait $pid 2>/dev/null
	for i in $(seq 50); do
		[ -z "$(ls -A "$T/tl")" ] && break
		sleep 0.1
	done
	[ -z "$(ls -A "$T/tl")" ] && ok || bad "a killed tpt's run left $(ls -A "$T/tl")"
else
	if kill -0 $pid 2>/dev/null; then how="still running after $i polls"; else how="ended"; fi
	kill $pid 2>/dev/null
	wait $pid
	bad "policy --timeline made no temporary while it ran (ten minutes at most): tpt $how, exit $?; $(cat "$T/tl.err")"
fi
expect_error "smaller than one 1G guest page" compare --workload gups:size=256M,updates=1K --guest-page 1G --jobs 4
expect_error "--jobs: '0' is not a whole number from 1 to 64" compare --jobs 0
expect_error "sim runs one scheme" sim --scheme native --workload $W --jobs 2

# A measured parallelism ([cost] mlp) replaces the estimate of workloads whose
# accesses are independent, not a key the user gave, nor a chain's (whose
# loads are chained, EV_CHAIN, whatever its mlp).
printf '[cost]\nmlp = 7\n' >"$T/mlp.ini"
for c in "gups:size=8M,updates=1K 7 mlp=7," "gups:size=8M,updates=1K,mlp=3 3 mlp=3," \
	"gups:size=8M,updates=1K,loop=chase 4 mlp=4," "canneal:elements=4K,moves=1K 1.5 mlp=1.5,"; do
	set -- $c
	"$TPT" sim --scheme native --workload "$1" --config "$T/mlp.ini" --json - 2>/dev/null |
		python3 -c 'import json,sys; d=json.load(sys.stdin); assert d["mlp"] == float(sys.argv[1]) and sys.argv[2] in d["workload"], (d["mlp"], d["workload"])' "$2" "$3" &&
		ok || bad "[cost] mlp with $1: want mlp $2"
done

# The build says what it is: release and commit (or that it was built outside git).
rel=$("$TPT" --version | awk '{print $2}')
head -n 1 "$(dirname "$0")/../debian/changelog" | grep -q "^tpt ($rel)" && ok ||
	bad "debian/changelog's version is not the release $rel"
"$TPT" --version | grep -Eq "^tpt [0-9]+\.[0-9]+\.[0-9]+ \(commit ([0-9a-f]{7,}(-dirty)?|unknown \(built outside git\))\)$" &&
	ok || bad "tpt --version: $("$TPT" --version)"
"$TPT" workloads | grep -q "^gups" && ok || bad "tpt workloads"
"$TPT" schemes | grep -q "^tpt-opt" && ok || bad "tpt schemes"
"$TPT" help | grep -q "usage" && ok || bad "tpt help"

# Progress on a terminal (script(1) gives one): runs done, running, time,
# and from the runs done, the time left; nothing on stderr without one.
if command -v script >/dev/null; then
	script -qec "\"$TPT\" compare --workload gups:size=64M,updates=20K --schemes native,nested,shadow --jobs 2 >/dev/null" \
		/dev/null >"$T/tty" 2>&1
	tr '\r' '\n' <"$T/tty" | grep -q "^tpt: 3 of 3 runs done, 0 running, [0-9]* s" &&
		tr '\r' '\n' <"$T/tty" | grep -Eq "^tpt: [12] of 3 runs done, [12] running, [0-9]+ s, about [0-9]+ s left" &&
		ok || bad "compare's progress on a terminal: $(tr '\r' '\n' <"$T/tty" | tail -n 3)"
fi
"$TPT" compare --workload gups:size=64M,updates=20K --schemes native,nested --jobs 2 2>"$T/err" >/dev/null
[ ! -s "$T/err" ] && ok || bad "progress without a terminal: $(cat "$T/err")"
finish
