#!/bin/sh
# SPDX-License-Identifier: MIT
# probe.sh - tpt probe as a user meets it: bad input refused in one line,
# a busy machine refused, a machine without /dev/kvm measured natively with
# the reason said, the VM phase for real where /dev/kvm is usable (bounded
# sizes, so it takes seconds), a hung guest stopped by the watchdog, and a
# calibration fragment that tpt's other commands load.
# Usage: probe.sh PATH/TO/tpt
TPT=$1
. "$(dirname "$0")/lib.sh"

one_line "unknown phase 'warp'" 2 probe --phases native,warp
one_line "not a power of two" 2 probe --size 3G
one_line "whole number of 2M" 2 probe --touch 3M
one_line "from 1 to 64" 2 probe --rounds 0
one_line "not 4K, 2M or auto" 2 probe --outer-page 1G
one_line "wants a file" 2 probe --calibrate -
one_line "given twice" 2 probe --rounds 2 --rounds 3
one_line "unknown option" 2 probe --frobnicate
printf '[cost]\nexit_cycles = 1000\n' >"$T/in.ini"
one_line "would overwrite the --config" 2 probe --config "$T/in.ini" --calibrate "$T/in.ini"
one_line "would overwrite the --config" 2 probe --config "$T/in.ini" --calibrate "$T/../$(basename "$T")/in.ini"
one_line "cal.ini" 2 probe --phases native,dependent --size 4M --calibrate "$T/no/such/dir/cal.ini"
one_line "MiB available" 2 probe --size 8T
cmp -s "$T/in.ini" - <<EOF && ok || bad "a refused probe changed its --config"
[cost]
exit_cycles = 1000
EOF

# A busy machine: three spinning shells on this machine's CPUs.
spin() { while :; do :; done; }
spin & s1=$!
spin & s2=$!
spin & s3=$!
one_line "the machine is busy" 1 probe --phases native,dependent --size 4M
kill $s1 $s2 $s3 2>/dev/null
wait 2>/dev/null
# ... and one that turns busy during the probe: the phase after it refuses.
(sleep 1; spin) & s1=$!
(sleep 1; spin) & s2=$!
(sleep 1; spin) & s3=$!
one_line "the machine is busy" 1 probe --phases native,dependent,first-touch --size 64M --steps 4M --touch 64M
kill $s1 $s2 $s3 2>/dev/null
wait 2>/dev/null

small="--size 4M --steps 20000 --updates 128K --touch 4M --events 100 --rounds 2 --allow-busy"

# --allow-busy measures a busy machine, and every result says it was busy.
busy_pids=""
for _ in 1 2 3 4; do
	(while :; do :; done) &
	busy_pids="$busy_pids $!"
done
# shellcheck disable=SC2086
"$TPT" probe --phases native,dependent $small --json "$T/busy.json" >"$T/busy.txt" 2>"$T/err"
rc=$?
# shellcheck disable=SC2086
kill $busy_pids 2>/dev/null
wait 2>/dev/null
[ $rc -eq 0 ] && grep -q '"host_busy": "the machine is busy: other tasks were runnable in' "$T/busy.json" &&
	ok || bad "a busy machine's probe JSON does not say so: $(cat "$T/err")"

# --round-gap spaces the native loops' timed rounds: two rounds, one gap.
one_line "--round-gap: '61m' is not a number of seconds" 2 probe --round-gap 61m
t0=$(date +%s)
"$TPT" probe --phases native,page-chase --size 4M --steps 20000 --rounds 2 --round-gap 2 --allow-busy \
	>"$T/gap.txt" 2>"$T/err" && [ $(($(date +%s) - t0)) -ge 2 ] &&
	grep -q "rounds 2 s apart (--round-gap)" "$T/gap.txt" && ok || bad "--round-gap: $(cat "$T/err" "$T/gap.txt")"

# Native rows, JSON without --compare: no model figures.
# shellcheck disable=SC2086
"$TPT" probe --phases native $small --json "$T/n.json" >/dev/null 2>"$T/err" && ok ||
	bad "native probe failed: $(cat "$T/err")"
python3 - "$T/n.json" <<'EOF' && ok || bad "native probe JSON"
import json, sys
rows = json.load(open(sys.argv[1]))
loops = {(r["loop"], r["guest_page"]) for r in rows}
assert {("independent", "4K"), ("dependent", "2M"), ("first-touch", "4K"), ("churn", "4K")} <= loops, loops
# The latency sweep: the dependent loop on 2M pages over 16K, 64K, ... below
# --size (4M), and the independent loop over the 16K table.
sweep = sorted(r["size"] for r in rows if r["loop"] == "dependent" and r["guest_page"] == "2M")
assert sweep == [16 << 10, 64 << 10, 256 << 10, 1 << 20, 4 << 20], sweep
assert any(r["loop"] == "independent" and r["size"] == 16 << 10 for r in rows), rows
# The page chase on 4K pages and THP: one line in each of a quarter of the
# buffer's 1024 pages (4M), the rest of the rows with no pages.
pc = sorted((r["guest_page"], r["backing"], r["size"], r["pages"]) for r in rows if r["loop"] == "page-chase")
assert pc == [("2M", "THP", 4 << 20, 256), ("4K", "4K", 4 << 20, 256)], pc
assert all(r["pages"] is None for r in rows if r["loop"] != "page-chase"), rows
for r in rows:
    assert r["where"] == "native" and r["ns"] > 0 and r["spread"] >= 1, r
    assert 1 <= r["noise"] <= r["spread"], r
    assert r["model_ns"] is None and r["ratio"] is None and r["verdict"] is None, r
    assert len(r["samples"]) == 2, r
    assert "provenance" in r
    assert "host_busy" in r, r
EOF

# Without /dev/kvm (here: as nobody, who may not open it): native only, and why.
if [ "$(id -u)" -eq 0 ] && command -v setpriv >/dev/null; then
	mkdir "$T/nobody" && chmod 755 "$T" "$T/nobody" && cp "$TPT" "$T/nobody/tpt"
	as_nobody() { setpriv --reuid=65534 --regid=65534 --clear-groups "$@"; }
	if as_nobody test -r /dev/kvm; then
		echo "skipped: nobody may open /dev/kvm here, so the native-only path cannot be shown"
	else
		# shellcheck disable=SC2086
		as_nobody "$T/nobody/tpt" probe --phases dependent $small --json - >"$T/nb.json" 2>"$T/err"
		rc=$?
		[ "$rc" -eq 0 ] && [ "$(wc -l <"$T/err")" -eq 1 ] &&
			grep -q "measuring natively only: /dev/kvm: " "$T/err" && ok ||
			bad "no /dev/kvm: exit $rc, $(cat "$T/err")"
		python3 -c 'import json,sys; r=json.load(open(sys.argv[1])); assert r and all(x["where"]=="native" for x in r)' \
			"$T/nb.json" && ok || bad "no /dev/kvm: rows other than native"
	fi
else
	echo "skipped: not root, cannot run the probe as a user without /dev/kvm"
fi

# The VM phase, for real, where /dev/kvm can be used.
if [ -r /dev/kvm ] && [ -w /dev/kvm ]; then
	# shellcheck disable=SC2086
	timeout 300 "$TPT" probe --phases vm,dependent,exit,pd-write,pt-write,shadow-fill $small --compare \
		--json "$T/vm.json" >"$T/vm.txt" 2>"$T/err" && ok || bad "vm probe failed: $(cat "$T/err")"
	python3 - "$T/vm.json" <<'EOF' && ok || bad "vm probe JSON"
import json, sys
rows = json.load(open(sys.argv[1]))
keys = {"where", "loop", "guest_page", "backing", "ns", "spread", "model_ns", "ratio"}
got = {(r["loop"], r["guest_page"], r["backing"]) for r in rows}
for want in [("dependent", "4K", "4K"), ("dependent", "2M", "THP"), ("exit", "4K", "4K"),
             ("pd-write", "4K", "4K"), ("shadow-fill", "4K", "4K")]:
    assert want in got, (want, got)
for r in rows:
    assert keys <= set(r), r
    assert r["where"] == "vm" and r["ns"] > 0 and r["model_ns"] > 0, r
    assert abs(r["ratio"] - r["ns"] / r["model_ns"]) < 1e-9 * r["ratio"], r
by = {r["loop"]: r for r in rows}
# Each exit, directory write and shadow fill is seen by KVM's own counters.
assert by["exit"]["kvm_stats"]["vcpu.exits"] >= 0.99, by["exit"]
assert by["pd-write"]["kvm_stats"]["vcpu.exits"] >= 0.99, by["pd-write"]
assert by["shadow-fill"]["kvm_stats"]["vcpu.exits"] >= 0.99, by["shadow-fill"]
EOF
	grep -q "^KVM: " "$T/vm.txt" && ok || bad "the probe does not say what the host's KVM is"
	# Where the host's KVM shadows, --calibrate decides from the leaf
	# table writes whether it lets them go out of sync (a tenth of an exit).
	# shellcheck disable=SC2086
	timeout 300 "$TPT" probe --phases native,vm,exit,pt-write $small --calibrate "$T/unsync.ini" \
		--json "$T/unsync.json" >/dev/null 2>"$T/err" && ok || bad "unsync calibration failed: $(cat "$T/err")"
	python3 - "$T/unsync.json" "$T/unsync.ini" <<'EOF' && ok || bad "shadow_unsync is not decided by the rule"
import json, re, sys
rows = json.load(open(sys.argv[1]))
cal = open(sys.argv[2]).read()
by = {(r["where"], r["loop"]): r for r in rows}
m = re.search(r"^shadow_unsync = ([01])$", cal, re.M)
if rows[0]["host_kvm"] in ("ept", "npt"):
    assert not m, cal
else:
    assert m, cal
    extra = by[("vm", "pt-write")]["ns"] - by[("native", "pt-write")]["ns"]
    assert int(m.group(1)) == (extra < by[("vm", "exit")]["ns"] / 10), (extra, cal)
    assert by[("vm", "pt-write")]["calibrates"] == "shadow_unsync"
EOF
	# A guest that never ends: stopped by the watchdog, reported, exit 1.
	one_line "watchdog" 1 probe --phases vm,dependent --size 4M --steps 1T --watchdog 1 --rounds 1 --allow-busy
else
	echo "skipped: /dev/kvm is not usable here; the VM phase is not run"
fi

# --calibrate: a fragment, every value commented, that the simulator loads.
# shellcheck disable=SC2086
"$TPT" probe --phases native,dependent,independent,first-touch $small --calibrate "$T/cal.ini" \
	--json "$T/cal.json" >"$T/cal.txt" 2>"$T/err" && ok || bad "calibrate failed: $(cat "$T/err")"
grep -q "^clock_ghz = " "$T/cal.ini" && grep -q "^dram_latency = " "$T/cal.ini" &&
	grep -q "^guest_fault_cycles = " "$T/cal.ini" && grep -q "^frame_order = scattered$" "$T/cal.ini" &&
	ok || bad "calibration lacks values: $(cat "$T/cal.ini")"
awk '/^[a-z_]+ = / && prev !~ /^; / { bad = 1 } { prev = $0 } END { exit bad }' "$T/cal.ini" && ok ||
	bad "a calibrated value without its comment"
grep -q "dram_latency" "$T/cal.txt" && ok || bad "the comparison does not mark the rows that calibrate"
grep -q "^l1d_latency = " "$T/cal.ini" && grep -q "^l2_latency = " "$T/cal.ini" &&
	grep -q "^base_cpi = " "$T/cal.ini" && ok || bad "the sweep calibrates no cache latency: $(cat "$T/cal.ini")"
# Each cache's replacement is chosen, written, and the model the rows give;
# where every native loop row was too noisy to judge (a loaded machine at
# two rounds), none is chosen, and the text says so.
python3 -c '
import json, re, sys
cal, txt = open(sys.argv[2]).read(), open(sys.argv[3]).read()
rows = [r for r in json.load(open(sys.argv[1])) if r["model_ns"] is not None]
assert rows
judged = [r for r in rows if r["where"] == "native" and r["loop"] in ("dependent", "independent", "page-chase")
          and r["verdict"] != "noisy"]
for level in ("l1d", "l2", "llc"):
    m = re.search(r"^%s_replacement = (lru|random)$" % level, cal, re.M)
    if not judged:
        assert not m and "as configured (no native loop row to choose by)" in txt, (cal, txt)
        continue
    assert m, (level, cal)
    assert all(r[level + "_replacement"] == m.group(1) for r in rows), (level, rows)
if judged:
    assert re.search(r"caches modelled with L1D (LRU|random), L2 (LRU|random) and LLC (LRU|random) "
                     r"replacement \(", txt), txt' "$T/cal.json" "$T/cal.ini" "$T/cal.txt" &&
	ok || bad "the replacements chosen are missing or not the rows': $(cat "$T/cal.ini")"
# Without a native loop row there is nothing to choose the replacement (or
# a guest host's outer page) by: each is left as configured, and said so.
# shellcheck disable=SC2086
"$TPT" probe --phases native,first-touch $small --calibrate "$T/noloop.ini" >"$T/noloop.txt" 2>"$T/err" &&
	ok || bad "calibrate without loop rows failed: $(cat "$T/err")"
! grep -q "_replacement = " "$T/noloop.ini" && grep -q "left as configured (L1D lru, L2 lru, LLC lru)" "$T/noloop.ini" &&
	grep -q "LLC LRU replacement, as configured (no native loop row" "$T/noloop.txt" && ok ||
	bad "a replacement chosen on no loop rows: $(cat "$T/noloop.ini")"
if grep -q "itself a guest" "$T/noloop.txt"; then
	grep -q "outer pages 4K (no native loop row to choose by)" "$T/noloop.txt" && ok ||
		bad "an outer page chosen on no loop rows: $(cat "$T/noloop.txt")"
fi
# The first touch of 2M pages calibrates the clearing of a huge page's
# frames where the kernel gave the buffer huge pages; then the model takes
# as long as measured (within whole cycles).
python3 -c '
import json, sys
cal = open(sys.argv[2]).read()
for r in json.load(open(sys.argv[1])):
    if r["where"] == "native" and r["loop"] == "first-touch" and r["guest_page"] == "2M":
        if r["thp_share"] < 0.5:
            print("skip: the kernel gave the first-touch buffer", r["thp_share"], "huge pages", file=sys.stderr)
            assert "clear_frame_cycles = " not in cal
            break
        assert r["calibrates"] == "clear_frame_cycles", r
        assert "\nclear_frame_cycles = " in cal, cal
        assert abs(r["model_ns"] / r["ns"] - 1) < 0.01, r
        break
else:
    assert False, "no native first-touch row on 2M pages"' "$T/cal.json" "$T/cal.ini" &&
	ok || bad "the first touch of 2M pages does not calibrate clear_frame_cycles"
# Every judged row has its verdict, from its ratio and noise alone.
python3 - "$T/cal.json" <<'EOF' && ok || bad "probe verdicts"
import json, sys
for r in json.load(open(sys.argv[1])):
    if r["verdict"] is None:
        continue
    want = "noisy" if r["noise"] > 1.2 else "within" if abs(r["model_ns"] / r["ns"] - 1) <= 0.2 else "off"
    assert r["verdict"] == want, r
EOF
# tpt sim with the fragment models the probe's update loop as the probe
# did: the same ns an update (128K updates: 128,000), on the outer pages the
# probe chose. On a host that is a guest the probe's runs prefault (the
# outer hypervisor backed this host's memory long ago), so tpt sim does too
# here: on scattered 4K outer frames the order they are backed in decides
# where they fall, and with it the cache hits.
row=$(python3 -c '
import json, sys
for r in json.load(open(sys.argv[1])):
    if r["loop"] == "independent" and r["guest_page"] == "2M" and r["size"] == 4 << 20:
        print(r["model_ns"], r["clock_ghz"], r["outer_page"] or "", "shadow" if r["outer_shadow"] else "")' "$T/cal.json")
set -- $row
cp "$T/cal.ini" "$T/sim.ini"
page=2M
if [ -n "${3:-}" ]; then
	scheme="--scheme nested --host-page $3"
	printf '\n[mem]\nprefault = 1\n' >>"$T/sim.ini"
	# A host whose MMU walks the outer's software shadow: the shadow's
	# leaves, no larger than the outer's pages (the fragment says so).
	if [ "${4:-}" = shadow ]; then
		page=$3
		tr "\n" " " <"$T/cal.ini" | sed "s/ ; / /g" | grep -q "software shadow of its tables" && ok ||
			bad "the fragment does not name the shadow"
	fi
else
	scheme="--scheme native"
fi
# shellcheck disable=SC2086
"$TPT" sim $scheme --guest-page $page --workload gups:size=4M,updates=128000 --config "$T/sim.ini" \
	--json "$T/gups.json" >/dev/null 2>"$T/err" && ok || bad "tpt sim with the fragment: $(cat "$T/err")"
python3 -c '
import json, sys
r = json.load(open(sys.argv[1]))
r = r[0] if isinstance(r, list) else r
ns = r["cycles"] / 128000 / float(sys.argv[3])
assert abs(ns / float(sys.argv[2]) - 1) < 1e-3, (ns, sys.argv[2])' "$T/gups.json" "$1" "$2" && ok ||
	bad "tpt sim with the fragment does not model the probe's loop as the probe did"
"$TPT" sim --scheme native --workload gups:size=8M,updates=1K --config "$T/cal.ini" >/dev/null 2>"$T/err" &&
	ok || bad "tpt sim does not load the calibration: $(cat "$T/err")"

finish
